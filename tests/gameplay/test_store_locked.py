"""A locked event store: /play answers 503 JSON with Retry-After, and the event loop keeps answering."""

from __future__ import annotations

import sqlite3
import threading
import time

import httpx
import sqlalchemy as sa

from services.gameplay.app import create_app
from services.gameplay.settings import Settings
from tests.gameplay.conftest import LiveServer


def _locked(database_url: str) -> sqlite3.Connection:
    """Another connection holding SQLite's write lock (as a long job's transaction would)."""
    holder = sqlite3.connect(sa.make_url(database_url).database or "", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def test_a_locked_store_gives_503_json_and_healthz_keeps_answering(settings: Settings) -> None:
    with LiveServer(create_app(settings)) as server, httpx.Client(base_url=server.url, timeout=30) as http:
        game = http.post("/start_game", json={"player_name": "ada", "policy": "forrest"}).json()
        holder = _locked(settings.database_url)
        try:
            refused = http.post("/play", json={"game_id": game["game_id"], "user_move": "rock"})
            assert refused.status_code == 503
            assert refused.headers["Retry-After"] == "1"
            assert "nothing was recorded" in refused.json()["detail"]
            assert http.post("/start_game", json={"player_name": "bo", "policy": "logan"}).status_code == 503

            # Players keep pressing while /healthz is probed: every probe is answered promptly
            # (before, each /play waited out SQLite's 10 s busy timeout on the event loop).
            stop = threading.Event()

            def press() -> None:
                with httpx.Client(base_url=server.url, timeout=30) as player:
                    while not stop.is_set():
                        player.post("/play", json={"game_id": game["game_id"], "user_move": "rock"})

            players = [threading.Thread(target=press) for _ in range(4)]
            for player in players:
                player.start()
            waits = []
            for _ in range(15):
                asked = time.perf_counter()
                assert http.get("/healthz").status_code == 200
                waits.append(time.perf_counter() - asked)
                time.sleep(0.1)  # spans the breaker's 1 s cool-down: probes of the store happen meanwhile
            stop.set()
            for player in players:
                player.join()
            assert max(waits) < 1.0, waits
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        time.sleep(1.1)  # the cool-down ends: the store is asked again
        played = http.post("/play", json={"game_id": game["game_id"], "user_move": "rock", "round_no": 1})
        assert played.status_code == 200, played.text
        assert http.get(f"/games/{game['game_id']}").json()["next_round_no"] == 2
