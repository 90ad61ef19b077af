#!/usr/bin/env python
"""One exchange unit alone: in-place accumulation (``ExchangeUnit.forward``) against the plain
sum (MMPose's ``sum(path(x_j))`` then ReLU), interleaved, median.

    python benchmarks/exchange_unit.py [--widths 32 64 128 256] [--batch 16] [--size 64 48]

Default: the 4-branch unit of HRNet-W32's stage 4 at a 256x192 input (branch 0 at 64x48),
batch 16, BN folded (as :func:`hrnet_ext.models.fuse_bn.optimize_for_inference` leaves it),
contiguous and channels_last. Also checks that both give equal outputs.
"""
import os

os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')  # before torch loads OpenMP

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import torch  # noqa: E402

from hrnet_ext.models.fuse_bn import fuse_conv_bn  # noqa: E402
from hrnet_ext.models.fusion import ExchangeUnit  # noqa: E402


def plain_forward(unit, xs):
    outs = []
    for row in unit:
        y = sum(path(x_j) for path, x_j in zip(row, xs))
        outs.append(torch.relu(y))
    return outs


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--widths', type=int, nargs='+', default=[32, 64, 128, 256])
    p.add_argument('--batch', type=int, default=16)
    p.add_argument('--size', type=int, nargs=2, default=[64, 48], metavar=('H', 'W'))
    p.add_argument('--rounds', type=int, default=15)
    p.add_argument('--threads', type=int, default=None)
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    h, w = args.size
    print(f'ExchangeUnit{tuple(args.widths)}, batch {args.batch}, branch 0 {h}x{w}, BN folded; '
          f'torch {torch.__version__}, {torch.get_num_threads()} threads; median of '
          f'{args.rounds} interleaved rounds')
    print('| layout | accumulate (ms) | plain sum (ms) | plain / accumulate | outputs equal |')
    print('|---|---:|---:|---:|---|')
    for fmt in (torch.contiguous_format, torch.channels_last):
        unit = fuse_conv_bn(ExchangeUnit(args.widths)).to(memory_format=fmt)
        xs = [torch.rand(args.batch, c, h >> b, w >> b).contiguous(memory_format=fmt)
              for b, c in enumerate(args.widths)]
        times = dict(fast=[], plain=[])
        with torch.inference_mode():
            equal = all(torch.equal(a, b) for a, b in zip(unit(xs), plain_forward(unit, xs)))
            for _ in range(args.rounds):
                for name, fn in (('fast', unit), ('plain', lambda v, u=unit: plain_forward(u, v))):
                    t0 = time.perf_counter()
                    fn(xs)
                    times[name].append(time.perf_counter() - t0)
        fast, plain = (statistics.median(times[k]) for k in ('fast', 'plain'))
        name = 'channels_last' if fmt == torch.channels_last else 'contiguous'
        print(f'| {name} | {1e3 * fast:.1f} | {1e3 * plain:.1f} | {plain / fast:.2f}x | {equal} |')


if __name__ == '__main__':
    main()
