"""The exchange unit: shapes, key layout, the paper's formula, gradients, options."""
import pytest
import torch
import torch.nn.functional as F
from mmpose.models.backbones.hrnet import HRModule as MMPoseHRModule
from mmpose.models.backbones.resnet import BasicBlock
from torch import nn

from hrnet_ext.models import ExchangeUnit
from hrnet_ext.registry import MODELS


def branches(widths, n=2, h=16, w=8, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return [torch.randn(n, c, h // 2**b, w // 2**b, generator=gen) for b, c in enumerate(widths)]


@pytest.mark.parametrize('widths', [(32, ), (32, 64), (18, 36, 72), (32, 64, 128, 256)])
@pytest.mark.parametrize('multiscale', [True, False])
def test_shapes(widths, multiscale):
    unit = ExchangeUnit(widths, num_outputs=None if multiscale else 1).eval()
    outs = unit(branches(widths))
    expected = branches(widths) if multiscale else branches(widths)[:1]
    assert [o.shape for o in outs] == [e.shape for e in expected]
    assert unit.out_channels == list(widths if multiscale else widths[:1])
    assert all((o >= 0).all() for o in outs)  # the ReLU after the sum


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


def _bn(x, bn):
    return F.batch_norm(x, bn.running_mean, bn.running_var, bn.weight, bn.bias, False, 0., bn.eps)


def test_formula_two_branches_by_hand(randomize):
    """out_0 = ReLU(x0 + up2(BN(conv1x1(x1)))), out_1 = ReLU(BN(conv3x3_s2(x0)) + x1)."""
    unit = randomize(ExchangeUnit([4, 8])).eval()
    x0, x1 = branches([4, 8], n=1, h=8, w=6)
    up_conv, up_bn = unit[0][1][0], unit[0][1][1]
    down_conv, down_bn = unit[1][0][0][0], unit[1][0][0][1]
    up = _bn(F.conv2d(x1, up_conv.weight), up_bn)
    up = up.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3)  # nearest x2
    down = _bn(F.conv2d(x0, down_conv.weight, stride=2, padding=1), down_bn)
    out0, out1 = unit([x0, x1])
    torch.testing.assert_close(out0, torch.clamp(x0 + up, min=0), rtol=0, atol=1e-6)
    torch.testing.assert_close(out1, torch.clamp(down + x1, min=0), rtol=0, atol=1e-6)


def test_mean_fusion_and_bilinear_upsampling(randomize):
    x = branches([4, 8], n=1, h=8, w=6)
    sum_unit = randomize(ExchangeUnit([4, 8])).eval()
    mean_unit = randomize(ExchangeUnit([4, 8], fuse_method='mean')).eval()
    bilinear = randomize(ExchangeUnit([4, 8], upsample_mode='bilinear')).eval()
    assert isinstance(ExchangeUnit([4, 8], fuse_method='SUM'), ExchangeUnit)  # yaml spelling

    pre_relu = x[0] + sum_unit[0][1](x[1])  # same weights: randomize() is seeded
    torch.testing.assert_close(mean_unit(x)[0], torch.relu(pre_relu / 2))

    up = bilinear[0][1]
    assert up[2].mode == 'bilinear' and up[2].align_corners is False
    lin = F.interpolate(_bn(F.conv2d(x[1], up[0].weight), up[1]), scale_factor=2,
                        mode='bilinear', align_corners=False)
    torch.testing.assert_close(bilinear(x)[0], torch.relu(x[0] + lin))
    assert not torch.allclose(bilinear(x)[0], sum_unit(x)[0])


def test_gradient_reaches_every_parameter():
    widths = (8, 16, 32, 64)
    unit = ExchangeUnit(widths).train()
    x = [t.requires_grad_() for t in branches(widths)]
    sum(o.square().mean() for o in unit(x)).backward()
    for name, p in unit.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all() and p.grad.abs().sum() > 0, name
    assert all(t.grad is not None for t in x)


def test_invalid_arguments():
    with pytest.raises(ValueError, match='num_outputs'):
        ExchangeUnit([8, 16], num_outputs=3)
    with pytest.raises(ValueError, match='fuse_method'):
        ExchangeUnit([8, 16], fuse_method='concat')
    with pytest.raises(ValueError, match='upsample_mode'):
        ExchangeUnit([8, 16], upsample_mode='area')
    with pytest.raises(ValueError, match='branches'):
        ExchangeUnit([8, 16])(branches([8]))


def test_registered_with_scope(mmpose_scope):
    unit = MODELS.build(dict(type='hrnet_ext.ExchangeUnit', in_channels=[8, 16], num_outputs=1))
    assert isinstance(unit, ExchangeUnit) and len(unit) == 1
    gn = MODELS.build(dict(type='hrnet_ext.ExchangeUnit', in_channels=[8, 16],
                           norm_cfg=dict(type='GN', num_groups=4)))
    assert isinstance(gn[0][1][1], nn.GroupNorm)
