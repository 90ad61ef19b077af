"""Safe checkpoint loading under torch >= 2.6 (``weights_only=True``).

MMEngine 0.10.7 calls ``torch.load`` without ``weights_only``; since torch 2.6
that means ``weights_only=True`` and its own full checkpoints (what
``--resume`` reads) fail with ``UnpicklingError``. The common fix,
``weights_only=False``, runs any code pickled into a file a user downloaded.

Here the allowlist is extended by exactly the types MMEngine writes (numpy
scalars, arrays and dtypes, MMEngine's ``HistoryBuffer``, the ``Counter`` of a
MultiStep scheduler), and the loaders MMEngine dispatches every checkpoint
through (``CheckpointLoader`` schemes: local files and http(s)) are replaced by
ones that always pass ``weights_only=True``. That covers ``Runner.resume``,
``load_from``, ``init_cfg=dict(type='Pretrained')``, ``init_model`` and our tools.

A checkpoint holding any other pickled object is refused with
:class:`UnsafeCheckpointError`, which lists the objects and says how to trust
that one file: ``HRNET_EXT_TRUSTED_CHECKPOINTS=/path/a.pth[:/path/b.pth]``.

``builtins.getattr`` is not allowlisted as such: ``getattr`` on any object
reachable from the allowlist is a known route to code execution. MMEngine's
``HistoryBuffer`` pickles its statistics methods as ``getattr(HistoryBuffer,
'mean')``; only that form is accepted, by :func:`_history_buffer_getattr`
standing in for ``builtins.getattr`` during a safe load.
"""
import collections
import os
import os.path as osp
import pickle
from contextlib import contextmanager
from typing import Any, Iterator, List, Optional, Union
from urllib.parse import urlparse

import numpy as np
import torch

TRUST_ENV = 'HRNET_EXT_TRUSTED_CHECKPOINTS'


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds pickled objects outside the allowlist."""


def _numpy_globals() -> List[Any]:
    """Objects numpy's pickles name: scalar/array reconstructors, dtypes."""
    try:  # numpy 2 moved numpy.core to numpy._core; pickles name either
        from numpy._core import multiarray
    except ImportError:  # numpy 1
        from numpy.core import multiarray
    items: List[Any] = [np.ndarray, np.dtype]
    # A file pickled under numpy 1 names numpy.core.multiarray.*, under numpy 2
    # numpy._core.multiarray.*: accept both spellings for the same two objects, so a
    # checkpoint written on one side loads on the other.
    for name in ('scalar', '_reconstruct'):
        items += [(getattr(multiarray, name), f'{module}.{name}')
                  for module in ('numpy.core.multiarray', 'numpy._core.multiarray')]
    # numpy >= 1.25 pickles a dtype together with its class (numpy.dtypes.Float64DType ...)
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        items += [getattr(dtypes, name) for name in dir(dtypes) if name.endswith('DType')]
    return items


def _history_buffer_getattr(obj: Any, name: str) -> Any:
    """``getattr`` limited to ``HistoryBuffer``'s registered statistics methods."""
    from mmengine.logging.history_buffer import HistoryBuffer

    # The class-level registry fills only when a first HistoryBuffer is made, so
    # the built-in methods are named here too (a fresh process loads as well).
    allowed = set(HistoryBuffer._statistics_methods) | {'min', 'max', 'current', 'mean'}
    if obj is HistoryBuffer and name in allowed:
        return getattr(obj, name)
    raise pickle.UnpicklingError(
        f'getattr({getattr(obj, "__qualname__", type(obj).__qualname__)}, {name!r}) is not '
        'allowed: only HistoryBuffer statistics methods may be looked up in a checkpoint')


def safe_globals() -> List[Any]:
    """Every global a checkpoint written by MMEngine (or a plain state dict) needs."""
    from mmengine.logging.history_buffer import HistoryBuffer
    return _numpy_globals() + [
        HistoryBuffer, collections.Counter, collections.defaultdict,
        (_history_buffer_getattr, 'builtins.getattr'),
    ]


