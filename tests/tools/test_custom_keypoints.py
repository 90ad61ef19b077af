"""The custom-keypoint path of docs/custom_keypoints.md, run as a user runs it: the shipped
5-keypoint config trains, tests and demos, and each first-hour mistake gives one actionable
line (no traceback unless --debug).

To stay fast the runs use a config that inherits the shipped one and only makes the backbone
small (HRNet 'w18_small', random init), as a user's own variant would; one epoch on the 12
people of the sample.
"""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import CONFIGS, REPO, TEST_DATA, load_script

CUSTOM = CONFIGS / 'custom' / 'hrnet_w32_body5_128x96.py'
IMAGE = TEST_DATA / 'coco' / '000000196141.jpg'
FAST = ['train_dataloader.num_workers=0', 'train_dataloader.persistent_workers=False',
        'val_dataloader.num_workers=0', 'val_dataloader.persistent_workers=False']


def small_config(directory: Path) -> Path:
    path = directory / 'body5_small.py'
    path.write_text(f"_base_ = ['{CUSTOM}']\n"
                    "model = dict(backbone=dict(arch='w18_small', init_cfg=None),\n"
                    "             head=dict(in_channels=16))\n")
    return path


def run(tool, *args):
    env = dict(os.environ, OMP_NUM_THREADS='1')
    env.pop('HRNET_EXT_DEBUG', None)
    return subprocess.run([sys.executable, f'tools/{tool}', *map(str, args)], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    """(config, work dir, train output) of one epoch of training with validation."""
    base = tmp_path_factory.mktemp('custom')
    config = small_config(base)
    result = run('train.py', config, '--work-dir', base / 'work', '--cfg-options',
                 'train_cfg.max_epochs=1', 'train_cfg.val_interval=1', *FAST)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return config, base / 'work', result.stdout + result.stderr


def test_trains_with_a_short_start(trained):
    _, work, out = trained
    assert (work / 'epoch_1.pth').is_file()
    assert re.search(r'coco/AP: [0-9.]+', out)
    # a summary instead of MMEngine's environment and config dumps; no deprecation noise
    assert 'System environment' not in out and 'Config:' not in out
    assert 'pkg_resources' not in out and 'FileClient' not in out
    assert 'model: TopdownPoseEstimator: hrnet_ext.HRNet (w18_small) -> ' \
        'hrnet_ext.HRNetHeatmapHead, 5 keypoints, input 96x128 (w x h)' in out
    assert re.search(r'train data: CocoDataset \S+/tests/data/coco/body5_keypoints\.json '
                     r'\(metainfo \S+/configs/_base_/datasets/body5_keypoints\.py\), 12 '
                     'samples, batch 12 x 1', out), out[:3000]
    assert 'schedule: 1 epoch, validation every 1' in out
    assert f'work dir: {work} (--verbose' in out
    start = out[:out.index('Epoch(train)')]
    assert len(start.splitlines()) <= 15, start


def test_tests_and_prints_the_metric(trained):
    config, work, _ = trained
    result = run('test.py', config, work / 'epoch_1.pth', '--work-dir', work / 'test',
                 '--cfg-options', 'test_dataloader.num_workers=0',
                 'test_dataloader.persistent_workers=False')
    assert result.returncode == 0, result.stderr[-3000:]
    assert 'on ground-truth person boxes' in result.stdout
    ap = re.search(r'  coco/AP: ([0-9.]+)', result.stdout)
    assert ap and 0 <= float(ap.group(1)) <= 1
    assert 'test data: CocoDataset' in result.stdout and '12 samples' in result.stdout


def test_demo_draws_five_keypoints_or_says_why_not(trained, tmp_path, capsys):
    config, work, _ = trained
    demo = load_script('tools/demo.py')
    assert demo.main([str(IMAGE), str(config), str(work / 'epoch_1.pth'),
                      '--out-dir', str(tmp_path), '--kpt-thr', '0.99']) == 0
    people = json.loads((tmp_path / '000000196141.json').read_text())['people']
    assert len(people) == 1 and len(people[0]['keypoints']) == 5
    best = max(people[0]['keypoint_scores'])
    out = capsys.readouterr().out
    assert best < 0.99
    assert f'[demo] nothing drawn: no keypoint scored above --kpt-thr 0.99 (the highest was ' \
        f'{best:.3f}); lower --kpt-thr' in out, out
    assert (tmp_path / '000000196141.jpg').is_file()
    # a threshold below the best score draws, and says nothing
    assert demo.main([str(IMAGE), str(config), str(work / 'epoch_1.pth'),
                      '--out-dir', str(tmp_path / 'drawn'), '--kpt-thr', f'{best / 2}']) == 0
    assert 'nothing drawn' not in capsys.readouterr().out


def test_misspelled_flag_names_the_nearest(capsys):
    with pytest.raises(SystemExit) as info:
        load_script('tools/train.py').main([str(CUSTOM), '--cfg-opitons', 'train_cfg.max_epochs=1'])
    assert info.value.code == 2
    assert 'unrecognized arguments: --cfg-opitons (did you mean --cfg-options?) ' \
        'train_cfg.max_epochs=1' in capsys.readouterr().err


def test_head_size_mistake_is_one_line_and_traceback_on_request(tmp_path, monkeypatch):
    args = (CUSTOM, '--work-dir', tmp_path / 'w', '--cfg-options', 'model.head.out_channels=17')
    result = run('train.py', *args)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        'error: model.head.out_channels = 17, but the data set has 5 keypoints '
        f'(train_dataloader.dataset.metainfo.from_file = '
        f'{CUSTOM.parent}/../_base_/datasets/body5_keypoints.py); remove '
        'model.head.out_channels (it follows the metainfo) or set it to 5.']
    assert result.stdout == ''  # nothing before it: no environment dump
    assert not (tmp_path / 'w').exists()
    # --debug (or HRNET_EXT_DEBUG=1): the exception itself, with its traceback
    from hrnet_ext.engine.config_check import ConfigError
    with pytest.raises(ConfigError, match='model.head.out_channels = 17'):
        load_script('tools/train.py').main([str(a) for a in args] + ['--debug'])
    monkeypatch.setenv('HRNET_EXT_DEBUG', '1')
    with pytest.raises(ConfigError, match='model.head.out_channels = 17'):
        load_script('tools/train.py').main([str(a) for a in args])


