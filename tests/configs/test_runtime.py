"""The runtime every recipe inherits: checkpoints, evaluation, logging, our hooks."""
import glob
import os.path as osp

import pytest
from helpers import CONFIGS
from mmengine.config import Config

PAPER = sorted(glob.glob(str(CONFIGS / 'hrnet_w*.py')))


@pytest.mark.parametrize('path', PAPER, ids=osp.basename)
def test_checkpoint_evaluation_and_logging_hooks(path):
    cfg = Config.fromfile(path)
    ckpt = cfg.default_hooks.checkpoint
    assert (ckpt.interval, ckpt.max_keep_ckpts, ckpt.rule) == (10, 3, 'greater')
    assert ckpt.save_best == ('PCK' if 'mpii' in path else 'coco/AP')
    assert cfg.train_cfg.val_interval == 10
    assert cfg.default_hooks.logger.interval == 50
    assert cfg.default_hooks.visualization.type == 'PoseVisualizationHook'  # --show-dir
    assert cfg.visualizer.type == 'hrnet_ext.PoseLocalVisualizer'  # draws under numpy 2
    assert [h['type'] for h in cfg.custom_hooks] == ['SyncBuffersHook',
                                                    'hrnet_ext.EpochSeedHook']
    assert cfg.custom_imports['imports'] == ['hrnet_ext']
