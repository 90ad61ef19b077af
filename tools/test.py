"""Evaluate a checkpoint with a config's test set and metric (thin wrapper over ``Runner``).

Examples:
    python tools/test.py configs/hrnet_w32_coco_256x192.py work_dirs/w32/best.pth
    # ground-truth person boxes instead of the AP-56.4 detections
    python tools/test.py configs/hrnet_w32_coco_256x192.py ckpt.pth \\
        --cfg-options test_dataloader.dataset.bbox_file=None
    HRNET_EXT_COCO_ROOT=/data/coco python tools/test.py configs/hrnet_w48_coco_384x288.py ckpt.pth
    tools/dist_test.sh configs/hrnet_w32_mpii_256x256.py ckpt.pth 8

The data paths of the test set are checked before anything is built: a missing root,
annotation, box or head-box file stops with a message naming it, the layout expected
and how to set it. The metrics (COCO AP/AR, MPII PCKh, or a segmentation config's mIoU) are
printed at the end, with the person boxes a top-down pose metric was computed on.
"""
import argparse
import os.path as osp
from typing import Dict, Optional

from mmengine.config import Config

import hrnet_ext  # noqa: F401  (stack check, safe checkpoint loading, registries)
from hrnet_ext.datasets import unwrapped, wrap_datasets
from hrnet_ext.engine import strict_checkpoint_loading
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
from hrnet_ext.engine.config_check import prepare_config
from hrnet_ext.engine.runner import build_runner


def parse_args(argv=None) -> argparse.Namespace:
    parser = ToolArgumentParser(description='Test (and evaluate) a pose model')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='where logs and evaluation results go')
    parser.add_argument('--out', help='also write the metrics to this file (.json/.yaml/.pkl)')
    parser.add_argument(
        '--dump', help='dump the predictions to this pickle file for offline evaluation')
    add_common_arguments(parser, 'test_dataloader.dataset.bbox_file=None for ground-truth '
                         'boxes', 'tools/dist_test.sh')
    return parse_tool_args(parser, argv)


def merge_args(cfg: Config, args: argparse.Namespace) -> Config:
    """Apply the command line to the config (CLI options win over the file)."""
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.work_dir = default_work_dir(cfg, args.config, args.work_dir)
    cfg.load_from = args.checkpoint
    prepare_launcher(cfg, args.launcher)
    if args.show_dir is not None:
        enable_show_dir(cfg, args.show_dir, args.interval)
    if args.dump is not None:
        if not args.dump.endswith(('.pkl', '.pickle')):
            raise ToolError(f'--dump writes a pickle: give a .pkl file, not {args.dump}.')
        dump = dict(type='DumpResults', out_file_path=args.dump)
        evaluators = cfg.test_evaluator
        evaluators = list(evaluators) if isinstance(evaluators, (list, tuple)) else [evaluators]
        cfg.test_evaluator = evaluators + [dump]
    return cfg


def describe_boxes(cfg: Config) -> Optional[str]:
    """Which person boxes a top-down test uses: a number without it cannot be compared."""
    dataset = unwrapped(cfg.test_dataloader.dataset)
    segmentation = 'seg_map_path' in (dataset.get('data_prefix') or {})  # no person boxes
    if segmentation or dataset.get('data_mode', 'topdown') != 'topdown':
        return None
    if dataset.get('bbox_file'):
        return f'detected person boxes from {dataset.bbox_file}'
    return 'ground-truth person boxes'


def print_metrics(metrics: Dict[str, float], cfg: Config, args: argparse.Namespace) -> None:
    lines = [f'Results of {args.checkpoint} with {args.config}']
    boxes = describe_boxes(cfg)
    if boxes:
        lines.append(f'  on {boxes}')
    lines += [f'  {name}: {value:.4f}' for name, value in metrics.items()]
    print('\n'.join(lines), flush=True)


@tool_main
def main(argv=None) -> int:
    """Evaluate; known mistakes raise an error whose message says what to do (see tool_main)."""
    args = parse_args(argv)
    cfg = merge_args(load_config(args.config), args)
    if not osp.isfile(args.checkpoint) and '://' not in args.checkpoint:
        raise ToolError(f'checkpoint {args.checkpoint} does not exist.')
    prepare_config(cfg, ('test', ))  # typos, head size, data paths: before anything runs
    wrap_datasets(cfg, ('test', ), args.max_bad_share)

    runner = build_runner(cfg, verbose=args.verbose)
    strict_checkpoint_loading(runner, allow_partial=args.partial_load)
    metrics = runner.test()
    if args.out:
        import mmengine
        mmengine.dump(metrics, args.out)
    if runner.rank == 0:
        print_metrics(metrics, cfg, args)
    return 0


if __name__ == '__main__':
    run_tool(main)
