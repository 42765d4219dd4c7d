"""The case tests use the shared fixtures of tests/conftest.py: the demo city (``city``) and the movable clock (``now``)."""

from tests.fixtures.city import new_complaint
from tests.fixtures.clock import local

__all__ = ["local", "new_complaint"]  # test_sweep_batches.py still imports them from here
