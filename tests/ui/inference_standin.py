"""A tiny real HTTP inference service for UI tests: POST /predict/batch answers every alias.

The probabilities follow the player's move shares (the user_tend_* features) with a per-alias tilt, so
each alias gives different, deterministic numbers the debug page can show.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from shared.features import ALIASES, FEATURE_COUNT, FEATURE_NAMES, MOVES

USER_TENDENCY = FEATURE_NAMES.index("user_tend_rock")  # then user_tend_paper, user_tend_scissors
VERSIONS = {alias: str(7 + i) for i, alias in enumerate(ALIASES)}


def predict(features: list[float], alias_index: int) -> dict[str, float]:
    weights = [1.0 + features[USER_TENDENCY + j] * 3 for j in range(3)]
    weights[alias_index % 3] += 0.5 * (alias_index + 1)
    total = sum(weights)
    return {move.value: w / total for move, w in zip(MOVES, weights, strict=True)}


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        if self.path != "/predict/batch":
            self._answer(404, {"detail": f"no route {self.path}"})
            return
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        features = body.get("features")
        if not isinstance(features, list) or len(features) != FEATURE_COUNT:
            self._answer(422, {"detail": f"features must be a list of {FEATURE_COUNT} numbers"})
            return
        wanted = body.get("aliases") or [str(a) for a in ALIASES]
        predictions = {
            str(alias): {
                "probabilities": predict(features, i),
                "model_version": VERSIONS[alias],
                "source": "cache",
            }
            for i, alias in enumerate(ALIASES)
            if str(alias) in wanted
        }
        self._answer(200, {"family": body.get("family"), "predictions": predictions})

    def _answer(self, status: int, payload: dict[str, object]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the tests read answers, not access logs."""


@contextmanager
def running_inference_standin() -> Iterator[str]:
    """Serve the stand-in on a free port; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="inference-standin", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
