"""Train a pose model from an MMEngine config (thin wrapper over ``Runner``).

Examples:
    python tools/train.py configs/hrnet_w32_coco_256x192.py
    python tools/train.py configs/hrnet_w32_coco_256x192.py --resume            # auto
    tools/dist_train.sh configs/hrnet_w32_coco_384x288.py 8                       # 8 GPUs
"""
import argparse
import os
from typing import Optional

from mmengine.config import Config

import hrnet_ext  # noqa: F401  (stack check, safe checkpoint loading, registries)
from hrnet_ext.datasets import wrap_datasets
from hrnet_ext.engine import find_last_complete_checkpoint, strict_checkpoint_loading
from hrnet_ext.engine.cli import (
    ToolArgumentParser,
    ToolError,
    add_common_arguments,
    default_work_dir,
    enable_show_dir,
    load_config,
    parse_tool_args,
    prepare_launcher,
    run_tool,
    tool_main,
)
from hrnet_ext.engine.compile import COMPILE_MODES, CudaGraphStepHook, compile_model
from hrnet_ext.engine.config_check import prepare_config
from hrnet_ext.engine.runner import build_runner


def parse_args(argv=None) -> argparse.Namespace:
    parser = ToolArgumentParser(description='Train a pose model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='where logs and checkpoints go')
    parser.add_argument(
        '--resume', nargs='?', const='auto', default=None,
        help='resume from this checkpoint, or (no value) from the latest in the work dir')
    parser.add_argument('--amp', action='store_true', help='automatic mixed precision')
    parser.add_argument(
        '--amp-dtype', choices=['float16', 'bfloat16'], default='float16',
        help='autocast dtype with --amp (bfloat16 needs no loss scaling; Ampere GPUs and later)')
    parser.add_argument(
        '--compile', nargs='?', const='default', default=None, choices=COMPILE_MODES,
        help='torch.compile the network (backbone, neck, head; parameter names unchanged). '
             "'reduce-overhead' adds CUDA graphs (GPU). The first iterations compile")
    parser.add_argument(
        '--compile-backend', default='inductor',
        help="torch.compile backend for --compile ('aot_eager' traces without generating "
             'code: a quick check that the model compiles)')
    parser.add_argument('--no-validate', action='store_true', help='skip evaluation in training')
    parser.add_argument(
        '--auto-scale-lr', action='store_true',
        help='scale the lr by (GPUs x batch per GPU) / auto_scale_lr.base_batch_size')
    add_common_arguments(parser, 'train_dataloader.batch_size=16', 'tools/dist_train.sh')
    return parse_tool_args(parser, argv)


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the command line to the config (CLI options win over the file)."""
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.work_dir = default_work_dir(cfg, args.config, args.work_dir)
    prepare_launcher(cfg, args.launcher)
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None
    if args.amp:
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')
        cfg.optim_wrapper.dtype = args.amp_dtype
    if args.resume == 'auto':
        # MMEngine trusts last_checkpoint blindly; take the newest complete checkpoint
        # instead (a file truncated by a killed run is skipped), or start afresh.
        latest = find_last_complete_checkpoint(cfg.work_dir)
        cfg.resume, cfg.load_from = latest is not None, latest
        print(f'--resume: from {latest}' if latest else
              f'--resume: no complete checkpoint in {cfg.work_dir}; training from the start',
              flush=True)
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    if args.compile == 'reduce-overhead':  # CUDA graphs: mark where each iteration begins
        cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
            dict(type=f'hrnet_ext.{CudaGraphStepHook.__name__}')]
    if args.auto_scale_lr:
        cfg.auto_scale_lr.enable = True
    if args.show_dir is not None:
        enable_show_dir(cfg, args.show_dir, args.interval)
    return cfg


def missing_pretrained(cfg: Config) -> Optional[str]:
    """A message if the backbone's ``init_cfg`` names a local file that is not there."""
    init_cfg = cfg.model.get('backbone', {}).get('init_cfg') or {}
    path = init_cfg.get('checkpoint') if init_cfg.get('type') == 'Pretrained' else None
    if not path or '://' in path or os.path.isfile(path) or cfg.get('resume') or cfg.load_from:
        return None
    return (f'the ImageNet-pretrained backbone {path} (model.backbone.init_cfg.checkpoint) does '
            'not exist. Download the official ImageNet weights (docs/custom_keypoints.md, '
            '"ImageNet weights", says where) or convert timm\'s hrnet_w* weights with '
            'tools/convert_checkpoint.py, and put the file there (HRNET_EXT_PRETRAINED_DIR=/dir '
            'moves the folder); or train from scratch with --cfg-options '
            'model.backbone.init_cfg=None.')


@tool_main
def main(argv=None) -> int:
    """Train; known mistakes raise an error whose message says what to do (see tool_main)."""
    args = parse_args(argv)
    cfg = merge_args(load_config(args.config), args)
    phases = ('train', ) if args.no_validate else ('train', 'val')
    notes = prepare_config(cfg, phases)  # typos, head size, data paths: before anything runs
    problem = missing_pretrained(cfg)
    if problem:
        raise ToolError(problem)
    wrap_datasets(cfg, ('train', 'val'), args.max_bad_share)
    runner = build_runner(cfg, verbose=args.verbose)
    for note in notes:  # augmentations that cannot apply
        runner.logger.warning(note)
    strict_checkpoint_loading(runner, allow_partial=args.partial_load)
    if args.compile:
        parts = compile_model(runner.model, mode=args.compile, backend=args.compile_backend)
        runner.logger.info(f'--compile {args.compile}: {", ".join(parts)} compiled; the first '
                           'iterations (and the first validation) compile and are slow')
    runner.train()
    return 0


if __name__ == '__main__':
    run_tool(main)
