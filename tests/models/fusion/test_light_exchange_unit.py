"""The light exchange unit: its paths, the formula by hand, and what it saves in parameters and
multiply-adds (the contract shared with the other fusion units is in
test_fusion_contract.py)."""
import torch
import torch.nn.functional as F
from helpers import batch_norm_eval, branch_inputs
from torch import nn

from hrnet_ext.models import ExchangeUnit, HeatmapNet, HRNet, LightExchangeUnit
from hrnet_ext.models.complexity import count_conv_linear_macs, group_by_part, to_meta

LIGHT = dict(type='hrnet_ext.LightExchangeUnit')


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
    x0, x1 = branch_inputs([4, 8], n=1, h=8, w=6)
    up_conv, up_bn = unit[0][1][0], unit[0][1][1]
    dw, dw_bn, pw, pw_bn = unit[1][0]
    up = F.interpolate(batch_norm_eval(F.conv2d(x1, up_conv.weight), up_bn), scale_factor=2,
                       mode='bilinear', align_corners=False)
    down = batch_norm_eval(F.conv2d(x0, dw.weight, stride=2, padding=1, groups=4), dw_bn)
    down = batch_norm_eval(F.conv2d(down, pw.weight), pw_bn)
    out0, out1 = unit([x0, x1])
    torch.testing.assert_close(out0, torch.relu(x0 + up), rtol=0, atol=1e-6)
    torch.testing.assert_close(out1, torch.relu(down + x1), rtol=0, atol=1e-6)


def test_cheaper_than_the_standard_unit():
    """Exact counts for W32's four-branch unit, so a change in the paths shows up."""
    widths = [32, 64, 128, 256]
    x = [t.to('meta') for t in branch_inputs(widths, n=1, h=64, w=48)]

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


def network_cost(fusion_cfg) -> dict:
    """Parameters (all, fusion) and fusion multiply-adds of W18-small + the 1x1 head at 64x64."""
    net = HeatmapNet.from_arch('w18_small', fusion_cfg=fusion_cfg)
    fusion_params = sum(p.numel() for n, p in net.named_parameters() if 'fuse_layers' in n)
    meta = to_meta(net).eval()
    x = torch.empty(1, 3, 64, 64, device='meta')
    parts = group_by_part(count_conv_linear_macs(meta, lambda: meta(x)))
    return dict(params=sum(p.numel() for p in meta.parameters()), fusion_params=fusion_params,
                fusion_macs=parts['fusion (exchange units)'])


def test_cheaper_in_a_whole_network():
    """The light fusion's multiply-adds are under a third of the standard one's, and only the
    fusion's parameters change."""
    std, light = network_cost(None), network_cost(LIGHT)
    assert light['fusion_macs'] < std['fusion_macs'] / 3
    assert std['params'] - std['fusion_params'] == light['params'] - light['fusion_params']


def test_w32_parameter_count():
    """W32 with the light unit: 26,765,408 backbone parameters (standard: 28,535,552)."""
    net = HRNet(arch='w32', fusion_cfg=LIGHT)
    assert sum(p.numel() for p in net.parameters()) == 26_765_408
