"""`python -m services.gameplay serve | migrate`.

The projections are rebuilt by `python -m services.relay rebuild-projections`, which reads the
archived games too (shared/events/archive.py).
"""

from __future__ import annotations

import argparse
import sys

from services.gameplay.settings import Settings


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from services.gameplay.app import create_app
    from shared.logs import setup_logging

    setup_logging("gameplay", args.log_level)
    uvicorn.run(
        create_app(settings),
        host=args.host,
        port=args.port,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level=args.log_level,
        log_config=None,  # shared/logs.py's handler, not uvicorn's own
    )
    return 0


def _migrate(_args: argparse.Namespace, settings: Settings) -> int:
    from shared.events import EventStore

    store = EventStore.from_url(settings.database_url)
    print(f"schema up to date at {store.engine.url.render_as_string(hide_password=True)}")
    store.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m services.gameplay", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the API (uvicorn, uvloop, httptools); migrates first")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--log-level", default="info")
    serve.set_defaults(run=_serve)
    commands.add_parser("migrate", help="bring the event store's schema up to date").set_defaults(
        run=_migrate
    )
    args = parser.parse_args(argv)
    return int(args.run(args, Settings()))


if __name__ == "__main__":
    sys.exit(main())
