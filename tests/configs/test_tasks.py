"""Face, hand and animal configs: short inheriting files, evaluated on the bundled samples.

Each config under configs/{face,hand,animal} is loaded against the sample layout
(tests/task_samples.py) and run by a real MMEngine Runner through its own test pipeline, flip
test, decoding and MMPose's metric for its task (NME; PCK, AUC, EPE; COCO-style AP), twice:

* with the untrained network (the metric keys are there and finite);
* with the ground-truth oracle of test_oracle.py in place of the network (perfect heatmaps of
  the crop and of the flipped crop): the metric must then be near perfect, which checks
  that the data set's metainfo (flip pairs, normalisation indices, sigmas), the codec, the
  flip test and the metric agree. The untrained network must score clearly worse.

Inputs are 128x128 (the recipes use 256x256) to keep the CPU time small.
"""
import ast
import math
from pathlib import Path

import pytest
from helpers import CONFIGS
from mmengine.runner import Runner
from test_oracle import install_oracle
from torch import nn

SIZE = (128, 128)

# config: (keypoints, data set, the metric checked)
TASKS = {
    'face/hrnetv2_w18_wflw_256x256.py': (98, 'WFLWDataset', 'NME'),
    'face/hrnetv2_w18_300w_256x256.py': (68, 'Face300WDataset', 'NME'),
    'face/hrnetv2_w18_cofw_256x256.py': (29, 'COFWDataset', 'NME'),
    'hand/hrnetv2_w18_onehand10k_256x256.py': (21, 'OneHand10KDataset', 'AUC'),
    'animal/hrnet_w32_ap10k_256x256.py': (17, 'AP10KDataset', 'coco/AP'),
}
EXPECTED_KEYS = dict(NME={'NME'}, AUC={'PCK', 'AUC', 'EPE'}, **{'coco/AP': {'coco/AP', 'coco/AR'}})
MAX_CODE_LINES = 25  # statements and their continuation lines; docstring and comments excluded


def test_every_task_config_is_listed():
    found = {str(p.relative_to(CONFIGS)) for d in ('face', 'hand', 'animal')
             for p in (CONFIGS / d).glob('*.py')}
    assert found == set(TASKS)


def code_lines(path: Path) -> int:
    """Lines covered by statements other than the module docstring."""
    tree = ast.parse(path.read_text())
    body = tree.body[1:] if ast.get_docstring(tree) else tree.body
    lines = set()
    for node in body:
        lines.update(range(node.lineno, node.end_lineno + 1))
    comment_only = {i for i, line in enumerate(path.read_text().splitlines(), 1)
                    if line.strip().startswith('#') or not line.strip()}
    return len(lines - comment_only)


@pytest.mark.parametrize('name', sorted(TASKS))
def test_file_stays_short_and_inherits(name):
    path = CONFIGS / name
    text = path.read_text()
    assert code_lines(path) <= MAX_CODE_LINES, f'{name}: inherit instead of copying'
    assert text.count('\n') <= 2 * MAX_CODE_LINES
    tree = ast.parse(text)
    assigned = {t.id for node in tree.body if isinstance(node, ast.Assign)
                for t in node.targets if isinstance(t, ast.Name)}
    assert '_base_' in assigned
    # no model, pipeline, schedule or runtime written out: those come from the bases
    for copied in ('TopdownPoseEstimator', 'LoadImage', 'TopdownAffine', 'optim_wrapper',
                   'param_scheduler', 'default_hooks', 'data_preprocessor', 'MultiStepLR'):
        assert copied not in text, f'{name} copies {copied}'


