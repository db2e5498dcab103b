"""Grafana's JSON datasource (simpod-json-datasource) over the promotion ledger and per-version evidence.

The protocol's shapes and the pure functions that fill them; the routes are in routes/internal.py.
Targets: `ledger` and `annotations` (tables); `evidence` (table: every paired test of a challenger
against Production as the promoter's last cycle computed it, from its `promoter.status` checkpoint);
per family `paired:<family>:<figure>` (time series of a figure of the test of B at each ledger
decision, then at the last cycle); per model version `bot_win_rate:<family>:<version>` and
`games:<family>:<version>` (time series of finished non-test games, bucketed by the panel's interval).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.events import LedgerEntry

LEDGER = "ledger"
ANNOTATIONS = "annotations"
EVIDENCE = "evidence"
PAIRED = "paired"
WIN_RATE = "bot_win_rate"
GAMES = "games"
# The figures of a paired test (the promoter's PairTest JSON): the mean B − Production points per
# game, its always-valid bounds, and the paired games they stand on.
PAIRED_FIGURES = ("mean_points_per_game", "low", "high", "paired_games")
# Alias moves that change who serves players: the default annotation track.
SERVING_ACTIONS = ("promote", "rollback")
MAX_BUCKETS = 10_000  # a panel never needs more points than pixels


class TimeRange(BaseModel):
    model_config = ConfigDict(extra="ignore")

    from_: AwareDatetime = Field(alias="from")
    to: AwareDatetime


class Target(BaseModel):
    model_config = ConfigDict(extra="ignore")

    # In the schema too, so a client (or a fuzzer) can tell a valid target from the OpenAPI alone.
    target: str = Field(
        max_length=256,
        pattern=rf"^({LEDGER}|{ANNOTATIONS}|{EVIDENCE}|{PAIRED}:[^:]+:({'|'.join(PAIRED_FIGURES)})"
        rf"|({WIN_RATE}|{GAMES}):[^:]+:.+)$",
    )
    refId: str | None = None  # noqa: N815 - Grafana's field name
    type: Literal["timeserie", "timeseries", "table"] | None = None
    payload: dict[str, Any] = {}


class QueryRequest(BaseModel):
    """What Grafana posts to /query (extra fields such as scopedVars are ignored)."""

    model_config = ConfigDict(extra="ignore")

    range: TimeRange
    # Bounded (a year; a million points): a 2^64 would reach the JSON encoder and be a 500.
    intervalMs: int = Field(60_000, ge=1, le=366 * 86_400_000)  # noqa: N815
    maxDataPoints: int | None = Field(None, ge=1, le=1_000_000)  # noqa: N815
    targets: list[Target] = Field(default_factory=list, max_length=50)


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    target: str = Field("", max_length=256)


class Annotation(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str = ""
    query: str = Field("", max_length=512)


class AnnotationRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    range: TimeRange
    annotation: Annotation = Annotation()


class TimeSerie(BaseModel):
    target: str
    datapoints: list[tuple[float, int]]


class Column(BaseModel):
    text: str
    type: Literal["time", "string", "number"]


class Table(BaseModel):
    type: Literal["table"] = "table"
    columns: list[Column]
    rows: list[list[Any]]


class AnnotationEvent(BaseModel):
    annotation: dict[str, Any]
    time: int
    title: str
    text: str
    tags: list[str]


class UnknownTargetError(ValueError):
    """A target this datasource does not serve (the message lists the ones it does)."""


def epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def targets(families: Iterable[str], versions: Iterable[tuple[str, str]], contains: str = "") -> list[str]:
    """Every target (the tables, the paired figures per family, then two series per (family, version))
    whose name contains `contains`."""
    names = [LEDGER, ANNOTATIONS, EVIDENCE]
    names += [f"{PAIRED}:{family}:{figure}" for family in families for figure in PAIRED_FIGURES]
    names += [f"{kind}:{family}:{version}" for family, version in versions for kind in (WIN_RATE, GAMES)]
    return [n for n in names if contains.lower() in n.lower()]


def _label(value: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(value.items()) if v is not None)


def ledger_table(entries: Sequence[LedgerEntry]) -> Table:
    """Every ledger entry as a row, newest first."""
    columns = [Column(text="Time", type="time")] + [
        Column(text=name, type="string") for name in ("family", "action", "before", "after", "reason")
    ]
    rows = [
        [epoch_ms(e.occurred_at), e.family, e.action, _label(e.before), _label(e.after), e.reason]
        for e in entries
    ]
    return Table(columns=columns, rows=rows)


def _title(entry: LedgerEntry) -> str:
    production = (entry.before.get("Production"), entry.after.get("Production"))
    moved = f" (Production v{production[0]} → v{production[1]})" if production[0] != production[1] else ""
    return f"{entry.family}: {entry.action}{moved}"


def annotation_filter(query: str) -> tuple[set[str], set[str]]:
    """`query` as (actions, families): comma-separated words; no action named means promote and rollback."""
    words = {w.strip() for w in query.split(",") if w.strip()}
    families = {w for w in words if w.startswith("rps_bot_")}
    actions = (words - families) or set(SERVING_ACTIONS)
    return actions, families


def annotation_events(entries: Sequence[LedgerEntry], annotation: Annotation) -> list[AnnotationEvent]:
    """The ledger entries the annotation's query selects, as Grafana annotations."""
    actions, families = annotation_filter(annotation.query)
    original = annotation.model_dump()
    return [
        AnnotationEvent(
            annotation=original,
            time=epoch_ms(e.occurred_at),
            title=_title(e),
            text=e.reason,
            tags=[e.family, e.action],
        )
        for e in entries
        if e.action in actions and (not families or e.family in families)
    ]


