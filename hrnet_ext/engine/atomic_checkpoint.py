"""Checkpoints that a killed process cannot leave half-written.

MMEngine 0.10.7 writes a checkpoint in place (``open(path, 'wb')``) and then the
``last_checkpoint`` pointer the same way, and deletes the oldest kept checkpoint
*before* writing the new one. A SIGKILL (OOM killer, pre-empted job) during the
write leaves a truncated ``epoch_N.pth`` named in ``last_checkpoint``, which
``--resume`` then fails to read, with one checkpoint fewer than asked for.

Here every file is written to a temporary name in the same directory, flushed,
``fsync``-ed and renamed over the target (``os.replace`` is atomic on POSIX), so
a reader sees either the previous file or the complete new one; the oldest
checkpoint goes only after the new one is in place. :func:`find_last_complete_checkpoint`
is what ``tools/train.py --resume`` (auto) uses: the file named in
``last_checkpoint`` if it is complete, else the newest complete one in the work dir.

A checkpoint that cannot be written because the disk is full (or a file-size limit is hit)
raises :class:`DiskFullError`, whose message names the work dir, the space free, the
checkpoint's size, the previous checkpoint (intact: the write went to a temporary file) and
the command that resumes from it; torch reports such a failure as ``RuntimeError: [enforce
fail at inline_container.cc:...] unexpected pos``, with the ``OSError`` only in its context.
At the start of training the hook warns when the disk cannot hold two more checkpoints.
"""
import errno
import os
import os.path as osp
import re
import shutil
import zipfile
from contextlib import contextmanager
from typing import Iterator, List, Optional

import torch
from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook
from mmengine.logging import print_log

from ..registry import HOOKS

TMP_SUFFIX = '.tmp'
_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


class DiskFullError(OSError):
    """A checkpoint could not be written for lack of space; the message says what to do."""

    def __str__(self) -> str:  # the message alone, not OSError's "[Errno 28] ..."
        return str(self.strerror)


def _disk_error(exc: BaseException) -> Optional[OSError]:
    """The ``OSError`` for a full disk (or a file too large) in ``exc`` or its context.

    torch's writer turns it into ``RuntimeError: ... unexpected pos``, keeping the
    ``OSError`` as ``__context__`` when writing to a Python file object (as we do)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS:
            return exc
        exc = exc.__cause__ or exc.__context__
    return None


def _size(num_bytes: float) -> str:
    for unit in ('bytes', 'KiB', 'MiB', 'GiB'):
        if num_bytes < 1024 or unit == 'GiB':
            return f'{num_bytes:.0f} {unit}' if unit == 'bytes' else f'{num_bytes:.1f} {unit}'
        num_bytes /= 1024
    return ''  # unreachable


def _free_bytes(path: str) -> Optional[int]:
    try:
        return shutil.disk_usage(path).free
    except OSError:
        return None


def estimate_checkpoint_bytes(runner, save_optimizer: bool = True) -> int:
    """The size of the runner's next checkpoint: its last one in the work dir if there is one,
    else the model's tensors, x3 with an optimizer (Adam keeps two tensors per weight)."""
    last = osp.join(runner.work_dir, 'last_checkpoint')
    if osp.isfile(last):
        with open(last) as f:
            named = f.read().strip()
        if osp.isfile(named):
            return osp.getsize(named)
    model = getattr(runner.model, 'module', runner.model)
    weights = sum(t.numel() * t.element_size() for t in model.state_dict().values())
    return weights * (3 if save_optimizer else 1)


