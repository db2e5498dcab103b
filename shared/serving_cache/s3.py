"""The serving cache in an S3 bucket (SeaweedFS in compose and k3s, or any S3), through boto3."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from shared.serving_cache.base import ServingCache

_MISSING = {"NoSuchKey", "404", "NotFound"}
_DELETE_BATCH = 1000  # the most keys one DeleteObjects call accepts


class S3Cache(ServingCache):
    """Keys are object keys in one bucket; a PUT is atomic, so each object appears whole or not at all."""

    def __init__(self, bucket: str, endpoint_url: str | None = None, client: Any | None = None) -> None:
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        # boto3 is imported here, not at module level: a local-directory cache never pays for it.
        import boto3  # type: ignore[import-untyped]
        from botocore.config import Config  # type: ignore[import-untyped]

        # Short timeouts and few retries: inference falls back to the registry rather than hang.
        config = Config(connect_timeout=3, read_timeout=10, retries={"max_attempts": 2, "mode": "standard"})
        self.client = client or boto3.client("s3", endpoint_url=endpoint_url, config=config)

    def describe(self) -> str:
        return f"s3 bucket {self.bucket} at {self.endpoint_url or 'AWS'}"

    def _write(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data)

    def _read(self, key: str) -> bytes | None:
        from botocore.exceptions import ClientError  # type: ignore[import-untyped]

        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in _MISSING:
                return None
            raise
        body: bytes = response["Body"].read()
        return body

    def _keys(self, prefix: str) -> list[str]:
        keys: list[str] = []
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            keys.extend(obj["Key"] for obj in page.get("Contents", []))
        return sorted(keys)

    def _delete(self, keys: Iterable[str]) -> None:
        pending = list(keys)
        for start in range(0, len(pending), _DELETE_BATCH):
            batch = [{"Key": key} for key in pending[start : start + _DELETE_BATCH]]
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch, "Quiet": True})
