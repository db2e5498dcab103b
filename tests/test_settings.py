"""Every service: RPS_ENV=cluster without INTERNAL_TOKEN stops start-up; locally it may be missing."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.gameplay.settings import Settings as GameplaySettings
from services.inference.settings import Settings as InferenceSettings
from services.promoter.settings import Settings as PromoterSettings
from services.trainer.settings import Settings as TrainerSettings
from shared.settings import Environment, ModelStoreSettings, ServiceSettings, presented_token

SERVICES = [GameplaySettings, InferenceSettings, TrainerSettings, PromoterSettings]


@pytest.fixture(params=SERVICES, ids=lambda cls: cls.__module__.split(".")[1])
def settings_class(request: pytest.FixtureRequest) -> type[ServiceSettings]:
    cls: type[ServiceSettings] = request.param
    return cls


def test_a_cluster_without_a_token_is_refused(
    settings_class: type[ServiceSettings], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("INTERNAL_TOKEN", raising=False)
    monkeypatch.setenv("RPS_ENV", "cluster")
    with pytest.raises(ValidationError, match="INTERNAL_TOKEN must be set"):
        settings_class()
    monkeypatch.setenv("INTERNAL_TOKEN", "")  # an empty secret is no secret
    with pytest.raises(ValidationError, match="INTERNAL_TOKEN must be set"):
        settings_class()


def test_a_cluster_with_a_token_starts_and_locally_none_is_needed(
    settings_class: type[ServiceSettings], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RPS_ENV", "cluster")
    monkeypatch.setenv("INTERNAL_TOKEN", "s3cret")
    monkeypatch.setenv("GAME_SECRET", "g4me")  # gameplay's own secret (tests/gameplay/test_fair_play.py)
    settings = settings_class()
    assert settings.rps_env is Environment.CLUSTER
    assert settings.internal_token_value == "s3cret"
    assert "s3cret" not in repr(settings)  # a secret never reaches logs
    monkeypatch.delenv("RPS_ENV")
    monkeypatch.delenv("INTERNAL_TOKEN")
    monkeypatch.delenv("GAME_SECRET")
    assert settings_class().internal_token is None


def test_a_request_presents_its_token_in_either_header() -> None:
    assert presented_token("Bearer abc", None) == "abc"
    assert presented_token("bearer  abc ", None) == "abc"
    assert presented_token(None, "xyz") == "xyz"
    assert presented_token("Basic abc", None) is None
    assert presented_token("Bearer ", None) is None
    assert presented_token(None, None) is None


def test_the_training_window_and_the_win_rate_window_are_one_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("METRICS_WINDOW_DAYS", raising=False)
    assert GameplaySettings().metrics_window_days == TrainerSettings().metrics_window_days == 7
    monkeypatch.setenv("METRICS_WINDOW_DAYS", "0")
    with pytest.raises(ValidationError, match="metrics_window_days"):
        TrainerSettings()


@pytest.mark.parametrize("settings_class", [InferenceSettings, TrainerSettings, PromoterSettings])
def test_an_empty_s3_endpoint_means_the_local_directory(
    settings_class: type[ModelStoreSettings], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("S3_ENDPOINT_URL", "")
    assert settings_class().s3_endpoint_url is None
    monkeypatch.setenv("S3_ENDPOINT_URL", "http://s3:8333")
    assert settings_class().s3_endpoint_url == "http://s3:8333"
