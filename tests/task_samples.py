"""The bundled face, hand and animal samples laid out as the real data sets.

Like ``sample_roots`` in tests/conftest.py for COCO/MPII/AIC: the samples keep MMPose's
test-suite file names (``wflw/test_wflw.json`` ...); :func:`lay_out` copies each into the
layout its data base (``configs/_base_/data/<set>_topdown.py``) expects, and
:data:`TASK_ROOT_ENV` names the variable that points the configs at it. tests/conftest.py adds
these roots to ``sample_roots`` and ``sample_env``.
"""
import shutil
from pathlib import Path
from typing import Dict

from helpers import TEST_DATA

SAMPLES = TEST_DATA

TASK_ROOT_ENV = dict(wflw='HRNET_EXT_WFLW_ROOT', face300w='HRNET_EXT_300W_ROOT',
                     cofw='HRNET_EXT_COFW_ROOT', onehand10k='HRNET_EXT_ONEHAND10K_ROOT',
                     ap10k='HRNET_EXT_AP10K_ROOT')

# name: (sample folder, sample json, annotation files, image folder under the root)
LAYOUTS = dict(
    wflw=('wflw', 'test_wflw.json',
          ['face_landmarks_wflw_train.json', 'face_landmarks_wflw_test.json'], 'images'),
    face300w=('300w', 'test_300w.json',
              ['face_landmarks_300w_train.json', 'face_landmarks_300w_valid.json',
               'face_landmarks_300w_test.json'], 'images'),
    cofw=('cofw', 'test_cofw.json', ['cofw_train.json', 'cofw_test.json'], 'images'),
    onehand10k=('onehand10k', 'test_onehand10k.json',
                ['onehand10k_train.json', 'onehand10k_test.json'], ''),
    ap10k=('ap10k', 'test_ap10k.json',
           ['ap10k-train-split1.json', 'ap10k-val-split1.json', 'ap10k-test-split1.json'],
           'data'),
)


def lay_out(base: Path) -> Dict[str, Path]:
    """Copy every sample under ``base/<name>`` in its data set's layout; the roots by name."""
    roots = {}
    for name, (folder, ann, targets, img_dir) in LAYOUTS.items():
        root = base / name
        (root / 'annotations').mkdir(parents=True, exist_ok=True)
        for target in targets:
            shutil.copyfile(SAMPLES / folder / ann, root / 'annotations' / target)
        (root / img_dir).mkdir(parents=True, exist_ok=True)
        for img in sorted((SAMPLES / folder).iterdir()):
            if img.suffix.lower() in ('.jpg', '.jpeg', '.png'):
                shutil.copyfile(img, root / img_dir / img.name)
        roots[name] = root
    return roots
