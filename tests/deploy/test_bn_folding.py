"""BN folding and channels_last leave the heatmaps equal (issue 8: max abs heatmap difference
<= 1e-4; the exchange unit's in-place accumulation is tested bit for bit in
tests/models/fusion/test_exchange_unit.py).

Weights are realistic in scale (:mod:`hrnet_ext.testing`): He-normal convolutions, norm
statistics of a calibration batch (every norm normalises, as in a trained network) and the
final layer scaled so that the largest heatmap value is 1, the scale of trained heatmaps. With
the std-0.001 default initialisation every difference would be ~0 and the bound would test
nothing.
"""
import copy

import pytest
import torch
from mmpose.models.backbones import HRNet as MMPoseHRNet
from torch import nn

from hrnet_ext.deploy import fuse_conv_bn, optimize_for_inference
from hrnet_ext.models import HeatmapNet
from hrnet_ext.testing import calibrate_, randomize_

TOL = 1e-4
CL = torch.channels_last


@pytest.fixture(scope='module')
def inputs():
    return torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(7))


def make_net(arch: str) -> HeatmapNet:
    """HRNet + the 1x1 head, calibrated: heatmaps of max 1 on a random batch."""
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)
    calibration = torch.rand(4, 3, 64, 64, generator=gen)
    return calibrate_(randomize_(HeatmapNet.from_arch(arch)), calibration,
                      probe=torch.rand(2, 3, 64, 64, generator=gen))


@pytest.mark.parametrize('arch', ['w18', 'w32'])
def test_fused_bn_heatmaps_equal(arch, inputs):
    net = make_net(arch)
    n_bn = sum(isinstance(m, nn.BatchNorm2d) for m in net.modules())
    fused = fuse_conv_bn(net)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in fused.modules())
    # the original is untouched (a copy was folded) and every norm went into a conv bias
    assert sum(isinstance(m, nn.BatchNorm2d) for m in net.modules()) == n_bn
    assert sum(isinstance(m, nn.Conv2d) and m.bias is not None
               for m in fused.modules()) == n_bn + 1  # + the head's final conv
    with torch.no_grad():
        ref, out = net(inputs), fused(inputs)
    assert ref.abs().max() > 0.5  # heatmaps of order 1: the bound means something
    assert (out - ref).abs().max() <= TOL


@pytest.mark.parametrize('arch', ['w18', 'w32'])
def test_channels_last_heatmaps_equal(arch, inputs):
    net = make_net(arch)
    with torch.no_grad():
        ref = net(inputs)
        out = copy.deepcopy(net).to(memory_format=CL)(inputs.contiguous(memory_format=CL))
        fast = optimize_for_inference(net)(inputs.contiguous(memory_format=CL))
    assert (out - ref).abs().max() <= TOL
    assert (fast - ref).abs().max() <= TOL
    assert fast.is_contiguous(memory_format=CL)  # the layout runs through, no reorders


def test_fuse_conv_bn_on_mmpose_hrnet(extra_for, randomize, inputs):
    """The same function folds MMPose's HRNet (same module layout) with equal outputs."""
    net = randomize(MMPoseHRNet(extra=extra_for(18)))
    net.eval()  # MMPose's HRNet.train() returns None: no chaining
    with torch.no_grad():
        ref = net(inputs)[0]
        out = fuse_conv_bn(net)(inputs)[0]
    assert (out - ref).abs().max() <= TOL * ref.abs().max()


def test_fuse_conv_bn_inplace_and_training_norms_untouched():
    net = make_net('w18')
    assert fuse_conv_bn(net, inplace=True) is net
    assert not net.training
    assert not any(isinstance(m, nn.BatchNorm2d) for m in net.modules())
