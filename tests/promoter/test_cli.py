"""The CLI, the RQ job and the gauges, on real stores configured through the environment."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from mlflow import MlflowClient
from prometheus_client import CollectorRegistry, start_http_server

from services.promoter.__main__ import main
from services.promoter.jobs import promote_job
from services.promoter.metrics import METRIC_NAMES, PromotionCollector, status_reader
from shared.events import EventStore
from shared.features import Alias
from shared.jobs import PROMOTION_QUEUE
from shared.registry import set_aliases
from tests.conftest import free_port
from tests.mlflow_edges import FAMILY
from tests.promoter.builders import paired_game


@pytest.fixture
def env(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    sqlite_url: str,
    mlflow_client: MlflowClient,
    versions: list[int],
) -> EventStore:
    """Settings from the environment as in production; Production=v1, B=v2; 60 paired games where v2 is
    clearly better, half of them served by each, the bot winning two in three."""
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_client.tracking_uri)
    monkeypatch.setenv("SERVING_CACHE_DIR", str(tmp_path / "serving-cache"))
    monkeypatch.delenv("S3_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("INTERNAL_TOKEN", raising=False)
    set_aliases(mlflow_client, FAMILY, {Alias.PRODUCTION: versions[0], Alias.B: versions[1]})
    store = EventStore.from_url(sqlite_url)
    pair = {"Production": versions[0], "B": versions[1]}
    for i in range(60):
        winner = "user" if i % 3 == 0 else "bot"
        store.append(
            paired_game(f"g{i}", FAMILY, "B" if i % 2 else "Production", pair, versions[1], winner).events
        )
    return store


def test_promote_job_promotes_and_the_status_gauges_show_it(env: EventStore, versions: list[int]) -> None:
    report = promote_job(FAMILY.value)
    (family,) = report["families"]
    assert family["action"] == "promote", family
    assert family["after"]["Production"] == versions[1]
    registry = CollectorRegistry()
    registry.register(PromotionCollector(status_reader(env)))
    fam = FAMILY.value

    def sample(name: str, **labels: str) -> float | None:
        return registry.get_sample_value(name, {"family": fam, **labels})

    assert sample("rps_promoter_decision", action="promote") == 1
    assert sample("rps_promoter_decision", action="retain") == 0
    assert sample("rps_promoter_test_paired_games") == 60
    assert (sample("rps_promoter_test_bound_points", bound="low") or 0) > 0
    assert sample("rps_promoter_evidence_games", alias="B") == 30
    assert (sample("rps_promoter_last_decision_timestamp_seconds") or 0) > 0

    # The next cycle (no challenger left, B = Production) changes nothing: a status, no ledger entry.
    promote_job(FAMILY.value)
    assert sample("rps_promoter_decision", action="insufficient_data") == 1
    assert sample("rps_promoter_test_paired_games") is None
    assert [e.action for e in env.ledger(family=fam)] == ["promote"]


def test_the_gauges_are_served_over_http(env: EventStore) -> None:
    promote_job(FAMILY.value)
    registry = CollectorRegistry()
    registry.register(PromotionCollector(status_reader(env)))
    port = free_port()
    server, thread = start_http_server(port, addr="127.0.0.1", registry=registry)
    try:
        body = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    finally:
        server.shutdown()
        thread.join(timeout=5)
    assert f'rps_promoter_decision{{action="promote",family="{FAMILY.value}"}} 1.0' in body


def test_evidence_command_prints_the_table(env: EventStore, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evidence", "--family", FAMILY.value]) == 0
    out = capsys.readouterr().out
    assert FAMILY.value in out
    assert re.search(r"^B\s+v2\s+20-10\s+66\.7%\s+360\s", out, re.MULTILINE), out
    assert "next cycle: promote: promote B v2 over Production v1" in out
    assert main(["promote", "--now", "--family", FAMILY.value]) == 0
    assert main(["evidence", "--family", FAMILY.value, "--rebuild"]) == 0
    out = capsys.readouterr().out
    assert "last cycle: insufficient_data" not in out and "last cycle: promote" in out


def test_rollback_without_history_is_refused_with_a_message(
    env: EventStore, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rollback", "--family", FAMILY.value]) == 2
    assert "no earlier Production" in capsys.readouterr().err


def test_promote_then_rollback_from_the_command_line(env: EventStore, versions: list[int]) -> None:
    assert main(["promote", "--now", "--family", FAMILY.value]) == 0
    assert main(["rollback", "--family", FAMILY.value]) == 0
    assert [e.action for e in env.ledger(family=FAMILY.value)] == ["rollback", "promote"]
    assert env.ledger(family=FAMILY.value)[0].after["Production"] == versions[0]


def test_enqueue_puts_the_job_on_the_promotion_queue(
    redis_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import redis

    from services.worker.queues import job_queue

    monkeypatch.setenv("REDIS_URL", redis_url)
    assert main(["promote", "--enqueue", "--family", FAMILY.value]) == 0
    queue = job_queue(PROMOTION_QUEUE, redis.Redis.from_url(redis_url))
    (job,) = queue.jobs
    assert job.func_name == "services.promoter.jobs.promote_job" and job.args == [FAMILY.value]  # JSON
    assert "enqueued" in capsys.readouterr().out


def test_every_promoter_metric_is_documented(env: EventStore) -> None:
    promote_job(FAMILY.value)
    text = (Path(__file__).parents[2] / "docs" / "metrics.md").read_text()
    section = text.split("## Promoter", 1)[1].split("\n## ", 1)[0]
    collected = {m.name for m in PromotionCollector(status_reader(env)).collect()}
    assert collected == set(METRIC_NAMES)
    for name in METRIC_NAMES:
        assert f"`{name}`" in section, name


def test_every_command_is_documented_in_operations() -> None:
    from services.promoter.__main__ import _parser

    text = (Path(__file__).parents[2] / "docs" / "operations.md").read_text()
    section = text.split("## Promotion", 1)[1].split("\n## ", 1)[0]
    actions = [a for a in _parser()._actions if a.dest == "command"]
    commands = list(actions[0].choices or {})
    assert commands
    for command in commands:
        assert f"python -m services.promoter {command}" in section, command
