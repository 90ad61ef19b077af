"""The stack check turns known failures into one actionable line each."""
import subprocess
import sys
import textwrap

import pytest

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
