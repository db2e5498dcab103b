"""The inference service: every family × alias in memory, `/predict`, hot reload (DESIGN §4, §6).

    settings.py   Settings (environment variables)
    libraries.py  imports xgboost/lightgbm for a serving process (without sklearn/pandas; no torch)
    slots.py      ModelSlot / ModelSet: what is loaded, as one immutable mapping
    loader.py     loads a ModelSet: serving cache → MLflow registry → degraded, concurrently
    registry.py   the MLflow fallback (mlflow imported only there)
    store.py      holds the current ModelSet, swaps it atomically on reload
    predictor.py  single-alias and batch prediction on one feature row
    games.py      game id → alias through gameplay, cached
    cards.py      model cards: serving cache → MLflow run (mlflow imported only there)
    stream.py     reloads on AliasesChanged events from the Redis stream
    metrics.py    Prometheus metrics (docs/metrics.md, "Inference")
    errors.py     exception classes and their HTTP status codes
    schemas.py    request and response shapes (422 messages name the bad feature)
    deps.py       typed dependencies, the internal-token check
    routes/       HTTP endpoints; main.py assembles the app (create_app(settings))

Run it with `python -m services.inference serve [--host H] [--port P]`.
"""
