"""Starting and playing games: the commands of the gameplay service, wired to the store and inference."""

from __future__ import annotations

import secrets
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np

from services.gameplay import metrics
from services.gameplay.errors import (
    STORE_RETRY_AFTER_S,
    GameFinishedError,
    GameNotFoundError,
    RoundConflictError,
    SessionNotFoundError,
    StoreBusyError,
)
from services.gameplay.game import BotChoice, GameState, fold, round_events, sealed
from services.gameplay.inference import InferenceClient, InferenceUnavailableError
from services.gameplay.routing import OutcomeTally
from services.gameplay.settings import Settings
from shared.events import (
    BotSource,
    ConcurrencyError,
    EventStore,
    GameStarted,
    RoundPlayed,
    StoreUnavailableError,
    new_event,
)
from shared.features import (
    SEAL_KEY_BYTES,
    Move,
    RoundOutcome,
    RoundPoints,
    Winner,
    choose_move,
    choose_opening,
    deterministic_round_points,
    fallback_move,
    get_policy,
    is_opening_round,
    opening_move,
    score_round,
    select_alias,
)
from shared.features.openings import OPENINGS_BY_NAME


def points_json(points: Mapping[Move, float]) -> dict[str, float]:
    return {m.value: v for m, v in points.items()}


class GameCache:
    """Recently used games' state; the store stays the truth (a miss or a conflict re-reads it)."""

    def __init__(self, store: EventStore, capacity: int) -> None:
        self.store = store
        self.capacity = capacity
        self._games: OrderedDict[str, GameState] = OrderedDict()

    def get(self, game_id: str) -> GameState:
        state = self._games.get(game_id)
        if state is None:
            state = fold(self.store.read_aggregate(game_id))
            if state is None:
                raise GameNotFoundError(game_id)
            self.put(state)
        else:
            self._games.move_to_end(game_id)
        return state

    def put(self, state: GameState) -> None:
        if self.capacity:
            self._games[state.game_id] = state
            self._games.move_to_end(state.game_id)
            while len(self._games) > self.capacity:
                self._games.popitem(last=False)

    def forget(self, game_id: str) -> None:
        self._games.pop(game_id, None)


class StoreBreaker:
    """Keeps a locked or failing store off the event loop: after a failure, the commands fail at once
    (503 + Retry-After) for `cooldown_s` instead of each waiting out the busy timeout again."""

    def __init__(self, cooldown_s: int) -> None:
        self.cooldown_s = cooldown_s
        self._open_until = 0.0

    @contextmanager
    def guard(self) -> Iterator[None]:
        if time.monotonic() < self._open_until:
            raise StoreBusyError(self.cooldown_s)
        try:
            yield
        except StoreUnavailableError:
            self._open_until = time.monotonic() + self.cooldown_s
            metrics.STORE_UNAVAILABLE.inc()
            raise StoreBusyError(self.cooldown_s) from None