def test_misspelled_model_key_is_named_before_the_pretrained_file(tmp_path, capsys):
    train = load_script('tools/train.py')
    assert train.main([str(CUSTOM), '--work-dir', str(tmp_path / 'w'), '--cfg-options',
                       'model.bakbone.type=hrnet_ext.HRNet']) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: model (TopdownPoseEstimator): unknown argument 'bakbone' "
                          "(did you mean 'backbone'?); valid: backbone, neck, head,")
    assert 'pretrained' not in err and len(err.splitlines()) == 1


def test_wrong_image_folder_gets_the_layout_of_this_data_set(tmp_path, capsys):
    train = load_script('tools/train.py')
    assert train.main([str(CUSTOM), '--work-dir', str(tmp_path / 'w'), '--cfg-options',
                       'train_dataloader.dataset.data_prefix.img=imgs/']) == 1
    err = capsys.readouterr().err
    root = f'{CUSTOM.parent}/../../tests/data/coco/'
    assert f'train_dataloader.dataset.data_prefix.img  {root}imgs/' in err
    assert f'Expected layout (CocoDataset, as this config sets it):\n    {root}   ' \
        '(train_dataloader.dataset.data_root)' in err
    assert '|-- body5_keypoints.json   (ann_file: COCO-format keypoints json' in err
    assert '`-- imgs/*.jpg   (data_prefix.img: the images' in err
    # no COCO layout and no variable that would not move this config's paths
    assert 'HRNET_EXT_COCO_ROOT' not in err and 'person_keypoints' not in err
    assert err.rstrip().endswith(
        'To fix it, pass --cfg-options train_dataloader.dataset.data_prefix.img=....')


def test_the_page_shows_the_shipped_config_and_data():
    """docs/custom_keypoints.md quotes the config in full and the first person of the json."""
    page = (REPO / 'docs' / 'custom_keypoints.md').read_text()
    blocks = re.findall(r'```python\n(.*?)```', page, re.S)
    assert CUSTOM.read_text() in blocks
    shown = json.loads(re.search(r'```json\n(.*?)```', page, re.S).group(1))
    data = json.loads((TEST_DATA / 'coco' / 'body5_keypoints.json').read_text())
    assert shown['images'][0] == {k: data['images'][0][k] for k in shown['images'][0]}
    first = data['annotations'][0]
    person = shown['annotations'][0]
    assert {k: person[k] for k in ('id', 'bbox', 'keypoints', 'num_keypoints')} == \
        {k: first[k] for k in ('id', 'bbox', 'keypoints', 'num_keypoints')}
    assert shown['categories'][0]['keypoints'] == data['categories'][0]['keypoints']


def test_other_tools_take_the_head_size_from_the_metainfo(trained):
    """get_flops and MMPose's inferencer (through hrnet_ext.apis) build the config without
    out_channels: W32's 28,535,552 backbone parameters + a 1x1 head of 5 x (32 + 1)."""
    counted = load_script('tools/analysis/get_flops.py').main([str(CUSTOM)])
    assert counted['params']['total'] == 28_535_552 + 5 * 33
    assert counted['shape'] == (128, 96)
    from hrnet_ext.apis import MMPoseInferencer
    config, work, _ = trained
    inferencer = MMPoseInferencer(pose2d=str(config), pose2d_weights=str(work / 'epoch_1.pth'),
                                  det_model='whole_image', device='cpu')
    result = next(inferencer(str(IMAGE)))
    assert len(result['predictions'][0][0]['keypoints']) == 5
