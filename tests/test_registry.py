"""Registration: the scope prefix builds our classes; MMPose's names still build MMPose's."""
import pytest
from helpers import mmpose_extra
from mmengine.registry import init_default_scope
from mmpose.models.backbones import HRNet as MMPoseHRNet
from mmpose.models.pose_estimators import TopdownPoseEstimator
from mmpose.registry import MODELS as MMPOSE_MODELS

import hrnet_ext  # noqa: F401
from hrnet_ext.models import HRNet
from hrnet_ext.registry import MODELS

W18_EXTRA = mmpose_extra(18)


@pytest.fixture(autouse=True)
def mmpose_scope():
    init_default_scope('mmpose')


def test_registry_is_a_child_of_mmposes():
    assert MODELS.scope == 'hrnet_ext'
    assert MODELS.parent is MMPOSE_MODELS
    assert 'hrnet_ext' in MMPOSE_MODELS.children


def test_prefixed_type_builds_ours_and_plain_type_builds_mmposes():
    ours = MMPOSE_MODELS.build(dict(type='hrnet_ext.HRNet', arch='w18'))
    theirs = MMPOSE_MODELS.build(dict(type='HRNet', extra=W18_EXTRA))
    assert type(ours) is HRNet
    assert type(theirs) is MMPoseHRNet
    # the same architecture: the same parameter count
    assert sum(p.numel() for p in ours.parameters()) == \
        sum(p.numel() for p in theirs.parameters())


def test_prefixed_types_resolve_inside_an_mmpose_estimator():
    model = MMPOSE_MODELS.build(dict(
        type='TopdownPoseEstimator',
        backbone=dict(type='hrnet_ext.HRNet', arch='w18'),
        head=dict(type='hrnet_ext.HRNetHeatmapHead', in_channels=18, out_channels=17)))
    assert type(model) is TopdownPoseEstimator
    assert type(model.backbone) is HRNet
    assert type(model.head).__module__.startswith('hrnet_ext.models')


def test_unknown_prefixed_type_fails_clearly():
    with pytest.raises(KeyError, match='HRNetX'):
        MMPOSE_MODELS.build(dict(type='hrnet_ext.HRNetX'))
