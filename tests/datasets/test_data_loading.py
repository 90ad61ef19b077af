"""What the configs' datasets give on the real samples: MPII's centre/scale adjustment and
head sizes, and the COCO + AI Challenger keypoint mapping."""
import json
from pathlib import Path

import numpy as np
import pytest
from mmengine.registry import init_default_scope

SAMPLES = Path(__file__).resolve().parents[1] / 'data'


def build(dataset_cfg):
    from mmpose.registry import DATASETS
    init_default_scope('mmpose')
    return DATASETS.build(dataset_cfg)


def test_mpii_centre_moved_down_and_box_padded(load_sample_config):
    """Official loader: c_y += 15 x s (s in units of 200 px), then s x 1.25; 1-based to 0-based."""
    cfg = load_sample_config('hrnet_w32_mpii_256x256.py')
    dataset_cfg = cfg.test_dataloader.dataset
    dataset_cfg.pipeline = [dict(type='GetBBoxCenterScale', padding=1.25)]
    dataset = build(dataset_cfg)
    people = json.loads((SAMPLES / 'mpii' / 'test_mpii.json').read_text())
    assert len(dataset) == len(people) == 5
    for i, person in enumerate(people):
        out = dataset[i]
        cx, cy = person['center']
        s = person['scale']
        np.testing.assert_allclose(out['bbox_center'][0], [cx - 1, cy + 15 * s - 1], atol=1e-3)
        np.testing.assert_allclose(out['bbox_scale'][0], [200 * s * 1.25] * 2, rtol=1e-5)
        # head size from the (stand-in) head boxes: 0.6 x the box diagonal
        joints = np.asarray(person['joints'])
        side = np.linalg.norm(joints[9] - joints[8])
        assert out['head_size'].item() == pytest.approx(0.6 * side * np.sqrt(2), rel=1e-5)


def test_aic_keypoints_mapped_onto_coco(load_sample_config):
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    cfg = load_sample_config('hrnet_w48_coco-aic_384x288.py')
    coco_meta = parse_pose_metainfo(dict(from_file='configs/_base_/datasets/coco.py'))
    aic_meta = parse_pose_metainfo(dict(from_file='configs/_base_/datasets/aic.py'))
    # every pair joins the joint of the same name
    for a, c in cfg.aic_to_coco:
        assert aic_meta['keypoint_id2name'][a] == coco_meta['keypoint_id2name'][c]
    assert {aic_meta['keypoint_id2name'][i] for i in (12, 13)} == {'head_top', 'neck'}

    combined_cfg = cfg.train_dataloader.dataset
    combined_cfg.pipeline = []  # what the subsets give, before the training pipeline
    combined = build(combined_cfg)
    coco, aic = combined.datasets
    assert len(combined) == len(coco) + len(aic) and len(aic) == 9
    assert combined.metainfo['num_keypoints'] == 17
    raw = json.loads((SAMPLES / 'aic' / 'test_aic.json').read_text())['annotations']
    by_id = {a['id']: np.asarray(a['keypoints'], dtype=np.float32).reshape(-1, 3) for a in raw}
    for i in range(len(coco), len(combined)):
        item = combined[i]
        src = by_id[item['id']]
        kpts, vis = item['keypoints'][0], item['keypoints_visible'][0, :, 0]
        assert kpts.shape == (17, 2)
        for a, c in cfg.aic_to_coco:
            np.testing.assert_allclose(kpts[c], src[a, :2])
            assert vis[c] == min(1, src[a, 2])
        assert (vis[:5] == 0).all()  # COCO's face points: not in AIC
        assert item['flip_indices'] == coco_meta['flip_indices']
