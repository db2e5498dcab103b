"""The projections the API reads are SQLModel classes: one definition for the schema, the migrations'
metadata (test_event_store's migration test compares it on SQLite and PostgreSQL) and the API's shapes."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from services.gameplay.schemas import LeaderboardRow, PromotionRow
from shared.events import AliasesChanged, EventStore
from shared.events import schema as core
from shared.events.read_models import GameRow, LedgerBase, LedgerRow, PlayerBase, PlayerRow, SessionRow
from tests.gameplay.conftest import TOKEN, play_to_end, start
from tests.gameplay.events_factory import aliases_changed


def test_the_core_tables_are_the_read_models_tables() -> None:
    for model, table in ((GameRow, core.games), (SessionRow, core.sessions), (PlayerRow, core.players)):
        assert model.__table__ is table  # type: ignore[attr-defined]
    assert LedgerRow.__table__ is core.ledger  # type: ignore[attr-defined]
    assert {t.name for t in core.PROJECTION_TABLES} >= {"games", "sessions", "players", "ledger"}


def test_the_api_shapes_extend_the_read_models_public_fields() -> None:
    assert set(PlayerBase.model_fields) <= set(LeaderboardRow.model_fields)
    assert set(LedgerBase.model_fields) <= set(PromotionRow.model_fields)


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
