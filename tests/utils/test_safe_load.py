"""Safe checkpoint loading: MMEngine's own checkpoints resume under torch >= 2.6
with ``weights_only=True``; a checkpoint that would run code is refused."""
import collections
import io
import os
import pickle
import subprocess
import sys

import pytest
import torch
import torch.nn as nn
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.model import BaseModel
from mmengine.runner import Runner, load_checkpoint
from packaging.version import Version
from torch.utils.data import Dataset

import hrnet_ext  # noqa: F401  (installs the safe loaders)
from hrnet_ext.utils.safe_load import TRUST_ENV, UnsafeCheckpointError, load_checkpoint_file


class ToyDataset(Dataset):
    def __init__(self):
        g = torch.Generator().manual_seed(0)
        self.x = torch.randn(12, 2, generator=g)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return dict(inputs=self.x[i], data_samples=self.x[i].sum())


class ToyModel(BaseModel):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.linear(torch.stack(inputs)).squeeze(1)
        if mode == 'loss':
            return dict(loss=((out - torch.stack(data_samples)) ** 2).mean())
        return out


def make_runner(work_dir, max_epochs, resume=False):
    return Runner(
        model=ToyModel(),
        work_dir=str(work_dir),
        train_dataloader=dict(dataset=ToyDataset(), batch_size=4, num_workers=0,
                              sampler=dict(type='DefaultSampler', shuffle=True)),
        optim_wrapper=dict(optimizer=dict(type='Adam', lr=1e-2)),
        param_scheduler=dict(type='MultiStepLR', milestones=[1, 2], gamma=0.1, by_epoch=True,
                             begin=0, end=100),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        default_hooks=dict(checkpoint=dict(type='CheckpointHook', interval=1)),
        randomness=dict(seed=0),
        resume=resume,
    )


class RunsCommand:
    """Unpickling this calls os.system: what a hostile checkpoint does."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}',))


def test_runner_checkpoint_resumes_with_weights_only(tmp_path):
    assert Version(torch.__version__.split('+')[0]) >= Version('2.6')
    runner = make_runner(tmp_path, max_epochs=1)
    runner.train()
    ckpt = tmp_path / 'epoch_1.pth'
    assert ckpt.is_file()
    # what MMEngine alone does under torch >= 2.6: its own checkpoint is refused
    with pytest.raises(pickle.UnpicklingError):
        torch.load(ckpt, weights_only=True)

    resumed = make_runner(tmp_path, max_epochs=2, resume=True)
    resumed.train()
    assert resumed.epoch == 2 and resumed.iter == 6
    # the scheduler state (a Counter of milestones) and the optimizer state came back
    assert resumed.optim_wrapper.get_lr()['lr'][0] == pytest.approx(1e-4)
    # a fresh process, where no HistoryBuffer exists yet, loads it too
    code = ('import hrnet_ext, sys; from hrnet_ext.utils.safe_load import load_checkpoint_file;'
            'print(load_checkpoint_file(sys.argv[1])["meta"]["epoch"])')
    result = subprocess.run([sys.executable, '-c', code, str(tmp_path / 'epoch_2.pth')],
                            capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout.split()[-1] == '2', result.stderr[-2000:]
    ckpt = load_checkpoint_file(tmp_path / 'epoch_2.pth')
    assert ckpt['meta']['epoch'] == 2
    assert isinstance(ckpt['message_hub']['log_scalars']['train/loss'], HistoryBuffer)


def test_hostile_checkpoint_is_refused_and_runs_nothing(tmp_path, monkeypatch):
    marker = tmp_path / 'pwned'
    path = tmp_path / 'hostile.pth'
    torch.save({'state_dict': {'linear.weight': torch.zeros(1, 2)}, 'x': RunsCommand(marker)},
               path)
    with pytest.raises(UnsafeCheckpointError) as info:
        load_checkpoint_file(path)
    message = str(info.value)
    assert 'posix.system' in message and TRUST_ENV in message and str(path) in message
    # through MMEngine's own entry point (load_from, init_cfg Pretrained, init_model use it)
    with pytest.raises(UnsafeCheckpointError):
        load_checkpoint(ToyModel(), str(path))
    assert not marker.exists()

    # the explicit opt-in for this one file: only then does its code run
    monkeypatch.setenv(TRUST_ENV, str(path))
    load_checkpoint_file(path)
    assert marker.exists()


@pytest.mark.parametrize('target, name', [
    (collections.Counter, 'fromkeys'),       # an allowlisted class, another attribute
    (HistoryBuffer, 'register_statistics'),  # the class MMEngine uses getattr on
])
def test_getattr_only_for_history_buffer_statistics(tmp_path, target, name):
    class ViaGetattr:
        def __reduce__(self):
            return (getattr, (target, name))

    path = tmp_path / 'getattr.pth'
    torch.save({'meta': ViaGetattr()}, path)
    with pytest.raises(UnsafeCheckpointError, match=f'getattr.*{name}.* is not allowed'):
        load_checkpoint_file(path)


def test_plain_state_dict_and_legacy_file(tmp_path):
    model = ToyModel()
    path = tmp_path / 'sd.pth'
    torch.save(model.state_dict(), path)
    loaded = load_checkpoint_file(path)
    assert torch.equal(loaded['linear.weight'], model.linear.weight)
    legacy = tmp_path / 'legacy.pth'
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer, _use_new_zipfile_serialization=False)
    legacy.write_bytes(buffer.getvalue())
    assert set(load_checkpoint_file(legacy)) == {'linear.weight', 'linear.bias'}
    with pytest.raises(FileNotFoundError, match='does not exist'):
        load_checkpoint_file(tmp_path / 'missing.pth')


def test_numpy_reconstructors_allowed_under_both_numpy_spellings():
    """numpy 1 pickles numpy.core.multiarray.scalar, numpy 2 numpy._core.multiarray.scalar
    (seen: a checkpoint written here was refused on a numpy-2 machine before this)."""
    from hrnet_ext.utils.safe_load import safe_globals
    names = {g[1] for g in safe_globals() if isinstance(g, tuple)}
    for module in ('numpy.core.multiarray', 'numpy._core.multiarray'):
        assert {f'{module}.scalar', f'{module}._reconstruct'} <= names
