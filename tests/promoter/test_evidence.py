"""Evidence per version folded from game events."""

from __future__ import annotations

import json

from services.promoter.evidence import Evidence, EvidenceFolder
from services.promoter.stats import Tally
from shared.events import Event
from shared.features import Family, Move
from shared.features.scoring import ABANDONED_AFTER_S
from tests.promoter.builders import GameLog, finished_game, paired_game, positioned, prediction

FAM = Family.XGBOOST


def collect_evidence(events: list[Event]) -> Evidence:
    folder = EvidenceFolder()
    for event in events:
        folder.add(event)
    return folder.evidence


def test_games_count_for_the_version_that_served_whatever_its_slot() -> None:
    games = [
        finished_game("g1", FAM, "B", 7, "bot"),
        finished_game("g2", FAM, "B", 7, "user"),
        finished_game("g3", FAM, "Production", 7, "bot"),  # after a swap: same version, other slot
        finished_game("g4", FAM, "Production", 3, "user"),
    ]
    evidence = collect_evidence(positioned(games))
    assert (evidence.get(FAM, 7).games_won, evidence.get(FAM, 7).games_lost) == (2, 1)
    assert evidence.get(FAM, 3).games_lost == 1
    assert evidence.last_position == 8


def test_test_games_fallback_games_and_other_families_are_kept_apart() -> None:
    games = [
        finished_game("t1", FAM, "Production", 3, "bot", is_test=True),
        finished_game("f1", FAM, "Production", None, "bot"),
        finished_game("o1", Family.LIGHTGBM, "Production", 3, "bot"),
    ]
    evidence = collect_evidence(positioned(games))
    assert evidence.get(FAM, 3).games.total == 0
    assert evidence.get(Family.LIGHTGBM, 3).games_won == 1


def test_a_finished_game_is_one_paired_observation_per_pair_of_versions() -> None:
    versions = {"Production": 1, "B": 2, "shadow1": 3}
    game = paired_game("pg", FAM, "B", versions, better=2, winner="bot", rounds=4)
    events = positioned([game])
    evidence = collect_evidence(events[:-1])  # not finished yet: nothing counted, the sums wait
    assert evidence.pair(FAM, 1, 2).diffs.n == 0 and "pg" in evidence.open_games
    evidence = collect_evidence(events)
    pair = evidence.pair(FAM, 1, 2)
    assert pair.diffs.n == 1 and pair.diffs.total > 0  # v2 (higher) would win, v1 would lose
    assert evidence.pair(FAM, 3, 2).oriented(3)[0].total == -pair.diffs.total
    assert evidence.pair(FAM, 1, 3).diffs.total == 0  # both wrong alike
    assert pair.oriented(2)[1] == Tally(1, 0) and pair.oriented(1)[1] == Tally(0, 0)  # live: v2 served, won
    assert evidence.open_games == {}


def test_the_state_survives_json_and_abandoned_games_are_dropped() -> None:
    versions = {"Production": 1, "B": 2}
    done = paired_game("done", FAM, "Production", versions, better=1)
    events = positioned([done]) + positioned([paired_game("open", FAM, "B", versions, None)], 100)[:-1]
    folder = EvidenceFolder()
    for event in events:
        folder.add(event, occurred_at=1000.0)
    state = folder.evidence.to_json()
    again = Evidence.from_json(json.loads(json.dumps(state)))
    assert again.to_json() == state
    assert again.drop_abandoned(now=1000.0 + ABANDONED_AFTER_S + 1) == 1 and again.open_games == {}


