"""sync_serving_cache: make the serving cache hold exactly what the registry's aliases name."""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from mlflow import MlflowClient

from shared.features import ALIASES, FAMILIES, FEATURE_CONTRACT_HASH, Family
from shared.models import stamp_version
from shared.registry.cards import copy_card_to_cache
from shared.registry.client import download_version, read_aliases, version_contract_hash
from shared.serving_cache import ModelRef, ServingCache


@dataclass(slots=True)
class SyncReport:
    """What a sync did: models copied in, markers written, markers and models removed."""

    uploaded: list[ModelRef] = field(default_factory=list)
    markers: dict[str, dict[str, int]] = field(default_factory=dict)
    removed_markers: list[tuple[str, str]] = field(default_factory=list)
    removed_models: list[ModelRef] = field(default_factory=list)


def _put_version(cache: ServingCache, client: MlflowClient, family: Family, version: int) -> str:
    """Copy one registry version into the cache (if missing); returns its contract hash."""
    with tempfile.TemporaryDirectory(prefix="rps-sync-") as tmp:
        local = download_version(client, family, version, Path(tmp))
        meta = stamp_version(local, version)  # the registry artifact predates its version number
        cache.put_model(family, version, local)
    return meta.contract_hash


def sync_serving_cache(
    cache: ServingCache,
    client: MlflowClient,
    clean: bool = True,
    families: Iterable[Family] = FAMILIES,
) -> SyncReport:
    """For each family: put every aliased version's model (and card) first, then its markers; drop markers of
    aliases the registry no longer has; with `clean`, remove every model no marker names."""
    report = SyncReport()
    for family in families:
        aliases = read_aliases(client, family)
        hashes: dict[int, str] = {}
        for version in sorted(set(aliases.values())):
            if cache.has_model(family, version):
                tagged = version_contract_hash(client, family, version)
                hashes[version] = tagged or FEATURE_CONTRACT_HASH
            else:
                hashes[version] = _put_version(cache, client, family, version)
                report.uploaded.append(ModelRef(family.value, version))
        for version in sorted(set(aliases.values())):
            if cache.read_card(family, version) is None:  # the model came before its card, or cards did
                copy_card_to_cache(cache, client, family, version)
        if aliases:
            cache.write_markers(family, {a.value: (v, hashes[v]) for a, v in aliases.items()})
        report.markers[family.value] = {a.value: v for a, v in aliases.items()}
        existing = cache.read_markers(family)
        for alias in ALIASES:
            if alias.value in existing and alias not in aliases:
                cache.remove_alias(family, alias.value)
                report.removed_markers.append((family.value, alias.value))
    if clean:
        report.removed_models = cache.clean()
    return report
