"""The metrics of the worker's jobs: `python -m services.worker serve-metrics [--port 9108]`.

Promotion and training run in RQ work horses that exit after each job, so they register no
Prometheus metrics; their collectors derive gauges from the event log at scrape time
(`services.promoter.metrics`, `services.trainer.metrics`). This one small long-lived process
(the worker pod's `job-metrics` sidecar) serves both. It must stay small: neither MLflow,
SciPy nor torch is imported here (~87 MB RSS).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, start_http_server

from services.promoter.metrics import PromotionCollector, ledger_reader
from services.trainer.metrics import TrainingCollector, trained_reader
from shared.events import EventStore
from shared.settings import EventStoreSettings


def job_metrics_registry(store: EventStore) -> CollectorRegistry:
    """A registry with the promoter's and the trainer's collectors reading `store`."""
    registry = CollectorRegistry()
    registry.register(PromotionCollector(ledger_reader(store)))
    registry.register(TrainingCollector(trained_reader(store)))
    return registry


def serve_metrics(host: str, port: int) -> None:
    """Serve both collectors on http://host:port/metrics until interrupted."""
    registry = job_metrics_registry(EventStore.from_url(EventStoreSettings().database_url))
    server, thread = start_http_server(port, addr=host, registry=registry)
    print(f"serving rps_promoter_* and rps_trainer_* on http://{host}:{port}/metrics", flush=True)
    try:
        thread.join()
    except KeyboardInterrupt:
        server.shutdown()
