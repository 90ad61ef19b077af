"""Every config under configs/ (present and future) builds, trains a step and predicts.

For each config: the model is built, one real sample batch goes through the config's own
training pipeline (its augmentation included) into ``loss``, and the config's own test
pipeline feeds ``predict`` with its flip test. The
input is shrunk to 64x96 (W x H) so that all configs run in seconds on a CPU; what the
sizes of each recipe are is asserted by test_paper_settings.py.
"""
import math

import numpy as np
import pytest
import torch
from helpers import ALL_CONFIGS
from mmengine.registry import init_default_scope
from mmengine.runner import Runner

SMALL = (64, 96)  # W x H: a multiple of 32, so all four branches have integer sizes


def test_configs_found():
    assert len(ALL_CONFIGS) >= 7


def _first_batch(loader_cfg, batch_size):
    loader_cfg = dict(loader_cfg, batch_size=batch_size)
    loader_cfg['sampler'] = dict(type='DefaultSampler', shuffle=False)
    return next(iter(Runner.build_dataloader(loader_cfg, seed=0)))


@pytest.mark.parametrize('name', ALL_CONFIGS)
def test_config_builds_trains_and_predicts(name, load_sample_config):
    from mmpose.registry import MODELS
    cfg = load_sample_config(name, input_size=SMALL)
    init_default_scope(cfg.default_scope)
    np.random.seed(0)
    torch.manual_seed(0)

    model = MODELS.build(cfg.model)
    assert type(model.backbone).__module__.startswith('hrnet_ext.')
    assert type(model.head).__module__.startswith('hrnet_ext.')
    num_joints = cfg.model.head.out_channels

    # training step on a real batch, through the config's train pipeline
    model.train()
    batch = _first_batch(cfg.train_dataloader, batch_size=2)
    data = model.data_preprocessor(batch, training=True)
    assert data['inputs'].shape == (2, 3, SMALL[1], SMALL[0])
    losses = model(**data, mode='loss')
    assert math.isfinite(losses['loss_kpt'].item()) and losses['loss_kpt'].item() > 0
    assert losses['loss_kpt'].requires_grad  # (backward per variant: tests/models)

    # prediction with the config's flip test, through its test pipeline
    assert cfg.model.test_cfg.flip_test
    model.eval()
    batch = _first_batch(cfg.test_dataloader, batch_size=1)
    with torch.no_grad():
        results = model.test_step(batch)
    assert len(results) == 1
    for sample in results:
        pred = sample.pred_instances
        assert pred.keypoints.shape == (1, num_joints, 2)
        assert pred.keypoint_scores.shape == (1, num_joints)
        assert np.isfinite(pred.keypoints).all()
        # keypoints are mapped back to the original image, inside the crop around the box
        # (centre +- scale / 2: wider or taller than the box where the aspect ratios differ,
        # and an untrained model's maxima can lie anywhere in it). A heatmap without a
        # positive maximum decodes to (-1, -1) with score <= 0 (MMPose's marker): skipped.
        centre = np.asarray(sample.metainfo['input_center'])
        half = np.asarray(sample.metainfo['input_scale']) / 2 + 1e-3
        found = pred.keypoint_scores[0] > 0
        assert (np.abs(pred.keypoints[0][found] - centre) <= half).all()
