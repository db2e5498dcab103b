"""RPS_ENV=cluster without INTERNAL_TOKEN stops start-up, as in gameplay and inference."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.trainer.settings import Environment, Settings


def test_cluster_without_token_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INTERNAL_TOKEN", raising=False)
    monkeypatch.setenv("RPS_ENV", "cluster")
    with pytest.raises(ValidationError, match="INTERNAL_TOKEN must be set"):
        Settings()
    monkeypatch.setenv("INTERNAL_TOKEN", "")  # an empty secret is no secret
    with pytest.raises(ValidationError, match="INTERNAL_TOKEN must be set"):
        Settings()


def test_cluster_with_token_and_local_without_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RPS_ENV", "cluster")
    monkeypatch.setenv("INTERNAL_TOKEN", "s3cret")
    settings = Settings()
    assert settings.rps_env is Environment.CLUSTER
    assert settings.internal_token is not None and settings.internal_token.get_secret_value() == "s3cret"
    monkeypatch.setenv("RPS_ENV", "local")
    monkeypatch.delenv("INTERNAL_TOKEN")
    assert Settings().internal_token is None
