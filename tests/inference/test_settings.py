"""Settings come from the environment; a cluster without INTERNAL_TOKEN does not start."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from services.inference.settings import Settings


def test_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVING_CACHE_DIR", "/srv/cache")
    monkeypatch.setenv("S3_ENDPOINT_URL", "")
    monkeypatch.setenv("GAMEPLAY_URL", "http://gameplay:8000")
    monkeypatch.setenv("INTERNAL_TOKEN", "t0k3n")
    settings = Settings()
    assert settings.serving_cache_dir == Path("/srv/cache")
    assert settings.s3_endpoint_url is None  # empty means unset: the directory cache
    assert settings.gameplay_url == "http://gameplay:8000"
    assert settings.internal_token is not None and settings.internal_token.get_secret_value() == "t0k3n"


def test_a_cluster_without_internal_token_is_a_start_up_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INTERNAL_TOKEN", raising=False)
    monkeypatch.setenv("RPS_ENV", "cluster")
    with pytest.raises(ValidationError, match="INTERNAL_TOKEN must be set"):
        Settings()


def test_locally_the_token_may_be_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("INTERNAL_TOKEN", raising=False)
    monkeypatch.delenv("RPS_ENV", raising=False)
    assert Settings().internal_token is None
