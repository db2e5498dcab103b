"""Prometheus metrics of the inference service; each is listed in docs/metrics.md ("Inference")."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

# Single-row predictions take tens of microseconds to a millisecond.
PREDICT_BUCKETS = (0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.1)
LOAD_BUCKETS = (0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class InferenceMetrics:
    """One registry per app, so several apps (tests) can live in one process."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.prediction_seconds = Histogram(
            "rps_inference_prediction_seconds",
            "Time to compute one alias's probabilities (model predict only)",
            ["family", "alias"],
            buckets=PREDICT_BUCKETS,
            registry=r,
        )
        self.predictions = Counter(
            "rps_inference_predictions_total",
            "Probabilities answered, per alias and where they came from",
            ["family", "alias", "source"],
            registry=r,
        )
        self.fallbacks = Counter(
            "rps_inference_fallbacks_total",
            "Requests for an alias with no model (uniform answer, or omitted from a batch)",
            ["family", "alias"],
            registry=r,
        )
        self.model_loads = Counter(
            "rps_inference_model_loads_total",
            "Model versions loaded into memory, by source",
            ["family", "source"],
            registry=r,
        )
        self.model_load_seconds = Histogram(
            "rps_inference_model_load_seconds",
            "Time to fetch and load one model version, by source",
            ["source"],
            buckets=LOAD_BUCKETS,
            registry=r,
        )
        self.model_load_failures = Counter(
            "rps_inference_model_load_failures_total",
            "Models a source has but that could not be read or loaded",
            ["family", "source"],
            registry=r,
        )
        self.contract_refusals = Counter(
            "rps_inference_contract_refusals_total",
            "Models refused because their feature-contract hash differs from the code's",
            ["family", "alias", "source"],
            registry=r,
        )
        self.model_loaded = Gauge(
            "rps_inference_model_loaded",
            "1 when the alias has a model in memory, 0 when callers fall back",
            ["family", "alias"],
            registry=r,
        )
        self.model_version = Gauge(
            "rps_inference_model_version",
            "Registry version serving the alias (-1 when none)",
            ["family", "alias"],
            registry=r,
        )
        self.reloads = Counter(
            "rps_inference_reloads_total",
            "Model-set loads, by trigger (startup, api, event) and outcome (ok, partial, error)",
            ["trigger", "outcome"],
            registry=r,
        )
        self.models_kept = Counter(
            "rps_inference_models_kept_total",
            "Aliases a reload left on their previous model because no source could be read",
            ["family", "alias"],
            registry=r,
        )
        self.model_kept = Gauge(
            "rps_inference_model_kept",
            "1 when the alias serves a model kept from an earlier load (its sources unreadable)",
            ["family", "alias"],
            registry=r,
        )
        self.last_reload_success = Gauge(
            "rps_inference_last_successful_reload_timestamp_seconds",
            "Unix time of the last reload that read every source (outcome ok)",
            registry=r,
        )
        self.reload_seconds = Histogram(
            "rps_inference_reload_seconds",
            "Time to build a whole model set (all 16 aliases)",
            ["trigger"],
            buckets=LOAD_BUCKETS,
            registry=r,
        )
        self.game_alias_lookups = Counter(
            "rps_inference_game_alias_lookups_total",
            "game_id → alias resolutions: hit (cached), miss (asked gameplay), not_found, error",
            ["result"],
            registry=r,
        )
        self.stream_errors = Counter(
            "rps_inference_event_stream_errors_total",
            "Failures reading the Redis event stream (the listener retries)",
            registry=r,
        )
