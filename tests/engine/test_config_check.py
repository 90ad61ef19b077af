"""Config preparation (hrnet_ext.engine.config_check): each mistake provoked on a real config,
and the message checked. The tools run the same function (tests/tools/test_custom_keypoints.py
checks what they print)."""
import copy
from pathlib import Path

import pytest
from mmengine.config import Config

from hrnet_ext.datasets import DataNotFoundError
from hrnet_ext.engine.config_check import (
    ConfigError,
    augmentation_notes,
    dataset_metainfo,
    find_key_problems,
    prepare_config,
    resolve_num_keypoints,
)

REPO = Path(__file__).resolve().parents[2]
CUSTOM = REPO / 'configs' / 'custom' / 'hrnet_w32_body5_128x96.py'
METAINFO = REPO / 'configs' / '_base_' / 'datasets' / 'body5_keypoints.py'


@pytest.fixture
def custom():
    return Config.fromfile(str(CUSTOM))


@pytest.mark.parametrize('path, value, expected', [
    ('model.bakbone', {}, "model (TopdownPoseEstimator): unknown argument 'bakbone' (did you "
     "mean 'backbone'?); valid: backbone, neck, head, train_cfg, test_cfg, data_preprocessor, "
     'init_cfg, metainfo'),
    ('model.backbone.archs', 'w48', "model.backbone (HRNet): unknown argument 'archs' (did "
     "you mean 'arch'?)"),
    ('model.head.in_channel', 32, "model.head (HRNetHeatmapHead): unknown argument "
     "'in_channel' (did you mean 'in_channels'?)"),
    ('model.head.decoder.sigmma', 2, "model.head.decoder (MSRAHeatmap): unknown argument "
     "'sigmma' (did you mean 'sigma'?)"),
    ('train_dataloader.dataset.ann_flie', 'x.json', "train_dataloader.dataset (CocoDataset): "
     "unknown argument 'ann_flie' (did you mean 'ann_file'?)"),
    ('train_dataloader.batchsize', 4, "train_dataloader: unknown key 'batchsize' (did you "
     "mean 'batch_size'?)"),
    ('train_dataloader.sampler.shufle', True, "train_dataloader.sampler (DefaultSampler): "
     "unknown argument 'shufle' (did you mean 'shuffle'?)"),
    ('val_evaluator.score_mod', 'bbox', "val_evaluator (CocoMetric): unknown argument "
     "'score_mod' (did you mean 'score_mode'?)"),
    ('train_cfg.max_epoch', 3, "train_cfg (EpochBasedTrainLoop): unknown argument "
     "'max_epoch' (did you mean 'max_epochs'?); valid: max_epochs, val_begin, val_interval, "
     'dynamic_intervals'),
    ('model.head.loss.type', 'KeypointMSELos', "model.head.loss.type: unknown model "
     "'KeypointMSELos' (did you mean 'KeypointMSELoss'?)"),
    ('trian_dataloader', {}, "unknown config key 'trian_dataloader' (did you mean "
     "'train_dataloader'?)"),
])
def test_typos_are_named_with_the_nearest_key(custom, path, value, expected):
    custom.merge_from_dict({path: value})
    problems = find_key_problems(custom, ('train', 'val'))
    assert len(problems) == 1 and problems[0].startswith(expected), problems
    with pytest.raises(ConfigError) as info:
        prepare_config(custom, ('train', 'val'), check_data=False)
    assert str(info.value) == problems[0]  # one line


def test_a_pipeline_step_typo_is_named(custom):
    custom.train_dataloader.dataset.pipeline[2]['directon'] = 'horizontal'  # RandomFlip
    assert find_key_problems(custom, ('train', )) == [
        "train_dataloader.dataset.pipeline.2 (RandomFlip): unknown argument 'directon' "
        "(did you mean 'direction'?); valid: prob, direction"]


def test_layer_configs_keep_their_own_keys(custom):
    """mmcv's layer builders take keys no signature shows (requires_grad of a norm)."""
    custom.model.backbone.norm_cfg = dict(type='BN', requires_grad=True)
    assert find_key_problems(custom) == []


def test_every_shipped_config_is_clean():
    for path in sorted((REPO / 'configs').rglob('*.py')):
        if '_base_' not in path.parts:
            assert find_key_problems(Config.fromfile(str(path))) == [], path


