"""Killed runs lose at most the work since the last checkpoint (issue 9, part 2).

Real training runs of the sample config (3 iterations an epoch) are killed with
SIGKILL, during a checkpoint write and at a random moment, then resumed with
``--resume`` (auto) and finished.
"""
import os
import os.path as osp
import random
import signal
import subprocess
import sys
import time

import pytest
import torch
from helpers import REPO, TINY_CONFIG

from hrnet_ext.engine.atomic_checkpoint import (
    atomic_save_checkpoint,
    find_last_complete_checkpoint,
    is_complete_checkpoint,
)
from hrnet_ext.utils.safe_load import load_checkpoint_file

TRAIN = str(REPO / 'tools' / 'train.py')
KILLER = osp.join(osp.dirname(osp.abspath(__file__)), 'kill_in_checkpoint_write.py')
# 12 people, batch 4: 3 iterations an epoch; a checkpoint every epoch, 2 kept (sample config)
OPTIONS = ['--cfg-options', 'train_cfg.val_interval=1000', 'train_dataloader.batch_size=4',
           'default_hooks.checkpoint.interval=1']


def _env(**extra):
    return dict(os.environ, PYTHONUNBUFFERED='1', OMP_NUM_THREADS='1', **extra)


def train_cmd(work_dir, max_epochs, killer=False, resume=False):
    cmd = [sys.executable, *([KILLER] if killer else []), TRAIN, TINY_CONFIG, '--work-dir',
           str(work_dir)]
    if resume:
        cmd.append('--resume')
    return cmd + OPTIONS + [f'train_cfg.max_epochs={max_epochs}']


def finish(work_dir, max_epochs):
    result = subprocess.run(train_cmd(work_dir, max_epochs, resume=True), cwd=REPO, env=_env(),
                            capture_output=True, text=True, timeout=300)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-3000:]
    return out


