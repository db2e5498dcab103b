"""`python -m services.inference serve [--host H] [--port P]`: run the inference API with uvicorn."""

from __future__ import annotations

import argparse
import os
import sys

# Single-row predictions: one thread per library; set before xgboost/lightgbm load.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
# The registry is only a fallback: give up on an unreachable one in seconds, not minutes of retries.
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "1")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "10")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8001


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.inference", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the HTTP API (settings from environment variables)")
    serve.add_argument("--host", default=DEFAULT_HOST)
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)

    import uvicorn

    from services.inference.libraries import import_model_libraries
    from services.inference.main import create_app
    from shared.logs import setup_logging

    setup_logging("inference", args.log_level)
    import_model_libraries()
    app = create_app(freeze_gc=True)
    uvicorn.run(
        app, host=args.host, port=args.port, log_level=args.log_level, access_log=False, log_config=None
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
