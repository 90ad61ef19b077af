"""Convert HRNet weights of other releases into this package's (MMPose's) layout.

    python tools/convert_checkpoint.py pose_hrnet_w32_256x192.pth hrnet_w32_coco.pth
    python tools/convert_checkpoint.py hrnet_w32-36af842e.pth hrnet_w32_imagenet.pth
    python tools/convert_checkpoint.py SRC DST --config configs/xxx.py   # check against a config

Reads (detected automatically, see :mod:`hrnet_ext.models.convert`): the official pose release
(``conv1.weight`` ... ``final_layer.weight``), the ImageNet classification files (their
classifier, ``incre_modules``, ``downsamp_modules``, ``final_layer.<k>`` and the lower-resolution
fusion rows of the last module are dropped, and listed), MMPose checkpoints, bare backbones.
Writes ``{'state_dict': {backbone.*, head.final_layer.*}, 'meta': {...}}``, which MMPose's
``load_from`` / ``init_cfg=dict(type='Pretrained', checkpoint=DST)`` read.

The result is checked against a freshly built model: the config's, or ``hrnet_ext.HRNet``
(arch inferred from the shapes unless ``--arch``) with a K-joint 1x1 head (K from the
checkpoint). The key count and every shape must match; otherwise the command fails listing
every missing, unexpected and mis-shaped key. Files are read with the safe loader (no pickled
code runs).
"""
import argparse
import os.path as osp
import sys
from typing import Dict, List, Optional, Tuple

import torch

from hrnet_ext.engine.cli import ToolArgumentParser, run_tool
from hrnet_ext.models.convert import (
    CheckpointMismatchError,
    convert_state_dict,
    load_state_dict_file,
)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = ToolArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('src', help='checkpoint to convert (read safely)')
    parser.add_argument('dst', help='output .pth')
    parser.add_argument('--config', help='check against this config\'s model')
    parser.add_argument('--arch', help='check against hrnet_ext.HRNet(arch=ARCH) '
                        '(default: inferred from the shapes)')
    parser.add_argument('--num-keypoints', type=int,
                        help='head size to check against (default: from the checkpoint)')
    parser.add_argument('--from', dest='source_format',
                        choices=('mmpose', 'official-pose', 'imagenet-cls', 'backbone'),
                        help='read the source as this layout instead of detecting it')
    parser.add_argument('--backbone-only', action='store_true',
                        help='write only backbone.* (drop a head)')
    return parser.parse_args(argv)


def config_reference(path: str) -> Dict[str, torch.Size]:
    """Key -> shape of the config's model."""
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS

    from hrnet_ext.apis import load_model_config
    cfg = load_model_config(path)  # the head's size from the data set, where not set
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    with torch.device('meta'):
        model = MODELS.build(cfg.model)
    return {k: v.shape for k, v in model.state_dict().items()}


def arch_reference(arch: str, num_keypoints: int) -> Dict[str, torch.Size]:
    """Key -> shape of ``hrnet_ext.HRNet(arch)`` + a ``num_keypoints``-joint head."""
    from hrnet_ext.models import HRNet
    with torch.device('meta'):
        backbone = HRNet(arch=arch)
    ref = {'backbone.' + k: v.shape for k, v in backbone.state_dict().items()}
    width = backbone.out_channels[0]
    ref['head.final_layer.weight'] = torch.Size((num_keypoints, width, 1, 1))
    ref['head.final_layer.bias'] = torch.Size((num_keypoints, ))
    return ref


def convert_against_arch(state: Dict[str, torch.Tensor], arch: Optional[str],
                         num_keypoints: Optional[int], **kwargs) -> Tuple[dict, dict, str]:
    """Convert, checking against ``arch`` or every variant whose width fits the shapes."""
    from hrnet_ext.models import ARCH_SETTINGS
    head = state.get('final_layer.weight', state.get('head.final_layer.weight'))
    if num_keypoints is None:
        num_keypoints = head.shape[0] if head is not None and head.dim() == 4 else 17
    if arch is None:
        t1 = state.get('transition1.0.0.weight', state.get('backbone.transition1.0.0.weight'))
        width = t1.shape[0] if t1 is not None else None
        candidates = [a for a, s in ARCH_SETTINGS.items()
                      if s['stage2']['num_channels'][0] == width] or list(ARCH_SETTINGS)
    else:
        candidates = [arch]
    first_error = None
    for candidate in candidates:
        try:
            converted, report = convert_state_dict(
                state, arch_reference(candidate, num_keypoints), **kwargs)
            return converted, report, candidate
        except CheckpointMismatchError as exc:
            first_error = first_error or (candidate, exc)
    candidate, exc = first_error
    raise CheckpointMismatchError(exc.source_format, exc.missing, exc.unexpected,
                                  exc.shape_mismatches, f'hrnet_ext.HRNet(arch={candidate!r})')


def main(argv: Optional[List[str]] = None) -> dict:
    args = parse_args(argv)
    state = load_state_dict_file(args.src)
    kwargs = dict(source_format=args.source_format, backbone_only=args.backbone_only)
    try:
        if args.config:
            converted, report = convert_state_dict(state, config_reference(args.config),
                                                   **kwargs)
            target = args.config
        else:
            converted, report, arch = convert_against_arch(state, args.arch,
                                                           args.num_keypoints, **kwargs)
            target = f'hrnet_ext.HRNet(arch={arch!r})'
    except CheckpointMismatchError as exc:
        sys.exit(f'{args.src}: conversion failed.\n{exc}')

    meta = dict(converted_from=osp.basename(args.src), source_format=report['source_format'],
                target=target, dropped=report['dropped'], filled=report['filled'])
    torch.save(dict(state_dict=converted, meta=meta), args.dst)
    print(f'{args.src}: {report["source_format"]} layout -> {args.dst}')
    print(f'  {report["num_keys"]} tensors, every key and shape checked against {target}')
    head = 'converted' if report['head_loaded'] else 'none in the source (backbone only)'
    print(f'  head: {head}')
    if report['dropped']:
        groups = sorted({k.split('.')[0] for k in report['dropped']})
        print(f'  dropped {len(report["dropped"])} keys not used by the pose model: '
              f'{", ".join(groups)}')
    if report['filled']:
        print(f'  filled {len(report["filled"])} missing num_batches_tracked counters with 0')
    return report


if __name__ == '__main__':
    run_tool(main)
