"""Settings come from the environment (the token rules are in tests/test_settings.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

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