def test_kill_during_checkpoint_write_keeps_previous_and_resumes(tmp_path):
    result = subprocess.run(train_cmd(tmp_path, 3, killer=True), cwd=REPO,
                            env=_env(KILL_IN_WRITE_OF='epoch_2.pth'),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == -signal.SIGKILL, result.stderr[-3000:]
    # the previous checkpoint is whole; no file named epoch_2.pth; the pointer is unchanged
    assert is_complete_checkpoint(str(tmp_path / 'epoch_1.pth'))
    assert not (tmp_path / 'epoch_2.pth').exists()
    assert (tmp_path / 'last_checkpoint').read_text() == str(tmp_path / 'epoch_1.pth')
    partial = [n for n in os.listdir(tmp_path) if n.startswith('.epoch_2.pth.')]
    assert len(partial) == 1  # the half-written temporary file, which nothing reads
    assert find_last_complete_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_1.pth')

    out = finish(tmp_path, 3)
    assert 'resumed epoch: 1, iter: 3' in out
    ckpt = load_checkpoint_file(tmp_path / 'epoch_3.pth')
    assert (ckpt['meta']['epoch'], ckpt['meta']['iter']) == (3, 9)
    # max_keep_ckpts=2 of the sample config: the new one is written before the old goes
    assert sorted(n for n in os.listdir(tmp_path) if n.startswith('epoch_')) == [
        'epoch_2.pth', 'epoch_3.pth']
    # the resumed run removed the killed run's temporary file
    assert not [n for n in os.listdir(tmp_path) if n.endswith('.tmp')]


def test_kill_at_random_moments_then_resume_finishes(tmp_path):
    """Killed twice at random moments (mid-iteration, mid-write or between; the second
    time a resumed run): each time the newest complete checkpoint is what resuming takes,
    and the run finishes all 4 epochs with the same number of iterations."""
    rng = random.Random()
    for attempt in range(2):
        proc = subprocess.Popen(train_cmd(tmp_path, 4, resume=attempt > 0), cwd=REPO,
                                env=_env(), stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            deadline = time.time() + 240
            while not (tmp_path / 'last_checkpoint').exists():
                assert proc.poll() is None and time.time() < deadline, 'no checkpoint written'
                time.sleep(0.05)
            time.sleep(rng.uniform(0.0, 2.0) if attempt == 0 else rng.uniform(2.0, 5.0))
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.wait(timeout=60)
        latest = find_last_complete_checkpoint(str(tmp_path))
        assert latest is not None and is_complete_checkpoint(latest)
        assert (tmp_path / 'last_checkpoint').read_text() == latest
    done = load_checkpoint_file(latest)['meta']['epoch']

    out = finish(tmp_path, 4)
    if done < 4:
        assert f'resumed epoch: {done}, iter: {3 * done}' in out
    ckpt = load_checkpoint_file(tmp_path / 'epoch_4.pth')
    assert (ckpt['meta']['epoch'], ckpt['meta']['iter']) == (4, 12)


def test_truncated_latest_is_skipped(tmp_path):
    """What MMEngine's in-place write leaves when killed: last_checkpoint naming a
    truncated file. The newest complete checkpoint is taken instead."""
    for epoch in (1, 2):
        atomic_save_checkpoint(dict(meta=dict(epoch=epoch), w=torch.ones(1000)),
                               str(tmp_path / f'epoch_{epoch}.pth'))
    whole = (tmp_path / 'epoch_2.pth').read_bytes()
    (tmp_path / 'epoch_3.pth').write_bytes(whole[:len(whole) // 2])
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_3.pth'))
    assert not is_complete_checkpoint(str(tmp_path / 'epoch_3.pth'))
    assert find_last_complete_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_2.pth')
    # a corrupted byte in the middle fails the CRC check too
    bad = bytearray(whole)
    bad[len(bad) // 2] ^= 0xFF
    (tmp_path / 'epoch_2.pth').write_bytes(bytes(bad))
    assert find_last_complete_checkpoint(str(tmp_path)) == str(tmp_path / 'epoch_1.pth')
    # an empty pointer file, and no complete checkpoint at all
    (tmp_path / 'last_checkpoint').write_text('')
    os.remove(tmp_path / 'epoch_1.pth')
    assert find_last_complete_checkpoint(str(tmp_path)) is None


def test_failed_write_leaves_target_untouched(tmp_path):
    target = tmp_path / 'epoch_1.pth'
    atomic_save_checkpoint(dict(a=torch.zeros(3)), str(target))

    class Unpicklable:
        def __reduce__(self):
            raise RuntimeError('boom')

    with pytest.raises(RuntimeError, match='boom'):
        atomic_save_checkpoint(dict(a=Unpicklable()), str(target))
    assert torch.equal(load_checkpoint_file(target)['a'], torch.zeros(3))
    assert os.listdir(tmp_path) == ['epoch_1.pth']  # no temporary file left behind


def test_best_checkpoint_is_replaced_only_after_the_new_one_is_written(tmp_path, monkeypatch):
    """MMEngine deletes the previous best before writing the new one; a failed (or killed)
    write of the new best must leave the previous best in place."""
    import torch.nn as nn
    from mmengine.evaluator import BaseMetric
    from mmengine.model import BaseModel
    from mmengine.runner import Runner

    import hrnet_ext.engine.atomic_checkpoint as ckpt_module

    class Model(BaseModel):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(1, 1)

        def forward(self, inputs, data_samples=None, mode='tensor'):
            out = self.linear(torch.stack(inputs))
            return dict(loss=out.mean()) if mode == 'loss' else [out]

    class Rising(BaseMetric):
        """A score that improves every evaluation: a new best each epoch."""
        calls = 0

        def process(self, data_batch, data_samples):
            self.results.append(0)

        def compute_metrics(self, results):
            Rising.calls += 1
            return dict(score=float(Rising.calls))

    data = [dict(inputs=torch.ones(1), data_samples=0)] * 2
    loader = dict(dataset=data, batch_size=2, num_workers=0,
                  sampler=dict(type='DefaultSampler', shuffle=False),
                  collate_fn=dict(type='pseudo_collate'))
    runner = Runner(
        model=Model(), work_dir=str(tmp_path), train_dataloader=loader, val_dataloader=loader,
        val_evaluator=[Rising()], val_cfg=dict(),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
        train_cfg=dict(by_epoch=True, max_epochs=2, val_interval=1),
        default_hooks=dict(checkpoint=ckpt_module.AtomicCheckpointHook(
            interval=1, save_best='score', rule='greater')))
    real_save = ckpt_module.atomic_save_checkpoint

    def failing_save(checkpoint, filename, *args, **kwargs):
        if osp.basename(filename) == 'best_score_epoch_2.pth':
            raise OSError('disk full')  # what a kill mid-write leaves: no new file
        return real_save(checkpoint, filename, *args, **kwargs)

    monkeypatch.setattr(ckpt_module, 'atomic_save_checkpoint', failing_save)
    with pytest.raises(OSError, match='disk full'):
        runner.train()
    assert is_complete_checkpoint(str(tmp_path / 'best_score_epoch_1.pth'))
    assert not (tmp_path / 'best_score_epoch_2.pth').exists()
    # and a successful write does replace it (the hook pointed back at the surviving best,
    # as a resumed run restores it from the checkpoint's message hub)
    monkeypatch.setattr(ckpt_module, 'atomic_save_checkpoint', real_save)
    hook = next(h for h in runner.hooks if type(h).__name__ == 'AtomicCheckpointHook')
    hook.best_ckpt_path = str(tmp_path / 'best_score_epoch_1.pth')
    hook._save_best_checkpoint(runner, dict(score=10.0))
    names = sorted(n for n in os.listdir(tmp_path) if n.startswith('best_'))
    assert names == ['best_score_epoch_2.pth']
