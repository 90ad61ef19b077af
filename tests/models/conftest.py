"""Shared fixtures of the model tests: MMPose's scope, the sample data, one thread."""
import pytest
from helpers import TEST_DATA
from mmengine.registry import DefaultScope


@pytest.fixture
def mmpose_scope():
    """Build as a config run does: default scope ``mmpose``, our classes prefixed."""
    with DefaultScope.overwrite_default_scope('mmpose'):
        yield


@pytest.fixture(scope='session')
def test_data():
    return str(TEST_DATA)


@pytest.fixture(autouse=True)
def _one_thread(one_thread):
    """Every model test runs with one intra-op thread (``one_thread``, tests/conftest.py)."""