class GameService:
    def __init__(
        self, settings: Settings, store: EventStore, inference: InferenceClient, secret: bytes
    ) -> None:
        self.settings = settings
        self.store = store
        self.inference = inference
        self.secret = secret  # GAME_SECRET: keys the openings and the fallback moves
        self.cache = GameCache(store, settings.game_cache_size)
        self.breaker = StoreBreaker(STORE_RETRY_AFTER_S)
        self.tally = OutcomeTally.from_store(store) if settings.routing == "bandit" else None

    def start_game(
        self, player_name: str, policy_name: str, session_id: str | None, is_test: bool
    ) -> GameState:
        with self.breaker.guard():
            return self._start_game(player_name, policy_name, session_id, is_test)

    def _start_game(
        self, player_name: str, policy_name: str, session_id: str | None, is_test: bool
    ) -> GameState:
        """A new game; `session_id` must be one this server issued (None: a new session)."""
        if session_id is not None and self.store.queries.session(session_id) is None:
            raise SessionNotFoundError(session_id)
        policy = get_policy(policy_name)
        game_id = uuid.uuid4().hex
        split = self.settings.ab_split if self.tally is None else self.tally.share_b(policy.family.value)
        alias = select_alias(game_id, self.settings.enable_ab_testing, split)
        opening = choose_opening(self.secret, game_id)
        first = BotChoice(opening_move(opening, game_id, 1), BotSource.OPENING, None, {})
        payload = GameStarted(
            game_id=game_id,
            player_name=player_name,
            session_id=session_id or secrets.token_urlsafe(24),
            policy=policy.name,
            family=policy.family.value,
            alias=alias.value,
            opening=opening.name,
            is_test=is_test,
            ab_enabled=self.settings.enable_ab_testing,
            seal_key=secrets.token_hex(SEAL_KEY_BYTES),
            seal=sealed(1, first),
        )
        event = new_event(game_id, 1, payload)
        self.store.append([event])
        state = fold([event])
        assert state is not None
        self.cache.put(state)
        # Test games are kept in the log but out of the production analytics (DESIGN §5).
        if is_test:
            metrics.TEST_GAMES_STARTED.inc()
        else:
            metrics.GAMES_STARTED.labels(policy.name, alias.value).inc()
        return state

    async def play(self, game_id: str, user_move: Move, round_no: int | None) -> dict[str, Any]:
        with self.breaker.guard():
            return await self._play(game_id, user_move, round_no)

    async def _play(
        self, game_id: str, user_move: Move, request_round: int | None, *, refreshed: bool = False
    ) -> dict[str, Any]:
        """Play the next round with its sealed bot move, and seal the round after it (one inference
        call, one append)."""
        started = time.perf_counter()
        state = self.cache.get(game_id)
        if request_round is not None and request_round > state.next_round_no and not refreshed:
            # Another replica may have played rounds since this one cached the game.
            self.cache.forget(game_id)
            state = self.cache.get(game_id)
            refreshed = True
        replay = self._replayed_round(state, user_move, request_round)
        if replay is not None:
            return replay
        seq_before = state.last_seq
        round_no = state.next_round_no
        points = state.next_points()
        seal = state.seal
        if seal is None:  # a game started before sealed moves: decide now, as it was then
            seal = sealed(
                round_no, await self._decide(state, round_no, points, lambda: state.features(points))
            )
        bot_move = seal.bot_move
        outcome = score_round(user_move, bot_move, points, state.user_score, state.bot_score, round_no)
        next_seal = None
        # Seal the next round now (this request's one inference call), unless the game is over.
        if outcome.winner is None and state.seal_key is not None:
            next_points = deterministic_round_points(state.game_id, round_no + 1)

            def features() -> np.ndarray:
                return state.features_after(user_move, bot_move, points, next_points)

            decided = await self._decide(state, round_no + 1, next_points, features, outcome)
            next_seal = sealed(round_no + 1, decided)
        if state.last_seq != seq_before:  # this process recorded the round while we awaited inference
            return self._after_conflict(game_id, user_move, request_round, round_no)
        latency_ms = (time.perf_counter() - started) * 1000
        new_events = round_events(state, user_move, seal, points, outcome, latency_ms, next_seal)
        try:
            self.store.append(new_events)
        except ConcurrencyError:  # another process recorded it
            if request_round is None and not refreshed:
                # Without a round number the move is for the current round: our copy was stale
                # (another replica played), so play it once more on the game as stored.
                self.cache.forget(game_id)
                return await self._play(game_id, user_move, None, refreshed=True)
            return self._after_conflict(game_id, user_move, request_round, round_no)
        for event in new_events:
            state.apply(event)
        if not state.is_test:
            metrics.ROUNDS.labels(state.policy, seal.bot_source.value).inc()
            if state.finished:
                metrics.GAMES_FINISHED.labels(state.policy, state.alias, str(state.winner)).inc()
                if self.tally is not None:
                    bot_won = state.winner is Winner.BOT
                    self.tally.add(state.family, state.alias, state.model_version, bot_won, time.time())
        metrics.PLAY_SECONDS.observe(time.perf_counter() - started)
        return round_response(state, state.rounds[-1])

    def _after_conflict(
        self, game_id: str, user_move: Move, round_no: int | None, attempted: int
    ) -> dict[str, Any]:
        """Another /play recorded this round first: a retry (same round_no and move) gets its answer."""
        metrics.APPEND_CONFLICTS.inc()
        self.cache.forget(game_id)
        state = self.cache.get(game_id)
        if round_no is not None:
            replay = self._replayed_round(state, user_move, round_no)
            if replay is not None:
                return replay
        raise RoundConflictError(
            f"game {game_id!r}: round {attempted} was recorded by another request at the same time; "
            "read the game and play the next round"
        )

    def _replayed_round(
        self, state: GameState, user_move: Move, round_no: int | None
    ) -> dict[str, Any] | None:
        """The stored answer of a retried round; raises when the request cannot be played."""
        if round_no is not None and round_no <= len(state.rounds):
            stored = state.rounds[round_no - 1]
            if stored.user_move is not user_move:
                raise RoundConflictError(
                    f"game {state.game_id!r}: round {round_no} was already played with "
                    f"{stored.user_move.value!r}, not {user_move.value!r}"
                )
            return round_response(state, stored)
        if state.finished:
            raise GameFinishedError(state.game_id, str(state.winner))
        if round_no is not None and round_no != state.next_round_no:
            raise RoundConflictError(
                f"game {state.game_id!r}: the next round is {state.next_round_no}, not {round_no}"
            )
        return None

    async def _decide(
        self,
        state: GameState,
        round_no: int,
        points: RoundPoints,
        features: Callable[[], np.ndarray],
        after: RoundOutcome | None = None,
    ) -> BotChoice:
        """The bot's move for `round_no` (worth `points`), from the rounds before it; `after` is the
        outcome of the round just before when `state` does not hold it yet (its scores count)."""
        if is_opening_round(round_no):
            move = opening_move(OPENINGS_BY_NAME[state.opening], state.game_id, round_no)
            return BotChoice(move, BotSource.OPENING, None, {})
        user_score, bot_score = (
            (state.user_score, state.bot_score) if after is None else (after.user_score, after.bot_score)
        )
        asked = time.perf_counter()
        try:
            answer = await self.inference.predict_batch(state.family, features())
        except InferenceUnavailableError as exc:
            if not state.is_test:  # same games as rps_gameplay_rounds_total, its denominator
                metrics.DEGRADED.labels(state.family, exc.reason.value).inc()
            return self._fallback(state, round_no, {})
        finally:
            metrics.INFERENCE_SECONDS.observe(time.perf_counter() - asked)
        serving = answer.by_alias.get(state.alias) or {}
        try:
            probabilities = {
                Move(m): float(serving["probabilities"][m]) for m in ("rock", "paper", "scissors")
            }
        except (KeyError, TypeError, ValueError):
            if not state.is_test:
                metrics.DEGRADED.labels(state.family, "missing_alias").inc()
            return self._fallback(state, round_no, answer.by_alias)
        move = choose_move(probabilities, points, user_score, bot_score)
        version = serving.get("model_version")
        return BotChoice(move, BotSource.MODEL, None if version is None else str(version), answer.by_alias)

    def _fallback(self, state: GameState, round_no: int, answers: Mapping[str, Any]) -> BotChoice:
        move = fallback_move(self.secret, state.game_id, round_no)
        return BotChoice(move, BotSource.FALLBACK, None, answers)


