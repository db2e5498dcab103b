"""Key names of the serving cache, the same in a directory and in a bucket."""

from __future__ import annotations

import re

from shared.serving_cache.errors import InvalidNameError

MODELS = "models"
ALIASES = "aliases"
META_FILE = "meta.json"  # written last: its presence means the model is complete
MARKER_SUFFIX = ".json"
# A version's model card sits beside its model (removed with it): models/<family>/<version>/card/.
# The trainer logs the same two files in its MLflow run under `card/`; inference serves them.
CARD_DIR = "card"
CARD_JSON = "card.json"
CARD_MARKDOWN = "card.md"
CARD_FILES = (CARD_JSON, CARD_MARKDOWN)

_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def segment(value: str, what: str) -> str:
    """A family or alias checked to be one safe key segment."""
    text = str(value)
    if not _SEGMENT.fullmatch(text) or ".." in text:
        raise InvalidNameError(f"{what} {text!r} is not a valid name (letters, digits, _ . -)")
    return text


def version_segment(version: int) -> str:
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise InvalidNameError(f"version must be a non-negative int, got {version!r}")
    return str(version)


def model_prefix(family: str, version: int) -> str:
    return f"{MODELS}/{segment(family, 'family')}/{version_segment(version)}/"


def marker_key(family: str, alias: str) -> str:
    return f"{ALIASES}/{segment(family, 'family')}/{segment(alias, 'alias')}{MARKER_SUFFIX}"


def family_markers_prefix(family: str) -> str:
    return f"{ALIASES}/{segment(family, 'family')}/"


def card_key(family: str, version: int, name: str) -> str:
    if name not in CARD_FILES:
        raise InvalidNameError(f"card file {name!r} is not one of {', '.join(CARD_FILES)}")
    return f"{model_prefix(family, version)}{CARD_DIR}/{name}"
