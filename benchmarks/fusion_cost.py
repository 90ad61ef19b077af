"""What each fusion unit costs in a whole HRNet: the standard and the light exchange unit side
by side (parameters, multiply-adds, CPU latency, the fusion's share of each).

    python -m benchmarks.fusion_cost [--arch w32] [--shape 256 192] [--rounds 15] [--threads N]

Builds :class:`hrnet_ext.models.HeatmapNet` (``hrnet_ext.HRNet(arch)`` + the paper's 1x1
heatmap head, 17 joints) twice, once with ``fusion_cfg=dict(type='hrnet_ext.ExchangeUnit')``
(the paper, the default) and once with ``dict(type='hrnet_ext.LightExchangeUnit')``, and
prints for each:

* parameters of the whole network and of its fusion (all ``fuse_layers``);
* multiply-adds of the convolutions (``hrnet_ext.models.complexity``; biases, norms,
  activations, additions and upsampling not counted), whole network and fusion, in GMACs
  (10^9) and in the paper's "GFLOPs" (the same / 2^30);
* CPU latency of one image (batch 1, ``eval``, ``torch.inference_mode``): rounds interleave
  the two models (standard, light, standard, ...) after a warm-up, so a load change on a
  shared machine hits both; the median over rounds is reported, with the light / standard
  ratio. The time spent inside the fusion modules is measured by forward hooks in the same
  rounds (its median share of the network's time).

``--json PATH`` also writes the numbers. Timings depend on the machine: the header prints the
thread count and the torch version.
"""
import argparse
import statistics
import time
from typing import Dict, List, Optional

import torch
from torch import nn

from benchmarks.common import interleaved_times, markdown_table, parse_args, write_json
from hrnet_ext.models import HeatmapNet
from hrnet_ext.models.complexity import (
    GIGA,
    PAPER_GIGA,
    count_conv_linear_macs,
    count_parameters,
    group_by_part,
    to_meta,
)

FUSIONS = {'standard': dict(type='hrnet_ext.ExchangeUnit'),
           'light': dict(type='hrnet_ext.LightExchangeUnit')}
FUSION_PART = 'fusion (exchange units)'
QUICK = dict(arch='w18_small', shape=(64, 64), rounds=1, warmup=0)


def arguments(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--arch', default='w32')
    parser.add_argument('--shape', type=int, nargs=2, default=(256, 192), metavar=('H', 'W'))
    parser.add_argument('--rounds', type=int, default=15, help='timed rounds (0: no timing)')
    parser.add_argument('--warmup', type=int, default=2)
    parser.add_argument('--threads', type=int, help='torch intra-op threads (default: torch)')
    parser.add_argument('--json', help='also write the results to this file')
    return parse_args(parser, argv, QUICK)


def fusion_modules(model: nn.Module) -> List[nn.Module]:
    return [m for n, m in model.named_modules() if n.endswith('fuse_layers')]


def count(arch: str, fusion_cfg: dict, shape) -> Dict[str, float]:
    """Parameters and multiply-adds, whole network and fusion."""
    model = HeatmapNet.from_arch(arch, fusion_cfg=fusion_cfg)
    params = count_parameters(model)['total']
    fusion_params = sum(p.numel() for m in fusion_modules(model) for p in m.parameters())
    meta = to_meta(model).eval()
    x = torch.empty(1, 3, *shape, device='meta')
    per_part = group_by_part(count_conv_linear_macs(meta, lambda: meta(x)))
    macs = sum(per_part.values())
    return dict(params=params, fusion_params=fusion_params, macs=macs,
                fusion_macs=per_part.get(FUSION_PART, 0))


class FusionTimer:
    """Wall time spent inside the fusion modules, per forward pass of the model (hooks)."""

    def __init__(self, model: nn.Module) -> None:
        self.per_call: List[float] = []
        self._start = 0.0
        model.register_forward_pre_hook(lambda *_: self.per_call.append(0.0))
        for m in fusion_modules(model):
            m.register_forward_pre_hook(self._pre)
            m.register_forward_hook(self._post)

    def _pre(self, *_) -> None:
        self._start = time.perf_counter()

    def _post(self, *_) -> None:
        self.per_call[-1] += time.perf_counter() - self._start


def time_models(models: Dict[str, nn.Module], shape, rounds: int, warmup: int) -> dict:
    """Median latency (s) and median fusion share of time per model, interleaved rounds."""
    x = torch.rand(1, 3, *shape)
    timers = {name: FusionTimer(m) for name, m in models.items()}
    with torch.inference_mode():
        times = interleaved_times({name: (lambda m=m: m(x)) for name, m in models.items()},
                                  rounds, warmup)
    results = {}
    for name, ts in times.items():
        shares = [f / t for f, t in zip(timers[name].per_call[-rounds:], ts)]
        results[name] = dict(latency=statistics.median(ts),
                             fusion_time_share=statistics.median(shares), latencies=ts)
    return results


def print_table(args, results: dict) -> None:
    std, light = results['standard'], results['light']
    shape = tuple(args.shape)
    print(f'HRNet-{args.arch.upper()} + 1x1 head (17 joints), input 1x3x{shape[0]}x{shape[1]}; '
          f'torch {torch.__version__}, {torch.get_num_threads()} threads')
    print('multiply-adds: Conv2d/Linear only (biases, norms, activations, additions, '
          'upsampling not counted); paper GFLOPs = MACs / 2^30')
    # label, value of one result, ratio light / standard (None: no ratio)
    rows = [
        ('parameters, network', lambda r: f"{r['params']:,}", 'params'),
        ('parameters, fusion', lambda r: f"{r['fusion_params']:,}", 'fusion_params'),
        ('  fusion share', lambda r: f"{100 * r['fusion_params'] / r['params']:.1f}%", None),
        ('GMACs (10^9), network', lambda r: f"{r['macs'] / GIGA:.3f}", 'macs'),
        ('paper GFLOPs (/2^30), network', lambda r: f"{r['macs'] / PAPER_GIGA:.3f}", 'macs'),
        ('GMACs (10^9), fusion', lambda r: f"{r['fusion_macs'] / GIGA:.3f}", 'fusion_macs'),
        ('  fusion share', lambda r: f"{100 * r['fusion_macs'] / r['macs']:.1f}%", None),
    ]
    if args.rounds:
        rows += [
            (f'CPU latency, median of {args.rounds} (ms)', lambda r: f"{1e3 * r['latency']:.1f}",
             'latency'),
            ('  fusion share of time', lambda r: f"{100 * r['fusion_time_share']:.1f}%", None),
        ]
    print(markdown_table(['', 'standard', 'light', 'light/std'], [
        [label, fmt(std), fmt(light), f'{light[key] / std[key]:.3f}' if key else '']
        for label, fmt, key in rows], align='lrrr'))


def main(argv: Optional[List[str]] = None) -> dict:
    args = arguments(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    shape = tuple(args.shape)
    results = {name: count(args.arch, cfg, shape) for name, cfg in FUSIONS.items()}
    if args.rounds:
        torch.manual_seed(0)
        models = {name: HeatmapNet.from_arch(args.arch, fusion_cfg=cfg).eval()
                  for name, cfg in FUSIONS.items()}
        for name, t in time_models(models, shape, args.rounds, args.warmup).items():
            results[name].update(t)
    print_table(args, results)
    write_json(args.json, dict(arch=args.arch, shape=shape, threads=torch.get_num_threads(),
                               results=results))
    return results


if __name__ == '__main__':
    main()
