"""The gameplay fixtures (inference stand-in, settings) for the API fuzzing tests."""

from tests.gameplay.conftest import inference, settings  # noqa: F401
