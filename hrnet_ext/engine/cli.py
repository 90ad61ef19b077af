"""What the tools share: argument parsing, error reporting, distributed set-up, work dirs.

Kept in the package (not in ``tools/``) so the tools and the tests use one copy. Every tool:

* parses with :class:`ToolArgumentParser` (a misspelled flag names the nearest valid one;
  ``--debug`` everywhere);
* decorates its ``main`` with :func:`tool_main`, which silences the stack's known deprecation
  noise and prints a known mistake (a config typo, missing data, a checkpoint that does not
  fit, a full disk ...) as its message alone, exit status 1; the traceback only with
  ``--debug`` or ``HRNET_EXT_DEBUG=1``.
"""
import argparse
import functools
import os
import os.path as osp
import sys
import warnings
from typing import Callable, List, Optional, Tuple

import torch
import torch.distributed as dist
from mmengine.config import Config, DictAction

DIST_BACKEND_ENV = 'HRNET_DIST_BACKEND'
DEBUG_ENV = 'HRNET_EXT_DEBUG'


class ToolError(Exception):
    """A mistake in what a tool was given (a file that is not there ...); the message says
    what to do. :func:`tool_main` prints it without a traceback."""


def known_errors() -> Tuple[type, ...]:
    """Exceptions whose message is the whole story: :func:`tool_main` prints only that."""
    from ..datasets import BadDataError, DataNotFoundError
    from ..deploy.openvino_runtime import OpenVinoMissingError
    from ..models.convert import CheckpointMismatchError
    from ..utils.safe_load import UnsafeCheckpointError
    from .atomic_checkpoint import CheckpointArchitectureError, DiskFullError
    from .config_check import ConfigError
    return (ToolError, ConfigError, DataNotFoundError, BadDataError, CheckpointArchitectureError,
            CheckpointMismatchError, UnsafeCheckpointError, DiskFullError, OpenVinoMissingError)


def quiet_known_warnings() -> None:
    """Silence warnings of the stack that a user cannot act on.

    * ``pkg_resources is deprecated``, twice per command: MMEngine's
      ``utils/package_utils.py`` imports and reloads ``pkg_resources`` when a config is loaded
      (setuptools >= 80 warns; MMEngine 0.10.7 has no newer release).
    * MMPose's note that the metainfo file ``configs/_base_/datasets/<name>.py`` of its own
      data set classes is not in the working directory and its installed copy is used.
    * MMSegmentation's (configs/seg/): its decode heads call its own deprecated
      ``build_loss``, and its visualization hook warns that it draws nothing unless
      ``--show-dir`` turns it on.
    """
    warnings.filterwarnings('ignore', message='pkg_resources is deprecated',
                            category=UserWarning)
    warnings.filterwarnings('ignore', category=UserWarning,
                            message='The metainfo config file "configs/_base_/datasets/')
    warnings.filterwarnings('ignore', category=UserWarning,
                            message='``build_loss`` would be deprecated soon')
    warnings.filterwarnings('ignore', category=UserWarning,
                            message='The draw is False, it means that the hook')


def debug_requested(argv: Optional[List[str]] = None) -> bool:
    argv = sys.argv[1:] if argv is None else argv
    return '--debug' in argv or os.environ.get(DEBUG_ENV, '') not in ('', '0')


def tool_main(main: Callable[..., Optional[int]]) -> Callable[..., int]:
    """Decorate a tool's ``main(argv=None)``: the stack's known warnings are silenced, and a
    known mistake prints its message (``error: ...``) to stderr and returns 1; with
    ``--debug`` in ``argv`` (or ``HRNET_EXT_DEBUG=1``) it is raised, traceback and all."""
    @functools.wraps(main)
    def wrapper(argv: Optional[List[str]] = None) -> int:
        quiet_known_warnings()
        try:
            return main(argv) or 0
        except known_errors() as exc:
            if debug_requested(argv):
                raise
            print(f'error: {exc}', file=sys.stderr, flush=True)
            return 1
    return wrapper


def run_tool(main: Callable[..., object]) -> None:
    """A tool's ``__main__``: run ``main()`` as :func:`tool_main` does, tear down the process
    group, exit with its status (0 for a ``main`` that returns a report, not a status)."""
    try:
        result = tool_main(main)()
    finally:
        finish_distributed()
    sys.exit(result if isinstance(result, int) else 0)


def load_config(path: str) -> Config:
    """``Config.fromfile``, with a one-line error for a path that is not there."""
    if not osp.isfile(path):
        raise ToolError(f'config {path} does not exist.')
    return Config.fromfile(path)


