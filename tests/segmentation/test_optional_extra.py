"""MMSegmentation is an optional extra: without it nothing of hrnet_ext imports it, and the
segmentation package says how to install it."""
import os
import subprocess
import sys

import pytest
from helpers import REPO


def run_python(code: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(REPO) + os.pathsep + os.environ.get('PYTHONPATH', ''))
    return subprocess.run([sys.executable, '-c', code], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)


def test_pose_side_never_imports_mmseg():
    """Every package of hrnet_ext (segmentation aside), a pose model built from its config and
    the tools' shared code: 'mmseg' stays out of sys.modules, installed or not."""
    code = '''
import sys
import hrnet_ext, hrnet_ext.models, hrnet_ext.datasets, hrnet_ext.engine, hrnet_ext.apis
import hrnet_ext.deploy, hrnet_ext.engine.cli, hrnet_ext.datasets.coco_person_masks
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpose.registry import MODELS
cfg = Config.fromfile('configs/hrnet_w32_coco_256x192.py')
init_default_scope('mmpose')
cfg.model.backbone.init_cfg = None
MODELS.build(cfg.model)
print(sorted(m for m in sys.modules if m == 'mmseg' or m.startswith('mmseg.')))
'''
    result = run_python(code)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == '[]'


def test_without_the_extra_the_message_says_how_to_install_it(monkeypatch):
    """mmseg hidden (as on an install without --seg): the import error names the extra."""
    import importlib
    monkeypatch.setitem(sys.modules, 'mmseg', None)  # what an absent package looks like
    for name in [m for m in sys.modules if m.startswith('hrnet_ext.segmentation')]:
        monkeypatch.delitem(sys.modules, name)
    with pytest.raises(ImportError, match='bash tools/install.sh --seg') as info:
        importlib.import_module('hrnet_ext.segmentation')
    assert 'mmsegmentation==1.2.2' in str(info.value)
