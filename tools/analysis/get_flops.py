"""Parameters and multiply-adds of a model at its input size, saying what is counted.

    python tools/analysis/get_flops.py CONFIG [--shape H W] [--breakdown]
    python tools/analysis/get_flops.py --arch w32 [--num-keypoints 17] [--shape 256 192]

The model of a config is built as the config says (``model``); its input size is the codec's
``input_size`` (a segmentation config: its ``crop_size``) unless ``--shape`` is given.
``--arch`` counts our HRNet variant with the paper's 1x1 heatmap head instead. Counting runs
on the ``meta`` device (shapes only), so any model and size takes about a second. The report gives:

* parameters (total and trainable);
* multiply-adds of the Conv2d / ConvTranspose2d / Linear layers (biases, normalisation,
  activations, additions and upsampling are not counted), in GMACs (10^9), and divided by
  2^30: the "GFLOPs" of the HRNet paper and of its official ``get_model_summary``
  (W32 256x192: 7.65 GMACs = 7.12 paper GFLOPs; see docs/model.md);
* ``--torch``: the total of ``torch.utils.flop_counter`` (2 FLOPs per multiply-add) as a
  cross-check;
* ``--breakdown``: multiply-adds per part (stem, stage 1, transitions, branches, fusion, head).
"""
import argparse
import sys
from typing import List, Optional, Tuple

import torch
from torch import nn

from hrnet_ext.engine.cli import ToolArgumentParser, run_tool
from hrnet_ext.models.complexity import (
    GIGA,
    PAPER_GIGA,
    count_conv_linear_macs,
    count_parameters,
    count_torch_flops,
    group_by_part,
    to_meta,
)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = ToolArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', nargs='?', help='config file (its `model` is counted)')
    parser.add_argument('--arch', help='count hrnet_ext.HRNet(arch=ARCH) + 1x1 heatmap head')
    parser.add_argument('--num-keypoints', type=int, default=17,
                        help='heatmap channels of the --arch head (0: backbone only)')
    parser.add_argument('--shape', type=int, nargs=2, metavar=('H', 'W'),
                        help='input height and width (default: the codec input size)')
    parser.add_argument('--breakdown', action='store_true', help='multiply-adds per part')
    parser.add_argument('--torch', action='store_true',
                        help='also report torch.utils.flop_counter FLOPs')
    args = parser.parse_args(argv)
    if (args.config is None) == (args.arch is None):
        parser.error('give either a config or --arch')
    return args


def build_from_config(path: str) -> Tuple[nn.Module, Optional[Tuple[int, int]], str]:
    """The config's model, its codec input size (H, W) if any, and a description."""
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS

    from hrnet_ext.apis import load_model_config
    cfg = load_model_config(path)  # the head's size from the data set, where not set
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    model = MODELS.build(cfg.model)
    codec = cfg.get('codec') or cfg.model.get('head', {}).get('decoder')
    if isinstance(codec, (list, tuple)):
        codec = codec[0]
    shape = tuple(codec['input_size'][::-1]) if codec and 'input_size' in codec else None
    if shape is None and cfg.get('crop_size'):  # a segmentation config: its training crop
        shape = tuple(cfg.crop_size)
    parts = [cfg.model.get(k, {}).get('type')
             for k in ('backbone', 'neck', 'head', 'decode_head')]
    what = f"{cfg.model['type']} ({' + '.join(p for p in parts if p)})"
    return model, shape, what


def build_from_arch(arch: str, num_keypoints: int) -> Tuple[nn.Module, str]:
    """Our backbone, followed by the paper's head when ``num_keypoints`` > 0."""
    from hrnet_ext.models import HeatmapNet, HRNet
    if not num_keypoints:
        return HRNet(arch=arch), f'hrnet_ext.HRNet({arch!r})'
    model = HeatmapNet.from_arch(arch, num_keypoints)
    return model, f'hrnet_ext.HRNet({arch!r}) + hrnet_ext.HRNetHeatmapHead(K={num_keypoints})'


def main(argv: Optional[List[str]] = None) -> dict:
    args = parse_args(argv)
    if args.config:
        model, shape, what = build_from_config(args.config)
    else:
        (model, what), shape = build_from_arch(args.arch, args.num_keypoints), (256, 192)
    shape = tuple(args.shape) if args.shape else shape
    if shape is None:
        sys.exit('the config has no codec input_size: give --shape H W')
    params = count_parameters(model)
    model = to_meta(model).eval()
    x = torch.empty(1, 3, *shape, device='meta')
    if hasattr(model, 'extract_feat'):  # an estimator / segmentor: backbone (+ neck) + head
        def run():
            return model(x, None, mode='tensor')
    else:
        def run():
            return model(x)
    per_module = count_conv_linear_macs(model, run)
    macs = sum(per_module.values())

    print(f'model: {what}')
    print(f'input: 1 x 3 x {shape[0]} x {shape[1]} (N x C x H x W)')
    print(f'parameters: {params["total"]:,} (trainable {params["trainable"]:,})')
    print('multiply-adds of Conv2d/ConvTranspose2d/Linear layers only (not counted: biases, '
          'normalisation, activations, additions, upsampling):')
    print(f'  {macs / GIGA:.2f} GMACs (10^9)')
    print(f'  {macs / PAPER_GIGA:.2f} GFLOPs as the HRNet paper counts them '
          '(the same multiply-adds / 2^30)')
    result = dict(params=params, macs=macs, shape=shape)
    if args.breakdown:
        print('per part:')
        for part, value in group_by_part(per_module).items():
            print(f'  {part:<28s}{value / GIGA:8.3f} GMACs  {100 * value / macs:5.1f}%')
    if args.torch:
        flops = count_torch_flops(run)
        print(f'torch.utils.flop_counter: {flops / GIGA:.2f} GFLOPs '
              f'(= {flops / 2 / GIGA:.2f} GMACs at 2 FLOPs per multiply-add)')
        result['torch_flops'] = flops
    return result


if __name__ == '__main__':
    run_tool(main)