def _fsync_dir(dirname: str) -> None:
    """Persist a rename: the directory entry must reach the disk too."""
    try:
        fd = os.open(dirname, os.O_RDONLY)
    except OSError:  # e.g. a platform without directory descriptors
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_open(path: str, mode: str = 'wb') -> Iterator:
    """Open a temporary file beside ``path``; on success it replaces ``path`` atomically.

    On an exception the temporary file is removed and ``path`` is untouched; a kill
    leaves at most a ``.<name>.<pid>.tmp`` file, which no reader takes for a checkpoint.
    """
    dirname = osp.dirname(osp.abspath(path))
    os.makedirs(dirname, exist_ok=True)
    tmp = osp.join(dirname, f'.{osp.basename(path)}.{os.getpid()}{TMP_SUFFIX}')
    try:
        with open(tmp, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if osp.exists(tmp):
            os.remove(tmp)
        raise
    _fsync_dir(dirname)


def atomic_save_checkpoint(checkpoint: dict, filename: str, file_client_args=None,
                           backend_args=None) -> None:
    """:func:`mmengine.runner.save_checkpoint` with an atomic write for local paths.

    Remote back ends (``s3://``, ``pavi://`` ...) are left to MMEngine: their ``put``
    is a single upload that does not leave a partial object behind.
    """
    if '://' in str(filename):
        from mmengine.runner.checkpoint import save_checkpoint
        save_checkpoint(checkpoint, filename, file_client_args=file_client_args,
                        backend_args=backend_args)
        return
    with atomic_open(str(filename), 'wb') as f:
        torch.save(checkpoint, f)


def atomic_write_text(path: str, text: str) -> None:
    with atomic_open(path, 'w') as f:
        f.write(text)


@contextmanager
def _runner_saves_atomically() -> Iterator[None]:
    """Route ``Runner.save_checkpoint``'s final write through :func:`atomic_save_checkpoint`.

    ``Runner.save_checkpoint`` builds the checkpoint (model, optimizer, schedulers,
    message hub, ``before_save_checkpoint`` hooks) and then calls the module-level
    ``save_checkpoint``; only that call is replaced, and only while a hook of ours saves.
    """
    import mmengine.runner.runner as runner_module
    original = runner_module.save_checkpoint
    runner_module.save_checkpoint = atomic_save_checkpoint
    try:
        yield
    finally:
        runner_module.save_checkpoint = original


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """MMEngine's ``CheckpointHook`` (same arguments) with crash-safe writes.

    Differences: each checkpoint and the ``last_checkpoint`` pointer are written
    atomically (temporary file, ``fsync``, ``os.replace``), the pointer is updated
    only after the checkpoint is complete, and with ``max_keep_ckpts`` the oldest
    checkpoint is deleted after the new one is written, not before. Local ``out_dir``
    only; other back ends fall back to MMEngine's writes. The best checkpoint
    (``save_best``) is likewise replaced only after the new one is written.
    """

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if is_main_process() and '://' not in str(self.out_dir) and osp.isdir(self.out_dir):
            # temporary files of a killed run (ours are '.<name>.<pid>.tmp')
            for name in os.listdir(self.out_dir):
                if re.fullmatch(r'\..+\.pth\.\d+' + re.escape(TMP_SUFFIX), name):
                    os.remove(osp.join(self.out_dir, name))
            self._warn_if_short_of_space(runner)

    def _warn_if_short_of_space(self, runner) -> None:
        free = _free_bytes(self.out_dir)
        need = estimate_checkpoint_bytes(runner, self.save_optimizer)
        if free is not None and free < 2 * need:
            print_log(f'{self.out_dir} has {_size(free)} free; a checkpoint takes about '
                      f'{_size(need)}: there is not room for two, and saving one may stop the '
                      'run. Free space or choose another --work-dir.', logger='current',
                      level=30)

    @contextmanager
    def _reporting_full_disk(self, runner, filename: str) -> Iterator[None]:
        """Turn a write that failed for lack of space into :class:`DiskFullError`."""
        try:
            yield
        except Exception as exc:
            cause = _disk_error(exc)
            if cause is None or '://' in str(self.out_dir):
                raise
            raise DiskFullError(cause.errno, self._full_disk_message(runner, filename, cause)) \
                from exc

    def _full_disk_message(self, runner, filename: str, cause: OSError) -> str:
        free = _free_bytes(self.out_dir)
        need = estimate_checkpoint_bytes(runner, self.save_optimizer)
        why = ('the disk is full' if cause.errno != errno.EFBIG else
               'a limit on file size was reached (ulimit -f, or the file system\'s)')
        previous = find_last_complete_checkpoint(runner.work_dir)
        config = getattr(runner.cfg, 'filename', None) or 'CONFIG'
        resume = f'python tools/train.py {config} --work-dir {runner.work_dir} --resume'
        kept = (f'The previous checkpoint, {previous}, is intact. ' if previous else
                'No earlier checkpoint exists (this was the first). ')
        return (f'could not save checkpoint {filename} in {self.out_dir}: {why} '
                f'({_size(free) if free is not None else "unknown"} free, the checkpoint '
                f'takes about {_size(need)}). Nothing was half-written. {kept}Free space (or '
                f'move the work dir to a larger disk), then continue with: {resume}')

    def _save_checkpoint_with_step(self, runner, step, meta) -> None:
        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)

        expired = None
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids
                                            and self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                expired = self.keep_ckpt_ids.popleft()
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))

        with self._reporting_full_disk(runner, ckpt_filename), _runner_saves_atomically():
            runner.save_checkpoint(
                self.out_dir, ckpt_filename, self.file_client_args,
                save_optimizer=self.save_optimizer,
                save_param_scheduler=self.save_param_scheduler,
                meta=meta, by_epoch=self.by_epoch, backend_args=self.backend_args, **self.args)

        if not is_main_process():
            return
        atomic_write_text(osp.join(runner.work_dir, 'last_checkpoint'), self.last_ckpt)
        if expired is not None:
            old = self.file_backend.join_path(self.out_dir, self.filename_tmpl.format(expired))
            if self.file_backend.isfile(old):
                self.file_backend.remove(old)
            elif self.file_backend.isdir(old):  # DeepSpeed writes directories
                self.file_backend.rmtree(old)

    def _save_best_checkpoint(self, runner, metrics) -> None:
        # MMEngine deletes the previous best before writing the new one: a kill between
        # the two would lose the best weights. Deletions are deferred until after the write.
        backend = self.file_backend
        deferred = []
        backend.remove = deferred.append  # instance attribute shadows the method
        try:
            with self._reporting_full_disk(runner, 'the best checkpoint'), \
                    _runner_saves_atomically():
                super()._save_best_checkpoint(runner, metrics)
        finally:
            del backend.remove
        current = {getattr(self, 'best_ckpt_path', None),
                   *getattr(self, 'best_ckpt_path_dict', {}).values()}
        for path in deferred:
            if path not in current and backend.isfile(path):
                backend.remove(path)


