"""ROUTING=bandit: B's share follows live outcomes, seeded from the games; the alias is fixed at start."""

from __future__ import annotations

from fastapi.testclient import TestClient

from services.gameplay.app import create_app
from services.gameplay.settings import Settings
from shared.events import EventStore, GameStarted
from shared.features import Alias, Family, Move, bandit_share_b, select_alias
from tests.gameplay.conftest import play_to_end, start
from tests.promoter.builders import GameLog, prediction

FAMILY = Family.XGBOOST  # policy forrest; the inference stand-in answers Production v1, B v2


def served_game(game_id: str, alias: str, version: int, winner: str, is_test: bool = False) -> GameLog:
    """A finished game with one model round (the projection takes the version from the rounds)."""
    game = GameLog(game_id, FAMILY, alias, version, is_test).start()
    game.round(Move.ROCK, Move.PAPER, {alias: prediction(version, 0.4, 0.3, 0.3)})
    return game.finish(winner)


def test_bandit_routing_is_seeded_from_the_games_and_records_the_alias_at_start(settings: Settings) -> None:
    store = EventStore.from_url(settings.database_url)
    for i in range(30):
        store.append(served_game(f"p{i}", "Production", 1, "user").events)
        store.append(served_game(f"b{i}", "B", 2, "bot").events)
    store.append(served_game("t0", "B", 2, "user", is_test=True).events)  # not counted
    store.close()
    bandit = settings.model_copy(update={"enable_ab_testing": True, "routing": "bandit"})
    share = bandit_share_b((0, 30), (30, 0))
    assert share == 0.9
    with TestClient(create_app(bandit)) as client:
        tally = client.app.state.service.tally
        assert tally.record(FAMILY.value, Alias.B) == (30, 0)
        assert tally.share_b(FAMILY.value) == share
        games = [start(client) for _ in range(30)]
        for game in games:
            assert game["model_alias"] == select_alias(game["game_id"], True, share).value
        assert sum(g["model_alias"] == "B" for g in games) > 20
        started = client.app.state.service.store.read_aggregate(games[0]["game_id"])[0]
        assert isinstance(started.payload, GameStarted)
        assert started.payload.alias == games[0]["model_alias"]


def test_bandit_routing_counts_the_games_this_process_finishes(settings: Settings) -> None:
    bandit = settings.model_copy(update={"enable_ab_testing": True, "routing": "bandit"})
    with TestClient(create_app(bandit)) as client:
        tally = client.app.state.service.tally
        assert tally.share_b(FAMILY.value) == 0.5
        game = start(client)
        answers = play_to_end(client, game["game_id"])
        assert answers[-1]["winner"] == "bot"
        alias = Alias(game["model_alias"])
        assert tally.record(FAMILY.value, alias) == (1, 0)
        start(client, is_test=True)  # test games are never counted
        assert sum(tally.record(FAMILY.value, a)[0] for a in (Alias.PRODUCTION, Alias.B)) == 1


def test_fixed_routing_keeps_no_tally(settings: Settings) -> None:
    with TestClient(create_app(settings.model_copy(update={"enable_ab_testing": True}))) as client:
        assert client.app.state.service.tally is None
