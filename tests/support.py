"""Helpers the test files share: waiting on a condition, and one torch thread for tiny nets.

Import them (`from tests.support import wait_for, one_torch_thread`); an imported fixture works in
the module that imports it.
"""
from __future__ import annotations

import time
from typing import Callable

import pytest
import torch


def wait_for(condition: Callable[[], object], timeout: float = 30.0, every: float = 0.05) -> bool:
    """True as soon as condition() is true; False after `timeout` seconds (a busy machine gets them)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(every)
    return bool(condition())


@pytest.fixture(autouse=True)
def one_torch_thread():
    # Tiny nets gain nothing from a second thread, and two threads on a busy 2-core machine
    # oversubscribe it: iterations then run tens of times slower.
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
