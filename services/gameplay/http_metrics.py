"""Requests and their latency by route template and status class: a pure ASGI middleware.

Counts every HTTP request gameplay answers, so the error-rate alert sees gameplay's own 5xx,
not only the inference hop. The route label is the matched route's template
(`/games/{game_id}`), never the raw path, so its cardinality stays that of the app;
requests no route matched are `other`. Labelled children are cached: the per-request cost is
a dict lookup, an `inc()` and an `observe()`.
"""

from __future__ import annotations

import time
from typing import Any

from services.gameplay import metrics

Scope = dict[str, Any]
Message = dict[str, Any]
UNMATCHED = "other"
_STATUS_CLASSES = {1: "1xx", 2: "2xx", 3: "3xx", 4: "4xx", 5: "5xx"}


def status_class(status: int) -> str:
    return _STATUS_CLASSES.get(status // 100, "5xx")


def route_template(scope: Scope) -> str:
    """The path template of the route the router matched (set in the shared scope), or `other`."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


class HttpMetrics:
    """Observes rps_gameplay_http_requests_total and rps_gameplay_http_request_seconds."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._counters: dict[tuple[str, str, str], Any] = {}
        self._histograms: dict[str, Any] = {}

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an exception before the response started is answered 500 by the server

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self._observe(scope, status, time.perf_counter() - started)

    def _observe(self, scope: Scope, status: int, seconds: float) -> None:
        route = route_template(scope)
        key = (route, scope["method"], status_class(status))
        counter = self._counters.get(key)
        if counter is None:
            counter = self._counters[key] = metrics.HTTP_REQUESTS.labels(*key)
        counter.inc()
        histogram = self._histograms.get(route)
        if histogram is None:
            histogram = self._histograms[route] = metrics.HTTP_SECONDS.labels(route)
        histogram.observe(seconds)
