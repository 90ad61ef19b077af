"""The paper's 1x1 heatmap head, against MMPose's HeatmapHead without deconvolutions."""
import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData, PixelData
from mmpose.models.heads import HeatmapHead
from mmpose.registry import KEYPOINT_CODECS
from mmpose.structures import PoseDataSample

from hrnet_ext.models import HRNetHeatmapHead
from hrnet_ext.registry import MODELS

COCO_FLIP = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]
SIZE = dict(input_size=(48, 64), heatmap_size=(12, 16))
CODECS = {
    'msra': dict(type='MSRAHeatmap', sigma=2, **SIZE),
    'dark': dict(type='MSRAHeatmap', sigma=2, unbiased=True, blur_kernel_size=11, **SIZE),
    'udp': dict(type='UDPHeatmap', sigma=2, **SIZE),
}
FLIP = {
    'msra': dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True),
    'dark': dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True),
    'udp': dict(flip_test=True, flip_mode='heatmap', shift_heatmap=False),
}


def samples(codec_cfg, n=2, seed=0):
    rng = np.random.default_rng(seed)
    codec = KEYPOINT_CODECS.build(codec_cfg)
    out = []
    for _ in range(n):
        kpts = rng.uniform([4, 4], [44, 60], size=(1, 17, 2)).astype(np.float32)
        vis = (rng.uniform(size=(1, 17)) > 0.2).astype(np.float32)
        enc = codec.encode(kpts, vis)
        s = PoseDataSample(metainfo=dict(flip_indices=COCO_FLIP))
        s.gt_fields = PixelData(heatmaps=torch.from_numpy(enc['heatmaps']))
        s.gt_instance_labels = InstanceData(
            keypoint_weights=torch.from_numpy(enc['keypoint_weights']))
        out.append(s)
    return out


def feats(n=2, c=32, seed=0):
    return (torch.randn(n, c, 16, 12, generator=torch.Generator().manual_seed(seed)), )


def pair(codec, randomize, c=32):
    ours = randomize(HRNetHeatmapHead(c, 17, decoder=CODECS[codec]))
    ref = HeatmapHead(c, 17, deconv_out_channels=None, decoder=CODECS[codec])
    ref.load_state_dict(ours.state_dict(), strict=True)
    return ours, ref


def test_layer_keys_and_size():
    head = HRNetHeatmapHead(32, 17)
    assert {k: tuple(v.shape) for k, v in head.state_dict().items()} == {
        'final_layer.weight': (17, 32, 1, 1), 'final_layer.bias': (17, )}
    assert sum(p.numel() for p in head.parameters()) == 561
    assert sum(p.numel() for p in HRNetHeatmapHead(48, 17).parameters()) == 833
    assert head(feats()).shape == (2, 17, 16, 12)
    # with every branch out, index 0 is still the high-resolution one
    multi = feats() + (torch.zeros(2, 64, 8, 6), )
    assert head(multi).shape == (2, 17, 16, 12)


@pytest.mark.parametrize('codec', list(CODECS))
@pytest.mark.parametrize('flip', [False, True])
def test_predict_equals_mmpose(codec, flip, randomize):
    ours, ref = pair(codec, randomize)
    test_cfg = dict(FLIP[codec] if flip else {}, output_heatmaps=True)
    x = [feats(), feats(seed=1)] if flip else feats()
    data = samples(CODECS[codec])
    (preds, hms), (ref_preds, ref_hms) = ours.predict(x, data, test_cfg), ref.predict(
        x, data, test_cfg)
    for p, r, h, rh in zip(preds, ref_preds, hms, ref_hms):
        assert p.keypoints.shape == (1, 17, 2)
        np.testing.assert_allclose(p.keypoints, r.keypoints, atol=1e-4)
        np.testing.assert_allclose(p.keypoint_scores, r.keypoint_scores, atol=1e-5)
        torch.testing.assert_close(h.heatmaps, rh.heatmaps)


def test_flip_test_averages_the_shifted_flipped_heatmaps(randomize):
    head, _ = pair('msra', randomize)
    x, x_flip = feats(), feats(seed=1)
    _, hms = head.predict([x, x_flip], samples(CODECS['msra']),
                          dict(FLIP['msra'], output_heatmaps=True))
    flipped = head(x_flip).flip(-1)[:, COCO_FLIP]
    flipped[..., 1:] = flipped[..., :-1].clone()
    torch.testing.assert_close(hms[0].heatmaps, ((head(x) + flipped) / 2)[0])


@pytest.mark.parametrize('codec', ['msra', 'udp'])
def test_loss_equals_mmpose_and_trains(codec, randomize):
    ours, ref = pair(codec, randomize)
    data = samples(CODECS[codec])
    losses, ref_losses = ours.loss(feats(), data), ref.loss(feats(), data)
    assert set(losses) == {'loss_kpt', 'acc_pose'}
    torch.testing.assert_close(losses['loss_kpt'], ref_losses['loss_kpt'])
    torch.testing.assert_close(losses['acc_pose'], ref_losses['acc_pose'])
    losses['loss_kpt'].backward()
    assert ours.final_layer.weight.grad.abs().sum() > 0
    assert 'acc_pose' not in ours.loss(feats(), data, dict(compute_acc=False))


def test_built_by_prefixed_name_with_configured_loss(mmpose_scope):
    head = MODELS.build(dict(type='hrnet_ext.HRNetHeatmapHead', in_channels=32, out_channels=17,
                             loss=dict(type='KeypointMSELoss', use_target_weight=False),
                             decoder=CODECS['dark']))
    assert isinstance(head, HRNetHeatmapHead)
    assert head.loss_module.use_target_weight is False and head.decoder.unbiased
    head.init_weights()
    assert head.final_layer.weight.std() < 0.002 and not head.final_layer.bias.any()
    with pytest.raises(RuntimeError, match='decoder'):
        HRNetHeatmapHead(32, 17).predict(feats(), samples(CODECS['msra']))


def test_loss_and_accuracy_under_bf16_autocast():
    """`--amp` with dtype=bfloat16: the bf16 prediction reaches the PCK accuracy."""
    head = HRNetHeatmapHead(in_channels=32, out_channels=17, decoder=CODECS['msra'])
    with torch.autocast('cpu', dtype=torch.bfloat16):
        losses = head.loss(feats(), samples(CODECS['msra']))
    assert torch.isfinite(losses['loss_kpt']) and 0.0 <= float(losses['acc_pose']) <= 1.0
