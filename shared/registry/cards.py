"""Model cards: one JSON + Markdown card per registered version, kept in MLflow and in the serving cache.

The trainer writes a version's card when it registers it (`log_card`): data window and row count,
feature-contract and expert hashes, hyperparameters, holdout metrics, the gate's comparison with
Production and B, its verdict. `refresh_cards` keeps two sections current and rewrites only the
cards whose inputs changed: `ledger` (every ledger entry that moved one of its aliases or recorded
it) and `evidence` (the promoter's live and paired evidence, as it summarises it). Each card is
the run's artifact `card/card.json` + `card/card.md` and, while the version is in the serving
cache, `models/<family>/<version>/card/` beside its model (shared.serving_cache.layout.CARD_*).
"""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import mlflow.artifacts
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from shared.events import EventStore, LedgerEntry
from shared.features import ALIASES, POLICY_BY_FAMILY, Family
from shared.serving_cache import ServingCache
from shared.serving_cache.layout import CARD_DIR, CARD_JSON, CARD_MARKDOWN

log = logging.getLogger(__name__)

# Model-version tags: what the card last included, so a refresh rewrites only changed cards.
LEDGER_TAG = "card.ledger_position"
EVIDENCE_TAG = "card.evidence_digest"


def new_card(
    family: Family,
    version: int,
    run_id: str,
    *,
    data: Mapping[str, Any],
    contract_hash: str,
    experts_hash: str | None,
    hyperparameters: Mapping[str, Any],
    holdout: Mapping[str, float],
    gate: Mapping[str, Any],
) -> dict[str, Any]:
    """A version's card as the trainer knows it at registration (ledger and evidence still empty)."""
    return {
        "family": family.value,
        "policy": POLICY_BY_FAMILY[family].name,
        "version": version,
        "run_id": run_id,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "data": dict(data),
        "contract_hash": contract_hash,
        "experts_hash": experts_hash,
        "hyperparameters": dict(hyperparameters),
        "holdout": dict(holdout),
        "gate": dict(gate),
        "ledger": [],
        "evidence": None,
    }


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return "—" if value is None else str(value)


def card_markdown(card: Mapping[str, Any]) -> str:
    """The card for people: the same facts as the JSON."""
    data, gate = card.get("data") or {}, card.get("gate") or {}
    lines = [
        f"# {card['family']} v{card['version']} ({card.get('policy', '')})",
        "",
        f"MLflow run `{card.get('run_id')}`, created {card.get('created_at', '—')}.",
        "",
        "## Data",
        "",
        f"- window: {data.get('window_start', '—')} to {data.get('window_end', '—')} "
        f"({data.get('window_days', '—')} days), log read up to position {data.get('data_position', '—')}",
        f"- {data.get('rows', '—')} rows of {data.get('games', '—')} games",
        f"- feature contract `{card.get('contract_hash')}`, "
        f"expert columns `{card.get('experts_hash') or 'none'}`",
        "",
        "## Hyperparameters",
        "",
        *[f"- `{k}`: {_fmt(v)}" for k, v in sorted((card.get("hyperparameters") or {}).items())],
        "",
        "## Holdout",
        "",
        *[f"- {k}: {_fmt(v)}" for k, v in sorted((card.get("holdout") or {}).items())],
        "",
        f"## Offline gate: {'passed' if gate.get('passed') else 'refused'}",
        "",
        str(gate.get("reason", "")),
        "",
    ]
    comparisons = gate.get("comparisons") or []
    if comparisons:
        lines += [
            f"Compared on {gate.get('compared_rows')} holdout rows recorded after log position "
            f"{gate.get('unseen_after')} (points per round):",
            "",
            "| against | version | rows | candidate | incumbent | difference | upper bound |",
            "|---|---|---|---|---|---|---|",
            *[
                f"| {' and '.join(c['aliases'])} | {c['version']} | {c['rows']} "
                f"| {_fmt(c['candidate_score'])} | {_fmt(c['incumbent_score'])} "
                f"| {_fmt(c['difference'])} | {_fmt(c['upper_bound'])} |"
                + (f" {c['note']}" if c.get("note") else "")
                for c in comparisons
            ],
            "",
        ]
    lines += ["## Ledger", ""]
    ledger = card.get("ledger") or []
    lines += [
        f"- #{e['position']} {e['occurred_at']} **{e['action']}**: "
        f"{_fmt(e['before'])} → {_fmt(e['after'])} — {e['reason']}"
        for e in ledger
    ] or ["- no entry yet"]
    evidence = card.get("evidence")
    lines += ["", "## Evidence", ""]
    if evidence:
        lines += [
            f"Updated {card.get('evidence_updated_at', '—')}.",
            "",
            "```json",
            json.dumps(evidence, indent=2),
        ]
        lines += ["```"]
    else:
        lines += ["None recorded yet."]
    return "\n".join(lines) + "\n"


def card_files(card: Mapping[str, Any]) -> dict[str, bytes]:
    return {
        CARD_JSON: json.dumps(card, indent=2, sort_keys=True).encode(),
        CARD_MARKDOWN: card_markdown(card).encode(),
    }


def log_card(client: MlflowClient, run_id: str, card: Mapping[str, Any]) -> None:
    """Write the card into its run's artifacts (`card/card.json`, `card/card.md`), replacing them."""
    for name, data in card_files(card).items():
        client.log_text(run_id, data.decode(), f"{CARD_DIR}/{name}")