def test_head_size_follows_the_metainfo(custom):
    assert custom.model.head.get('out_channels') is None
    assert resolve_num_keypoints(custom) == 5
    assert custom.model.head.out_channels == 5


def test_head_size_that_differs_names_both_values_and_keys(custom):
    custom.model.head.out_channels = 17
    with pytest.raises(ConfigError) as info:
        resolve_num_keypoints(custom)
    assert str(info.value) == (
        'model.head.out_channels = 17, but the data set has 5 keypoints '
        f'(train_dataloader.dataset.metainfo.from_file = {custom.metainfo.from_file}); '
        'remove model.head.out_channels (it follows the metainfo) or set it to 5.')


def test_data_sets_with_different_keypoints_are_refused(custom):
    custom.test_dataloader = copy.deepcopy(custom.val_dataloader)
    custom.test_dataloader.dataset.metainfo = dict(from_file='coco.py')  # MMPose's, 17
    with pytest.raises(ConfigError, match=r'different numbers of keypoints: 5 \(train_.*\), '
                                          r'17 \(test_dataloader.dataset.metainfo'):
        resolve_num_keypoints(custom)


def _metainfo_file(tmp_path, old, new):
    path = tmp_path / 'my_body.py'
    path.write_text(METAINFO.read_text().replace(old, new))
    return str(path)


def test_flip_pair_naming_a_missing_keypoint(custom, tmp_path):
    path = _metainfo_file(tmp_path, "swap='right_hip'", "swap='right_hp'")
    custom.train_dataloader.dataset.metainfo = dict(from_file=path)
    with pytest.raises(ConfigError) as info:
        dataset_metainfo(custom, ('train', ))
    assert str(info.value) == (
        f'train_dataloader.dataset.metainfo.from_file = {path}: keypoint_info[3] '
        "('left_hip') swaps with 'right_hp', which is not one of its keypoints (did you mean "
        "'right_hip'?); flip pairs must name keypoints of this file (swap='' for none).")


def test_one_sided_flip_pair_is_a_note(custom, tmp_path):
    """'left_hip' -> 'right_hip' but 'right_hip' -> '' : flipping mislabels the hips."""
    path = _metainfo_file(tmp_path, "swap='left_hip'", "swap=''")
    custom.train_dataloader.dataset.metainfo = dict(from_file=path)
    _, meta = dataset_metainfo(custom, ('train', ))
    notes = augmentation_notes(custom, meta)
    assert "metainfo: 'left_hip' swaps with 'right_hip', but 'right_hip' does not swap with " \
        "'left_hip': flipping breaks these labels." in notes


def test_half_body_that_cannot_apply_is_noted_once(custom):
    """The body recipe's half-body needs 9 visible keypoints; this data set has 5 (the shipped
    config drops the step: here it is put back, as a config that keeps the recipe's
    pipeline would have it)."""
    recipe = Config.fromfile(str(REPO / 'configs/_base_/tasks/body_hrnet_w32_256x192.py'))
    custom.train_dataloader.dataset.pipeline = recipe.train_pipeline
    assert prepare_config(Config.fromfile(str(CUSTOM)), ('train', 'val')) == []
    notes = prepare_config(custom, ('train', 'val'))
    step = next(i for i, s in enumerate(custom.train_dataloader.dataset.pipeline)
                if s['type'] == 'RandomHalfBody')
    assert notes == [
        f'train_dataloader.dataset.pipeline.{step} (RandomHalfBody) never applies: '
        'min_total_keypoints=9, but the data set has 5 keypoints; set it to 5 or less, or '
        'remove the step.']
    custom.train_dataloader.dataset.pipeline[step]['min_total_keypoints'] = 4
    custom.train_dataloader.dataset.pipeline[step]['min_lower_keypoints'] = 2
    assert prepare_config(custom, ('train', )) == []


def test_missing_metainfo_file_is_named_with_the_data(custom, tmp_path):
    custom.train_dataloader.dataset.metainfo = dict(from_file=str(tmp_path / 'nope.py'))
    with pytest.raises(DataNotFoundError) as info:
        prepare_config(custom, ('train', ))
    msg = str(info.value)
    assert f'train_dataloader.dataset.metainfo.from_file  {tmp_path / "nope.py"}' in msg
    assert 'mmpose/.mim/configs/_base_/datasets/' in msg  # where MMPose's own are
    assert msg.rstrip().endswith(
        'To fix it, pass --cfg-options train_dataloader.dataset.metainfo.from_file=....')
