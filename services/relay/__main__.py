"""`python -m services.relay`: the one publisher of the event log's outbox to the Redis stream.

Serves /metrics (rps_relay_*), /healthz and /readyz (503 "relay down: ..." when no pass succeeded
for 15 s) on --port. Any number may run: one holds the lease and publishes, the others wait.
`python -m services.relay once [--requeue-after N]` publishes the outbox now and exits (refused
while a running relay holds the lease). `python -m services.relay archive [--days N]` moves the
games that ended before the training window (METRICS_WINDOW_DAYS) to the object store (the
serving cache's directory or bucket, prefix archive/events/) and out of the database (a CronJob).
`python -m services.relay rebuild-projections` recreates every projection from the archived games,
then the log: the one rebuild, as a rebuild from the log alone would lose the archived games' totals.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import redis
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from services.relay.jobs import archive
from services.relay.metrics import RelayCollector
from services.relay.settings import Settings
from services.worker.queues import job_queue
from shared.events import EventStore
from shared.events.archive import read_archive
from shared.events.outbox import Lease
from shared.events.relay import Relay, publish_all
from shared.jobs import ARCHIVE_JOB, ARCHIVE_TIMEOUT_S, TRAINING_QUEUE
from shared.serving_cache.factory import open_cache
from shared.streams import STREAM

log = logging.getLogger("services.relay")


def _handler(relay: Relay, registry: CollectorRegistry) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/metrics":
                self._send(200, generate_latest(registry), CONTENT_TYPE_LATEST)
            elif self.path == "/healthz":
                self._json(200, {"status": "ok"})
            elif self.path == "/readyz":
                ready, why = relay.status.ready(time.time())
                self._json(200 if ready else 503, {"status": "ok" if ready else "unavailable", "relay": why})
            else:
                self._json(404, {"detail": f"no route {self.path}"})

        def _json(self, status: int, body: dict[str, Any]) -> None:
            self._send(status, json.dumps(body).encode(), "application/json")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:
            """Probes and scrapes are not worth a log line each."""

    return Handler


def _lease(settings: Settings) -> Lease:
    client = redis.Redis.from_url(settings.redis_url, socket_timeout=5.0, socket_connect_timeout=2.0)
    return Lease(client, holder=f"{socket.gethostname()}-{os.getpid()}")


def _run(args: argparse.Namespace, settings: Settings) -> int:
    # On SQLite the relay keeps the WAL within budget too, also while no gameplay process runs.
    store = EventStore.from_url(settings.database_url, background_checkpoint=True)
    relay = Relay(store, _lease(settings), STREAM, settings.stream_maxlen)
    registry = CollectorRegistry()
    registry.register(RelayCollector(relay, store))
    server = ThreadingHTTPServer((args.host, args.port), _handler(relay, registry))
    threading.Thread(target=server.serve_forever, name="relay-http", daemon=True).start()
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    log.info(
        "relay: publishing the outbox to %s; metrics on http://%s:%d/metrics", STREAM, args.host, args.port
    )
    relay.run(stop)
    server.shutdown()
    store.close()
    return 0


def _once(args: argparse.Namespace, settings: Settings) -> int:
    store = EventStore.from_url(settings.database_url)
    if args.requeue_after is not None:
        print(f"requeued {store.requeue(args.requeue_after)} events")
    print(f"published {publish_all(store, _lease(settings))} events to the stream")
    store.close()
    return 0


def _archive(args: argparse.Namespace, settings: Settings) -> int:
    if args.enqueue:
        queue = job_queue(TRAINING_QUEUE, redis.Redis.from_url(settings.redis_url))
        job = queue.enqueue(ARCHIVE_JOB, args.days, job_timeout=ARCHIVE_TIMEOUT_S)
        print(f"enqueued archive job {job.id} on queue '{TRAINING_QUEUE}'")
        return 0
    cutoff, where, report = archive(settings, args.days)
    print(
        f"archived {report.games} games ({report.events} events) that ended before "
        f"{cutoff:%Y-%m-%d %H:%M} UTC to {where}: {', '.join(report.files) or 'nothing to move'}"
    )
    return 0


def _rebuild(_args: argparse.Namespace, settings: Settings) -> int:
    source = open_cache(settings.serving_cache_dir, settings.s3_endpoint_url, settings.s3_bucket)
    store = EventStore.from_url(settings.database_url)
    count = store.rebuild_projections(read_archive(source, store))
    store.close()
    print(f"rebuilt the projections from {count} events (archive first, then the log)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.relay", description=__doc__)
    parser.add_argument("--host", default="0.0.0.0")
    parser.add_argument("--port", type=int, default=9109)
    parser.set_defaults(run=_run)
    commands = parser.add_subparsers(dest="command")
    once = commands.add_parser("once", help="publish the outbox now and exit (not while a relay runs)")
    once.add_argument(
        "--requeue-after",
        type=int,
        default=None,
        help="first put every event after this position back in the outbox",
    )
    once.set_defaults(run=_once)
    archive = commands.add_parser(
        "archive", help="move games older than the training window to the object store"
    )
    archive.add_argument(
        "--days", type=int, default=None, help="keep this many days (default: METRICS_WINDOW_DAYS)"
    )
    archive.add_argument(
        "--enqueue", action="store_true", help=f"enqueue it on the RQ queue '{TRAINING_QUEUE}'"
    )
    archive.set_defaults(run=_archive)
    commands.add_parser(
        "rebuild-projections", help="recreate the projections from the archive and the log"
    ).set_defaults(run=_rebuild)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    return int(args.run(args, Settings()))


if __name__ == "__main__":
    sys.exit(main())
