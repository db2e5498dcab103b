"""The events' payloads: one frozen class per event type and schema version. Pure.

Writers build a payload through its class, readers get one back from `decode_payload`, which
first upgrades an older stored version with the upcasters at the end of this module; no code
outside this module reads a payload's JSON by key. The classes are slotted dataclasses with a
hand-written JSON mapping and no validation: RoundPlayed is built, encoded and applied on the
/play hot path (here ~4 µs per round for build + encode + decode, a pydantic model ~3x that).

The JSON of each version is documented in docs/architecture.md ("Events").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from shared.events.errors import UnknownEventTypeError, UnknownSchemaVersionError
from shared.features import (
    ALIASES,
    FEATURE_CONTRACT_HASH,
    MOVES,
    Alias,
    Move,
    Result,
    RoundOutcome,
    RoundPoints,
    Winner,
    round_result,
)
from shared.streams import EventType

# A recorded prediction keeps thousandths (17 digits cost bytes, not evidence), stored as the
# integers of rock and paper: scissors is the rest of 1000.
PERMILLE = 1000

# Aggregates hold one writer's versions as inference answered them (str); older payloads hold ints.
Probabilities = Mapping[Move, float]


class AliasAction(StrEnum):
    """What an `AliasesChanged` event (a ledger entry) records."""

    REGISTER = "register"
    PROMOTE = "promote"
    REORDER = "reorder"
    REJECT = "reject"  # a challenger's test ended without a promotion: it leaves its slot
    RETAIN = "retain"
    INSUFFICIENT_DATA = "insufficient_data"
    ROLLBACK = "rollback"


class BotSource(StrEnum):
    """Where a round's bot move came from."""

    OPENING = "opening"
    MODEL = "model"
    FALLBACK = "fallback"


def _version(value: object) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True, slots=True)
class SealedMove:
    """The bot's move for a round with what decided it: the source, the serving model's version and
    every alias's prediction. Normally decided and logged before its commitment is shown, a round
    ahead (DESIGN §2 "Sealed moves"); this record is then the one copy of it (`revealed`).

    JSON (GameStarted `seal`, RoundPlayed `nx`): `b` the move, `src` the source, `v` the serving
    version (absent unless a model chose), `av` every alias's version in ALIASES order, `pr` each
    distinct version's prediction once; the round is the one after the event's (1 in GameStarted),
    its nonce derives from the game's `seal_key` (shared.features.round_nonce), so neither is
    stored. A round no seal fixed holds `src`, `v`, `av`, `pr` beside its own `b`."""

    round_no: int
    bot_move: Move
    bot_source: BotSource
    model_version: str | None
    alias_versions: Mapping[Alias, str] = field(default_factory=dict)
    predictions: Mapping[str, Probabilities] = field(default_factory=dict)

    @classmethod
    def record(
        cls,
        round_no: int,
        bot_move: Move,
        *,
        bot_source: BotSource,
        model_version: str | None,
        answers: Mapping[str, Mapping[str, Any]],
    ) -> SealedMove:
        """`answers`: inference's batch answer, kept once per distinct model version (as in RoundPlayed)."""
        alias_versions, predictions = _compact_answers(answers)
        return cls(round_no, bot_move, bot_source, model_version, alias_versions, predictions)

    def predictions_by_alias(self) -> dict[Alias, tuple[str, Probabilities]]:
        """Each alias that answered -> (its version, that version's prediction)."""
        return {a: (v, self.predictions[v]) for a, v in self.alias_versions.items() if v in self.predictions}

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"b": self.bot_move.value}
        self.put_decision(out)
        return out

    def put_decision(self, out: dict[str, Any]) -> None:
        """Write what decided the move (`src`, `v`, `av`, `pr`) into `out`, whose `b` is the move."""
        out["src"] = self.bot_source.value
        if self.model_version is not None:
            out["v"] = self.model_version
        if self.predictions:
            out["av"] = [self.alias_versions.get(a) for a in ALIASES]
            out["pr"] = {
                v: [round(p[Move.ROCK] * PERMILLE), round(p[Move.PAPER] * PERMILLE)]
                for v, p in self.predictions.items()
            }

    def to_state(self) -> list[Any]:
        """[round, JSON]: a pending seal in a reader's checkpoint state (`from_state` reads it back)."""
        return [self.round_no, self.to_json()]

    @classmethod
    def from_state(cls, state: Sequence[Any]) -> SealedMove:
        round_no, data = state
        return cls.from_json(int(round_no), data)

    @classmethod
    def from_json(cls, round_no: int, data: Mapping[str, Any]) -> SealedMove:
        alias_versions, predictions = _get_predictions(data)
        return cls(
            round_no=round_no,
            bot_move=Move(data["b"]),
            bot_source=BotSource(data["src"]),
            model_version=_version(data.get("v")),
            alias_versions=alias_versions,
            predictions=predictions,
        )


