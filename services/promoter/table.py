"""The evidence table printed by `python -m services.promoter evidence`. Pure."""

from __future__ import annotations

from services.promoter.decision import DEFAULT_RULE, Rule, decide
from services.promoter.evidence import Evidence
from services.promoter.ledger import AliasMap
from shared.features import Family

COLUMNS = ("alias", "version", "games W-L", "win rate", "rounds", "accuracy", "would W-L-D", "points/round")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def evidence_table(family: Family, aliases: AliasMap, evidence: Evidence, rule: Rule = DEFAULT_RULE) -> str:
    """One family: a row per alias with a version, then the test of B and what the next cycle would do."""
    rows: list[tuple[str, ...]] = [COLUMNS]
    for alias, version in aliases.items():
        if version is None:
            rows.append((alias.value, "-", *("" for _ in COLUMNS[2:])))
            continue
        record = evidence.get(family, version)
        per_round = record.points_per_round
        rows.append(
            (
                alias.value,
                f"v{version}",
                f"{record.games_won}-{record.games_lost}",
                _pct(record.games.rate),
                str(record.rounds),
                _pct(record.accuracy),
                f"{record.would_win}-{record.would_lose}-{record.would_draw}",
                "-" if per_round is None else f"{per_round:+.3f}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = [family.value] + [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows
    ]
    if any(v is not None for v in aliases.values()):
        decision = decide(family, aliases, evidence, rule)
        lines.append(f"next cycle: {decision.action.value}: {decision.reason}")
    return "\n".join(lines)
