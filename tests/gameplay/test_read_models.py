"""The projections the API reads are SQLModel classes: one definition for the schema, the migrations'
metadata (test_event_store's migration test compares it on SQLite and PostgreSQL) and the API's shapes."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from services.gameplay.schemas import (
    GameStats,
    GameView,
    LeaderboardRow,
    PromotionRow,
    SessionGame,
    SessionStats,
    StartGameResponse,
)
from shared.events import AliasesChanged, EventStore
from shared.events import schema as core
from shared.events.read_models import (
    GameBase,
    GameDetailBase,
    GameRow,
    LedgerBase,
    LedgerRow,
    PlayerBase,
    PlayerRow,
    SessionBase,
    SessionRow,
)
from tests.gameplay.conftest import TOKEN, play_to_end, start
from tests.gameplay.events_factory import aliases_changed


def test_the_core_tables_are_the_read_models_tables() -> None:
    for model, table in ((GameRow, core.games), (SessionRow, core.sessions), (PlayerRow, core.players)):
        assert model.__table__ is table  # type: ignore[attr-defined]
    assert LedgerRow.__table__ is core.ledger  # type: ignore[attr-defined]
    assert {t.name for t in core.PROJECTION_TABLES} >= {"games", "sessions", "players", "ledger"}


def test_the_api_shapes_extend_the_read_models_public_fields() -> None:
    assert issubclass(LeaderboardRow, PlayerBase) and issubclass(PromotionRow, LedgerBase)
    for shape in (StartGameResponse, GameView):
        assert issubclass(shape, GameDetailBase)
    assert issubclass(GameStats, GameBase) and issubclass(SessionGame, GameBase)
    assert issubclass(SessionStats, SessionBase)
    assert issubclass(GameRow, GameDetailBase) and issubclass(SessionRow, SessionBase)
    # what the API computes stays out of the tables
    assert {"results", "games"}.isdisjoint(SessionRow.model_fields)
    assert {"rounds", "model_alias", "results"}.isdisjoint(GameRow.model_fields)


def test_game_and_session_answers_show_their_rows_public_fields(client: TestClient) -> None:
    """/games/{id} is folded from the game's events, /stats from the projections: both show the
    same values of the read model's public fields, at the start and at the end of a game."""
    started = start(client, player_name="grace")
    game_id, session_id = started["game_id"], started["session_id"]
    store: EventStore = client.app.state.service.store

    def row() -> GameRow:
        with Session(store.engine) as session:
            return session.exec(select(GameRow).where(GameRow.game_id == game_id)).one()

    detail = set(GameDetailBase.model_fields)
    assert StartGameResponse.model_validate(started).model_dump(include=detail) == row().model_dump(
        include=detail
    )
    play_to_end(client, game_id)
    finished = row()
    view = GameView.model_validate(client.get(f"/games/{game_id}").json())
    assert view.model_dump(include=detail) == finished.model_dump(include=detail)
    assert view.status == "finished" and view.rounds_played == len(view.rounds)
    stats = client.get("/stats", params={"game_id": game_id, "session_id": session_id}).json()
    shown = GameStats.model_validate(stats["game"])
    assert shown.model_dump(include=set(GameBase.model_fields)) == finished.model_dump(
        include=set(GameBase.model_fields)
    )
    assert sum(shown.results.model_dump().values()) == finished.rounds_played
    with Session(store.engine) as session:
        kept = session.exec(select(SessionRow).where(SessionRow.session_id == session_id)).one()
    listed = SessionStats.model_validate(stats["session"])
    public = set(SessionBase.model_fields)
    assert listed.model_dump(include=public) == kept.model_dump(include=public)
    assert listed.results.model_dump() == {
        "win": kept.rounds_won,
        "lose": kept.rounds_lost,
        "draw": kept.rounds_drawn,
    }
    assert [g.model_dump() for g in listed.games] == [shown.model_dump(include=set(GameBase.model_fields))]


def test_rows_the_hot_path_wrote_read_back_through_sqlmodel_as_the_api_shows_them(client: TestClient) -> None:
    game = start(client, player_name="grace")
    play_to_end(client, game["game_id"])
    store: EventStore = client.app.state.service.store
    store.append_next("rps_bot_xgboost", AliasesChanged.from_json(aliases_changed()))
    with Session(store.engine) as session:
        player = session.exec(select(PlayerRow).where(PlayerRow.player_name == "grace")).one()
        played = session.exec(select(GameRow).where(GameRow.game_id == game["game_id"])).one()
        entry = session.exec(select(LedgerRow)).one()
    assert played.status == "finished" and played.finished_at is not None
    (row,) = [r for r in client.get("/leaderboard").json() if r["player_name"] == "grace"]
    shown = LeaderboardRow.model_validate(row)
    assert shown.model_dump(include=set(PlayerBase.model_fields)) == player.model_dump(
        include=set(PlayerBase.model_fields)
    )
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    (history,) = client.get("/internal/promotion/history", headers=bearer).json()
    assert PromotionRow.model_validate(history).model_dump(include=set(LedgerBase.model_fields)) == (
        entry.model_dump(include=set(LedgerBase.model_fields))
    )
