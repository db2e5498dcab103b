"""The metrics of the worker's jobs: `python -m services.worker serve-metrics [--port 9108]`.

Promotion and training run in RQ work horses that exit after each job, so they register no
Prometheus metrics; their collectors derive gauges from the event log at scrape time
(`services.promoter.metrics`, `services.trainer.metrics`), and the drift gauges fold the rounds
(`services.worker.drift`). This one small long-lived process (the worker pod's `job-metrics`
sidecar) serves them. It must stay small: neither MLflow,
SciPy nor torch is imported here (~87 MB RSS).
"""

from __future__ import annotations

import logging
import signal
import threading

from prometheus_client import CollectorRegistry, start_http_server

from services.promoter.metrics import PromotionCollector, status_reader
from services.trainer.metrics import TrainingCollector
from services.worker.drift import DriftCollector
from shared.events import EventStore
from shared.settings import EventStoreSettings

log = logging.getLogger(__name__)


def job_metrics_registry(store: EventStore) -> CollectorRegistry:
    """A registry with the promoter's, the trainer's and the drift collectors reading `store`."""
    registry = CollectorRegistry()
    registry.register(PromotionCollector(status_reader(store)))
    registry.register(TrainingCollector(store))
    registry.register(DriftCollector(store))
    return registry


def serve_metrics(host: str, port: int) -> None:
    """Serve the collectors on http://host:port/metrics until SIGTERM or SIGINT."""
    stop = threading.Event()
    # Before the port opens, so no SIGTERM can come first. As PID 1 in a container, Python ignores
    # SIGTERM unless it handles it: a pod would wait out its grace period, `compose down` 10 s.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda signum, frame: stop.set())
    registry = job_metrics_registry(EventStore.from_url(EventStoreSettings().database_url))
    server, thread = start_http_server(port, addr=host, registry=registry)
    log.info("serving rps_promoter_*, rps_trainer_* and rps_drift_* on http://%s:%s/metrics", host, port)
    # Short waits: the kernel may hand SIGTERM to the server thread, and the main thread runs
    # Python's handler only when it wakes.
    while not stop.wait(timeout=0.5):
        pass
    server.shutdown()
    thread.join(timeout=5)
