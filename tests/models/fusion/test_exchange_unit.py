"""The paper's exchange unit: MMPose's key layout, the paths, the formula by hand, and its
in-place accumulation equal bit for bit to the plain sum (the contract shared with the other
fusion units is in test_fusion_contract.py)."""
import copy

import pytest
import torch
import torch.nn.functional as F
from helpers import batch_norm_eval, branch_inputs
from mmpose.models.backbones.hrnet import HRModule as MMPoseHRModule
from mmpose.models.backbones.resnet import BasicBlock
from torch import nn

from hrnet_ext.models import ExchangeUnit

CL = torch.channels_last


@pytest.mark.parametrize('multiscale', [True, False])
def test_keys_and_shapes_equal_mmpose(multiscale):
    widths = [32, 64, 128, 256]
    ours = ExchangeUnit(widths, num_outputs=None if multiscale else 1)
    ref = MMPoseHRModule(4, BasicBlock, (1, 1, 1, 1), list(widths), list(widths),
                         multiscale_output=multiscale).fuse_layers
    assert {k: v.shape for k, v in ours.state_dict().items()} == \
        {k: v.shape for k, v in ref.state_dict().items()}
    # spot-check the layout named in the paper settings
    keys = ours.state_dict()
    assert '0.1.0.weight' in keys and '0.1.1.running_var' in keys  # 1x1 conv, BN, upsample
    assert '0.0.weight' not in keys  # identity: no parameters
    if multiscale:
        assert keys['3.0.2.0.weight'].shape == (256, 32, 3, 3)  # last step maps to C_i
        assert keys['3.0.0.0.weight'].shape == (32, 32, 3, 3)  # middle steps keep C_j


def test_downsampling_chain_structure():
    unit = ExchangeUnit([16, 32, 64])
    chain = unit[2][0]  # from branch 0 to branch 2: two stride-2 convs
    assert len(chain) == 2
    assert isinstance(chain[0][2], nn.ReLU) and len(chain[1]) == 2  # ReLU only in the middle
    assert chain[0][0].stride == (2, 2) and chain[1][0].out_channels == 64
    assert isinstance(unit[1][1], nn.Identity)


def test_formula_two_branches_by_hand(randomize):
    """out_0 = ReLU(x0 + up2(BN(conv1x1(x1)))), out_1 = ReLU(BN(conv3x3_s2(x0)) + x1), by the
    in-place accumulation and by the plain sum alike."""
    unit = randomize(ExchangeUnit([4, 8])).eval()
    x0, x1 = branch_inputs([4, 8], n=1, h=8, w=6)
    up_conv, up_bn = unit[0][1][0], unit[0][1][1]
    down_conv, down_bn = unit[1][0][0][0], unit[1][0][0][1]
    up = batch_norm_eval(F.conv2d(x1, up_conv.weight), up_bn)
    up = up.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3)  # nearest x2
    down = batch_norm_eval(F.conv2d(x0, down_conv.weight, stride=2, padding=1), down_bn)
    for out0, out1 in (unit([x0, x1]), unit.forward_sum([x0, x1])):
        torch.testing.assert_close(out0, torch.clamp(x0 + up, min=0), rtol=0, atol=1e-6)
        torch.testing.assert_close(out1, torch.clamp(down + x1, min=0), rtol=0, atol=1e-6)


def test_bilinear_upsampling_by_hand(randomize):
    x = branch_inputs([4, 8], n=1, h=8, w=6)
    bilinear = randomize(ExchangeUnit([4, 8], upsample_mode='bilinear')).eval()
    up = bilinear[0][1]
    lin = F.interpolate(batch_norm_eval(F.conv2d(x[1], up[0].weight), up[1]), scale_factor=2,
                        mode='bilinear', align_corners=False)
    torch.testing.assert_close(bilinear(x)[0], torch.relu(x[0] + lin))


@pytest.mark.parametrize('memory_format', [torch.contiguous_format, CL])
@pytest.mark.parametrize('kwargs', [dict(), dict(num_outputs=1), dict(num_outputs=2),
                                    dict(fuse_method='mean')])
def test_accumulation_bit_identical(kwargs, memory_format, randomize):
    """The in-place accumulation (nearest upsampling) against the plain sum: equal bit for
    bit, in the input's layout, and the inputs are never written to."""
    widths = (8, 16, 32, 64)
    unit = randomize(ExchangeUnit(widths, **kwargs)).eval().to(memory_format=memory_format)
    xs = branch_inputs(widths, w=24, memory_format=memory_format)
    before = [x.clone() for x in xs]
    with torch.no_grad():
        ref, out = unit.forward_sum(xs), unit(xs)
    for r, o in zip(ref, out):
        assert torch.equal(r, o)
        assert o.is_contiguous(memory_format=memory_format)
    for b, x in zip(before, xs):  # the identity inputs are never written to
        assert torch.equal(b, x)


def test_accumulation_same_gradients(randomize):
    widths = (4, 8, 16)
    unit = randomize(ExchangeUnit(widths)).train()
    ref_unit = copy.deepcopy(unit)
    xs = [x.requires_grad_() for x in branch_inputs(widths, w=24, seed=1)]
    ref_xs = [x.detach().clone().requires_grad_() for x in xs]
    out, ref = unit(xs), ref_unit.forward_sum(ref_xs)
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


def test_single_branch_unit():
    unit = ExchangeUnit((8, )).eval()
    x = branch_inputs((8, ), w=24)
    out = unit(x)[0]
    assert torch.equal(out, torch.relu(x[0]))
    assert out.data_ptr() != x[0].data_ptr()
