"""configs/_base_/datasets/coco.py (the COCO metainfo the COCO + AI Challenger config names by a
path relative to the repository root) is MMPose's own, value for value."""
from pathlib import Path

import mmpose
from helpers import CONFIGS
from mmengine.config import Config
from mmpose.datasets.datasets.utils import parse_pose_metainfo


def test_equal_to_mmposes_file():
    theirs = Path(mmpose.__file__).parent / '.mim' / 'configs' / '_base_' / 'datasets' / 'coco.py'
    ours = Config.fromfile(str(CONFIGS / '_base_' / 'datasets' / 'coco.py')).dataset_info
    assert ours.to_dict() == Config.fromfile(str(theirs)).dataset_info.to_dict()
    meta = parse_pose_metainfo(dict(from_file=str(CONFIGS / '_base_' / 'datasets' / 'coco.py')))
    assert meta['num_keypoints'] == 17 and meta['flip_indices'][:3] == [0, 2, 1]
    assert len(meta['skeleton_links']) == 19


def test_the_aic_config_names_it():
    cfg = Config.fromfile(str(CONFIGS / 'hrnet_w48_coco-aic_384x288.py'))
    from_file = cfg.train_dataloader.dataset.metainfo.from_file
    assert from_file == 'configs/_base_/datasets/coco.py'
    assert (CONFIGS.parent / from_file).is_file()
