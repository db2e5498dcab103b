"""Errors of registry access.

RegistryError
 └── VersionNotFoundError       no such registered model version
"""

from __future__ import annotations


class RegistryError(Exception):
    """Base class of registry failures."""


class VersionNotFoundError(RegistryError):
    def __init__(self, family: str, version: int) -> None:
        super().__init__(f"{family} has no version {version} in the registry")
        self.family = family
        self.version = version
