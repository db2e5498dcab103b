"""One contract suite for the serving cache, run against both backends: a directory and a real S3 server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from shared.serving_cache import (
    CorruptMarkerError,
    InvalidArtifactError,
    InvalidNameError,
    LocalDirectoryCache,
    ModelNotInCacheError,
    ModelRef,
    S3Cache,
    ServingCache,
    open_cache,
)
from shared.serving_cache.layout import CARD_JSON, CARD_MARKDOWN

FAMILY = "rps_bot_xgboost"
OTHER = "rps_bot_mnlogit"
HASH = "0123456789abcdef"


@pytest.fixture(params=["directory", "s3"])
def cache(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServingCache]:
    if request.param == "directory":
        yield LocalDirectoryCache(tmp_path / "cache")
    else:
        endpoint, bucket = request.getfixturevalue("s3_bucket")
        yield S3Cache(bucket=bucket, endpoint_url=endpoint)


def make_artifact(root: Path, name: str, payload: bytes = b"weights") -> Path:
    """A directory shaped like a model artifact: meta.json plus model files, one in a subfolder."""
    artifact = root / name
    (artifact / "extra").mkdir(parents=True)
    (artifact / "meta.json").write_text(json.dumps({"family": FAMILY, "name": name}))
    (artifact / "model.bin").write_bytes(payload)
    (artifact / "extra" / "scaler.npz").write_bytes(payload[::-1])
    return artifact


def test_put_then_fetch_returns_the_same_files(cache: ServingCache, tmp_path: Path) -> None:
    artifact = make_artifact(tmp_path, "a", b"\x00\x01binary\xff")
    assert cache.put_model(FAMILY, 7, artifact) == ModelRef(FAMILY, 7)

    dest = cache.fetch_model(FAMILY, 7, tmp_path / "out")

    for name in ("meta.json", "model.bin", "extra/scaler.npz"):
        assert (dest / name).read_bytes() == (artifact / name).read_bytes()
    with cache.model_dir(FAMILY, 7) as path:
        assert (path / "model.bin").read_bytes() == b"\x00\x01binary\xff"


def test_fetch_of_a_missing_model_raises_model_not_in_cache(cache: ServingCache, tmp_path: Path) -> None:
    with pytest.raises(ModelNotInCacheError, match="version 3"):
        cache.fetch_model(FAMILY, 3, tmp_path / "out")
    with pytest.raises(ModelNotInCacheError), cache.model_dir(FAMILY, 3):
        pass


def test_put_model_refuses_a_directory_without_meta(cache: ServingCache, tmp_path: Path) -> None:
    (tmp_path / "bare").mkdir()
    (tmp_path / "bare" / "model.bin").write_bytes(b"x")
    with pytest.raises(InvalidArtifactError, match=r"meta\.json"):
        cache.put_model(FAMILY, 1, tmp_path / "bare")
    assert cache.list_models() == []


def test_set_alias_refuses_a_model_that_is_not_there(cache: ServingCache) -> None:
    with pytest.raises(ModelNotInCacheError):
        cache.set_alias(FAMILY, "Production", 9, HASH)
    assert cache.read_markers(FAMILY) == {}


def test_markers_round_trip_per_family(cache: ServingCache, tmp_path: Path) -> None:
    cache.put_model(FAMILY, 1, make_artifact(tmp_path, "one"))
    cache.put_model(FAMILY, 2, make_artifact(tmp_path, "two"))
    cache.put_model(OTHER, 5, make_artifact(tmp_path, "five"))

    cache.write_markers(FAMILY, {"Production": (1, HASH), "B": (2, HASH)})
    cache.set_alias(OTHER, "shadow2", 5, "feedfacefeedface")

    markers = cache.read_markers(FAMILY)
    assert {a: (m.version, m.contract_hash) for a, m in markers.items()} == {
        "Production": (1, HASH),
        "B": (2, HASH),
    }
    assert markers["B"].written_at.endswith("+00:00")
    everything = cache.read_all_markers()
    assert set(everything) == {FAMILY, OTHER}
    assert everything[OTHER]["shadow2"].version == 5


def test_write_markers_writes_nothing_when_one_model_is_missing(cache: ServingCache, tmp_path: Path) -> None:
    cache.put_model(FAMILY, 1, make_artifact(tmp_path, "one"))
    with pytest.raises(ModelNotInCacheError):
        cache.write_markers(FAMILY, {"Production": (1, HASH), "B": (2, HASH)})
    assert cache.read_markers(FAMILY) == {}


def test_moving_and_removing_an_alias(cache: ServingCache, tmp_path: Path) -> None:
    cache.put_model(FAMILY, 1, make_artifact(tmp_path, "one"))
    cache.put_model(FAMILY, 2, make_artifact(tmp_path, "two"))
    cache.set_alias(FAMILY, "Production", 1, HASH)
    cache.set_alias(FAMILY, "Production", 2, HASH)
    assert cache.read_markers(FAMILY)["Production"].version == 2
    cache.remove_alias(FAMILY, "Production")
    assert cache.read_markers(FAMILY) == {}


def test_list_models_shows_only_complete_versions(cache: ServingCache, tmp_path: Path) -> None:
    cache.put_model(FAMILY, 1, make_artifact(tmp_path, "one"))
    cache.put_model(OTHER, 3, make_artifact(tmp_path, "three"))
    cache._write(f"models/{FAMILY}/2/model.bin", b"half-written: no meta.json yet")
    assert cache.list_models() == [ModelRef(OTHER, 3), ModelRef(FAMILY, 1)]
    assert not cache.has_model(FAMILY, 2)


def test_clean_removes_every_model_no_marker_names(cache: ServingCache, tmp_path: Path) -> None:
    for version in (1, 2, 3, 4):
        cache.put_model(FAMILY, version, make_artifact(tmp_path, f"v{version}"))
    cache.put_model(OTHER, 1, make_artifact(tmp_path, "other"))
    cache._write(f"models/{FAMILY}/9/model.bin", b"left over by a crashed writer")
    cache.write_markers(FAMILY, {"Production": (2, HASH), "B": (4, HASH)})

    removed = cache.clean(keep=[(FAMILY, 3)])

    assert sorted(removed) == [ModelRef(OTHER, 1), ModelRef(FAMILY, 1), ModelRef(FAMILY, 9)]
    assert cache.list_models() == [ModelRef(FAMILY, 2), ModelRef(FAMILY, 3), ModelRef(FAMILY, 4)]
    assert cache._keys(f"models/{FAMILY}/9/") == []
    assert cache.fetch_model(FAMILY, 2, tmp_path / "kept").joinpath("model.bin").exists()


def test_a_card_sits_beside_its_model_is_replaced_in_place_and_goes_with_it(
    cache: ServingCache, tmp_path: Path
) -> None:
    with pytest.raises(ModelNotInCacheError):
        cache.put_card(FAMILY, 1, {CARD_JSON: b"{}"})  # never a card without its model
    cache.put_model(FAMILY, 1, make_artifact(tmp_path, "one"))
    assert cache.read_card(FAMILY, 1) is None
    cache.put_card(FAMILY, 1, {CARD_JSON: b'{"version": 1}', CARD_MARKDOWN: b"# v1"})
    cache.put_card(FAMILY, 1, {CARD_JSON: b'{"version": 1, "live": {}}'})
    assert cache.read_card(FAMILY, 1) == b'{"version": 1, "live": {}}'
    assert cache.read_card(FAMILY, 1, CARD_MARKDOWN) == b"# v1"
    assert cache.list_models() == [ModelRef(FAMILY, 1)]
    with pytest.raises(InvalidNameError):
        cache.read_card(FAMILY, 1, "../meta.json")
    cache.clean()
    assert cache.read_card(FAMILY, 1) is None and cache._keys(f"models/{FAMILY}/") == []


def test_put_of_a_version_already_complete_keeps_the_cached_files(
    cache: ServingCache, tmp_path: Path
) -> None:
    cache.put_model(FAMILY, 1, make_artifact(tmp_path, "first", b"first"))
    cache.put_model(FAMILY, 1, make_artifact(tmp_path, "second", b"second"))
    assert cache.fetch_model(FAMILY, 1, tmp_path / "out").joinpath("model.bin").read_bytes() == b"first"


@pytest.mark.parametrize("family", ["", "../etc", "a/b", ".hidden"])
def test_names_that_are_not_one_key_segment_are_refused(cache: ServingCache, family: str) -> None:
    with pytest.raises(InvalidNameError):
        cache.read_markers(family)


def test_a_corrupt_marker_is_reported_with_its_key(cache: ServingCache) -> None:
    cache._write(f"aliases/{FAMILY}/B.json", b"{not json")
    with pytest.raises(CorruptMarkerError, match=f"aliases/{FAMILY}/B.json"):
        cache.read_markers(FAMILY)


def test_a_reader_that_sees_a_marker_always_finds_its_model(cache: ServingCache, tmp_path: Path) -> None:
    """Writer puts models then markers over and over; a concurrent reader must never miss a model."""
    artifacts = [make_artifact(tmp_path, f"v{v}", bytes([v]) * 64) for v in range(1, 7)]
    cache.put_model(FAMILY, 1, artifacts[0])
    cache.set_alias(FAMILY, "Production", 1, HASH)
    failures: list[str] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            for marker in cache.read_markers(FAMILY).values():
                try:
                    cache.fetch_model(FAMILY, marker.version, tmp_path / "r" / str(marker.version))
                except ModelNotInCacheError as exc:
                    # A clean may remove a model right after its alias moved on; only a marker that
                    # still names a missing model breaks the contract.
                    if cache.read_markers(FAMILY)["Production"].version == marker.version:
                        failures.append(str(exc))

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for version in range(2, 7):
            cache.put_model(FAMILY, version, artifacts[version - 1])
            cache.set_alias(FAMILY, "Production", version, HASH)
            cache.clean()
    finally:
        done.set()
        reader.join()
    assert failures == []
    assert cache.list_models() == [ModelRef(FAMILY, 6)]


def test_open_cache_picks_s3_only_with_an_endpoint(tmp_path: Path) -> None:
    assert isinstance(open_cache(directory=tmp_path), LocalDirectoryCache)
    s3 = open_cache(directory=tmp_path, endpoint_url="http://127.0.0.1:1", bucket="b")
    assert isinstance(s3, S3Cache)
    assert s3.bucket == "b"
