"""Errors of the serving cache; the tree is drawn in the package docstring."""

from __future__ import annotations


class ServingCacheError(Exception):
    """Anything the serving cache refuses or cannot do."""


class InvalidNameError(ServingCacheError, ValueError):
    """A family, alias or version that cannot be a key segment."""


class ModelNotInCacheError(ServingCacheError, LookupError):
    """The model version is not (completely) in the cache."""

    def __init__(self, family: str, version: int) -> None:
        super().__init__(f"model {family} version {version} is not in the serving cache")
        self.family = family
        self.version = version


class InvalidArtifactError(ServingCacheError, ValueError):
    """The directory given to put_model is not a model artifact."""


class CorruptMarkerError(ServingCacheError, ValueError):
    """An alias marker that cannot be read."""
