"""The HRNetV2 neck: shapes, a hand computation, gradients, and use behind our HRNet."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from hrnet_ext.models import HRNet, HRNetHeatmapHead, HRNetV2Neck
from hrnet_ext.registry import MODELS


def feats(widths, n=2, h=16, w=12, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return [torch.randn(n, c, h // 2**b, w // 2**b, generator=gen) for b, c in enumerate(widths)]


@pytest.mark.parametrize('widths,out_channels,expected', [
    ((18, 36, 72, 144), None, 270), ((32, 64, 128, 256), None, 480), ((32, 64, 128, 256), 64, 64),
    ((16, 32), None, 48), ((8, ), None, 8)])
def test_shapes(widths, out_channels, expected):
    neck = HRNetV2Neck(widths, out_channels).eval()
    (out, ) = neck(feats(widths))
    assert out.shape == (2, expected, 16, 12) and neck.out_channels == expected
    assert (out >= 0).all()


def test_equals_hand_computation(randomize):
    """out = ReLU(BN(W * concat(x0, up2(x1), up4(x2)))), bilinear, align_corners=False."""
    widths = (4, 8, 16)
    neck = randomize(HRNetV2Neck(widths, out_channels=6)).eval()
    x = feats(widths, n=1, h=8, w=12)
    ups = [x[0]] + [F.interpolate(t, scale_factor=2**b, mode='bilinear', align_corners=False)
                    for b, t in enumerate(x) if b]
    y = F.conv2d(torch.cat(ups, 1), neck.conv.weight)  # (1, 6, 8, 12)
    bn = neck.norm
    y = (y - bn.running_mean[:, None, None]) / torch.sqrt(bn.running_var[:, None, None] + bn.eps)
    y = torch.relu(y * bn.weight[:, None, None] + bn.bias[:, None, None])
    torch.testing.assert_close(neck(x)[0], y, rtol=0, atol=1e-5)
    # nearest: each low-resolution value repeated
    near = randomize(HRNetV2Neck(widths, out_channels=6, upsample_mode='nearest')).eval()
    cat = torch.cat([x[0]] + [t.repeat_interleave(2**b, 2).repeat_interleave(2**b, 3)
                              for b, t in enumerate(x) if b], 1)
    torch.testing.assert_close(near(x)[0], torch.relu(near.norm(near.conv(cat))), rtol=0,
                               atol=1e-6)


def test_gradient_reaches_parameters_and_every_branch():
    widths = (8, 16, 32, 64)
    neck = HRNetV2Neck(widths).train()
    x = [t.requires_grad_() for t in feats(widths)]
    neck(x)[0].square().mean().backward()
    for name, p in neck.named_parameters():
        assert p.grad is not None and p.grad.abs().sum() > 0, name
    assert all(t.grad is not None and t.grad.abs().sum() > 0 for t in x)


def test_behind_hrnet_with_head(mmpose_scope):
    backbone = HRNet(arch='w18_small', multiscale_output=True).eval()
    neck = MODELS.build(dict(type='hrnet_ext.HRNetV2Neck', in_channels=backbone.out_channels))
    head = HRNetHeatmapHead(neck.out_channels, 98).eval()
    assert isinstance(neck, HRNetV2Neck) and neck.out_channels == 16 + 32 + 64 + 128
    with torch.no_grad():
        heatmaps = head(neck.eval()(backbone(torch.rand(1, 3, 64, 64))))
    assert heatmaps.shape == (1, 98, 16, 16)


def test_invalid_arguments():
    with pytest.raises(ValueError, match='multiscale_output'):
        HRNetV2Neck((8, 16))(feats((8, )))
    with pytest.raises(ValueError, match='upsample_mode'):
        HRNetV2Neck((8, 16), upsample_mode='bicubic')
    assert isinstance(HRNetV2Neck((8, 16), norm_cfg=dict(type='GN', num_groups=4)).norm,
                      nn.GroupNorm)
    with pytest.raises(TypeError, match=r"HRNetV2Neck: unknown argument 'upsample' "
                                        r"\(did you mean 'upsample_mode'\?\)"):
        HRNetV2Neck((8, 16), upsample='nearest')
