"""The serving cache: the aliased model artifacts inference loads first, in a directory or an S3 bucket.

Layout (the same keys in a directory and in a bucket, docs/architecture.md):

    models/<family>/<version>/<artifact files>      one directory per registered version
    models/<family>/<version>/card/card.json|card.md   its model card (layout.CARD_*)
    aliases/<family>/<alias>.json                   the marker:
        {"version": 7, "contract_hash": "...", "written_at": "..."}

Write order is what makes it safe to read while it changes: a model's files go in
first with its `meta.json` last (a version is complete once `meta.json` is there),
and a marker is written only after the model it names is complete, so a reader that
sees a marker always finds its model. `clean()` removes every model no marker names.

API (one interface, two backends; pick one with `open_cache`):

    cache = open_cache(directory="data/serving-cache")                  # LocalDirectoryCache
    cache = open_cache(endpoint_url="http://minio:9000", bucket="rps-serving-cache")  # S3Cache

    cache.put_model(family, version, artifact_dir) -> ModelRef        copy an artifact directory in
    cache.has_model(family, version) -> bool                           complete (meta.json present)?
    cache.set_alias(family, alias, version, contract_hash) -> AliasMarker
    cache.write_markers(family, {alias: (version, contract_hash)})     several aliases, models checked first
    cache.remove_alias(family, alias)                                  the alias has no model any more
    cache.read_markers(family) -> {alias: AliasMarker}
    cache.read_all_markers() -> {family: {alias: AliasMarker}}
    cache.fetch_model(family, version, dest_dir) -> Path               copy a model out
    cache.model_dir(family, version)                                   context manager: readable dir
    cache.list_models() -> [ModelRef]
    cache.put_card(family, version, {"card.json": b"...", "card.md": b"..."})  beside a complete model
    cache.read_card(family, version, name="card.json") -> bytes | None
    cache.clean(keep=()) -> [ModelRef]                                 drop models no marker/keep names

Families, aliases and versions are plain values here (`str`, `str`, `int`); the
`Family`/`Alias` enums of `shared.features` are `str` and can be passed as they are.

Errors (all `ServingCacheError`):

    ServingCacheError
    ├── InvalidNameError        a family or alias that is not a safe key segment, a bad version
    ├── ModelNotInCacheError    fetching, or pointing a marker at, a version that is not complete
    ├── InvalidArtifactError    put_model of a directory without meta.json
    └── CorruptMarkerError      a marker that is not the JSON described above
"""

from shared.serving_cache.base import AliasMarker, ModelRef, ServingCache
from shared.serving_cache.errors import (
    CorruptMarkerError,
    InvalidArtifactError,
    InvalidNameError,
    ModelNotInCacheError,
    ServingCacheError,
)
from shared.serving_cache.factory import open_cache
from shared.serving_cache.local import LocalDirectoryCache
from shared.serving_cache.s3 import S3Cache

__all__ = [
    "AliasMarker",
    "CorruptMarkerError",
    "InvalidArtifactError",
    "InvalidNameError",
    "LocalDirectoryCache",
    "ModelNotInCacheError",
    "ModelRef",
    "S3Cache",
    "ServingCache",
    "ServingCacheError",
    "open_cache",
]
