"""The evidence table printed by `python -m services.promoter evidence`. Pure."""

from __future__ import annotations

from services.promoter.decision import DEFAULT_RULE, Rule, check_swap
from services.promoter.evidence import Evidence
from services.promoter.ledger import AliasMap, FamilyHistory
from shared.features import Alias, Family

COLUMNS = ("alias", "version", "games W-L", "win rate", "fresh", "rounds", "accuracy", "would W-L-D", "score")


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def evidence_table(
    family: Family, aliases: AliasMap, evidence: Evidence, history: FamilyHistory, rule: Rule = DEFAULT_RULE
) -> str:
    """One family: a row per alias with a version, then the Production-versus-B verdict."""
    rows: list[tuple[str, ...]] = [COLUMNS]
    for alias, version in aliases.items():
        if version is None:
            rows.append((alias.value, "-", *("" for _ in COLUMNS[2:])))
            continue
        record = evidence.get(family, version)
        games, fresh = record.game_tally(history.last_rollback), record.game_tally(history.last_pair_change)
        rows.append(
            (
                alias.value,
                f"v{version}",
                f"{games.wins}-{games.losses}",
                _pct(games.rate),
                str(fresh.total),
                str(record.rounds),
                _pct(record.accuracy),
                f"{record.would_win}-{record.would_lose}-{record.would_draw}",
                f"{record.round_tally.posterior_mean:.3f}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = [family.value] + [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows
    ]
    prod, b = aliases.get(Alias.PRODUCTION), aliases.get(Alias.B)
    if prod is not None and b is not None and prod != b:
        check = check_swap(evidence.get(family, prod), evidence.get(family, b), history, rule)
        verdict = "ready" if check.ready else "not ready"
        lines.append(f"B vs Production: {check.reason} ({verdict}; swap at >= {rule.swap_probability})")
    return "\n".join(lines)
