"""The light exchange unit: shapes, the formula by hand, gradients, variants, cost, and
selection through ``fusion_cfg`` alone."""
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from hrnet_ext.models import ExchangeUnit, HRNet, LightExchangeUnit
from hrnet_ext.models.complexity import count_conv_linear_macs
from hrnet_ext.registry import MODELS

LIGHT = dict(type='hrnet_ext.LightExchangeUnit')


def branches(widths, n=2, h=16, w=8, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return [torch.randn(n, c, h // 2**b, w // 2**b, generator=gen) for b, c in enumerate(widths)]


def _bn(x, bn):
    return F.batch_norm(x, bn.running_mean, bn.running_var, bn.weight, bn.bias, False, 0., bn.eps)


@pytest.mark.parametrize('widths', [(32, ), (32, 64), (18, 36, 72), (32, 64, 128, 256)])
@pytest.mark.parametrize('num_outputs', [None, 1])
def test_shapes(widths, num_outputs):
    unit = LightExchangeUnit(widths, num_outputs=num_outputs).eval()
    outs = unit(branches(widths))
    expected = branches(widths)[:num_outputs or len(widths)]
    assert [o.shape for o in outs] == [e.shape for e in expected]
    assert unit.out_channels == list(widths[:num_outputs or len(widths)])
    assert all((o >= 0).all() for o in outs)


def test_path_structure():
    unit = LightExchangeUnit([16, 32, 64, 128])
    chain = unit[3][0]  # 0 -> 3: three depthwise stride-2 convs, then one pointwise conv
    convs = [m for m in chain if isinstance(m, nn.Conv2d)]
    assert [(c.groups, c.stride, c.kernel_size) for c in convs] == \
        [(16, (2, 2), (3, 3))] * 3 + [(1, (1, 1), (1, 1))]
    assert convs[-1].out_channels == 128
    assert sum(isinstance(m, nn.ReLU) for m in chain) == 2  # between the steps only
    assert not isinstance(chain[-1], nn.ReLU)
    up = unit[0][2]  # 2 -> 0: 1x1 conv, norm, bilinear x4
    assert up[0].kernel_size == (1, 1) and up[2].mode == 'bilinear' and up[2].scale_factor == 4
    assert isinstance(unit[2][2], nn.Identity)


def test_formula_two_branches_by_hand(randomize):
    """out_0 = ReLU(x0 + bilinear2(BN(conv1x1(x1)))),
    out_1 = ReLU(BN(pw(BN(dw3x3_s2(x0)))) + x1)."""
    unit = randomize(LightExchangeUnit([4, 8])).eval()
    x0, x1 = branches([4, 8], n=1, h=8, w=6)
    up_conv, up_bn = unit[0][1][0], unit[0][1][1]
    dw, dw_bn, pw, pw_bn = unit[1][0]
    up = F.interpolate(_bn(F.conv2d(x1, up_conv.weight), up_bn), scale_factor=2,
                       mode='bilinear', align_corners=False)
    down = _bn(F.conv2d(x0, dw.weight, stride=2, padding=1, groups=4), dw_bn)
    down = _bn(F.conv2d(down, pw.weight), pw_bn)
    out0, out1 = unit([x0, x1])
    torch.testing.assert_close(out0, torch.relu(x0 + up), rtol=0, atol=1e-6)
    torch.testing.assert_close(out1, torch.relu(down + x1), rtol=0, atol=1e-6)


@pytest.mark.parametrize('kwargs', [dict(), dict(upsample_mode='nearest'),
                                    dict(fuse_method='mean'),
                                    dict(norm_cfg=dict(type='GN', num_groups=4))])
def test_gradient_reaches_every_parameter(kwargs):
    widths = (8, 16, 32, 64)
    unit = LightExchangeUnit(widths, **kwargs).train()
    x = [t.requires_grad_() for t in branches(widths)]
    sum(o.square().mean() for o in unit(x)).backward()
    for name, p in unit.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all() and p.grad.abs().sum() > 0, name
    assert all(t.grad is not None for t in x)


def test_mean_and_nearest_variants(randomize):
    x = branches([4, 8], n=1, h=8, w=6)
    base = randomize(LightExchangeUnit([4, 8])).eval()
    mean = randomize(LightExchangeUnit([4, 8], fuse_method='MEAN')).eval()
    nearest = randomize(LightExchangeUnit([4, 8], upsample_mode='nearest')).eval()
    pre = x[0] + base[0][1](x[1])  # same seeded weights
    torch.testing.assert_close(mean(x)[0], torch.relu(pre / 2))
    assert nearest[0][1][2].mode == 'nearest' and nearest[0][1][2].align_corners is None
    assert not torch.allclose(nearest(x)[0], base(x)[0])


def test_cheaper_than_the_standard_unit():
    """Exact counts for W32's four-branch unit, so a change in the paths shows up."""
    widths = [32, 64, 128, 256]
    x = [t.to('meta') for t in branches(widths, n=1, h=64, w=48)]

    def macs(unit):
        unit = unit.to('meta')
        return sum(count_conv_linear_macs(unit, lambda: unit(x)).values())

    light, std = LightExchangeUnit(widths), ExchangeUnit(widths)
    n_light = sum(p.numel() for p in light.parameters())
    n_std = sum(p.numel() for p in std.parameters())
    # dw: 9 C_j per step; pw: C_j C_i; up: C_j C_i; norms 2 C per conv
    dw = sum(9 * widths[j] * (i - j) for i in range(4) for j in range(i))
    conv1x1 = sum(widths[j] * widths[i] for i in range(4) for j in range(4) if i != j)
    norms = 2 * (sum(widths[j] * (i - j) for i in range(4) for j in range(i))
                 + sum(widths[i] for i in range(4) for j in range(4) if i != j))
    assert n_light == dw + conv1x1 + norms
    assert n_light < n_std / 4
    assert macs(light) < macs(std) / 4


def test_invalid_arguments():
    with pytest.raises(ValueError, match='num_outputs'):
        LightExchangeUnit([8, 16], num_outputs=0)
    with pytest.raises(ValueError, match='fuse_method'):
        LightExchangeUnit([8, 16], fuse_method='concat')
    with pytest.raises(ValueError, match='upsample_mode'):
        LightExchangeUnit([8, 16], upsample_mode='area')
    with pytest.raises(ValueError, match='branches'):
        LightExchangeUnit([8, 16])(branches([8]))


def test_registered_with_scope(mmpose_scope):
    unit = MODELS.build(dict(LIGHT, in_channels=[8, 16], num_outputs=1))
    assert isinstance(unit, LightExchangeUnit) and len(unit) == 1


def test_selected_by_fusion_cfg_alone():
    """Only ``fusion_cfg`` changes: every module's fusion is light, everything else (keys
    outside the fusion, outputs) is as with the standard unit."""
    std = HRNet(arch='w18_small')
    light = HRNet(arch='w18_small', fusion_cfg=LIGHT)
    fusions = [m.fuse_layers for s in (2, 3, 4) for m in getattr(light, f'stage{s}')]
    assert fusions and all(type(f) is LightExchangeUnit for f in fusions)
    assert all(type(m.fuse_layers) is ExchangeUnit for s in (2, 3, 4)
               for m in getattr(std, f'stage{s}'))
    assert {k for k in light.state_dict() if 'fuse_layers' not in k} == \
        {k for k in std.state_dict() if 'fuse_layers' not in k}
    assert fusions[-1].out_channels == [16]  # the last module keeps only the top branch
    x = torch.rand(1, 3, 64, 32)
    light.eval()
    with torch.no_grad():
        assert [o.shape for o in light(x)] == [o.shape for o in std.eval()(x)]
    multi = HRNet(arch='w18_small', multiscale_output=True, fusion_cfg=LIGHT)
    assert multi.stage4[-1].fuse_layers.out_channels == [16, 32, 64, 128]


def test_w32_parameter_count():
    """W32 with the light unit: 26,765,408 backbone parameters (standard: 28,535,552)."""
    net = HRNet(arch='w32', fusion_cfg=LIGHT)
    assert sum(p.numel() for p in net.parameters()) == 26_765_408


def test_benchmark_command(capsys):
    """benchmarks/fusion.py: the side-by-side table (counts exact; timing on a tiny input)."""
    import importlib.util
    from pathlib import Path
    path = Path(__file__).resolve().parents[2] / 'benchmarks' / 'fusion.py'
    spec = importlib.util.spec_from_file_location('bench_fusion', path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    res = bench.main(['--arch', 'w18_small', '--shape', '64', '64', '--rounds', '1',
                      '--warmup', '0'])
    out = capsys.readouterr().out
    for label in ('parameters, network', 'GMACs (10^9), fusion', 'fusion share of time',
                  'CPU latency'):
        assert label in out
    std, light = res['standard'], res['light']
    assert light['fusion_macs'] < std['fusion_macs'] / 3
    assert std['params'] - std['fusion_params'] == light['params'] - light['fusion_params']
    assert std['latency'] > 0 and 0 <= light['fusion_time_share'] < 1
