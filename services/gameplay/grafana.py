"""Grafana's JSON datasource (simpod-json-datasource) over the promotion ledger and per-version games.

The protocol's shapes and the pure functions that fill them; the routes are in routes/internal.py.
Targets: `ledger` and `annotations` (tables), and per model version `bot_win_rate:<family>:<version>`
and `games:<family>:<version>` (time series of finished non-test games, bucketed by the panel's
interval).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.events import LedgerEntry

LEDGER = "ledger"
ANNOTATIONS = "annotations"
WIN_RATE = "bot_win_rate"
GAMES = "games"
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
    target: str = Field(max_length=256, pattern=rf"^({LEDGER}|{ANNOTATIONS}|({WIN_RATE}|{GAMES}):[^:]+:.+)$")
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


def targets(versions: Iterable[tuple[str, str]], contains: str = "") -> list[str]:
    """Every target (the tables, then two series per (family, version)) whose name contains `contains`."""
    names = [LEDGER, ANNOTATIONS]
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
