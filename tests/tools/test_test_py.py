"""tools/test.py on the real samples: COCO AP/AR with ground-truth boxes and with the
bundled detection file, MPII PCKh, and the messages for missing data.

The checkpoint holds seeded random weights (no trained weights are in the repository),
so the numbers are not accuracies; what is checked is that the tool runs the config's
test set through MMPose's metric and prints it. The input is shrunk to 32x64 (W x H)
with --cfg-options, as a user could, to keep the 118 detections fast on a CPU.
"""
import json
import os
import pickle
import subprocess
import sys

import pytest
import torch
from helpers import CONFIGS, REPO, load_script

TOOL = REPO / 'tools' / 'test.py'
SMALL = ['model.head.decoder.input_size=(32,64)', 'model.head.decoder.heatmap_size=(8,16)',
         'test_dataloader.dataset.pipeline.2.input_size=(32,64)',
         'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False',
         'test_dataloader.batch_size=128']
COCO_METRICS = ('coco/AP', 'coco/AP .5', 'coco/AP .75', 'coco/AP (M)', 'coco/AP (L)',
                'coco/AR', 'coco/AR .5', 'coco/AR .75', 'coco/AR (M)', 'coco/AR (L)')


@pytest.fixture(scope='module')
def checkpoints(tmp_path_factory):
    """Seeded random weights for the W32 COCO and MPII configs, in temporary files."""
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS
    init_default_scope('mmpose')
    out = {}
    for name in ('hrnet_w32_coco_256x192.py', 'hrnet_w32_mpii_256x256.py'):
        cfg = Config.fromfile(str(CONFIGS / name))
        cfg.model.backbone.init_cfg = None
        torch.manual_seed(0)
        model = MODELS.build(cfg.model)
        model.init_weights()
        path = tmp_path_factory.mktemp('ckpt') / name.replace('.py', '_random.pth')
        torch.save(dict(state_dict=model.state_dict()), path)
        out[name] = str(path)
    return out


def run_tool(args, env_roots, cwd):
    env = dict(os.environ)
    env.update({var: str(path) for var, path in env_roots.items()})
    return subprocess.run([sys.executable, str(TOOL), *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def printed_metrics(stdout: str) -> dict:
    """The block tools/test.py prints at the end: '  name: value' lines."""
    block = stdout[stdout.rindex('Results of '):].splitlines()
    return {line.rsplit(':', 1)[0].strip(): float(line.rsplit(':', 1)[1])
            for line in block[2:] if ':' in line}


def test_coco_with_detected_boxes(checkpoints, sample_roots, tmp_path):
    ckpt = checkpoints['hrnet_w32_coco_256x192.py']
    det = sample_roots['coco'] / 'person_detection_results' / \
        'COCO_val2017_detections_AP_H_56_person.json'
    result = run_tool(
        ['configs/hrnet_w32_coco_256x192.py', ckpt, '--work-dir', tmp_path / 'work',
         '--out', tmp_path / 'metrics.json', '--dump', tmp_path / 'preds.pkl',
         '--cfg-options', *SMALL],
        {'HRNET_EXT_COCO_ROOT': sample_roots['coco']}, cwd=REPO)
    assert result.returncode == 0, result.stderr[-3000:]
    assert f'on detected person boxes from {det}' in result.stdout
    metrics = printed_metrics(result.stdout)
    assert tuple(metrics) == COCO_METRICS
    assert all(0 <= v <= 1 for v in metrics.values())
    # COCO's own summary table is printed too
    assert 'Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets= 20 ]' in result.stdout
    saved = json.loads((tmp_path / 'metrics.json').read_text())
    assert saved == pytest.approx(metrics, abs=1e-4)
    with open(tmp_path / 'preds.pkl', 'rb') as f:
        preds = pickle.load(f)
    assert len(preds) == 118  # one per detection in the bundled file
    assert preds[0]['pred_instances']['keypoints'].shape == (1, 17, 2)


def test_coco_with_ground_truth_boxes(checkpoints, sample_env, tmp_path, capsys, monkeypatch):
    """In-process (``main(argv)``), with the boxes switched by --cfg-options."""
    monkeypatch.chdir(REPO)
    ckpt = checkpoints['hrnet_w32_coco_256x192.py']
    tool = load_script('tools/test.py')
    rc = tool.main(['configs/hrnet_w32_coco_256x192.py', ckpt, '--work-dir', str(tmp_path),
                    '--cfg-options', *SMALL, 'test_dataloader.dataset.bbox_file=None'])
    assert rc == 0
    out = capsys.readouterr().out
    assert 'on ground-truth person boxes' in out
    assert tuple(printed_metrics(out)) == COCO_METRICS


def test_mpii_prints_pckh(checkpoints, sample_roots, tmp_path):
    """With the stand-in head boxes the conftest writes (the official file is not bundled)."""
    headbox = sample_roots['mpii'] / 'annotations' / 'mpii_gt_val.mat'
    from scipy.io import loadmat
    assert 'STAND-IN' in str(loadmat(str(headbox))['note'])
    result = run_tool(
        ['configs/hrnet_w32_mpii_256x256.py', checkpoints['hrnet_w32_mpii_256x256.py'],
         '--work-dir', tmp_path, '--cfg-options',
         *[o.replace('(32,64)', '(32,32)').replace('(8,16)', '(8,8)') for o in SMALL]],
        {'HRNET_EXT_MPII_ROOT': sample_roots['mpii']}, cwd=REPO)
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = printed_metrics(result.stdout)
    for name in ('Head PCK', 'Shoulder PCK', 'Elbow PCK', 'Wrist PCK', 'Hip PCK', 'Knee PCK',
                 'Ankle PCK', 'PCK', 'PCK@0.1'):
        assert 0 <= metrics[name] <= 100, name


def test_mpii_without_head_boxes_stops_with_their_name(checkpoints, sample_roots, tmp_path,
                                                      capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    monkeypatch.setenv('HRNET_EXT_MPII_ROOT', str(sample_roots['mpii_no_headbox']))
    tool = load_script('tools/test.py')
    rc = tool.main(['configs/hrnet_w32_mpii_256x256.py',
                    checkpoints['hrnet_w32_mpii_256x256.py'], '--work-dir', str(tmp_path)])
    assert rc == 1
    err = capsys.readouterr().err
    mat = sample_roots['mpii_no_headbox'] / 'annotations' / 'mpii_gt_val.mat'
    assert f'test_dataloader.dataset.headbox_file  {mat}' in err
    assert 'official head boxes' in err
    assert not list(tmp_path.iterdir())  # stopped before building anything


def test_missing_coco_root_and_checkpoint(checkpoints, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    monkeypatch.setenv('HRNET_EXT_COCO_ROOT', str(tmp_path / 'coco'))
    tool = load_script('tools/test.py')
    rc = tool.main(['configs/hrnet_w32_coco_256x192.py', checkpoints['hrnet_w32_coco_256x192.py']])
    assert rc == 1
    err = capsys.readouterr().err
    assert f'test_dataloader.dataset.data_root  {tmp_path / "coco"}/' in err
    assert 'annotations/person_keypoints_val2017.json' in err
    assert 'HRNET_EXT_COCO_ROOT=' in err and '--cfg-options' in err

    rc = tool.main(['configs/hrnet_w32_coco_256x192.py', str(tmp_path / 'none.pth')])
    assert rc == 1
    assert f'error: checkpoint {tmp_path / "none.pth"} does not exist.' in capsys.readouterr().err
