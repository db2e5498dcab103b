"""MLflow registry access shared by the trainer and the promoter (imports mlflow: never on the serving path).

    from shared.registry import open_client, register_version, read_aliases, set_aliases
    client = open_client("sqlite:///data/mlflow.db")
    version = register_version(client, Family.XGBOOST, run_id, artifact_dir)   # -> int
    read_aliases(client, Family.XGBOOST)              # {Alias.PRODUCTION: 3, Alias.B: 4, ...}
    set_aliases(client, Family.XGBOOST, {Alias.SHADOW2: 5, Alias.SHADOW1: None})   # None removes
    download_version(client, Family.XGBOOST, 5, Path("/tmp/v5"))   # -> artifact dir (meta.json)
    sync_serving_cache(cache, client, clean=True)     # models first, markers last, then clean
    reload_inference(inference_url, token)            # ReloadResult(ok, status); never raises

Every alias change goes through one protocol (moves.py): ledger entry, MLflow, cache sync, reload:

    edges = RegistryEdges(client, cache, reload=lambda: reload_inference(url, token))
    apply_move(store, edges, AliasMove(family, AliasAction.PROMOTE, before, after, reason, evidence))
    recover(store, edges, family)    # a change cut short: MLflow to the ledger, the cache to MLflow

Model cards (cards.py): `log_card` at registration, `refresh_cards(store, client, cache, family,
evidence)` after a cycle (rewrites only the cards whose ledger entries or evidence changed).

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
from shared.registry.moves import (
    AliasMap,
    AliasMove,
    MoveReport,
    RegistryEdges,
    Step,
    apply_move,
    apply_moves,
    cache_aliases,
    ledger_aliases,
    record_move,
    recover,
    registry_aliases,
)
from shared.registry.reload import ReloadResult, reload_inference
from shared.registry.sync import SyncReport, sync_serving_cache

__all__ = [
    "CONTRACT_TAG",
    "MODEL_ARTIFACT_PATH",
    "AliasMap",
    "AliasMove",
    "MoveReport",
    "RegistryEdges",
    "RegistryError",
    "ReloadResult",
    "Step",
    "SyncReport",
    "VersionNotFoundError",
    "apply_move",
    "apply_moves",
    "cache_aliases",
    "download_version",
    "ensure_registered_model",
    "ledger_aliases",
    "open_client",
    "read_aliases",
    "record_move",
    "recover",
    "register_version",
    "registry_aliases",
    "reload_inference",
    "set_aliases",
    "sync_serving_cache",
    "version_contract_hash",
    "version_exists",
]