def read_card(client: MlflowClient, run_id: str) -> dict[str, Any] | None:
    """The card in a version's run, or None (a version registered before cards existed)."""
    with tempfile.TemporaryDirectory(prefix="rps-card-") as tmp:
        try:
            path = mlflow.artifacts.download_artifacts(
                run_id=run_id,
                artifact_path=f"{CARD_DIR}/{CARD_JSON}",
                dst_path=tmp,
                tracking_uri=client.tracking_uri,
            )
        except (MlflowException, OSError):
            return None
        loaded = json.loads(Path(path).read_text())
    return loaded if isinstance(loaded, dict) else None


def card_from_run(client: MlflowClient, family: Family, version: int, run_id: str | None) -> dict[str, Any]:
    """A card rebuilt from what the version's run logged, for a version registered before cards."""
    run = client.get_run(run_id) if run_id else None
    params = run.data.params if run is not None else {}
    metrics = run.data.metrics if run is not None else {}
    tags = run.data.tags if run is not None else {}

    def number(name: str) -> int | None:
        return int(params[name]) if name in params else None

    card = new_card(
        family,
        version,
        run_id or "",
        data={
            "window_start": params.get("data_window_start"),
            "window_end": params.get("data_window_end"),
            "window_days": number("window_days"),
            "rows": number("rows"),
            "games": number("games"),
            "data_position": number("data_position"),
        },
        contract_hash=params.get("contract_hash", ""),
        experts_hash=None,
        hyperparameters={k.removeprefix("model."): v for k, v in params.items() if k.startswith("model.")},
        holdout={k: v for k, v in metrics.items() if k.startswith("holdout_")},
        gate={"passed": tags.get("gate.passed") == "true", "reason": tags.get("gate.reason", "")},
    )
    card["note"] = "registered before model cards existed: rebuilt from its MLflow run"
    return card


def _card_of(client: MlflowClient, family: Family, version: int, run_id: str | None) -> dict[str, Any]:
    return (read_card(client, run_id) if run_id else None) or card_from_run(client, family, version, run_id)


def copy_card_to_cache(cache: ServingCache, client: MlflowClient, family: Family, version: int) -> None:
    """Put the version's card beside its (complete) model in the cache."""
    run_id = client.get_model_version(family.value, str(version)).run_id
    cache.put_card(family, version, card_files(_card_of(client, family, version, run_id)))


def _entry_json(entry: LedgerEntry, version: int) -> dict[str, Any]:
    def slots(aliases: Mapping[str, Any]) -> str | None:
        names = [a.value for a in ALIASES if aliases.get(a.value) == version]
        return ", ".join(names) or None

    return {
        "position": entry.position,
        "occurred_at": entry.occurred_at.isoformat(timespec="seconds"),
        "action": entry.action,
        "before": slots(entry.before),
        "after": slots(entry.after),
        "reason": entry.reason,
    }


def involved(entries: Iterable[LedgerEntry]) -> dict[int, list[LedgerEntry]]:
    """Per version, the entries (oldest first) that moved one of its aliases or recorded it."""
    result: dict[int, list[LedgerEntry]] = {}
    for entry in sorted(entries, key=lambda e: e.position):
        before, after = entry.before or {}, entry.after or {}
        versions = {
            int(v)
            for a in ALIASES
            if before.get(a.value) != after.get(a.value)
            for v in (before.get(a.value), after.get(a.value))
            if v is not None
        }
        subject = (entry.evidence or {}).get("version")
        if subject is not None:
            versions.add(int(subject))
        for v in versions:
            result.setdefault(v, []).append(entry)
    return result


def _digest(evidence: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(evidence, sort_keys=True, default=str).encode()).hexdigest()[:16]


def refresh_cards(
    store: EventStore,
    client: MlflowClient,
    cache: ServingCache,
    family: Family,
    evidence: Mapping[int, Mapping[str, Any]] | None = None,
) -> list[int]:
    """Rewrite the family's cards whose ledger entries or given evidence changed since they were last
    written (one tag read per candidate version otherwise); returns the versions rewritten."""
    evidence = evidence or {}
    entries = involved(store.ledger(family=family.value))
    refreshed = []
    for version in sorted(set(entries) | set(evidence)):
        try:
            registered = client.get_model_version(family.value, str(version))
        except MlflowException:
            log.warning("no card for %s v%s: not in the registry", family.value, version)
            continue
        tags, run_id = registered.tags or {}, registered.run_id
        mine = entries.get(version, [])
        position = str(mine[-1].position) if mine else ""
        digest = _digest(evidence[version]) if version in evidence else tags.get(EVIDENCE_TAG, "")
        if tags.get(LEDGER_TAG, "") == position and tags.get(EVIDENCE_TAG, "") == digest:
            continue
        card = _card_of(client, family, version, run_id)
        card["ledger"] = [_entry_json(e, version) for e in mine]
        if version in evidence:
            card["evidence"] = dict(evidence[version])
            card["evidence_updated_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        if run_id:
            log_card(client, run_id, card)
        if cache.has_model(family, version):
            cache.put_card(family, version, card_files(card))
        client.set_model_version_tag(family.value, str(version), LEDGER_TAG, position)
        client.set_model_version_tag(family.value, str(version), EVIDENCE_TAG, digest)
        refreshed.append(version)
    return refreshed
