"""What every service's settings share, each field and default defined once (DESIGN §7).

Each service defines one `Settings` extending `ServiceSettings` (where it runs, the internal
token, Redis, inference's URL) and the groups it uses: `EventStoreSettings` (the event store
and the metrics window) and `ModelStoreSettings` (MLflow and the serving cache). Values come
from the upper-case environment variable of each field's name, with safe local defaults.
"""

from __future__ import annotations

import hmac
from enum import StrEnum
from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Days of games that training reads and that gameplay's per-bot win rates cover: one window, so
# the cluster (kustomize sets 7) and a local run train on the same span of data.
METRICS_WINDOW_DAYS = 7
REDIS_URL = "redis://127.0.0.1:6379/0"
SERVING_CACHE_DIR = Path("data/serving-cache")  # the serving cache without S3
S3_BUCKET = "rps-serving-cache"


def _empty_is_unset(value: object) -> object:
    """An empty environment variable means "not set" (compose passes `${VAR:-}` as "")."""
    return None if value == "" else value


class Environment(StrEnum):
    LOCAL = "local"
    CLUSTER = "cluster"  # secrets must be set: a missing one stops start-up


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    rps_env: Environment = Environment.LOCAL
    # No default: locally the internal endpoints and HTTP reloads are then disabled.
    internal_token: SecretStr | None = None
    redis_url: str = REDIS_URL
    inference_url: str = "http://127.0.0.1:8001"

    _empty_token_is_unset = field_validator("internal_token", mode="before")(_empty_is_unset)

    @model_validator(mode="after")
    def _token_required_in_cluster(self) -> ServiceSettings:
        if self.rps_env is Environment.CLUSTER and self.internal_token is None:
            raise ValueError("INTERNAL_TOKEN must be set when RPS_ENV=cluster")
        return self

    @property
    def internal_token_value(self) -> str | None:
        return None if self.internal_token is None else self.internal_token.get_secret_value()


class EventStoreSettings(ServiceSettings):
    """The event store, and the window of days its readers look back over."""

    database_url: str = "sqlite:///data/rps.db"
    metrics_window_days: int = Field(METRICS_WINDOW_DAYS, ge=1)


class ModelStoreSettings(ServiceSettings):
    """The MLflow registry and the serving cache (a directory, or S3 when an endpoint is set)."""

    mlflow_tracking_uri: str = "sqlite:///data/mlflow.db"
    serving_cache_dir: Path = SERVING_CACHE_DIR
    s3_endpoint_url: str | None = None
    s3_bucket: str = S3_BUCKET

    _empty_endpoint_is_unset = field_validator("s3_endpoint_url", mode="before")(_empty_is_unset)


def presented_token(authorization: str | None, x_internal_token: str | None) -> str | None:
    """The token a request presents: `X-Internal-Token: T` or `Authorization: Bearer T`."""
    if x_internal_token:
        return x_internal_token
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip() or None
    return None


def token_matches(expected: SecretStr, presented: str) -> bool:
    """Constant-time comparison, so the token cannot be guessed byte by byte from timings."""
    return hmac.compare_digest(presented.encode(), expected.get_secret_value().encode())