def _get_predictions(data: Mapping[str, Any]) -> tuple[dict[Alias, str], dict[str, Probabilities]]:
    versions = data.get("av") or ()
    alias_versions = {a: str(v) for a, v in zip(ALIASES, versions, strict=False) if v is not None}
    predictions = {str(v): _from_permille(int(r), int(p)) for v, (r, p) in (data.get("pr") or {}).items()}
    return alias_versions, predictions


@dataclass(frozen=True, slots=True)
class GameStarted:
    """A game began; everything that stays fixed for the game (aggregate: the game id)."""

    TYPE: ClassVar[EventType] = EventType.GAME_STARTED
    VERSION: ClassVar[int] = 1

    game_id: str
    player_name: str
    session_id: str
    policy: str
    family: str
    alias: str
    opening: str
    is_test: bool
    ab_enabled: bool
    # Sealed moves (absent in games started before them): the key every round's nonce derives from
    # (16 random bytes, hex; never shown), and round 1's sealed move.
    seal_key: str | None = None
    seal: SealedMove | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "game_id": self.game_id,
            "player_name": self.player_name,
            "session_id": self.session_id,
            "policy": self.policy,
            "family": self.family,
            "alias": self.alias,
            "opening": self.opening,
            "is_test": self.is_test,
            "ab_enabled": self.ab_enabled,
        }
        if self.seal_key is not None and self.seal is not None:
            out["seal_key"] = self.seal_key
            out["seal"] = self.seal.to_json()
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> GameStarted:
        seal = data.get("seal")
        return cls(
            game_id=str(data["game_id"]),
            player_name=str(data["player_name"]),
            session_id=str(data["session_id"]),
            policy=str(data["policy"]),
            family=str(data["family"]),
            alias=str(data["alias"]),
            opening=str(data["opening"]),
            is_test=bool(data["is_test"]),
            ab_enabled=bool(data["ab_enabled"]),
            seal_key=None if seal is None else str(data["seal_key"]),
            seal=None if seal is None else SealedMove.from_json(1, seal),
        )


