"""The game core: rules, round points, openings, features and policies. Pure: no I/O.

Everything gameplay, inference and the trainer know about the game comes from here.
"""

from shared.features.families import (
    ALIASES,
    BANDIT_FLOOR,
    CHALLENGERS,
    FAMILIES,
    SERVING_ALIASES,
    Alias,
    Family,
    bandit_share_b,
    place_candidate,
    select_alias,
)
from shared.features.features import (
    FEATURE_CONTRACT_HASH,
    FEATURE_COUNT,
    FEATURE_NAMES,
    FIRST_MODEL_ROUND,
    Dataset,
    GameRounds,
    build_dataset,
    extract_features_stateless,
)
from shared.features.moves import MOVES, Move, Result, beaten_by, beater_of, parse_move, round_result
from shared.features.openings import OPENINGS, Opening, choose_opening, is_opening_round, opening_move
from shared.features.points import RoundPoints, deterministic_round_points, ranked_moves
from shared.features.policies import (
    GAME_VALUE,
    POLICIES,
    POLICY_BY_FAMILY,
    Policy,
    choose_move,
    expected_values,
    fallback_move,
    get_policy,
    replayed_value,
    round_value,
)
from shared.features.scoring import MAX_ROUNDS, TARGET_POINTS, RoundOutcome, Winner, game_winner, score_round
from shared.features.sealing import SEAL_KEY_BYTES, commitment, round_nonce

__all__ = [
    "ALIASES",
    "BANDIT_FLOOR",
    "CHALLENGERS",
    "FAMILIES",
    "FEATURE_CONTRACT_HASH",
    "FEATURE_COUNT",
    "FEATURE_NAMES",
    "FIRST_MODEL_ROUND",
    "GAME_VALUE",
    "MAX_ROUNDS",
    "MOVES",
    "OPENINGS",
    "POLICIES",
    "POLICY_BY_FAMILY",
    "SEAL_KEY_BYTES",
    "SERVING_ALIASES",
    "TARGET_POINTS",
    "Alias",
    "Dataset",
    "Family",
    "GameRounds",
    "Move",
    "Opening",
    "Policy",
    "Result",
    "RoundOutcome",
    "RoundPoints",
    "Winner",
    "bandit_share_b",
    "beaten_by",
    "beater_of",
    "build_dataset",
    "choose_move",
    "choose_opening",
    "commitment",
    "deterministic_round_points",
    "expected_values",
    "extract_features_stateless",
    "fallback_move",
    "game_winner",
    "get_policy",
    "is_opening_round",
    "opening_move",
    "parse_move",
    "place_candidate",
    "ranked_moves",
    "replayed_value",
    "round_nonce",
    "round_result",
    "round_value",
    "score_round",
    "select_alias",
]
