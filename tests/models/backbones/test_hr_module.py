"""The high-resolution module: MMPose's keys and outputs; the fusion replaceable by config."""
import pytest
from helpers import branch_inputs
from mmpose.models.backbones.hrnet import HRModule as MMPoseHRModule
from mmpose.models.backbones.resnet import BasicBlock
from torch import nn

from hrnet_ext.models import ExchangeUnit, HRModule
from hrnet_ext.registry import MODELS


def inputs(widths, n=2, h=16, w=16):
    return branch_inputs(widths, n, h, w, seed=1)


@pytest.mark.parametrize('multiscale', [True, False])
@pytest.mark.parametrize('mode', ['eval', 'train'])
def test_equals_mmpose_module(multiscale, mode, randomize):
    widths = [8, 16, 32]
    ours = randomize(HRModule(widths, widths, (2, 2, 2), multiscale_output=multiscale))
    ref = MMPoseHRModule(3, BasicBlock, (2, 2, 2), list(widths), list(widths),
                         multiscale_output=multiscale)
    ref.load_state_dict(ours.state_dict(), strict=True)  # identical keys and shapes
    getattr(ours, mode)(), getattr(ref, mode)()
    outs, ref_outs = ours(inputs(widths)), ref(inputs(widths))
    assert len(outs) == len(ref_outs) == (3 if multiscale else 1)
    for o, r in zip(outs, ref_outs):
        assert (o - r).abs().max() <= 1e-5
    assert ours.out_channels == (widths if multiscale else widths[:1])
    assert isinstance(ours.fuse_layers, ExchangeUnit)


def test_width_change_gets_a_shortcut():
    module = HRModule([64, 16], [32, 16], (2, 2))
    assert module.branches[0][0].downsample is not None  # 64 -> 32
    assert module.branches[1][0].downsample is None
    outs = module(inputs([64, 16], h=8, w=8))
    assert [o.shape[1] for o in outs] == [32, 16]


class _AverageFusion(nn.Module):
    """A parameter-free fusion: every output is the mean of all branches resized to it."""

    def __init__(self, in_channels, num_outputs, conv_cfg=None, norm_cfg=None):
        super().__init__()
        assert len(set(in_channels)) == 1, 'equal widths only'
        self.num_outputs = num_outputs

    def forward(self, x):
        size = [t.shape[-2:] for t in x]
        return [sum(nn.functional.interpolate(t, size=size[i]) for t in x) / len(x)
                for i in range(self.num_outputs)]


@pytest.fixture
def average_fusion():
    MODELS.register_module('TestAverageFusion', module=_AverageFusion)
    yield 'hrnet_ext.TestAverageFusion'
    MODELS.module_dict.pop('TestAverageFusion')


def test_fusion_replaced_by_config(average_fusion, mmpose_scope):
    module = HRModule([8, 8], [8, 8], (1, 1), fusion_cfg=dict(type=average_fusion))
    assert isinstance(module.fuse_layers, _AverageFusion)
    assert not any(k.startswith('fuse_layers') for k in module.state_dict())
    outs = module(inputs([8, 8]))
    assert [o.shape for o in outs] == [t.shape for t in inputs([8, 8])]
    # the exchange unit's options pass through fusion_cfg as well
    module = HRModule([8, 16], [8, 16], (1, 1), fusion_cfg=dict(
        type='hrnet_ext.ExchangeUnit', upsample_mode='bilinear'))
    assert module.fuse_layers.upsample_mode == 'bilinear'


def test_invalid_branch_lists():
    with pytest.raises(ValueError, match='one entry per branch'):
        HRModule([8, 16], [8], (1, 1))
    with pytest.raises(ValueError, match='expected 2 branches'):
        HRModule([8, 16], [8, 16], (1, 1))(inputs([8]))
    with pytest.raises(TypeError, match=r"HRModule: unknown argument 'num_block' "
                                        r"\(did you mean 'num_blocks'\?\)"):
        HRModule([8, 16], [8, 16], num_block=(1, 1))