def annotations_table(entries: Sequence[LedgerEntry], query: str) -> Table:
    """The same annotations as a table (time, title, text, tags): what the plugin's newer versions read."""
    events = annotation_events(entries, Annotation(query=query))
    columns = [
        Column(text="time", type="time"),
        Column(text="title", type="string"),
        Column(text="text", type="string"),
        Column(text="tags", type="string"),
    ]
    return Table(columns=columns, rows=[[a.time, a.title, a.text, ",".join(a.tags)] for a in events])


def _bucket_ms(request: QueryRequest) -> int:
    span = max(1, epoch_ms(request.range.to) - epoch_ms(request.range.from_))
    limit = min(request.maxDataPoints or MAX_BUCKETS, MAX_BUCKETS)
    return max(request.intervalMs, -(-span // limit))


def version_series(target: str, games: Iterable[Mapping[str, Any]], request: QueryRequest) -> TimeSerie:
    """`bot_win_rate:<family>:<version>` (bot wins / finished games) or `games:...` (count) per bucket."""
    kind, _, rest = target.partition(":")
    family, _, version = rest.partition(":")
    if kind not in (WIN_RATE, GAMES) or not family or not version:
        raise UnknownTargetError(target)
    step = _bucket_ms(request)
    counts: dict[int, list[int]] = {}
    for game in games:
        if game["family"] != family or str(game["model_version"]) != version:
            continue
        bucket = epoch_ms(game["finished_at"]) // step * step
        tally = counts.setdefault(bucket, [0, 0])
        tally[0] += 1
        tally[1] += game["winner"] == "bot"
    points = [
        (float(n) if kind == GAMES else round(wins / n, 4), bucket)
        for bucket, (n, wins) in sorted(counts.items())
    ]
    return TimeSerie(target=target, datapoints=points)


def _figure(value: Any) -> float | None:
    """A bound that was infinite (too few paired games) is stored as null: no value."""
    return None if value is None else round(float(value), 4)


def evidence_table(status: Mapping[str, Mapping[str, Any]]) -> Table:
    """Each family's paired tests in the promoter's last cycle: B's, then each waiting challenger's."""
    columns = [Column(text="Time", type="time")]
    columns += [Column(text=name, type="string") for name in ("family", "slot")]
    columns += [
        Column(text=name, type="number")
        for name in ("challenger", "incumbent", "paired_games", "mean_points_per_game", "low", "high")
    ]
    columns += [Column(text=name, type="string") for name in ("verdict", "reason")]
    rows = []
    for family, cycle in sorted(status.items()):
        tests = [("B", cycle.get("test"))]
        tests += [("waiting", test) for _, test in sorted((cycle.get("waiting") or {}).items())]
        for slot, test in tests:
            if test is None:
                continue
            rows.append(
                [
                    int(float(cycle["at"]) * 1000),
                    family,
                    slot,
                    test["challenger"],
                    test["incumbent"],
                    test["paired_games"],
                    *(_figure(test[k]) for k in ("mean_points_per_game", "low", "high")),
                    test["verdict"],
                    test["reason"],
                ]
            )
    return Table(columns=columns, rows=rows)


def paired_series(
    target: str,
    entries: Iterable[LedgerEntry],
    status: Mapping[str, Mapping[str, Any]],
    time_range: TimeRange,
) -> TimeSerie:
    """`paired:<family>:<figure>`: the figure of the test of B in each ledger entry's evidence (the
    decisions), then in the last cycle's status if it came later, within the range."""
    _, family, figure = target.split(":", 2)  # Target's pattern names one of PAIRED_FIGURES
    decisions = [(epoch_ms(e.occurred_at), e.evidence.get("test")) for e in entries if e.family == family]
    tests = sorted(decisions, key=lambda decision: decision[0])
    last = status.get(family)
    if last is not None and (not tests or float(last["at"]) * 1000 > tests[-1][0]):
        tests.append((int(float(last["at"]) * 1000), last.get("test")))
    start, end = epoch_ms(time_range.from_), epoch_ms(time_range.to)
    points = []
    for at_ms, test in tests:
        value = _figure(test.get(figure)) if isinstance(test, Mapping) else None
        if value is not None and start <= at_ms <= end:
            points.append((value, at_ms))
    return TimeSerie(target=target, datapoints=points)
