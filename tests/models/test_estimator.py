"""Our backbone and head inside MMPose's TopdownPoseEstimator: the model-zoo checkpoint layout,
and the same keypoints and losses as MMPose's own HRNet estimator on a real COCO image."""
import json
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmpose.registry import MODELS, TRANSFORMS

CODEC = dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2)
PREPROCESSOR = dict(type='PoseDataPreprocessor', mean=[123.675, 116.28, 103.53],
                    std=[58.395, 57.12, 57.375], bgr_to_rgb=True)
TEST_CFG = dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True, output_heatmaps=True)
COCO_FLIP = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15]
IMAGE_ID = 196141


def ours_cfg(width):
    return dict(type='TopdownPoseEstimator', data_preprocessor=PREPROCESSOR,
                backbone=dict(type='hrnet_ext.HRNet', arch=f'w{width}'),
                head=dict(type='hrnet_ext.HRNetHeatmapHead', in_channels=width, out_channels=17,
                          decoder=CODEC),
                test_cfg=TEST_CFG)


def mmpose_cfg(width, extra):
    """MMPose's zoo model (td-hm_hrnet-w32_8xb64-210e_coco-256x192), the reference layout."""
    return dict(type='TopdownPoseEstimator', data_preprocessor=PREPROCESSOR,
                backbone=dict(type='HRNet', in_channels=3, extra=extra),
                head=dict(type='HeatmapHead', in_channels=width, out_channels=17,
                          deconv_out_channels=None,
                          loss=dict(type='KeypointMSELoss', use_target_weight=True),
                          decoder=CODEC),
                test_cfg=TEST_CFG)


@pytest.mark.parametrize('width, params', [(32, 28_536_113), (48, 63_595_745)])
def test_state_dict_is_the_model_zoo_layout(width, params, mmpose_scope, extra_for):
    with torch.device('meta'):
        ours = MODELS.build(ours_cfg(width))
        ref = MODELS.build(mmpose_cfg(width, extra_for(width)))
    assert {k: v.shape for k, v in ours.state_dict().items()} == \
        {k: v.shape for k, v in ref.state_dict().items()}
    assert sum(p.numel() for p in ours.parameters()) == params
    assert 'head.final_layer.weight' in ours.state_dict()


def coco_samples(test_data, n=2, train=False):
    """The first ``n`` annotated people of the COCO sample image, through MMPose's pipeline."""
    with open(osp.join(test_data, 'coco', 'test_coco.json')) as f:
        coco = json.load(f)
    anns = [a for a in coco['annotations'] if a['image_id'] == IMAGE_ID and a['num_keypoints']]
    steps = [dict(type='LoadImage'), dict(type='GetBBoxCenterScale'),
             dict(type='TopdownAffine', input_size=CODEC['input_size'])]
    steps += [dict(type='GenerateTarget', encoder=CODEC)] if train else []
    steps += [dict(type='PackPoseInputs')]
    pipeline = [TRANSFORMS.build(s) for s in steps]
    out = []
    for ann in anns[:n]:
        x, y, w, h = ann['bbox']
        kpts = np.array(ann['keypoints'], dtype=np.float32).reshape(1, 17, 3)
        data = dict(img_path=osp.join(test_data, 'coco', f'{IMAGE_ID:012d}.jpg'), img_id=IMAGE_ID,
                    bbox=np.array([[x, y, x + w, y + h]], dtype=np.float32),
                    bbox_score=np.ones(1, dtype=np.float32), keypoints=kpts[..., :2],
                    keypoints_visible=np.minimum(kpts[..., 2], 1), flip_indices=COCO_FLIP)
        for step in pipeline:
            data = step(data)
        out.append(data)
    return pseudo_collate(out)


@pytest.fixture
def estimators(mmpose_scope, randomize, extra_for):
    ours = randomize(MODELS.build(ours_cfg(32)), seed=3)
    ref = MODELS.build(mmpose_cfg(32, extra_for(32)))
    ref.load_state_dict(ours.state_dict(), strict=True)  # what loading a zoo checkpoint does
    return ours, ref


def test_same_keypoints_as_mmpose_on_a_real_image(estimators, test_data):
    ours, ref = estimators
    batch = coco_samples(test_data)
    with torch.no_grad():
        preds, ref_preds = ours.eval().test_step(batch), ref.eval().test_step(batch)
    for p, r in zip(preds, ref_preds):
        kpts = p.pred_instances.keypoints
        assert kpts.shape == (1, 17, 2)
        np.testing.assert_allclose(kpts, r.pred_instances.keypoints, atol=1e-3)
        np.testing.assert_allclose(p.pred_instances.keypoint_scores,
                                   r.pred_instances.keypoint_scores, atol=1e-4)
        assert (p.pred_fields.heatmaps - r.pred_fields.heatmaps).abs().max() <= 1e-4
        # decoded into the image: inside the (1.25x padded) person box
        x1, y1, x2, y2 = p.gt_instances.bboxes[0]
        cx, cy, w, h = (x1 + x2) / 2, (y1 + y2) / 2, x2 - x1, y2 - y1
        assert (np.abs(kpts[0, :, 0] - cx) <= 0.75 * max(w, h * 0.75) + 1).all()
        assert (np.abs(kpts[0, :, 1] - cy) <= 0.75 * max(h, w / 0.75) + 1).all()


def test_same_loss_as_mmpose_on_a_real_image(estimators, test_data):
    ours, ref = estimators
    batch = coco_samples(test_data, train=True)
    losses = []
    for model in (ours.train(), ref.train()):
        data = model.data_preprocessor(batch, training=True)
        with torch.no_grad():
            losses.append(model(**data, mode='loss'))
    assert set(losses[0]) == {'loss_kpt', 'acc_pose'}
    torch.testing.assert_close(losses[0]['loss_kpt'], losses[1]['loss_kpt'])
    torch.testing.assert_close(losses[0]['acc_pose'], losses[1]['acc_pose'])
