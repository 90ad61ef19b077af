"""One exchange unit alone: its in-place accumulation (``ExchangeUnit.forward``) against the
plain sum (``ExchangeUnit.forward_sum``, MMPose's ``sum(path(x_j))`` then ReLU), interleaved,
median.

    python -m benchmarks.fusion_accumulation [--widths 32 64 128 256] [--batch 16] [--size 64 48]

Default: the 4-branch unit of HRNet-W32's stage 4 at a 256x192 input (branch 0 at 64x48),
batch 16, BN folded (as :func:`hrnet_ext.deploy.optimize_for_inference` leaves it),
contiguous and channels_last. Also checks that both give equal outputs.
"""
import argparse
import statistics

import torch

from benchmarks.common import interleaved_times, markdown_table, parse_args
from hrnet_ext.deploy import fuse_conv_bn
from hrnet_ext.models import ExchangeUnit

QUICK = dict(widths=[8, 16, 32, 64], batch=2, size=[16, 16], rounds=2)


def arguments(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--widths', type=int, nargs='+', default=[32, 64, 128, 256])
    p.add_argument('--batch', type=int, default=16)
    p.add_argument('--size', type=int, nargs=2, default=[64, 48], metavar=('H', 'W'))
    p.add_argument('--rounds', type=int, default=15)
    p.add_argument('--threads', type=int, default=None)
    return parse_args(p, argv, QUICK)


def time_layout(args, fmt: torch.memory_format) -> list:
    """One table row: both paths timed on one memory layout, and whether they are equal."""
    h, w = args.size
    unit = fuse_conv_bn(ExchangeUnit(args.widths)).to(memory_format=fmt)
    xs = [torch.rand(args.batch, c, h >> b, w >> b).contiguous(memory_format=fmt)
          for b, c in enumerate(args.widths)]
    with torch.inference_mode():
        equal = all(torch.equal(a, b) for a, b in zip(unit(xs), unit.forward_sum(xs)))
        times = interleaved_times({'fast': lambda: unit(xs),
                                   'plain': lambda: unit.forward_sum(xs)}, args.rounds)
    fast, plain = (statistics.median(times[k]) for k in ('fast', 'plain'))
    name = 'channels_last' if fmt == torch.channels_last else 'contiguous'
    return [name, f'{1e3 * fast:.1f}', f'{1e3 * plain:.1f}', f'{plain / fast:.2f}x', str(equal)]


def main(argv=None) -> list:
    args = arguments(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    h, w = args.size
    print(f'ExchangeUnit{tuple(args.widths)}, batch {args.batch}, branch 0 {h}x{w}, BN folded; '
          f'torch {torch.__version__}, {torch.get_num_threads()} threads; median of '
          f'{args.rounds} interleaved rounds')
    rows = [time_layout(args, fmt) for fmt in (torch.contiguous_format, torch.channels_last)]
    print(markdown_table(['layout', 'accumulate (ms)', 'plain sum (ms)', 'plain / accumulate',
                          'outputs equal'], rows, align='lrrrl'))
    return rows


if __name__ == '__main__':
    main()