@contextmanager
def allow_mmengine_globals() -> Iterator[None]:
    """Context in which ``torch.load(..., weights_only=True)`` accepts MMEngine's types."""
    with torch.serialization.safe_globals(safe_globals()):
        yield


def trusted_files() -> List[str]:
    """Files the user trusts explicitly through ``HRNET_EXT_TRUSTED_CHECKPOINTS``."""
    value = os.environ.get(TRUST_ENV, '')
    return [osp.realpath(osp.expanduser(p)) for p in value.split(os.pathsep) if p]


def _unsafe_globals(filename: str) -> List[str]:
    try:
        with allow_mmengine_globals():
            names = torch.serialization.get_unsafe_globals_in_checkpoint(filename)
    except Exception:  # a legacy (non-zip) file: the UnpicklingError names the first one
        return []
    allowed = {g[1] if isinstance(g, tuple) else f'{g.__module__}.{g.__qualname__}'
               for g in safe_globals()}
    return [n for n in names if n not in allowed]


def _unpickler_reason(exc: Exception) -> str:
    """The specific reason inside torch's long weights-only error message."""
    text = str(exc)
    if 'WeightsUnpickler error:' in text:
        text = text.split('WeightsUnpickler error:', 1)[1]
        text = text.split('Check the documentation of torch.load', 1)[0]
    return ' '.join(text.split())


def load_checkpoint_file(filename: Union[str, os.PathLike],
                         map_location: Optional[Any] = None,
                         trusted: bool = False) -> Any:
    """Load a checkpoint file with ``weights_only=True`` and MMEngine's types allowed.

    Args:
        filename: path of a ``.pth`` file (a full MMEngine checkpoint or a state dict).
        map_location: as in :func:`torch.load`.
        trusted: load with ``weights_only=False`` (runs pickled code). Only for a
            file whose origin the caller trusts; the environment variable
            ``HRNET_EXT_TRUSTED_CHECKPOINTS`` grants the same per file.

    Raises:
        FileNotFoundError: the file does not exist.
        UnsafeCheckpointError: the file pickles objects outside the allowlist.
    """
    filename = osp.expanduser(os.fspath(filename))
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} does not exist')
    if trusted or osp.realpath(filename) in trusted_files():
        return torch.load(filename, map_location=map_location, weights_only=False)
    try:
        with allow_mmengine_globals():
            return torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:
        found = _unsafe_globals(filename)
        what = ', '.join(found) if found else _unpickler_reason(exc)
        raise UnsafeCheckpointError(
            f'refusing to load {filename}: it pickles objects that could run code when '
            f'loaded ({what}). If you trust whoever made this file, allow this one file with '
            f'{TRUST_ENV}={osp.realpath(filename)} (several: separate with "{os.pathsep}"), '
            'or re-save its state_dict from a trusted session.') from None


def load_from_local_safe(filename: str, map_location: Optional[Any] = None) -> Any:
    return load_checkpoint_file(filename, map_location)


def load_from_http_safe(filename: str, map_location: Optional[Any] = None) -> Any:
    """Download once (rank 0 first, then the others), then load safely."""
    from mmengine.dist import barrier, get_dist_info
    cache_dir = osp.join(torch.hub.get_dir(), 'checkpoints')
    cached = osp.join(cache_dir, osp.basename(urlparse(filename).path))
    rank, world_size = get_dist_info()
    if rank == 0 and not osp.isfile(cached):
        os.makedirs(cache_dir, exist_ok=True)
        torch.hub.download_url_to_file(filename, cached)
    if world_size > 1:
        barrier()
    return load_checkpoint_file(cached, map_location)


def install_safe_loaders() -> None:
    """Route MMEngine's local and http(s) checkpoint loading through the safe loader."""
    from mmengine.runner.checkpoint import CheckpointLoader
    CheckpointLoader.register_scheme(prefixes='', loader=load_from_local_safe, force=True)
    CheckpointLoader.register_scheme(
        prefixes=('http://', 'https://'), loader=load_from_http_safe, force=True)
