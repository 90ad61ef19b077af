"""The inference speed-ups leave the heatmaps equal: BN folding, channels_last, the exchange
unit's in-place accumulation (issue 8: max abs heatmap difference <= 1e-4).

Weights are realistic in scale (``realistic_``): He-normal convolutions, norm statistics of a
calibration batch (every norm normalises, as in a trained network) and the final layer scaled
so that the largest heatmap value is 1, the scale of trained heatmaps. With the std-0.001
default initialisation every difference would be ~0 and the bound would test nothing.
"""
import copy

import pytest
import torch
from mmpose.models.backbones import HRNet as MMPoseHRNet
from torch import nn

from hrnet_ext.models import ExchangeUnit, HRNet, HRNetHeatmapHead
from hrnet_ext.models.fuse_bn import fuse_conv_bn, optimize_for_inference

TOL = 1e-4
CL = torch.channels_last


class Net(nn.Module):
    def __init__(self, backbone: nn.Module, width: int) -> None:
        super().__init__()
        self.backbone = backbone
        self.head = HRNetHeatmapHead(width, 17)

    def forward(self, x):
        return self.head(self.backbone(x))  # (N, 17, H/4, W/4)


def realistic_(net: Net, randomize, seed: int = 0) -> Net:
    randomize(net, seed)
    for m in net.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None  # cumulative: the statistics of the calibration batch
    gen = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        net.train()(torch.rand(4, 3, 64, 64, generator=gen))
        scale = net.eval()(torch.rand(2, 3, 64, 64, generator=gen)).abs().max()
        net.head.final_layer.weight.div_(scale)
        net.head.final_layer.bias.div_(scale)
    return net


@pytest.fixture(scope='module')
def inputs():
    return torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(7))


def make_net(arch: str, randomize) -> Net:
    torch.manual_seed(0)
    backbone = HRNet(arch=arch)
    return realistic_(Net(backbone, backbone.out_channels[0]), randomize)


@pytest.mark.parametrize('arch', ['w18', 'w32'])
def test_fused_bn_heatmaps_equal(arch, randomize, inputs):
    net = make_net(arch, randomize)
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
def test_channels_last_heatmaps_equal(arch, randomize, inputs):
    net = make_net(arch, randomize)
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


def test_fuse_conv_bn_inplace_and_training_norms_untouched(randomize):
    net = make_net('w18', randomize)
    assert fuse_conv_bn(net, inplace=True) is net
    assert not net.training
    assert not any(isinstance(m, nn.BatchNorm2d) for m in net.modules())


def plain_sum(unit: ExchangeUnit, xs):
    """MMPose's fusion: the Python sum from 0 in branch order, then ReLU."""
    outs = []
    for row in unit:
        y = sum(path(x_j) for path, x_j in zip(row, xs))
        if unit.fuse_method == 'mean':
            y = y / len(xs)
        outs.append(torch.relu(y))
    return outs


def branches(widths, n=2, h=16, w=24, seed=0, memory_format=torch.contiguous_format):
    gen = torch.Generator().manual_seed(seed)
    return [torch.randn(n, c, h >> b, w >> b, generator=gen).contiguous(
        memory_format=memory_format) for b, c in enumerate(widths)]


@pytest.mark.parametrize('memory_format', [torch.contiguous_format, CL])
@pytest.mark.parametrize('kwargs', [dict(), dict(num_outputs=1), dict(num_outputs=2),
                                    dict(fuse_method='mean')])
def test_exchange_unit_accumulation_bit_identical(kwargs, memory_format, randomize):
    widths = (8, 16, 32, 64)
    unit = randomize(ExchangeUnit(widths, **kwargs)).eval().to(memory_format=memory_format)
    xs = branches(widths, memory_format=memory_format)
    before = [x.clone() for x in xs]
    with torch.no_grad():
        ref, out = plain_sum(unit, xs), unit(xs)
    for r, o in zip(ref, out):
        assert torch.equal(r, o)
        assert o.is_contiguous(memory_format=memory_format)
    for b, x in zip(before, xs):  # the identity inputs are never written to
        assert torch.equal(b, x)


def test_exchange_unit_accumulation_same_gradients(randomize):
    widths = (4, 8, 16)
    unit = randomize(ExchangeUnit(widths)).train()
    ref_unit = copy.deepcopy(unit)
    xs = [x.requires_grad_() for x in branches(widths, seed=1)]
    ref_xs = [x.detach().clone().requires_grad_() for x in xs]
    out, ref = unit(xs), plain_sum(ref_unit, ref_xs)
    gen = torch.Generator().manual_seed(2)
    weights = [torch.randn(o.shape, generator=gen) for o in out]
    sum((o * g).sum() for o, g in zip(out, weights)).backward()
    sum((o * g).sum() for o, g in zip(ref, weights)).backward()
    for o, r in zip(out, ref):
        assert torch.equal(o, r)
    for x, rx in zip(xs, ref_xs):
        torch.testing.assert_close(x.grad, rx.grad, rtol=0, atol=1e-6)
    for p, rp in zip(unit.parameters(), ref_unit.parameters()):
        torch.testing.assert_close(p.grad, rp.grad, rtol=1e-5, atol=1e-5)


def test_single_branch_unit(randomize):
    unit = ExchangeUnit((8, )).eval()
    x = branches((8, ))
    out = unit(x)[0]
    assert torch.equal(out, torch.relu(x[0]))
    assert out.data_ptr() != x[0].data_ptr()