@dataclass(frozen=True, slots=True)
class RoundPlayed:
    """One round: the moves, the scores after it, its values, and the next round's seal (aggregate:
    the game id).

    What decided the bot's move (source, serving version, every alias's prediction) is stored once:
    in the seal logged before the round, which `revealed` joins with it, or in a round no seal fixed,
    in the round itself (`unsealed`). The game's family and serving alias are in its GameStarted;
    the round's result and deltas follow from the moves and points (properties)."""

    TYPE: ClassVar[EventType] = EventType.ROUND_PLAYED
    VERSION: ClassVar[int] = 4

    round_no: int
    user_move: Move
    bot_move: Move
    user_score: float  # after the round
    bot_score: float
    points: RoundPoints
    latency_ms: float
    # The round's own record of its bot move: in games before sealed moves, and in every round stored
    # before v4 (a second copy of its seal's then). None: the seal logged before the round holds it.
    unsealed: SealedMove | None = None
    next_seal: SealedMove | None = None  # the next round's sealed move (None once the game ended)

    @classmethod
    def revealing(
        cls,
        seal: SealedMove,
        user_move: Move,
        points: RoundPoints,
        outcome: RoundOutcome,
        *,
        latency_ms: float,
        next_seal: SealedMove | None,
        logged: bool = True,
    ) -> RoundPlayed:
        """The round whose bot move `seal` fixed, scored as `outcome`, carrying the next round's seal.
        A seal not `logged` before (a game started before sealed moves) is stored in the round."""
        return cls(
            round_no=seal.round_no,
            user_move=user_move,
            bot_move=seal.bot_move,
            user_score=outcome.user_score,
            bot_score=outcome.bot_score,
            points=points,
            latency_ms=round(latency_ms, 2),
            unsealed=None if logged else seal,
            next_seal=next_seal,
        )

    @classmethod
    def record(
        cls,
        round_no: int,
        user_move: Move,
        bot_move: Move,
        points: RoundPoints,
        outcome: RoundOutcome,
        *,
        bot_source: BotSource,
        model_version: str | None,
        answers: Mapping[str, Mapping[str, Any]],
        latency_ms: float,
    ) -> RoundPlayed:
        """A round no seal fixed, scored by `shared.features.score_round`; `answers` is inference's
        batch answer ({alias: {model_version, probabilities, source}}), kept once per distinct version."""
        bot = SealedMove.record(
            round_no, bot_move, bot_source=bot_source, model_version=model_version, answers=answers
        )
        return cls.revealing(
            bot, user_move, points, outcome, latency_ms=latency_ms, next_seal=None, logged=False
        )

    @property
    def result(self) -> Result:
        """From the player's side."""
        return round_result(self.user_move, self.bot_move)

    @property
    def user_delta(self) -> float:
        return self.points[self.user_move] if self.result is Result.WIN else 0.0

    @property
    def bot_delta(self) -> float:
        return self.points[self.bot_move] if self.result is Result.LOSE else 0.0

    def to_json(self) -> dict[str, Any]:
        # Short keys (docs/architecture.md, "Events"): every byte is paid once per round on disk.
        out: dict[str, Any] = {
            "n": self.round_no,
            "u": self.user_move.value,
            "b": self.bot_move.value,
            "s": [self.user_score, self.bot_score],
            "p": [self.points[m] for m in MOVES],
            "ms": self.latency_ms,
        }
        if self.unsealed is not None:
            self.unsealed.put_decision(out)
        if self.next_seal is not None:
            out["nx"] = self.next_seal.to_json()
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RoundPlayed:
        user_score, bot_score = data["s"]
        round_no = int(data["n"])
        sealed = data.get("nx")
        return cls(
            round_no=round_no,
            user_move=Move(data["u"]),
            bot_move=Move(data["b"]),
            user_score=float(user_score),
            bot_score=float(bot_score),
            points=dict(zip(MOVES, map(float, data["p"]), strict=True)),
            latency_ms=float(data["ms"]),
            unsealed=SealedMove.from_json(round_no, data) if "src" in data else None,
            next_seal=None if sealed is None else SealedMove.from_json(round_no + 1, sealed),
        )


def revealed(played: RoundPlayed, seal: SealedMove | None) -> SealedMove | None:
    """What decided `played`'s bot move: the round's own record, else `seal`, the one logged before it
    (GameStarted `seal` for round 1, the previous round's `next_seal`). None when neither is: a
    reader that began after the seal was logged."""
    if played.unsealed is not None:
        return played.unsealed
    return seal if seal is not None and seal.round_no == played.round_no else None


_ALIAS_NAMES = tuple((alias, alias.value) for alias in ALIASES)  # enum .value costs on the hot path


def _compact_answers(
    answers: Mapping[str, Mapping[str, Any]],
) -> tuple[dict[Alias, str], dict[str, Probabilities]]:
    """Inference answers per alias -> ({alias: version}, {version: rounded probabilities}).

    Answers without a version or probabilities, or from inference's fallback, are no model's."""
    alias_versions: dict[Alias, str] = {}
    predictions: dict[str, Probabilities] = {}
    for alias, name in _ALIAS_NAMES:
        answer = answers.get(name)
        if not answer or answer.get("source") == "fallback":
            continue
        version, probabilities = answer.get("model_version"), answer.get("probabilities")
        if version is None or not probabilities:
            continue
        version = str(version)
        alias_versions[alias] = version
        if version not in predictions:
            rock, paper = (round(float(probabilities[key]) * PERMILLE) for key in ("rock", "paper"))
            predictions[version] = _from_permille(rock, paper)
    return alias_versions, predictions


