"""Errors of the model-artifact package.

ArtifactError
 ├── ArtifactNotFoundError      no directory or no meta.json
 ├── ArtifactInvalidError       meta.json or the model file cannot be read
 └── ContractMismatchError      trained on another feature contract
"""

from __future__ import annotations


class ArtifactError(Exception):
    """Base class: the artifact cannot be used."""


class ArtifactNotFoundError(ArtifactError):
    pass


class ArtifactInvalidError(ArtifactError):
    pass


class ContractMismatchError(ArtifactError):
    pass
