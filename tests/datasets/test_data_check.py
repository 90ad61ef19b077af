"""Missing data stops early with a message that names the path, the layout and the fix."""
import pytest
from helpers import ALL_CONFIGS, CONFIGS
from mmengine.config import Config

from hrnet_ext.datasets import DataNotFoundError, check_data_paths, find_missing


@pytest.mark.parametrize('name', ALL_CONFIGS)
def test_sample_layout_is_complete_for_every_config(name, load_sample_config):
    cfg = load_sample_config(name)
    assert find_missing(cfg, ('train', 'val', 'test')) == []


def test_default_root_missing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no data/coco/ here
    monkeypatch.delenv('HRNET_EXT_COCO_ROOT', raising=False)
    cfg = Config.fromfile(str(CONFIGS / 'hrnet_w32_coco_256x192.py'))
    with pytest.raises(DataNotFoundError) as info:
        check_data_paths(cfg, ('test', ))
    msg = str(info.value)
    # the path, with the config key that names it
    assert 'test_dataloader.dataset.data_root  data/coco/' in msg
    # paths under the missing root are not listed one by one
    assert 'test_dataloader.dataset.ann_file ' not in msg
    assert 'test_evaluator.ann_file ' not in msg
    # the expected layout
    for part in ('annotations/person_keypoints_val2017.json', 'val2017/',
                 'person_detection_results/'):
        assert part in msg
    # how to set it: environment variable and --cfg-options
    assert 'HRNET_EXT_COCO_ROOT=/path/to/coco/' in msg
    # per key: data_root and every key that holds a full path (they do not follow data_root)
    assert ('--cfg-options test_dataloader.dataset.data_root=... '
            'test_dataloader.dataset.bbox_file=... test_evaluator.ann_file=...') in msg
    assert 'ground-truth boxes' not in msg  # they would not help: the images are missing too
    assert isinstance(info.value, FileNotFoundError)


def test_only_the_box_file_missing(load_sample_config, sample_roots):
    cfg = load_sample_config('hrnet_w32_coco_256x192.py')
    missing_box = str(sample_roots['coco'] / 'person_detection_results' / 'nope.json')
    cfg.test_dataloader.dataset.bbox_file = missing_box
    with pytest.raises(DataNotFoundError) as info:
        check_data_paths(cfg)
    msg = str(info.value)
    assert f'test_dataloader.dataset.bbox_file  {missing_box}' in msg
    assert 'data_root' not in msg.split('Expected layout')[0]
    assert '--cfg-options test_dataloader.dataset.bbox_file=None' in msg
    # ground-truth boxes are the alternative
    cfg.test_dataloader.dataset.bbox_file = None
    check_data_paths(cfg)


def test_missing_annotation_under_an_existing_root(load_sample_config, sample_roots):
    cfg = load_sample_config('hrnet_w32_coco_256x192.py')
    cfg.train_dataloader.dataset.ann_file = 'annotations/nope.json'
    with pytest.raises(DataNotFoundError, match='train_dataloader.dataset.ann_file'):
        check_data_paths(cfg, ('train', ))
    check_data_paths(cfg, ('test', ))  # only the phases asked for


def test_mpii_head_boxes_missing(load_sample_config, sample_roots, monkeypatch):
    monkeypatch.setenv('HRNET_EXT_MPII_ROOT', str(sample_roots['mpii_no_headbox']))
    cfg = Config.fromfile(str(CONFIGS / 'hrnet_w32_mpii_256x256.py'))
    with pytest.raises(DataNotFoundError) as info:
        check_data_paths(cfg)
    msg = str(info.value)
    mat = str(sample_roots['mpii_no_headbox'] / 'annotations' / 'mpii_gt_val.mat')
    assert f'test_dataloader.dataset.headbox_file  {mat}' in msg
    assert 'official head boxes' in msg and 'not bundle' in msg
    assert 'HRNET_EXT_MPII_ROOT' in msg
    assert '--cfg-options test_dataloader.dataset.headbox_file=/path/to/mpii_gt_val.mat' in msg


def test_pckh_without_head_boxes_is_reported(load_sample_config):
    cfg = load_sample_config('hrnet_w32_mpii_256x256.py')
    cfg.test_dataloader.dataset.headbox_file = None
    with pytest.raises(DataNotFoundError, match='headbox_file  \\(not set\\)'):
        check_data_paths(cfg)


def test_combined_dataset_paths(load_sample_config, tmp_path, monkeypatch):
    monkeypatch.setenv('HRNET_EXT_AIC_ROOT', str(tmp_path / 'no_aic'))
    cfg = load_sample_config('hrnet_w48_coco-aic_384x288.py')
    missing = find_missing(cfg, ('train', ))
    aic = 'train_dataloader.dataset.datasets.1'
    assert {m.key for m in missing} == {f'{aic}.{k}' for k in ('data_root', 'ann_file',
                                                               'data_prefix.img')}
    with pytest.raises(DataNotFoundError) as info:
        check_data_paths(cfg, ('train', ))
    msg = str(info.value)
    assert msg.splitlines()[1].split() == [
        'train_dataloader.dataset.datasets.1.data_root', str(tmp_path / 'no_aic') + '/']
    assert len(msg.split('Expected layout')[0].strip().splitlines()) == 2  # root only
    assert 'HRNET_EXT_AIC_ROOT=/path/to/aic/' in msg and 'aic_train.json' in msg