def test_shadow_rounds_are_replayed_through_the_policy() -> None:
    # The player plays rock. A model sure of rock makes the policy play paper (would win);
    # one sure of scissors plays rock (draw); one sure of paper plays scissors (would lose).
    game = GameLog("r1", FAM, "Production", 1).start()
    game.round(
        Move.ROCK,
        Move.PAPER,
        {
            "Production": prediction(1, 0.98, 0.01, 0.01),
            "B": prediction(2, 0.01, 0.01, 0.98),
            "shadow1": prediction(3, 0.01, 0.98, 0.01),
            "shadow2": prediction(3, 0.01, 0.98, 0.01),  # same version twice: scored once
        },
    )
    evidence = collect_evidence(positioned([game]))
    v1, v2, v3 = (evidence.get(FAM, v) for v in (1, 2, 3))
    assert (v1.rounds, v1.correct, v1.would_win, v1.would_lose, v1.would_draw) == (1, 1, 1, 0, 0)
    assert (v2.rounds, v2.correct, v2.would_win, v2.would_lose, v2.would_draw) == (1, 0, 0, 0, 1)
    assert (v3.rounds, v3.correct, v3.would_win, v3.would_lose, v3.would_draw) == (1, 0, 0, 1, 0)


def test_replay_uses_the_score_before_the_round() -> None:
    # Bot at 7.5 before this round and 9.3 after it: with the score before, the policy plays
    # scissors (beats the player's paper); with the score after it would play rock and lose.
    game = GameLog("s1", FAM, "Production", 1).start()
    while game.bot_score < 7.0:
        game.round(Move.SCISSORS, Move.ROCK)
    assert game.bot_score == 7.5
    game.round(Move.PAPER, Move.SCISSORS, {"Production": prediction(1, 0.1, 0.3, 0.6)})
    assert game.bot_score == 9.3
    record = collect_evidence(positioned([game])).get(FAM, 1)
    assert (record.rounds, record.would_win, record.would_lose) == (1, 1, 0)


def test_fallback_predictions_and_test_games_are_not_scored() -> None:
    game = GameLog("x1", FAM, "Production", 1).start()
    game.round(Move.ROCK, Move.PAPER, {"Production": prediction(1, 0.9, 0.05, 0.05, source="fallback")})
    test_game = GameLog("x2", FAM, "Production", 1, is_test=True).start()
    test_game.round(Move.ROCK, Move.PAPER, {"Production": prediction(1, 0.9, 0.05, 0.05)})
    evidence = collect_evidence(positioned([game, test_game]))
    assert evidence.get(FAM, 1).rounds == 0


def fold_with_a_checkpoint(events: list[Event], cut: int, *, drop_seals: bool = False) -> Evidence:
    """Fold `events[:cut]`, save and load the state as JSON (as a checkpoint written before sealed
    rounds when `drop_seals`: open games without their pending seal), then fold the rest."""
    state = collect_evidence(events[:cut]).to_json()
    if drop_seals:
        state["open_games"] = {g: open_game[:4] for g, open_game in state["open_games"].items()}
    folder = EvidenceFolder(Evidence.from_json(json.loads(json.dumps(state))))
    for event in events[cut:]:
        folder.add(event)
    return folder.evidence


def test_a_pending_seal_survives_a_checkpoint() -> None:
    versions = {"Production": 1, "B": 2}
    events = positioned([paired_game("pg", FAM, "B", versions, better=2, rounds=4)])
    whole = collect_evidence(events)
    # Cut after round 2: round 3's seal (its predictions) was folded before the checkpoint.
    assert fold_with_a_checkpoint(events, 3).to_json() == whole.to_json()
    assert whole.get(FAM, 2).rounds == 4


def test_a_checkpoint_without_seals_loads_and_skips_one_round_per_open_game() -> None:
    versions = {"Production": 1, "B": 2}
    events = positioned([paired_game("pg", FAM, "B", versions, better=2, rounds=4)])
    evidence = fold_with_a_checkpoint(events, 3, drop_seals=True)
    assert (evidence.get(FAM, 1).rounds, evidence.get(FAM, 2).rounds) == (3, 3)  # round 3 is not replayed
    assert evidence.pair(FAM, 1, 2).diffs.n == 1 and evidence.open_games == {}
