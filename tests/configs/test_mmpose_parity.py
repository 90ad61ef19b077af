"""Evaluation parity with MMPose's own HRNet config on the real COCO sample.

With the same weights, ``configs/hrnet_w32_coco_256x192.py`` (our model, our config) and
MMPose's ``td-hm_hrnet-w32_8xb64-210e_coco-256x192.py`` (MMPose's HRNet, HeatmapHead and
pipeline), each run by a real MMEngine ``Runner`` with MMPose's ``CocoMetric``, give the
same keypoints and scores per instance (to 1e-4) and identical AP/AR, with ground-truth
boxes and with the bundled AP-56.4 detection file.
"""
import os.path as osp
import pickle

import mmpose
import numpy as np
import pytest
import torch
from helpers import CONFIGS
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

MMPOSE_W32 = osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs', 'body_2d_keypoint',
                      'topdown_heatmap', 'coco', 'td-hm_hrnet-w32_8xb64-210e_coco-256x192.py')
DET_FILE = 'person_detection_results/COCO_val2017_detections_AP_H_56_person.json'


def mmpose_config(coco_root, gt_boxes: bool) -> Config:
    """MMPose's config, its data paths pointed at the sample (it has data/coco/ written in)."""
    cfg = Config.fromfile(MMPOSE_W32)
    dataset = cfg.test_dataloader.dataset
    dataset.data_root = f'{coco_root}/'
    dataset.bbox_file = None if gt_boxes else f'{coco_root}/{DET_FILE}'
    cfg.test_evaluator.ann_file = f'{coco_root}/annotations/person_keypoints_val2017.json'
    cfg.test_dataloader.update(num_workers=0, persistent_workers=False)
    cfg.model.backbone.init_cfg = None
    return cfg


def ours_config(load_sample_config, gt_boxes: bool) -> Config:
    cfg = load_sample_config('hrnet_w32_coco_256x192.py')
    if gt_boxes:
        cfg.test_dataloader.dataset.bbox_file = None
    return cfg


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory, randomize):
    """One set of seeded random weights, saved as our model's state dict."""
    from mmpose.registry import MODELS
    init_default_scope('mmpose')
    cfg = Config.fromfile(str(CONFIGS / 'hrnet_w32_coco_256x192.py'))
    cfg.model.backbone.init_cfg = None
    model = MODELS.build(cfg.model)
    randomize(model)
    path = tmp_path_factory.mktemp('ckpt') / 'hrnet_w32_random.pth'
    torch.save(dict(state_dict=model.state_dict(), meta=dict(note='seeded random weights')), path)
    return str(path)


def run_test(cfg: Config, checkpoint: str, work_dir) -> tuple:
    dump = osp.join(work_dir, 'predictions.pkl')
    cfg.update(work_dir=str(work_dir), load_from=checkpoint)
    cfg.test_evaluator = [cfg.test_evaluator, dict(type='DumpResults', out_file_path=dump)]
    cfg.visualizer.name = f'visualizer_{osp.basename(str(work_dir))}'
    cfg.log_level = 'WARNING'
    metrics = Runner.from_cfg(cfg).test()
    with open(dump, 'rb') as f:
        return metrics, pickle.load(f)


def test_state_dict_loads_strictly_into_mmpose_model(checkpoint, sample_env):
    from mmpose.registry import MODELS
    init_default_scope('mmpose')
    cfg = mmpose_config(sample_env['coco'], gt_boxes=True)
    model = MODELS.build(cfg.model)
    state = torch.load(checkpoint, map_location='cpu', weights_only=True)['state_dict']
    model.load_state_dict(state, strict=True)
    assert type(model.backbone).__module__.startswith('mmpose.')


@pytest.mark.parametrize('gt_boxes', [True, False], ids=['gt_boxes', 'det_boxes'])
def test_same_inputs_at_full_size(load_sample_config, sample_env, gt_boxes):
    """The test pipelines give identical crops and metainfo at the configs' own 256x192."""
    from mmpose.registry import DATASETS
    init_default_scope('mmpose')
    ours = DATASETS.build(ours_config(load_sample_config, gt_boxes).test_dataloader.dataset)
    theirs = DATASETS.build(mmpose_config(sample_env['coco'], gt_boxes).test_dataloader.dataset)
    assert len(ours) == len(theirs) == (12 if gt_boxes else 118)
    for i in range(0, len(ours), 1 if gt_boxes else 9):
        a, b = ours[i], theirs[i]
        assert torch.equal(a['inputs'], b['inputs'])
        assert a['inputs'].shape == (3, 256, 192)
        for key in ('input_center', 'input_scale', 'input_size', 'flip_indices', 'img_id'):
            np.testing.assert_array_equal(a['data_samples'].metainfo[key],
                                          b['data_samples'].metainfo[key])


# Ground-truth boxes at the full 256x192 (12 people); the 118 detections at 32x64 (W x H)
# to keep the test short on a CPU (the same change in both configs).
@pytest.mark.parametrize('gt_boxes, input_size', [(True, None), (False, (32, 64))],
                         ids=['gt_boxes_256x192', 'det_boxes_64x32'])
def test_same_predictions_and_metrics(load_sample_config, sample_env, shrink, checkpoint,
                                      tmp_path, gt_boxes, input_size):
    ours_cfg = ours_config(load_sample_config, gt_boxes)
    theirs_cfg = mmpose_config(sample_env['coco'], gt_boxes)
    if input_size is not None:
        for cfg in (ours_cfg, theirs_cfg):
            shrink(cfg, input_size)
    ours_metrics, ours_preds = run_test(ours_cfg, checkpoint, tmp_path / 'ours')
    theirs_metrics, theirs_preds = run_test(theirs_cfg, checkpoint, tmp_path / 'mmpose')

    assert len(ours_preds) == len(theirs_preds) == (12 if gt_boxes else 118)
    for a, b in zip(ours_preds, theirs_preds):
        assert (a['img_id'], a['id']) == (b['img_id'], b['id'])
        pa, pb = a['pred_instances'], b['pred_instances']
        np.testing.assert_allclose(pa['keypoints'], pb['keypoints'], atol=1e-4, rtol=0)
        np.testing.assert_allclose(pa['keypoint_scores'], pb['keypoint_scores'], atol=1e-4, rtol=0)
        np.testing.assert_allclose(pa['bbox_scores'], pb['bbox_scores'], atol=1e-6)
    # the rescoring (box score x mean keypoint score above 0.2) has something to work on
    scores = np.concatenate([p['pred_instances']['keypoint_scores'].ravel() for p in ours_preds])
    assert (scores > 0.2).mean() > 0.1
    assert set(ours_metrics) == set(theirs_metrics) and 'coco/AP' in ours_metrics
    assert ours_metrics == theirs_metrics
