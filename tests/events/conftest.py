"""The event log's tests use gameplay's app fixtures for their end-to-end cases."""

from tests.gameplay.conftest import inference, settings

__all__ = ["inference", "settings"]
