"""The stack check turns known failures into one actionable line each."""
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from hrnet_ext.utils import stack_check


def test_versions_in_range_pass():
    assert stack_check.version_problems(
        {'mmengine': '0.10.7', 'mmcv': '2.1.0', 'mmdet': '3.3.0', 'mmpose': '1.3.2'}) == []


def test_mmcv_too_new_names_package_range_and_fix():
    problems = stack_check.version_problems(
        {'mmengine': '0.10.7', 'mmcv': '2.2.0', 'mmdet': '3.3.0', 'mmpose': '1.3.2'})
    assert len(problems) == 1
    assert 'mmcv 2.2.0 is installed' in problems[0]
    assert 'mmcv>=2.0.0,<2.2.0' in problems[0]


def test_mmcv_lite_and_missing_packages():
    problems = stack_check.version_problems(
        {'mmengine': '0.10.7', 'mmcv-lite': '2.1.0', 'mmdet': None, 'mmpose': '1.3.2'})
    assert len(problems) == 2
    assert 'mmcv-lite 2.1.0 is installed' in problems[0] and 'compiled ops' in problems[0]
    assert problems[1].startswith('mmdet is not installed')


def _import_hrnet_ext_with_failing(module: str, error: str) -> subprocess.CompletedProcess:
    """Run `import hrnet_ext` in a fresh interpreter where importing `module` raises `error`."""
    code = textwrap.dedent(f'''
        import sys
        class Breaker:
            def find_spec(self, name, path=None, target=None):
                if name == {module!r}:
                    raise {error}
                return None
        sys.meta_path.insert(0, Breaker())
        sys.modules.pop({module!r}, None)
        import hrnet_ext
    ''')
    return subprocess.run([sys.executable, '-c', code], capture_output=True, text=True)


@pytest.mark.parametrize('error, expected', [
    ("ModuleNotFoundError('No module named mmcv._ext')", 'installed without its compiled ops'),
    ("ImportError('_ext.so: undefined symbol: _ZN3c104cuda9SetDeviceEi')",
     'built against another torch'),
])
def test_import_reports_broken_mmcv_ops_in_one_line(error, expected):
    result = _import_hrnet_ext_with_failing('mmcv._ext', error)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()
    assert any(expected in line for line in last), result.stderr
    assert 'hrnet_ext.utils.stack_check.StackError: hrnet_ext cannot run' in result.stderr
    # one short traceback from our raise, not one from deep inside mmcv/mmpose
    assert 'mmpose' not in result.stderr.split('StackError')[0]


def test_numpy2_with_numpy1_xtcocotools(monkeypatch):
    def broken(name):
        raise ValueError('numpy.dtype size changed, may indicate binary incompatibility')
    monkeypatch.setattr(stack_check.importlib, 'import_module', broken)
    line = stack_check.numpy_problem('2.1.3')
    assert 'numpy 2.1.3 is installed but xtcocotools was built for numpy 1' in line
    assert 'numpy<2' in line


def test_current_environment_is_clean():
    assert stack_check.find_problems() == []


@pytest.mark.parametrize('python, numpy_version, torch_version, row, why', [
    ((3, 11), '1.26.4', '2.14.1', 'tested', ''),
    ((3, 13), '2.5.5', '2.15.0+cu132', 'current', ''),
    ((3, 12), '2.5.5', '2.11.0+cu130', None, 'Python 3.12, torch 2.11.0+cu130'),
    ((3, 11), '1.26.4', '2.13.0+cpu', None, 'torch 2.13.0+cpu (the row has 2.14)'),
    ((3, 11), '3.0.0', '2.15.0', None, 'numpy 3.0.0 is on no row'),
])
def test_stack_row(python, numpy_version, torch_version, row, why):
    found, reason = stack_check.stack_row(python, numpy_version, torch_version)
    assert found == row
    assert why in reason and bool(reason) == (row is None)


@pytest.mark.parametrize('row', stack_check.STACK_ROWS, ids=lambda r: r.name)
def test_rows_equal_the_constraints_install_sh_uses(row):
    """README's matrix, the stack check and requirements/constraints-<row>.txt say the same."""
    path = Path(__file__).resolve().parents[2] / 'requirements' / f'constraints-{row.name}.txt'
    pins = dict(re.match(r'^([A-Za-z0-9_.-]+)\s*(.*?)\s*(?:#.*)?$', line).groups()
                for line in path.read_text().splitlines() if line and not line.startswith('#'))
    assert pins['torch'].startswith(f'=={row.torch}.')
    numpy = SpecifierSet(pins['numpy'])  # a range inside the row's numpy major version
    assert Version(f'{row.numpy_major + 1}.0') not in numpy
    assert Version(f'{row.numpy_major - 1}.99') not in numpy
    assert any(Version(f'{row.numpy_major}.{minor}') in numpy for minor in range(30))
    for name, (low, high) in stack_check.SUPPORTED.items():  # one version the check accepts
        version = Version(pins[name].lstrip('='))
        assert Version(low) <= version < Version(high)
    if row.name == 'current':  # the user's later upgrades of these stay possible
        assert not {'opencv-python', 'opencv-python-headless', 'onnxruntime', 'scipy'} & set(pins)


def test_environment_is_on_a_row_of_the_matrix():
    import hrnet_ext
    assert hrnet_ext.STACK_ROW in ('tested', 'current'), stack_check.stack_report()
    assert f'the {hrnet_ext.STACK_ROW} stack' in stack_check.stack_report()


def test_unpatched_xtcocotools_source_build(monkeypatch):
    """An xtcocotools built from the unpatched archive imports under numpy >= 2.3 and then
    fails in its first call; the check calls it and names the fix."""
    real = stack_check.importlib.import_module

    class Unpatched:  # xtcocotools.mask as the unpatched build behaves: area() fails
        @staticmethod
        def encode(mask):
            return [{'size': list(mask.shape), 'counts': b'04'}]

        @staticmethod
        def area(rles):
            raise AttributeError("module 'numpy' has no attribute 'NPY_OWNDATA'")

    monkeypatch.setattr(stack_check.importlib, 'import_module',
                        lambda name: Unpatched if name == 'xtcocotools.mask' else real(name))
    line = stack_check.numpy_problem('2.5.5')
    assert 'unpatched source archive' in line and 'NPY_OWNDATA' in line
    assert 'tools/install.sh' in line


def test_installed_coco_masks_compute():
    """The xtcocotools of this row (a wheel, or the patched source build) gives right values."""
    from xtcocotools import mask
    m = np.zeros((10, 12), np.uint8, order='F')
    m[2:5, 3:9] = 1
    rle = mask.encode(m)
    assert int(mask.area(rle)) == 18
    assert mask.toBbox(rle).tolist() == [3.0, 2.0, 6.0, 3.0]
    assert mask.iou([rle], [rle], [0]).tolist() == [[1.0]]
