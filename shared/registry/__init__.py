"""MLflow registry access shared by the trainer and the promoter (imports mlflow: never on the serving path).

    from shared.registry import open_client, register_version, read_aliases, set_aliases
    client = open_client("sqlite:///data/mlflow.db")
    version = register_version(client, Family.XGBOOST, run_id, artifact_dir)   # -> int
    read_aliases(client, Family.XGBOOST)              # {Alias.PRODUCTION: 3, Alias.B: 4, ...}
    set_aliases(client, Family.XGBOOST, {Alias.SHADOW2: 5, Alias.SHADOW1: None})   # None removes
    download_version(client, Family.XGBOOST, 5, Path("/tmp/v5"))   # -> artifact dir (meta.json)
    sync_serving_cache(cache, client, clean=True)     # models first, markers last, then clean
    reload_inference(inference_url, token)            # ReloadResult(ok, status); never raises

A registered version's source is the run's `model` artifact path; the version carries the
tag `contract_hash`.
"""

from shared.registry.client import (
    CONTRACT_TAG,
    MODEL_ARTIFACT_PATH,
    download_version,
    ensure_registered_model,
    open_client,
    read_aliases,
    register_version,
    set_aliases,
    version_contract_hash,
    version_exists,
)
from shared.registry.errors import RegistryError, VersionNotFoundError
from shared.registry.reload import ReloadResult, reload_inference
from shared.registry.sync import SyncReport, sync_serving_cache

__all__ = [
    "CONTRACT_TAG",
    "MODEL_ARTIFACT_PATH",
    "RegistryError",
    "ReloadResult",
    "SyncReport",
    "VersionNotFoundError",
    "download_version",
    "ensure_registered_model",
    "open_client",
    "read_aliases",
    "register_version",
    "reload_inference",
    "set_aliases",
    "sync_serving_cache",
    "version_contract_hash",
    "version_exists",
]
