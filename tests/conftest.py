"""Fixtures shared by the config, dataset and tool tests: the bundled samples in the
layouts the configs expect, and configs loaded against them.

The samples under ``tests/data`` keep MMPose's test-suite file names
(``coco/test_coco.json`` ...). The fixtures copy them into a temporary tree laid out
as the real data sets (``annotations/person_keypoints_val2017.json``, ``val2017/`` ...)
and point the configs at it through the environment variables the configs read
(``HRNET_EXT_COCO_ROOT`` ...), so every config runs unchanged on real samples.
"""
import json
import os
import shutil
from pathlib import Path
from typing import Callable, Dict, Optional, Tuple

import numpy as np
import pytest
from config_nodes import dicts_in
from helpers import CONFIGS, REPO, TEST_DATA, TINY_CONFIG, launcher_env, mmpose_extra
from task_samples import TASK_ROOT_ENV, lay_out

# Set before torch loads OpenMP. With the default (spinning) wait policy, torch on 2 cores
# shared with another job ran these tests 4-5x slower (user time 226 s vs 54 s, and a 3x3
# conv 48 ms vs 4 ms); sleeping waiters avoid that. An explicit OMP_WAIT_POLICY wins.
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')

SAMPLES = TEST_DATA
ROOT_ENV = dict(coco='HRNET_EXT_COCO_ROOT', mpii='HRNET_EXT_MPII_ROOT', aic='HRNET_EXT_AIC_ROOT')

STAND_IN_NOTE = ('STAND-IN head boxes made by hrnet_ext tests from test_mpii.json (a square '
                 'on upper neck - head top), NOT the official MPII mpii_gt_val.mat')


def _copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)


def _copy_images(src_dir: Path, dst_dir: Path) -> None:
    for img in sorted(src_dir.glob('*.jp*g')):
        _copy(img, dst_dir / img.name)


def write_stand_in_headboxes(mpii_json: Path, out: Path) -> np.ndarray:
    """A head-box ``.mat`` for the MPII sample, labelled as a stand-in.

    MPII's official ``mpii_gt_val.mat`` is not bundled. For each person this makes a
    square head box whose side is the upper-neck to head-top distance, centred
    between the two (MPII joints 8 and 9); ``headboxes_src`` has MPII's layout
    (2, 2, N): corner, xy, person.
    """
    from scipy.io import savemat
    people = json.loads(mpii_json.read_text())
    boxes = []
    for p in people:
        joints = np.asarray(p['joints'], dtype=np.float64)
        neck, top = joints[8], joints[9]
        side = np.linalg.norm(top - neck)
        centre = (neck + top) / 2
        boxes.append([centre - side / 2, centre + side / 2])
    headboxes = np.transpose(np.asarray(boxes), (1, 2, 0))  # (N, 2, 2) -> (2, 2, N)
    out.parent.mkdir(parents=True, exist_ok=True)
    savemat(str(out), dict(headboxes_src=headboxes, note=STAND_IN_NOTE))
    return headboxes


@pytest.fixture(scope='session')
def sample_roots(tmp_path_factory) -> Dict[str, Path]:
    """The bundled samples laid out as the real data sets, one root per data set.

    ``mpii`` has a stand-in ``annotations/mpii_gt_val.mat``; ``mpii_no_headbox`` is the
    same sample without it (the state of a user who has not downloaded it).
    """
    base = tmp_path_factory.mktemp('data')
    coco = base / 'coco'
    for split in ('train2017', 'val2017'):
        _copy(SAMPLES / 'coco' / 'test_coco.json',
              coco / 'annotations' / f'person_keypoints_{split}.json')
        _copy_images(SAMPLES / 'coco', coco / split)
    _copy(SAMPLES / 'coco' / 'test_coco_det_AP_H_56.json',
          coco / 'person_detection_results' / 'COCO_val2017_detections_AP_H_56_person.json')

    roots = dict(coco=coco)
    for name in ('mpii', 'mpii_no_headbox'):
        mpii = base / name
        for split in ('train', 'val'):
            _copy(SAMPLES / 'mpii' / 'test_mpii.json', mpii / 'annotations' / f'mpii_{split}.json')
        _copy_images(SAMPLES / 'mpii', mpii / 'images')
        roots[name] = mpii
    write_stand_in_headboxes(SAMPLES / 'mpii' / 'test_mpii.json',
                             roots['mpii'] / 'annotations' / 'mpii_gt_val.mat')

    aic = base / 'aic'
    _copy(SAMPLES / 'aic' / 'test_aic.json', aic / 'annotations' / 'aic_train.json')
    _copy_images(SAMPLES / 'aic',
                 aic / 'ai_challenger_keypoint_train_20170902' / 'keypoint_train_images_20170902')
    roots['aic'] = aic
    # faces, hands, animals (tests/task_samples.py)
    roots.update(lay_out(base / 'tasks'))
    return roots