@pytest.mark.parametrize('name', sorted(TASKS))
def test_settings(name, load_sample_config):
    num_keypoints, dataset, key = TASKS[name]
    cfg = load_sample_config(name)
    assert cfg.model.head.out_channels == num_keypoints
    assert cfg.model.head.type == 'hrnet_ext.HRNetHeatmapHead'
    assert cfg.model.test_cfg.flip_test
    for phase in ('train', 'val', 'test'):
        assert cfg[f'{phase}_dataloader'].dataset.type == dataset
    # the recipe's pipelines, with the faster equal-output transforms (test_fast_pipelines.py)
    assert [s.type for s in cfg.train_dataloader.dataset.pipeline][-3:] == [
        'hrnet_ext.FastTopdownAffine', 'hrnet_ext.FastGenerateTarget',
        'hrnet_ext.FastPackPoseInputs']
    assert cfg.train_dataloader.dataset.pipeline[0].type == 'LoadImage'
    for phase in ('val', 'test'):
        assert [s.type for s in cfg[f'{phase}_dataloader'].dataset.pipeline] == [
            'hrnet_ext.CachedLoadImage', 'GetBBoxCenterScale', 'hrnet_ext.FastTopdownAffine',
            'hrnet_ext.FastPackPoseInputs']
    assert all(s.input_size == cfg.codec.input_size for phase in ('train', 'val', 'test')
               for s in cfg[f'{phase}_dataloader'].dataset.pipeline if 'input_size' in s)
    assert cfg.codec.input_size == (256, 256) and cfg.model.head.decoder == cfg.codec
    if name.startswith(('face', 'hand')):  # HRNetV2-W18: every branch, concatenated
        assert cfg.model.backbone.multiscale_output and cfg.model.backbone.arch == 'w18'
        assert cfg.model.neck.type == 'hrnet_ext.HRNetV2Neck'
        assert sum(cfg.model.neck.in_channels) == cfg.model.head.in_channels == 270
    metric_types = {m.type for m in (cfg.test_evaluator if isinstance(cfg.test_evaluator, list)
                                     else [cfg.test_evaluator])}
    assert metric_types == dict(NME={'NME'}, AUC={'PCKAccuracy', 'AUC', 'EPE'},
                                **{'coco/AP': {'CocoMetric'}})[key]


@pytest.mark.parametrize('name', sorted(TASKS))
def test_evaluates_on_the_samples(name, load_sample_config, tmp_path):
    num_keypoints, _, key = TASKS[name]
    cfg = load_sample_config(name, input_size=SIZE)
    cfg.test_dataloader.dataset.pipeline[-1]['pack_transformed'] = True
    cfg.update(work_dir=str(tmp_path), log_level='WARNING')
    cfg.visualizer.name = f'visualizer_{tmp_path.name}'
    runner = Runner.from_cfg(cfg)
    assert runner.test_dataloader.dataset.metainfo['num_keypoints'] == num_keypoints

    untrained = runner.test()
    assert EXPECTED_KEYS[key] <= set(untrained)
    assert all(math.isfinite(untrained[k]) for k in EXPECTED_KEYS[key])

    runner.model.neck = nn.Identity()  # the oracle reads the crop itself
    state = install_oracle(runner.model, cfg.codec.to_dict())
    oracle = runner.test()
    assert state['calls'] == 2 * state['flipped_calls'] > 0  # the flip test ran
    # Measured at 128x128: oracle NME 0.021-0.028 (the heatmap's 4-pixel grid against eye
    # distances of about 40 px), untrained 1.05-1.52; hand oracle PCK 1, AUC 0.88, EPE 2.8 px,
    # untrained AUC 0.02, EPE 143 px; animal oracle AP 1.0, untrained 0.0.
    if key == 'NME':
        assert oracle['NME'] < 0.035 and untrained['NME'] > 0.5
    elif key == 'AUC':
        assert oracle['PCK'] == 1.0 and oracle['EPE'] < 4.0 and untrained['EPE'] > 20.0
        assert oracle['AUC'] > 0.85 and untrained['AUC'] < 0.5
    else:
        assert oracle['coco/AP'] >= 0.99 and untrained['coco/AP'] < 0.5