class ToolArgumentParser(argparse.ArgumentParser):
    """``argparse.ArgumentParser`` that names the nearest valid flag for an unknown one
    (``--cfg-opitons``: did you mean --cfg-options?), and has ``--debug``."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.add_argument(
            '--debug', action='store_true',
            help=f'show the traceback of an error (also: {DEBUG_ENV}=1)')

    def parse_args(self, args=None, namespace=None):
        from ..utils.arguments import nearest
        parsed, extras = self.parse_known_args(args, namespace)
        if extras:
            valid = [s for s in self._option_string_actions if s.startswith('--')]
            parts = []
            for extra in extras:
                flag = extra.split('=', 1)[0]
                guess = nearest(flag, valid) if flag.startswith('-') else None
                parts.append(extra + (f' (did you mean {guess}?)' if guess else ''))
            self.error('unrecognized arguments: ' + ' '.join(parts))
        return parsed


def choose_dist_backend(cfg: Config) -> str:
    """Pick the process-group backend: NCCL on GPUs, gloo on a CPU-only machine.

    ``HRNET_DIST_BACKEND`` overrides both the config and the automatic choice.
    """
    dist_cfg = cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    backend = os.environ.get(DIST_BACKEND_ENV)
    if backend is None:
        backend = dist_cfg.get('backend', 'nccl')
        if backend == 'nccl' and not torch.cuda.is_available():
            backend = 'gloo'
    dist_cfg['backend'] = backend
    return backend


def prepare_launcher(cfg: Config, launcher: str) -> None:
    """Set ``cfg.launcher`` and make a ``torchrun`` launch work on GPUs and on CPUs.

    MMEngine 0.10.7 assumes GPUs under a launcher: it calls
    ``torch.cuda.set_device`` before creating the process group and wraps the
    model in DDP with ``device_ids=[LOCAL_RANK]``, both of which fail on a
    CPU-only machine. Without CUDA the process group is created here (MMEngine
    then skips its own initialisation) and DDP gets ``device_ids=None``.
    """
    cfg.launcher = launcher
    if launcher == 'none':
        return
    backend = choose_dist_backend(cfg)
    if cfg.get('sync_bn') and not torch.cuda.is_available():
        # torch's SyncBatchNorm synchronises CUDA tensors only (it raises on CPU tensors):
        # CPU processes keep per-process BatchNorm statistics
        print(f'sync_bn={cfg.sync_bn!r} needs GPUs: these CPU processes use plain '
              'BatchNorm', flush=True)
        cfg.sync_bn = None
    if launcher == 'pytorch' and not torch.cuda.is_available():
        if not dist.is_initialized():
            dist.init_process_group(backend=backend)
        wrapper = cfg.get('model_wrapper_cfg') or dict(type='MMDistributedDataParallel')
        wrapper.setdefault('device_ids', None)
        cfg.model_wrapper_cfg = wrapper


def finish_distributed() -> None:
    """Destroy the process group, if any, before the interpreter exits.

    MMEngine leaves it to exit-time destruction, where gloo's and NCCL's threads can meet the
    interpreter's teardown (a rank was seen to abort after finishing: docs/reliability.md);
    a barrier first, so that no rank closes its connections while another still works.
    """
    if dist.is_available() and dist.is_initialized():
        try:  # every rank done before any tears its connections down
            dist.barrier()
        finally:
            dist.destroy_process_group()


def default_work_dir(cfg: Config, config_path: str, work_dir: Optional[str]) -> str:
    """CLI ``--work-dir`` > the config's ``work_dir`` > ``work_dirs/<config name>``."""
    if work_dir is not None:
        return work_dir
    if cfg.get('work_dir') is not None:
        return cfg.work_dir
    return osp.join('work_dirs', osp.splitext(osp.basename(config_path))[0])


def add_common_arguments(parser: argparse.ArgumentParser, cfg_example: str,
                         launcher_script: str) -> None:
    """The options ``tools/train.py`` and ``tools/test.py`` share, after their own."""
    parser.add_argument(
        '--show-dir', help='write the predictions drawn on the images here (a pose config: '
        'MMPose\'s hook, a relative DIR under WORK_DIR/TIMESTAMP; a segmentation config: '
        'MMSegmentation\'s, images in DIR/vis_data/vis_image)')
    parser.add_argument('--interval', type=int, default=1, help='draw every N samples')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help=f'override config settings, key=value (e.g. {cfg_example})')
    parser.add_argument(
        '--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'], default='none',
        help=f'job launcher ({launcher_script} uses pytorch)')
    parser.add_argument(
        '--max-bad-share', type=float, default=0.05,
        help='skip bad samples (unreadable image, NaN keypoint, empty box ...) with a warning '
        'naming each; stop listing them when more than this share is bad (0: stop at one)')
    parser.add_argument(
        '--partial-load', action='store_true',
        help='load a checkpoint that does not fit the model (another variant or joint count) '
        'where names and shapes agree; without it such a checkpoint stops the run')
    parser.add_argument(
        '--verbose', action='store_true',
        help="MMEngine's start-up log in full: environment, config, hooks (default: a summary)")
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def enable_show_dir(cfg: Config, show_dir: str, interval: int) -> None:
    """Turn on the config's visualization hook for ``--show-dir``.

    MMPose's ``PoseVisualizationHook`` takes ``enable`` and an ``out_dir``; MMSegmentation's
    ``SegVisualizationHook`` (configs/seg/) takes ``draw`` and writes through the visualizer's
    backends, so the visualizer's ``save_dir`` becomes ``show_dir``, as MMSegmentation's own
    tools do.
    """
    hook = cfg.default_hooks.visualization
    if hook.type.split('.')[-1] == 'SegVisualizationHook':
        hook.update(draw=True, show=False, interval=interval)
        cfg.visualizer.save_dir = show_dir
    else:
        hook.update(enable=True, show=False, out_dir=show_dir, interval=interval)


def parse_tool_args(parser: argparse.ArgumentParser,
                    argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse, and export ``LOCAL_RANK`` for launchers that pass ``--local-rank``."""
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args
