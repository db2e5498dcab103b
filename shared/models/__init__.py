"""Model artifacts and the four model families (docs/architecture.md, "Model artifacts").

    from shared.models import load_artifact
    model = load_artifact("data/serving-cache/models/rps_bot_xgboost/3")
    model.predict_proba(x)  # float32 [n, 50] -> [n, 3] (rock, paper, scissors)

Training: `fit_family(family, XY.of(x, y), XY.of(xv, yv), params_for(family, {...}))`
returns a FamilyModel with `.curve` (learning curve) and `.save(directory)`.
Importing this package imports no model library and never mlflow.
"""

from shared.models.base import XY, FamilyModel, LearningCurve, as_features, log_loss
from shared.models.config import (
    DEFAULT_PARAMS,
    FamilyParams,
    FeedforwardParams,
    LightGBMParams,
    MNLogitParams,
    XGBoostParams,
    params_for,
    params_to_dict,
)
from shared.models.errors import (
    ArtifactError,
    ArtifactInvalidError,
    ArtifactNotFoundError,
    ContractMismatchError,
)
from shared.models.families import IMPLEMENTATIONS, fit_family, model_class
from shared.models.loading import LoadedModel, load_artifact
from shared.models.meta import META_FILE, ArtifactFormat, ArtifactMeta, read_meta, stamp_version, write_meta

__all__ = [
    "DEFAULT_PARAMS",
    "IMPLEMENTATIONS",
    "META_FILE",
    "XY",
    "ArtifactError",
    "ArtifactFormat",
    "ArtifactInvalidError",
    "ArtifactMeta",
    "ArtifactNotFoundError",
    "ContractMismatchError",
    "FamilyModel",
    "FamilyParams",
    "FeedforwardParams",
    "LearningCurve",
    "LightGBMParams",
    "LoadedModel",
    "MNLogitParams",
    "XGBoostParams",
    "as_features",
    "fit_family",
    "load_artifact",
    "log_loss",
    "model_class",
    "params_for",
    "params_to_dict",
    "read_meta",
    "stamp_version",
    "write_meta",
]
