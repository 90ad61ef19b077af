"""Our HRNetV2 segmentation models against MMSegmentation's own HRNet + FCNHead configs
(fcn_hr48 and fcn_hr18s, from its package): the same weights load strictly, the logits and
predictions are equal, the parameter counts and multiply-adds are equal, and the counts
reproduce the official release's #Params and GFLOPs."""
import copy

import pytest
import torch

pytest.importorskip('mmseg')

from mmengine.config import Config  # noqa: E402
from mmengine.hub import get_config  # noqa: E402
from mmengine.registry import DefaultScope  # noqa: E402
from seg_sample import SEG_DIR  # noqa: E402

from hrnet_ext.models.complexity import count_conv_linear_macs, to_meta  # noqa: E402

PAIRS = [  # ours, MMSegmentation's, parameters, official GFLOPs at 1024x2048
    ('hrnetv2_w48_cityscapes_512x1024.py', 'fcn_hr48_4xb2-160k_cityscapes-512x1024.py',
     65_858_659, 696.2),
    ('hrnetv2_w18-small-v2_cityscapes_512x1024.py', 'fcn_hr18s_4xb2-160k_cityscapes-512x1024.py',
     3_939_309, 71.6),
]


def build(config: str, **changes):
    """The config's model, built as a runner builds it (scope mmseg), with plain BN."""
    from mmseg.registry import MODELS

    import hrnet_ext.segmentation  # noqa: F401
    cfg = get_config(config) if '::' in config else Config.fromfile(config)
    model_cfg = copy.deepcopy(cfg.model)
    model_cfg.backbone.norm_cfg = model_cfg.decode_head.norm_cfg = dict(type='BN')
    model_cfg.backbone.pop('init_cfg', None)
    model_cfg.pop('pretrained', None)
    model_cfg.update(changes)
    with DefaultScope.overwrite_default_scope('mmseg'):
        return MODELS.build(model_cfg).eval()


@pytest.fixture(scope='module', params=PAIRS, ids=lambda p: p[0].split('_')[1])
def pair(request):
    ours, theirs, n_params, gflops = request.param
    return (build(str(SEG_DIR / ours)), build(f'mmseg::hrnet/{theirs}'), n_params, gflops)


def n_params(model) -> int:
    return sum(p.numel() for p in model.parameters())


def test_same_keys_parameters_and_official_counts(pair):
    ours, theirs, expected_params, official_gflops = pair
    assert type(ours.backbone).__module__ == 'hrnet_ext.models.backbones.hrnet'
    assert type(theirs.backbone).__module__ == 'mmseg.models.backbones.hrnet'
    assert ours.state_dict().keys() == theirs.state_dict().keys()
    assert n_params(ours) == n_params(theirs) == expected_params
    # multiply-adds of every conv, on the meta device, at Cityscapes' full 1024x2048: the
    # official README's "GFLOPs" are these / 2^30 (see tools/analysis/get_flops.py)
    x = torch.empty(1, 3, 1024, 2048, device='meta')

    def macs_of(model) -> int:
        meta = to_meta(copy.deepcopy(model))
        return sum(count_conv_linear_macs(meta, lambda: meta(x, mode='tensor')).values())

    macs = [macs_of(ours), macs_of(theirs)]
    assert macs[0] == macs[1]
    assert round(macs[0] / 2**30, 1) == official_gflops


