"""Choose the serving-cache backend from settings."""

from __future__ import annotations

from pathlib import Path

from shared.serving_cache.base import ServingCache
from shared.serving_cache.local import LocalDirectoryCache
from shared.serving_cache.s3 import S3Cache
from shared.settings import S3_BUCKET, SERVING_CACHE_DIR


def open_cache(
    directory: Path | str | None = None, endpoint_url: str | None = None, bucket: str | None = None
) -> ServingCache:
    """S3 when an endpoint URL is given (S3_ENDPOINT_URL), else the local directory (SERVING_CACHE_DIR)."""
    if endpoint_url:
        return S3Cache(bucket=bucket or S3_BUCKET, endpoint_url=endpoint_url)
    return LocalDirectoryCache(directory or SERVING_CACHE_DIR)
