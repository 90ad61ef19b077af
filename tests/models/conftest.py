"""Shared fixtures of the model tests: MMPose's reference models and non-trivial weights."""
import copy
import os.path as osp

import pytest
import torch
from mmengine.registry import DefaultScope

TEST_DATA = osp.join(osp.dirname(osp.dirname(__file__)), 'data')

# The ``extra`` of MMPose's own W32 config (td-hm_hrnet-w32_8xb64-210e_coco-256x192.py),
# written out here rather than taken from our table, so the table is checked against it.
MMPOSE_W32_EXTRA = dict(
    stage1=dict(num_modules=1, num_branches=1, block='BOTTLENECK', num_blocks=(4, ),
                num_channels=(64, )),
    stage2=dict(num_modules=1, num_branches=2, block='BASIC', num_blocks=(4, 4),
                num_channels=(32, 64)),
    stage3=dict(num_modules=4, num_branches=3, block='BASIC', num_blocks=(4, 4, 4),
                num_channels=(32, 64, 128)),
    stage4=dict(num_modules=3, num_branches=4, block='BASIC', num_blocks=(4, 4, 4, 4),
                num_channels=(32, 64, 128, 256)))


def mmpose_extra(width: int, multiscale_output: bool = False) -> dict:
    """MMPose's ``extra`` for the standard family (W18, W32, W48...)."""
    extra = copy.deepcopy(MMPOSE_W32_EXTRA)
    for s in (2, 3, 4):
        extra[f'stage{s}']['num_channels'] = tuple(width * 2**b for b in range(s))
    extra['stage4']['multiscale_output'] = multiscale_output
    return extra


@pytest.fixture
def mmpose_scope():
    """Build as a config run does: default scope ``mmpose``, our classes prefixed."""
    with DefaultScope.overwrite_default_scope('mmpose'):
        yield


@pytest.fixture
def extra_for():
    return mmpose_extra


@pytest.fixture(scope='session')
def test_data():
    return TEST_DATA


@pytest.fixture(autouse=True)
def single_thread():
    """One intra-op thread: these tensors are small, and with two threads every operator waits
    on a barrier, which on a busy 2-core machine costs ~20 ms per call (measured: 50 BN calls
    0.6 ms with one thread, 1.2 s with two)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
