"""What ``tools/train.py`` and ``tools/test.py`` share: distributed set-up and work dirs.

Kept in the package (not in ``tools/``) so both tools and the tests use one copy.
"""
import argparse
import os
import os.path as osp
from typing import List, Optional

import torch
import torch.distributed as dist
from mmengine.config import Config, DictAction

DIST_BACKEND_ENV = 'HRNET_DIST_BACKEND'


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
    if launcher == 'pytorch' and not torch.cuda.is_available():
        if not dist.is_initialized():
            dist.init_process_group(backend=backend)
        wrapper = cfg.get('model_wrapper_cfg') or dict(type='MMDistributedDataParallel')
        wrapper.setdefault('device_ids', None)
        cfg.model_wrapper_cfg = wrapper


def finish_distributed() -> None:
    """Destroy the process group, if any, before the interpreter exits.

    MMEngine leaves it to exit-time destruction; PyTorch asks for an explicit
    ``destroy_process_group()`` (gloo's and NCCL's threads otherwise meet the
    interpreter's teardown). Twice in full test-suite runs on the 2-core machine a rank
    aborted after finishing with "terminate called without an active exception": once in
    ``tools/dist_train.sh CONFIG 2`` before this function existed, once (rank 0) in
    ``tools/dist_test.sh`` with the destroy but no barrier; 16 runs of both tests under
    load since did not reproduce it, so this is good practice more than a proven fix. A
    barrier first, so that no rank closes its connections while another still works.
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
    parser.add_argument('--show-dir', help='write the predictions drawn on the images here')
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
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def parse_tool_args(parser: argparse.ArgumentParser,
                    argv: Optional[List[str]] = None) -> argparse.Namespace:
    """Parse, and export ``LOCAL_RANK`` for launchers that pass ``--local-rank``."""
    args = parser.parse_args(argv)
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    return args
