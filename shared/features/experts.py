"""Expert columns: a fixed expansion of the 50 features for linear models (the mnlogit family).

A linear map of the raw move one-hots cannot tell which rule a player follows; these columns can:

- seven hypotheses about the player's next move from the last round (repeat, beat or lose to
  its own last move; copy, beat or lose to the bot's last move; win-stay lose-shift), each as
  the predicted one-hot times whether the hypothesis was right one round ago, two rounds ago,
  and both;
- a transition memory (what a player who counts the bot's moves after each move expects): when
  the bot's last move also came one (two) rounds before, the player's move then showed what it
  expected after that move; the transition seen since is the other candidate. Columns: both
  candidates, when they differ, whether the new one wins a tie-break towards the earlier move,
  and the same scaled by 1 / step_no (one new count matters more early in a game).

They depend only on the six move lags (columns 0-17, four states each) and step_no, so they are
tables over the 4^6 lag codes: a model can fold its weights into the tables and predict with a
lookup. The wire contract stays the 50 features; `EXPERTS_HASH` names this expansion in artifacts.
"""

from __future__ import annotations

import hashlib

import numpy as np

from shared.features.features import FEATURE_NAMES, FloatArray, IntArray

N_MOVES = 3

MOVE_LAGS = 6  # user -1..-3, bot -1..-3: the one-hot blocks in columns 0-17
STEP_NO = FEATURE_NAMES.index("step_no")
LAG_CODES = 4**MOVE_LAGS  # each lag is rock, paper, scissors or absent


def _one_hot(idx: IntArray) -> FloatArray:
    """[n, 3] one-hot of move indices; -1 (absent) gives a zero row."""
    out = np.zeros((idx.shape[0], N_MOVES))
    present = np.flatnonzero(idx >= 0)
    out[present, idx[present]] = 1.0
    return out


def _shift(move: IntArray, by: int) -> IntArray:
    """The move `by` steps on (1: the move that beats it), absent stays absent."""
    return np.where(move >= 0, (move + by) % 3, -1)


def _hypotheses(user: IntArray, bot: IntArray) -> list[IntArray]:
    """Predicted next player move of each hypothesis, from one round's moves."""
    won = (user >= 0) & ((user - bot) % 3 == 1)
    wsls = np.where(user >= 0, np.where(won, user, _shift(bot, 1)), -1)
    return [
        _shift(user, 0),
        _shift(user, 1),
        _shift(user, 2),
        _shift(bot, 0),
        _shift(bot, 1),
        _shift(bot, 2),
        wsls,
    ]


def _lag_tables() -> tuple[FloatArray, FloatArray]:
    """Expert columns of every lag code: the fixed part [4^6, k1] and the part times 1/step_no [4^6, k2]."""
    code = np.arange(LAG_CODES)
    digits = [(code // 4 ** (MOVE_LAGS - 1 - i)) % 4 for i in range(MOVE_LAGS)]
    u1, u2, u3, b1, b2, b3 = (np.where(d == 3, -1, d).astype(np.int64) for d in digits)
    fixed: list[FloatArray] = []
    for now, before, earlier in zip(
        _hypotheses(u1, b1), _hypotheses(u2, b2), _hypotheses(u3, b3), strict=True
    ):
        predicted = _one_hot(now)
        right1 = ((before == u1) & (u1 >= 0)).astype(np.float64)[:, None]
        right2 = ((earlier == u2) & (u2 >= 0)).astype(np.float64)[:, None]
        fixed += [right1 * predicted, right2 * predicted, right1 * right2 * predicted]
    scaled: list[FloatArray] = []
    repeated12 = (b1 == b2) & (b1 >= 0)
    repeated13 = (b1 == b3) & (b1 >= 0) & ~repeated12
    for repeated, old, seen in ((repeated12, u1, b1), (repeated13, u2, b2)):
        new = _shift(seen, 1)  # beats the successor seen since
        agree = (repeated & (old == new)).astype(np.float64)[:, None]
        differ = repeated & (old != new)
        tie = (differ & (seen < _shift(old, 2))).astype(np.float64)[:, None]  # ties go to the earlier move
        differ_f = differ.astype(np.float64)[:, None]
        fixed += [agree * _one_hot(old), differ_f * _one_hot(old), differ_f * _one_hot(new)]
        fixed += [tie * _one_hot(old), tie * _one_hot(new)]
        scaled += [differ_f * _one_hot(old), differ_f * _one_hot(new)]
    return np.hstack(fixed), np.hstack(scaled)


FIXED_TABLE, SCALED_TABLE = _lag_tables()
EXPERT_COUNT = FIXED_TABLE.shape[1] + SCALED_TABLE.shape[1]
_DIGIT_WEIGHTS = 4 ** np.arange(MOVE_LAGS - 1, -1, -1)
# A lag's digit is its move's index, or 3 when absent: 3 - sum_j (3 - j) * onehot_j, the one-hots
# being exact 0/1 (the contract). So a row's code is one dot product with its 18 lag columns.
_ALL_ABSENT = int(3 * _DIGIT_WEIGHTS.sum())
_CODE_COLUMNS = -np.repeat(_DIGIT_WEIGHTS, 3) * np.tile(np.arange(3, 0, -1), MOVE_LAGS)


def lag_codes(x: FloatArray) -> IntArray:
    """Each row's six move lags as one code in [0, 4^6); a missing (NaN) value counts as no move."""
    lags = np.nan_to_num(x[:, : 3 * MOVE_LAGS], nan=0.0)
    # Clipped: a row outside the contract (one-hots not 0/1, an API caller's) must still index the tables.
    return np.clip(np.rint(lags @ _CODE_COLUMNS + _ALL_ABSENT), 0, LAG_CODES - 1).astype(np.int64)


def inverse_step(x: FloatArray) -> FloatArray:
    """1 / step_no of each row (the scaled columns' factor)."""
    return 1.0 / np.maximum(x[:, STEP_NO], 1.0)


def expert_features(x: FloatArray) -> FloatArray:
    """[n, EXPERT_COUNT] expert columns of feature rows [n, 50] (see the module docstring)."""
    codes = lag_codes(x)
    return np.hstack([FIXED_TABLE[codes], SCALED_TABLE[codes] * inverse_step(x)[:, None]])


EXPERTS_HASH = hashlib.sha256(
    np.ascontiguousarray(FIXED_TABLE).tobytes() + np.ascontiguousarray(SCALED_TABLE).tobytes()
).hexdigest()[:16]
