"""A disk that fills up while a checkpoint is written: one message, nothing lost, resumable.

The disk is real: a 14 MiB tmpfs mounted for the test (root only), on which the sample's
first checkpoint (8.9 MB: weights and Adam's state) fits and the second does not; the kernel
answers ENOSPC and torch turns it into "RuntimeError: [enforce fail at inline_container.cc]
unexpected pos". Where mounting is not permitted, a file-size limit (RLIMIT_FSIZE, with
SIGXFSZ ignored) makes the kernel answer EFBIG to the same write instead.
"""
import os
import re
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import REPO, TINY_CONFIG

from hrnet_ext.engine.atomic_checkpoint import is_complete_checkpoint

OPTIONS = ['--cfg-options', 'train_cfg.max_epochs=2', 'train_dataloader.batch_size=12',
           'default_hooks.checkpoint.interval=1', 'default_hooks.checkpoint.save_best=None']


def _mount_tmpfs(path: Path, size_mib: int) -> bool:
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        return False
    result = subprocess.run(['mount', '-t', 'tmpfs', '-o', f'size={size_mib}m', 'tmpfs',
                             str(path)], capture_output=True)
    return result.returncode == 0


def _train(work_dir: Path, *extra, preexec_fn=None):
    env = dict(os.environ, OMP_NUM_THREADS='1')
    return subprocess.run(
        [sys.executable, 'tools/train.py', TINY_CONFIG, '--work-dir', str(work_dir),
         '--no-validate', *extra, *OPTIONS], cwd=REPO, env=env, capture_output=True,
        text=True, timeout=300, preexec_fn=preexec_fn)


def _check_message(stderr: str, work_dir: Path, why: str) -> None:
    assert 'Traceback' not in stderr, stderr[-3000:]
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('error: could not save checkpoint '
                                                    f'epoch_2.pth in {work_dir}: {why}'), lines
    message = lines[0]
    assert re.search(r'\(\d+\.\d (KiB|MiB) free, the checkpoint takes about 8\.\d MiB\)',
                     message), message
    assert f'The previous checkpoint, {work_dir}/epoch_1.pth, is intact.' in message
    assert message.endswith(f'continue with: python tools/train.py {TINY_CONFIG} '
                            f'--work-dir {work_dir} --resume')


def test_full_disk_names_space_and_resume(tmp_path):
    mount = tmp_path / 'small_disk'
    if not _mount_tmpfs(mount, 14):
        pytest.skip('mounting a tmpfs needs root (the file-size-limit test below runs instead)')
    try:
        work = mount / 'work'
        result = _train(work)
        assert result.returncode == 1
        _check_message(result.stderr, work, 'the disk is full')
        # warned at the start: two checkpoints do not fit
        assert re.search(r'has \d+\.\d MiB free; a checkpoint takes about 8\.\d MiB: there is '
                         'not room for two', result.stdout), result.stdout[-3000:]
        # nothing lost: the first checkpoint is whole, no temporary file is left behind
        assert is_complete_checkpoint(str(work / 'epoch_1.pth'))
        assert not (work / 'epoch_2.pth').exists()
        assert not [p for p in work.iterdir() if p.name.endswith('.tmp')]
        assert (work / 'last_checkpoint').read_text() == str(work / 'epoch_1.pth')
        # the command the message gives continues the run once there is room
        subprocess.run(['mount', '-o', 'remount,size=40m', str(mount)], check=True)
        result = _train(work, '--resume')
        assert result.returncode == 0, result.stderr[-3000:]
        assert f'--resume: from {work}/epoch_1.pth' in result.stdout
        assert is_complete_checkpoint(str(work / 'epoch_2.pth'))
    finally:
        subprocess.run(['umount', str(mount)], capture_output=True)


def _limit_file_size(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_file_size_limit_names_it(tmp_path):
    """No mount needed: the kernel's EFBIG for a file past RLIMIT_FSIZE. Every checkpoint is
    larger than the limit, so the first one fails (and the message says there is none)."""
    work = tmp_path / 'work'
    result = _train(work, preexec_fn=_limit_file_size(4 * 2**20))
    assert result.returncode == 1
    assert 'Traceback' not in result.stderr, result.stderr[-3000:]
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith(f'error: could not save checkpoint epoch_1.pth in {work}: a '
                              'limit on file size was reached'), message
    assert 'No earlier checkpoint exists (this was the first).' in message
    assert not [p for p in work.iterdir() if p.suffix in ('.pth', '.tmp')]
