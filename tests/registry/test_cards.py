"""Model cards: written with the version, copied beside the model in the cache, refreshed only when
their ledger entries or evidence changed."""

from __future__ import annotations

import json

from mlflow import MlflowClient

from shared.events import AliasAction, EventStore
from shared.features import ALIASES, FEATURE_CONTRACT_HASH
from shared.registry import AliasMove, RegistryEdges, apply_move
from shared.registry.cards import card_markdown, log_card, new_card, read_card, refresh_cards
from shared.serving_cache import ServingCache
from shared.serving_cache.layout import CARD_JSON, CARD_MARKDOWN
from tests.mlflow_edges import FAMILY

GATE = {
    "passed": True,
    "reason": "beats chance and is not worse",
    "compared_rows": 120,
    "unseen_after": 40,
    "comparisons": [
        {
            "aliases": ["Production", "B"],
            "version": 1,
            "rows": 120,
            "candidate_score": 0.8,
            "incumbent_score": 0.7,
            "difference": 0.1,
            "upper_bound": 0.3,
            "note": "",
        }
    ],
}


def write_cards(client: MlflowClient, versions: list[int]) -> None:
    for version in versions:
        run_id = client.get_model_version(FAMILY.value, str(version)).run_id or ""
        card = new_card(
            FAMILY,
            version,
            run_id,
            data={"rows": 500 + version, "games": 40, "window_days": 30, "data_position": 100 * version},
            contract_hash=FEATURE_CONTRACT_HASH,
            experts_hash=None,
            hyperparameters={"max_iter": 3},
            holdout={"holdout_score_per_round": 0.8},
            gate=GATE,
        )
        log_card(client, run_id, card)


def test_cards_follow_the_ledger_and_the_evidence_and_only_changed_ones_are_rewritten(
    store: EventStore, mlflow_client: MlflowClient, cache: ServingCache, versions: list[int]
) -> None:
    v1, v2, v3 = versions
    write_cards(mlflow_client, versions)
    edges = RegistryEdges(mlflow_client, cache)
    first = dict(zip(ALIASES, (v1, v1, v1, v1), strict=True))
    start = AliasMove(FAMILY, AliasAction.REGISTER, dict.fromkeys(ALIASES), first, "first", {"version": v1})
    apply_move(store, edges, start)
    shadow = {**first, ALIASES[3]: v2}
    apply_move(store, edges, AliasMove(FAMILY, AliasAction.REGISTER, first, shadow, "v2 in", {"version": v2}))
    refused = AliasMove(FAMILY, AliasAction.REGISTER, shadow, shadow, "v3 refused", {"version": v3})
    apply_move(store, edges, refused)

    assert refresh_cards(store, mlflow_client, cache, FAMILY) == [v1, v2, v3]
    assert refresh_cards(store, mlflow_client, cache, FAMILY) == []  # nothing changed: nothing rewritten

    run_of = {v: mlflow_client.get_model_version(FAMILY.value, str(v)).run_id or "" for v in versions}
    card = read_card(mlflow_client, run_of[v2])
    assert card is not None and card["data"]["rows"] == 502 and card["gate"] == GATE
    assert [(e["action"], e["before"], e["after"]) for e in card["ledger"]] == [("register", None, "shadow2")]
    refused_card = read_card(mlflow_client, run_of[v3])
    assert refused_card is not None and refused_card["ledger"][0]["reason"] == "v3 refused"
    # Beside the aliased models in the cache, the same card; none for v3, which has no alias.
    cached = cache.read_card(FAMILY, v2)
    assert cached is not None and json.loads(cached)["ledger"] == card["ledger"]
    assert (cache.read_card(FAMILY, v2, CARD_MARKDOWN) or b"").startswith(b"# rps_bot_mnlogit v2")
    assert cache.read_card(FAMILY, v3) is None

    evidence = {v1: {"games_won": 60, "games_lost": 40}, v2: {"paired_rounds": 300, "difference": 0.12}}
    assert refresh_cards(store, mlflow_client, cache, FAMILY, evidence) == [v1, v2]
    assert refresh_cards(store, mlflow_client, cache, FAMILY, evidence) == []
    assert refresh_cards(store, mlflow_client, cache, FAMILY, {v2: {"paired_rounds": 301}}) == [v2]
    v1_card = json.loads(cache.read_card(FAMILY, v1) or b"{}")
    assert v1_card["evidence"] == {"games_won": 60, "games_lost": 40}

    promote = AliasMove(FAMILY, AliasAction.PROMOTE, shadow, {**shadow, ALIASES[0]: v2}, "v2 won")
    apply_move(store, edges, promote)
    assert refresh_cards(store, mlflow_client, cache, FAMILY) == [v1, v2]  # only the two it moved
    after = read_card(mlflow_client, run_of[v2])
    assert after is not None and after["ledger"][-1]["after"] == "Production, shadow2"
    assert after["evidence"] == {"paired_rounds": 301}  # kept when the promoter passes no new evidence


def test_the_markdown_says_what_the_json_says() -> None:
    card = new_card(
        FAMILY,
        4,
        "run-4",
        data={"rows": 900, "games": 70, "window_start": "2026-11-01", "window_end": "2026-11-27"},
        contract_hash="abc",
        experts_hash="e1",
        hyperparameters={"c_path": [0.1, 1.0]},
        holdout={"holdout_accuracy": 0.61},
        gate={**GATE, "passed": False, "reason": "worse than Production v1"},
    )
    text = card_markdown(card)
    assert text.startswith("# rps_bot_mnlogit v4 (logan)")
    for fact in ("900 rows of 70 games", "`abc`", "`e1`", "0.6100", "refused", "worse than Production v1"):
        assert fact in text
    assert "| Production and B | 1 | 120 | 0.8000 | 0.7000 | 0.1000 | 0.3000 |" in text
    assert CARD_JSON == "card.json"
