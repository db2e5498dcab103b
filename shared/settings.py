"""What every service's settings share: where it runs and the internal token (DESIGN §7).

Each service defines one `Settings(ServiceSettings)` with its own fields; values come from the
upper-case environment variable of each field's name, with safe local defaults.
"""

from __future__ import annotations

import hmac
from enum import StrEnum

from pydantic import SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Environment(StrEnum):
    LOCAL = "local"
    CLUSTER = "cluster"  # secrets must be set: a missing one stops start-up


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore")

    rps_env: Environment = Environment.LOCAL
    # No default: locally the internal endpoints and HTTP reloads are then disabled.
    internal_token: SecretStr | None = None

    @field_validator("internal_token", mode="before")
    @classmethod
    def _empty_token_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @model_validator(mode="after")
    def _token_required_in_cluster(self) -> ServiceSettings:
        if self.rps_env is Environment.CLUSTER and self.internal_token is None:
            raise ValueError("INTERNAL_TOKEN must be set when RPS_ENV=cluster")
        return self

    @property
    def internal_token_value(self) -> str | None:
        return None if self.internal_token is None else self.internal_token.get_secret_value()


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
