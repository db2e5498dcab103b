"""The trainer: datasets from the event store, the three-step pipeline, MLflow, offline gate, cache sync."""