def upcoming_points(state: GameState, round_no: int) -> RoundPoints:
    """Round `round_no`'s values: the game's next round's from its state (the same the next /play uses)."""
    if round_no == state.next_round_no:
        return state.next_points()
    return deterministic_round_points(state.game_id, round_no)  # a replayed answer of an older round


def round_response(state: GameState, played: RoundPlayed) -> dict[str, Any]:
    """The /play answer for one recorded round of this game."""
    round_no = played.round_no
    finished = state.finished and round_no == len(state.rounds)
    seal, bot = played.next_seal, state.seals[round_no - 1]
    next_no = None if finished else round_no + 1
    return {
        "game_id": state.game_id,
        "round_no": round_no,
        "user_move": played.user_move.value,
        "bot_move": played.bot_move.value,
        "result": played.result.value,
        "user_delta": played.user_delta,
        "bot_delta": played.bot_delta,
        "user_score": played.user_score,
        "bot_score": played.bot_score,
        "finished": finished,
        "winner": str(state.winner) if finished else None,
        "next_round_no": next_no,
        "next_round_points": None if next_no is None else points_json(upcoming_points(state, next_no)),
        "bot_source": bot.bot_source.value,
        "model_alias": state.alias,
        "model_version": bot.model_version,
        "nonce": state.nonce(round_no),  # opens this round's seal (None in games before sealed moves)
        "bot_commitment": None if seal is None else state.sealed(seal.round_no, seal.bot_move),
    }
