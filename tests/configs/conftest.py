"""``sample_env`` with the face, hand and animal samples too (see tests/task_samples.py)."""
import pytest
from task_samples import TASK_ROOT_ENV, lay_out


@pytest.fixture(scope='session')
def task_sample_roots(tmp_path_factory):
    return lay_out(tmp_path_factory.mktemp('task_data'))


@pytest.fixture
def sample_env(sample_env, task_sample_roots, monkeypatch):
    for name, var in TASK_ROOT_ENV.items():
        monkeypatch.setenv(var, str(task_sample_roots[name]))
    return {**sample_env, **task_sample_roots}