def is_complete_checkpoint(path: str) -> bool:
    """Whether ``path`` is a whole ``torch.save`` file: a zip whose every entry
    passes its CRC check (a truncated file has no central directory; a corrupted one
    fails a CRC). Cheaper than unpickling, and runs no pickled code."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            return any(n.endswith('/data.pkl') or n == 'data.pkl' for n in names) and \
                zf.testzip() is None
    except (OSError, zipfile.BadZipFile, EOFError, ValueError):
        return False


def _step_of(name: str) -> int:
    match = re.search(r'(\d+)\.pth$', name)
    return int(match.group(1)) if match else -1


def _candidates(work_dir: str) -> List[str]:
    """Checkpoints in ``work_dir``: the ``last_checkpoint`` target first, then the
    ``epoch_N``/``iter_N`` files by decreasing N, then any other ``.pth`` (best_*) by
    decreasing modification time."""
    found: List[str] = []
    pointer = osp.join(work_dir, 'last_checkpoint')
    if osp.isfile(pointer):
        with open(pointer) as f:
            named = f.read().strip()
        if named:
            found.append(named)
    try:
        names = [n for n in os.listdir(work_dir)
                 if n.endswith('.pth') and not n.startswith('.')]
    except FileNotFoundError:
        return found
    stepped = sorted((n for n in names if re.fullmatch(r'(epoch|iter)_\d+\.pth', n)),
                     key=_step_of, reverse=True)
    others = sorted((n for n in names if n not in stepped),
                    key=lambda n: osp.getmtime(osp.join(work_dir, n)), reverse=True)
    for name in stepped + others:
        path = osp.join(work_dir, name)
        if all(osp.abspath(path) != osp.abspath(p) for p in found):
            found.append(path)
    return found


def find_last_complete_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint to resume from: ``last_checkpoint``'s if complete, else the
    newest complete one; ``None`` when there is none. Skipped files are logged."""
    for path in _candidates(work_dir):
        if '://' in path:  # a remote out_dir (s3://...): uploads are whole; MMEngine reads it
            return path
        if not osp.isfile(path):
            print_log(f'resume: {path} (named in last_checkpoint) does not exist; '
                      'looking for an older checkpoint', logger='current', level=30)
            continue
        if is_complete_checkpoint(path):
            return path
        print_log(f'resume: skipping {path}: incomplete or corrupt (not a whole '
                  'torch.save file)', logger='current', level=30)
    return None


class CheckpointArchitectureError(RuntimeError):
    """A checkpoint's weights do not fit the model (another variant or joint count)."""


def strict_checkpoint_loading(runner, allow_partial: bool = False) -> None:
    """Make ``runner`` refuse a checkpoint that does not fit its model.

    MMEngine's ``Runner.load_checkpoint`` (``load_from``, ``--resume``, ``tools/test.py``)
    loads with ``strict=False``: a W48 checkpoint given to a W32 model, or a 17-joint
    head to a 16-joint model, is loaded where names and shapes happen to agree, the rest
    is logged and left at its initialisation, and training or testing goes on. Here the
    load is strict and the error lists every missing, unexpected and mis-shaped key
    (MMEngine's listing); ``allow_partial=True`` (``--partial-load``) restores
    MMEngine's behaviour, for fine-tuning from another model on purpose.
    """
    if allow_partial:
        return
    original = runner.load_checkpoint

    def load_checkpoint(filename, map_location='cpu', strict=False,
                        revise_keys=[(r'^module.', '')]):  # noqa: B006  (MMEngine's signature)
        try:
            return original(filename, map_location=map_location, strict=True,
                            revise_keys=revise_keys)
        except RuntimeError as exc:
            text = str(exc)
            if 'state_dict' not in text and 'size mismatch' not in text:
                raise
            lines = [ln for ln in text.splitlines() if ln.strip()]
            raise CheckpointArchitectureError(
                f'checkpoint {filename} does not fit the model of this config (another '
                'architecture, width or number of joints?):\n  ' + '\n  '.join(lines) +
                '\nTo load only the weights that fit and initialise the rest, ask for it: '
                '--partial-load (tools/train.py, tools/test.py).') from None

    runner.load_checkpoint = load_checkpoint
