"""The contract every fusion unit keeps, run over every unit of the package (timm style).

A fusion unit is built with ``in_channels`` (one width per branch), ``num_outputs``,
``fuse_method``, ``upsample_mode``, ``align_corners``, ``conv_cfg`` and ``norm_cfg``; it returns
``num_outputs`` branches of the widths and resolutions of the first inputs, each after a ReLU,
computes ``out_i = ReLU(sum_j f_ij(x_j))`` (``mean``: the sum divided by the number of inputs),
holds its paths as rows (outputs) of columns (inputs) so that its state-dict keys are
``<i>.<j>...`` with no keys for the identity paths, names a mistyped argument, and is chosen
for a whole backbone by ``fusion_cfg`` alone. What differs between units (the paths
themselves, their cost) is tested in the unit's own file.
"""
import pytest
import torch
from helpers import branch_inputs
from torch import nn

from hrnet_ext.models import FUSION_UNITS, ExchangeUnit, HRNet
from hrnet_ext.registry import MODELS

UNITS = pytest.mark.parametrize('unit_cls', FUSION_UNITS, ids=lambda c: c.__name__)


def test_every_registered_fusion_unit_is_tested():
    """A unit added to the fusion package is in FUSION_UNITS, so the contract covers it."""
    registered = {cls for cls in MODELS.module_dict.values()
                  if cls.__module__.startswith('hrnet_ext.models.fusion')}
    assert registered == set(FUSION_UNITS)
    assert all(issubclass(cls, ExchangeUnit) for cls in FUSION_UNITS)


@UNITS
@pytest.mark.parametrize('widths', [(32, ), (32, 64), (18, 36, 72), (32, 64, 128, 256)])
@pytest.mark.parametrize('num_outputs', [None, 1])
def test_shapes(unit_cls, widths, num_outputs):
    unit = unit_cls(widths, num_outputs=num_outputs).eval()
    outs = unit(branch_inputs(widths))
    expected = branch_inputs(widths)[:num_outputs or len(widths)]
    assert [o.shape for o in outs] == [e.shape for e in expected]
    assert unit.out_channels == list(widths[:num_outputs or len(widths)])
    assert all((o >= 0).all() for o in outs)  # the ReLU after the sum


@UNITS
@pytest.mark.parametrize('num_outputs', [None, 1])
def test_rows_columns_and_state_dict_layout(unit_cls, num_outputs):
    widths = (8, 16, 32, 64)
    unit = unit_cls(widths, num_outputs=num_outputs)
    rows = len(widths) if num_outputs is None else num_outputs
    assert len(unit) == rows and all(len(row) == len(widths) for row in unit)
    assert all(isinstance(unit[i][i], nn.Identity) for i in range(rows))
    paths = {tuple(int(n) for n in key.split('.')[:2]) for key in unit.state_dict()}
    assert paths == {(i, j) for i in range(rows) for j in range(len(widths)) if i != j}


@UNITS
@pytest.mark.parametrize('kwargs', [dict(), dict(upsample_mode='nearest'),
                                    dict(upsample_mode='bilinear'), dict(fuse_method='mean'),
                                    dict(norm_cfg=dict(type='GN', num_groups=4))])
def test_gradient_reaches_every_parameter(unit_cls, kwargs):
    widths = (8, 16, 32, 64)
    unit = unit_cls(widths, **kwargs).train()
    x = [t.requires_grad_() for t in branch_inputs(widths)]
    sum(o.square().mean() for o in unit(x)).backward()
    for name, p in unit.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all() and p.grad.abs().sum() > 0, name
    assert all(t.grad is not None for t in x)


@UNITS
def test_mean_is_the_sum_over_the_inputs(unit_cls, randomize):
    x = branch_inputs([4, 8], n=1, h=8, w=6)
    base = randomize(unit_cls([4, 8])).eval()
    mean = randomize(unit_cls([4, 8], fuse_method='MEAN')).eval()  # same seeded weights
    pre_relu = x[0] + base[0][1](x[1])
    torch.testing.assert_close(mean(x)[0], torch.relu(pre_relu / 2))
    assert isinstance(unit_cls([4, 8], fuse_method='SUM'), unit_cls)  # the official spelling


@UNITS
def test_upsample_mode(unit_cls, randomize):
    x = branch_inputs([4, 8], n=1, h=8, w=6)
    base = randomize(unit_cls([4, 8])).eval()
    other_mode = 'bilinear' if unit_cls.default_upsample_mode == 'nearest' else 'nearest'
    other = randomize(unit_cls([4, 8], upsample_mode=other_mode)).eval()
    assert base.upsample_mode == unit_cls.default_upsample_mode
    for unit in (base, other):
        up = unit[0][1][-1]
        assert up.mode == unit.upsample_mode and up.scale_factor == 2
        assert up.align_corners is (None if unit.upsample_mode == 'nearest' else False)
    assert not torch.allclose(other(x)[0], base(x)[0])


@UNITS
def test_invalid_arguments(unit_cls):
    for bad in (0, 3):
        with pytest.raises(ValueError, match='num_outputs'):
            unit_cls([8, 16], num_outputs=bad)
    with pytest.raises(ValueError, match='fuse_method'):
        unit_cls([8, 16], fuse_method='concat')
    with pytest.raises(ValueError, match='upsample_mode'):
        unit_cls([8, 16], upsample_mode='area')
    with pytest.raises(ValueError, match='branches'):
        unit_cls([8, 16])(branch_inputs([8]))
    with pytest.raises(TypeError, match=rf"{unit_cls.__name__}: unknown argument "
                                        r"'fuse_mode' \(did you mean 'fuse_method'\?\)"):
        unit_cls([8, 16], fuse_mode='mean')


@UNITS
def test_registered_with_scope(unit_cls, mmpose_scope):
    unit = MODELS.build(dict(type=f'hrnet_ext.{unit_cls.__name__}', in_channels=[8, 16],
                             num_outputs=1))
    assert type(unit) is unit_cls and len(unit) == 1
    gn = MODELS.build(dict(type=f'hrnet_ext.{unit_cls.__name__}', in_channels=[8, 16],
                           norm_cfg=dict(type='GN', num_groups=4)))
    assert isinstance(gn[0][1][1], nn.GroupNorm)


@UNITS
def test_selected_by_fusion_cfg_alone(unit_cls):
    """Only ``fusion_cfg`` changes: every module's fusion is the unit, everything else (keys
    outside the fusion, output shapes) is as with the paper's unit."""
    fusion_cfg = dict(type=f'hrnet_ext.{unit_cls.__name__}')
    paper = HRNet(arch='w18_small')
    net = HRNet(arch='w18_small', fusion_cfg=fusion_cfg)
    fusions = [m.fuse_layers for s in (2, 3, 4) for m in getattr(net, f'stage{s}')]
    assert fusions and all(type(f) is unit_cls for f in fusions)
    assert {k for k in net.state_dict() if 'fuse_layers' not in k} == \
        {k for k in paper.state_dict() if 'fuse_layers' not in k}
    assert fusions[-1].out_channels == [16]  # the last module keeps only the top branch
    x = torch.rand(1, 3, 64, 32)
    with torch.no_grad():
        assert [o.shape for o in net.eval()(x)] == [o.shape for o in paper.eval()(x)]
    multi = HRNet(arch='w18_small', multiscale_output=True, fusion_cfg=fusion_cfg)
    assert multi.stage4[-1].fuse_layers.out_channels == [16, 32, 64, 128]
