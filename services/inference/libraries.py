"""Imports the model libraries for a serving process, leaving out what only training uses."""

from __future__ import annotations

import logging
import sys

from shared.features import FAMILIES
from shared.models import model_class

log = logging.getLogger(__name__)

# xgboost and lightgbm import these when installed, for their scikit-learn and DataFrame APIs;
# serving feeds numpy rows to native boosters and never needs them. Measured here (bench_predict):
# ~2 s less start-up and ~130 MiB less RSS without them.
TRAINING_ONLY = ("sklearn", "pandas")


def import_model_libraries() -> None:
    """Import every family's library now (xgboost, lightgbm), with sklearn and pandas hidden.

    Only for a process that does nothing but serve: in it, xgboost and lightgbm then believe
    sklearn and pandas are not installed. Should that fail, the libraries are imported normally.
    """
    hidden = [name for name in TRAINING_ONLY if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]  # makes `import name` raise ImportError
    try:
        for family in FAMILIES:
            model_class(family)
    except ImportError as exc:
        log.warning("model libraries need %s after all; importing them normally", exc.name)
    finally:
        for name in hidden:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]
    for family in FAMILIES:
        model_class(family)
