"""Helpers of the inference tests."""
from __future__ import annotations

import time


def wait_for(predicate, timeout: float = 240.0, interval: float = 0.5):
    """Poll ``predicate`` until it returns something truthy (the worker runs in another process)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")