@pytest.mark.parametrize('shape', [(2, 3, 128, 256), (1, 3, 100, 132)], ids=['even', 'odd'])
def test_equal_logits_with_the_same_weights(pair, shape, randomize):
    """Odd sizes too: the lower branches come out one pixel off and are resized, as in
    MMSegmentation's HRModule."""
    ours, theirs, _, _ = pair
    randomize(ours, seed=1)
    theirs.load_state_dict(ours.state_dict(), strict=True)
    x = torch.randn(shape, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        a, b = ours(x, mode='tensor'), theirs(x, mode='tensor')
    assert a.shape == (shape[0], ours.decode_head.num_classes, (shape[2] + 3) // 4,
                       (shape[3] + 3) // 4)
    assert a.abs().mean() > 0.1  # logits that are not all zero
    torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)


def test_neck_and_fcn_head_is_the_same_network():
    """Our HRNetV2Neck (pose side: concat + 1x1 conv + BN + ReLU) builds under MMSegmentation's
    scope too; followed by an FCNHead without convs it is fcn_hr's head, weights renamed."""
    widths = [16, 32, 64, 128]
    cfg = Config.fromfile(str(SEG_DIR / 'hrnetv2_w48_cityscapes_512x1024.py'))
    backbone = dict(cfg.model.backbone, arch='w18_small', init_cfg=None)
    head = dict(cfg.model.decode_head, in_channels=widths, channels=sum(widths), num_classes=5)
    fcn = build(str(SEG_DIR / 'hrnetv2_w48_cityscapes_512x1024.py'), backbone=backbone,
                decode_head=head)
    with_neck = build(
        str(SEG_DIR / 'hrnetv2_w48_cityscapes_512x1024.py'), backbone=backbone,
        neck=dict(type='hrnet_ext.HRNetV2Neck', in_channels=widths),
        decode_head=dict(head, in_channels=sum(widths), in_index=0, input_transform=None,
                         num_convs=0))
    assert type(with_neck.neck).__name__ == 'HRNetV2Neck'
    renamed = {'decode_head.convs.0.conv.': 'neck.conv.', 'decode_head.convs.0.bn.': 'neck.norm.'}
    state = {}
    for key, value in torch.nn.Module.state_dict(fcn).items():
        for old, new in renamed.items():
            key = key.replace(old, new)
        state[key] = value
    with_neck.load_state_dict(state, strict=True)
    x = torch.randn(1, 3, 64, 96)
    with torch.no_grad():
        torch.testing.assert_close(with_neck(x, mode='tensor'), fcn(x, mode='tensor'))


def test_the_official_loss_where_mmsegmentation_fails():
    """hrnet_ext.WeightedCrossEntropyLoss is nn.CrossEntropyLoss(weight, ignore_index=255);
    MMSegmentation 1.2.2's CrossEntropyLoss raises on an ignored pixel with class weights."""
    from mmseg.models.losses import CrossEntropyLoss
    from mmseg.registry import MODELS

    import hrnet_ext.segmentation  # noqa: F401
    weights = Config.fromfile(str(SEG_DIR / 'hrnetv2_w48_cityscapes_512x1024.py')
                              ).class_weight
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(2, 19, 8, 8, generator=gen)
    label = torch.randint(0, 19, (2, 8, 8), generator=gen)
    label[0, :3] = 255  # ignored (Cityscapes' void, crop padding)
    with DefaultScope.overwrite_default_scope('mmseg'):
        ours = MODELS.build(dict(type='hrnet_ext.WeightedCrossEntropyLoss',
                                 class_weight=weights, loss_weight=0.5))
    official = torch.nn.CrossEntropyLoss(weight=torch.tensor(weights), ignore_index=255)
    torch.testing.assert_close(ours(logits, label, ignore_index=255),
                               0.5 * official(logits, label))
    assert ours.loss_name == 'loss_ce'
    with pytest.raises(IndexError, match='255'):
        CrossEntropyLoss(class_weight=weights)(logits, label, ignore_index=255)
    # without class weights: MMSegmentation's with avg_non_ignore=True, the same mean
    plain = MODELS.get('hrnet_ext.WeightedCrossEntropyLoss')()
    torch.testing.assert_close(
        plain(logits, label, ignore_index=255),
        CrossEntropyLoss(avg_non_ignore=True)(logits, label, ignore_index=255))
    all_ignored = torch.full_like(label, 255)
    assert ours(logits.requires_grad_(), all_ignored, ignore_index=255).item() == 0
