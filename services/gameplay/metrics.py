"""Gameplay's Prometheus metrics (every one is listed in docs/metrics.md)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

# Games flagged is_test are counted only here: every other game, round and degraded-round
# counter is production analytics (DESIGN §5). Latency and HTTP metrics include them.
GAMES_STARTED = Counter(
    "rps_gameplay_games_started_total", "Games started (not is_test)", ["policy", "alias"]
)
TEST_GAMES_STARTED = Counter("rps_gameplay_test_games_started_total", "Games flagged is_test started")
GAMES_FINISHED = Counter(
    "rps_gameplay_games_finished_total", "Games finished (not is_test)", ["policy", "alias", "winner"]
)
ROUNDS = Counter(
    "rps_gameplay_rounds_total", "Rounds played, by where the bot's move came from", ["policy", "bot_source"]
)
DEGRADED = Counter(
    "rps_gameplay_degraded_rounds_total",
    "Model rounds played in degraded mode (fallback move), by why",
    ["family", "reason"],
)
INFERENCE_SECONDS = Histogram(
    "rps_gameplay_inference_seconds",
    "Time of the /predict/batch call as seen by gameplay",
    buckets=(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.25, 0.5),
)
PLAY_SECONDS = Histogram(
    "rps_gameplay_play_seconds",
    "Time to handle one /play inside the app (inference hop and append included)",
    buckets=(0.0005, 0.001, 0.002, 0.003, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25),
)
STORE_UNAVAILABLE = Counter(
    "rps_gameplay_store_unavailable_total",
    "Times the event store was locked past the busy timeout or failing (then 503 + Retry-After for 1 s)",
)
APPEND_CONFLICTS = Counter(
    "rps_gameplay_append_conflicts_total", "Appends refused because another writer took the round first"
)
HTTP_REQUESTS = Counter(
    "rps_gameplay_http_requests_total",
    "HTTP requests answered, by route template, method and status class (2xx, 4xx, 5xx...)",
    ["route", "method", "status"],
)
HTTP_SECONDS = Histogram(
    "rps_gameplay_http_request_seconds",
    "Time to answer an HTTP request inside the app (all middleware included), by route template",
    ["route"],
    buckets=(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
