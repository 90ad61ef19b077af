"""The deployment tests run as the model tests do."""
import pytest


@pytest.fixture(autouse=True)
def _one_thread(one_thread):
    """One intra-op thread (``one_thread``, tests/conftest.py)."""