def _from_permille(rock: int, paper: int) -> Probabilities:
    return {
        Move.ROCK: rock / PERMILLE,
        Move.PAPER: paper / PERMILLE,
        Move.SCISSORS: (PERMILLE - rock - paper) / PERMILLE,
    }


@dataclass(frozen=True, slots=True)
class GameFinished:
    """A game reached 10 points (aggregate: the game id)."""

    TYPE: ClassVar[EventType] = EventType.GAME_FINISHED
    VERSION: ClassVar[int] = 1

    winner: Winner
    user_score: float
    bot_score: float
    rounds: int
    family: str
    alias: str
    model_version: str | None  # that served the game's last model round

    def to_json(self) -> dict[str, Any]:
        return {
            "winner": self.winner.value,
            "user_score": self.user_score,
            "bot_score": self.bot_score,
            "rounds": self.rounds,
            "family": self.family,
            "alias": self.alias,
            "model_version": self.model_version,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> GameFinished:
        return cls(
            winner=Winner(data["winner"]),
            user_score=float(data["user_score"]),
            bot_score=float(data["bot_score"]),
            rounds=int(data["rounds"]),
            family=str(data["family"]),
            alias=str(data["alias"]),
            model_version=_version(data.get("model_version")),
        )


@dataclass(frozen=True, slots=True)
class ModelTrained:
    """A version was trained and registered (aggregate: the family's registered-model name).

    `data_position`: the log position the data was read up to (the next run counts new rows
    after it); `duration_s`: the family's training wall time (None in events older than it)."""

    TYPE: ClassVar[EventType] = EventType.MODEL_TRAINED
    VERSION: ClassVar[int] = 1

    family: str
    version: int
    run_id: str
    metrics: Mapping[str, float]
    gate: Mapping[str, Any]
    rows: int
    games: int
    window_days: int
    data_position: int
    duration_s: float | None
    contract_hash: str = FEATURE_CONTRACT_HASH

    @property
    def gate_passed(self) -> bool:
        return bool(self.gate.get("passed"))

    def to_json(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "version": self.version,
            "run_id": self.run_id,
            "metrics": dict(self.metrics),
            "gate": dict(self.gate),
            "rows": self.rows,
            "games": self.games,
            "window_days": self.window_days,
            "contract_hash": self.contract_hash,
            "data_position": self.data_position,
            "duration_s": None if self.duration_s is None else round(self.duration_s, 3),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ModelTrained:
        duration = data.get("duration_s")
        return cls(
            family=str(data["family"]),
            version=int(data["version"]),
            run_id=str(data["run_id"]),
            metrics={str(k): float(v) for k, v in (data.get("metrics") or {}).items()},
            gate=dict(data.get("gate") or {}),
            rows=int(data["rows"]),
            games=int(data["games"]),
            window_days=int(data["window_days"]),
            data_position=int(data.get("data_position") or 0),
            duration_s=None if duration is None else float(duration),
            contract_hash=str(data["contract_hash"]),
        )


@dataclass(frozen=True, slots=True)
class AliasesChanged:
    """A ledger entry: the family's aliases before and after, with the evidence (aggregate: the family)."""

    TYPE: ClassVar[EventType] = EventType.ALIASES_CHANGED
    VERSION: ClassVar[int] = 1

    family: str
    action: AliasAction
    before: Mapping[str, int | None]  # every alias, None where unset
    after: Mapping[str, int | None]
    evidence: Mapping[str, Any]
    reason: str

    @classmethod
    def between(
        cls,
        family: str,
        action: AliasAction,
        *,
        before: Mapping[Alias, int | None],
        after: Mapping[Alias, int | None],
        evidence: Mapping[str, Any],
        reason: str,
    ) -> AliasesChanged:
        """Every alias appears in `before` and `after`, with None where none is set."""
        return cls(
            family=family,
            action=action,
            before={a.value: before.get(a) for a in ALIASES},
            after={a.value: after.get(a) for a in ALIASES},
            evidence=dict(evidence),
            reason=reason,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "family": self.family,
            "action": self.action.value,
            "before": dict(self.before),
            "after": dict(self.after),
            "evidence": dict(self.evidence),
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AliasesChanged:
        return cls(
            family=str(data["family"]),
            action=AliasAction(data["action"]),
            before=dict(data.get("before") or {}),
            after=dict(data.get("after") or {}),
            evidence=dict(data.get("evidence") or {}),
            reason=str(data.get("reason") or ""),
        )


Payload = GameStarted | RoundPlayed | GameFinished | ModelTrained | AliasesChanged
PAYLOAD_CLASSES: dict[EventType, type[Payload]] = {
    cls.TYPE: cls for cls in (GameStarted, RoundPlayed, GameFinished, ModelTrained, AliasesChanged)
}


# -- upcasters: stored JSON of version n -> version n + 1 ------------------------------------


def _round_played_v1_to_v2(data: Mapping[str, Any]) -> dict[str, Any]:
    """v1 (until November 2026): every field spelled out, the result and deltas stored, family and
    alias repeated from GameStarted, every alias's prediction in full."""
    alias_versions, predictions = _compact_answers(data.get("predictions") or {})
    out: dict[str, Any] = {
        "round": data["round_no"],
        "user": data["user_move"],
        "bot": data["bot_move"],
        "score": [data["user_score"], data["bot_score"]],
        "points": [data["points"][m.value] for m in MOVES],
        "source": data["bot_source"],
        "latency_ms": data.get("latency_ms") or 0.0,
        "version": _version(data.get("model_version")),
    }
    if predictions:
        out["versions"] = [alias_versions.get(a) for a in ALIASES]
        out["predictions"] = {v: [p[m] for m in MOVES] for v, p in predictions.items()}  # v2: 3 floats
    return out


_V2_TO_V3_KEYS = {
    "round": "n",
    "user": "u",
    "bot": "b",
    "score": "s",
    "points": "p",
    "source": "src",
    "latency_ms": "ms",
    "version": "v",
    "versions": "av",
    "predictions": "pr",
}


def _round_played_v2_to_v3(data: Mapping[str, Any]) -> dict[str, Any]:
    """v2 (November 27, 2026, a few hours): the v3 fields under long keys, 3 rounded probabilities."""
    out = {_V2_TO_V3_KEYS[key]: value for key, value in data.items()}
    if "pr" in out:
        out["pr"] = {v: [round(p[0] * PERMILLE), round(p[1] * PERMILLE)] for v, p in out["pr"].items()}
    return out


def _round_played_v3_to_v4(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """v3 (until November 27, 2026): every round held its bot move's record (`src`, `v`, `av`, `pr`),
    in sealed games a second copy of its seal's. That is v4's form of a round no seal fixed: as is."""
    return data


Upcaster = Callable[[Mapping[str, Any]], Mapping[str, Any]]
UPCASTERS: dict[tuple[EventType, int], Upcaster] = {
    (EventType.ROUND_PLAYED, 1): _round_played_v1_to_v2,
    (EventType.ROUND_PLAYED, 2): _round_played_v2_to_v3,
    (EventType.ROUND_PLAYED, 3): _round_played_v3_to_v4,
}


def parse_event_type(value: str) -> EventType:
    try:
        return EventType(value)
    except ValueError:
        raise UnknownEventTypeError(value) from None


def decode_payload(event_type: str, schema_version: int, data: Mapping[str, Any]) -> Payload:
    """The payload of a stored event as its current class, upcast from `schema_version` first."""
    kind = parse_event_type(event_type)
    cls = PAYLOAD_CLASSES[kind]
    version = schema_version
    while version < cls.VERSION:
        upcast = UPCASTERS.get((kind, version))
        if upcast is None:
            raise UnknownSchemaVersionError(kind.value, schema_version)
        data = upcast(data)
        version += 1
    if version != cls.VERSION:
        raise UnknownSchemaVersionError(kind.value, schema_version)
    return cls.from_json(data)