@pytest.fixture
def sample_env(sample_roots, monkeypatch) -> Dict[str, Path]:
    """Point the configs' data roots at the sample layout (for this test only)."""
    for name, var in {**ROOT_ENV, **TASK_ROOT_ENV}.items():
        monkeypatch.setenv(var, str(sample_roots[name]))
    return sample_roots


def shrink_input(cfg, input_size: Tuple[int, int]) -> None:
    """Change the input size everywhere in a loaded config (codec, head, pipelines).

    Heatmaps stay at 1/4 of the input. Tests use it where the point does not depend on
    the input size, because HRNet on this CPU takes about 0.3 s per 256x192 image.
    """
    from hrnet_ext.datasets.transform_names import mmpose_type
    w, h = input_size

    for _, node in dicts_in(cfg._cfg_dict):
        if mmpose_type(node.get('type')) == 'TopdownAffine':  # MMPose's or ours
            node['input_size'] = (w, h)
        if node.get('type') in ('MSRAHeatmap', 'UDPHeatmap'):
            node['input_size'] = (w, h)
            node['heatmap_size'] = (w // 4, h // 4)


def for_cpu_tests(cfg) -> None:
    """No worker processes; what is needed to build runners in a test; the head's size from
    the data set where the config leaves it out (as the tools do)."""
    from hrnet_ext.engine.config_check import resolve_num_keypoints
    resolve_num_keypoints(cfg)
    for phase in ('train', 'val', 'test'):
        loader = cfg.get(f'{phase}_dataloader')
        if loader:
            loader.update(num_workers=0, persistent_workers=False)
    cfg.model.backbone.init_cfg = None  # the ImageNet weights are not in the repository
    cfg.env_cfg = dict(cudnn_benchmark=False, mp_cfg=dict(mp_start_method='fork'),
                       dist_cfg=dict(backend='gloo'))


@pytest.fixture
def load_sample_config(sample_env) -> Callable:
    """``load(name_or_path, input_size=None)``: a config read against the sample layout."""
    from mmengine.config import Config

    def load(config: str, input_size: Optional[Tuple[int, int]] = None):
        path = Path(config)
        if not path.is_absolute():
            path = CONFIGS / path
        cfg = Config.fromfile(str(path))
        for_cpu_tests(cfg)
        if input_size is not None:
            shrink_input(cfg, input_size)
        return cfg

    return load


@pytest.fixture
def shrink() -> Callable:
    """:func:`shrink_input`, for tests that load a config themselves."""
    return shrink_input


@pytest.fixture(scope='session')
def tiny_checkpoint(tmp_path_factory) -> str:
    """configs/sample's tiny HRNet with ``torch.manual_seed(0)`` weights, as a checkpoint file.

    Wiring and parity need no trained weights (tests of the API, the demo and ONNX export).
    """
    import torch
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS

    import hrnet_ext  # noqa: F401  (registers our classes)
    init_default_scope('mmpose')
    torch.manual_seed(0)
    model = MODELS.build(Config.fromfile(TINY_CONFIG).model)
    path = tmp_path_factory.mktemp('tiny') / 'tiny_random.pth'
    torch.save(dict(state_dict=model.state_dict()), path)
    return str(path)


@pytest.fixture(scope='session')
def trained_sample(tmp_path_factory) -> Dict[str, str]:
    """configs/sample's HRNet trained by ``tools/train.py`` on the bundled COCO sample: the
    config's full schedule (450 iterations, about 1.5 minutes on one thread), validated once at
    the end. ``{'checkpoint': path, 'log': the tool's output}``; trained once per session, for
    the learning test and the deployment tests that need trained weights (int8, the gate)."""
    import subprocess
    import sys
    work = tmp_path_factory.mktemp('trained_sample')
    cmd = [sys.executable, 'tools/train.py', TINY_CONFIG, '--work-dir', str(work),
           '--cfg-options', 'train_cfg.val_interval=450', 'default_hooks.checkpoint.interval=450']
    result = subprocess.run(cmd, cwd=REPO, env=launcher_env(), capture_output=True, text=True,
                            timeout=1200)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    return dict(checkpoint=str(work / 'epoch_450.pth'), log=log)


@pytest.fixture(scope='session')
def randomize() -> Callable:
    """:func:`hrnet_ext.testing.randomize_` (the model tests' and the MMPose parity tests'
    weights)."""
    from hrnet_ext.testing import randomize_
    return randomize_


@pytest.fixture
def extra_for() -> Callable:
    """:func:`helpers.mmpose_extra`: MMPose's ``extra`` of the standard HRNet family."""
    return mmpose_extra


@pytest.fixture
def one_thread():
    """One intra-op thread for the test: the model tests' tensors are small, and with two
    threads every operator waits on a barrier, which on a busy 2-core machine costs ~20 ms per
    call (measured: 50 BN calls 0.6 ms with one thread, 1.2 s with two)."""
    import torch
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
