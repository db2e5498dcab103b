"""A job function for the scheduler's tests (RQ imports it by path)."""


def record(value: str) -> str:
    return value
