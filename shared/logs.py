"""One logging setup for every service: JSON lines in compose and the cluster, readable text locally.

RPS_LOG_FORMAT=json (set by docker-compose.yml and the cluster's ConfigMap) writes one JSON object
per line with time, level, service, logger and message, plus method, route and status for
uvicorn's access records, and the traceback as `exception`; anything else (`make run`) writes
`time service LEVEL logger: message`. Uvicorn's and RQ's loggers go through the same handler.
"""

from __future__ import annotations

import logging
import os
import sys
from datetime import UTC, datetime
from typing import TextIO

import orjson

FORMAT_VARIABLE = "RPS_LOG_FORMAT"
# Loggers that libraries configure themselves; their records go to the root handler instead.
LIBRARY_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "rq.worker")


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per record, with the fields a log pipeline indexes."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        # uvicorn.access: (client, method, path with query, HTTP version, status)
        if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) == 5:
            _client, method, path, _version, status = record.args
            entry.update(method=method, route=str(path).split("?", 1)[0], status=status)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def setup_logging(
    service: str, level: int | str = logging.INFO, log_format: str | None = None, stream: TextIO | None = None
) -> None:
    """Send every log record of this process to `stream` (stderr) in the configured format."""
    chosen = (log_format or os.environ.get(FORMAT_VARIABLE, "text")).lower()
    handler = logging.StreamHandler(stream or sys.stderr)
    if chosen == "json":
        handler.setFormatter(JsonLinesFormatter(service))
    else:
        handler.setFormatter(logging.Formatter(f"%(asctime)s {service} %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper() if isinstance(level, str) else level)
    for name in LIBRARY_LOGGERS:
        library = logging.getLogger(name)
        library.handlers.clear()
        library.propagate = True
        # A level or a disable left by an earlier logging config (uvicorn's own) would drop records.
        library.setLevel(logging.NOTSET)
        library.disabled = False
    # One line per Alembic plugin at every start says nothing; the migrations it runs still show.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
