"""Does ``torch.compile`` change what a training step computes? Heatmaps and gradients of the
compiled network against eager float64, for ours and MMPose's HRNet with the same weights.

    python -m benchmarks.compile_equality                       # CPU, the tiny sample model
    python -m benchmarks.compile_equality --device cuda --config configs/hrnet_w32_coco_256x192.py
    python -m benchmarks.compile_equality --quick               # dynamo's 'eager' backend only

One forward + backward (``sum`` of the heatmaps) in train mode (batch statistics) on a random
batch: eager float32, compiled float32 (:func:`hrnet_ext.engine.compile.compile_model`, TF32
off) and an eager float64 copy as the reference. The table gives the max absolute heatmap
difference to float64 and the worst relative gradient error over the parameters
(``max |g - g64| / max |g64|`` per parameter), for eager fp32 (the rounding floor) and
compiled fp32. A compiled error far above the eager floor is a compiler error, not rounding.
"""
import argparse
import copy
import os.path as osp
import time

import torch

from benchmarks.common import (
    REPO,
    TINY_CONFIG,
    build_mmpose,
    build_ours,
    load_config,
    markdown_table,
    parse_args,
)

# dynamo traces the network (what can break) without inductor's minutes of compiling
QUICK = dict(backend='eager')


def arguments(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--config', default=TINY_CONFIG)
    p.add_argument('--device', default='cpu')
    p.add_argument('--batch-size', type=int, default=2)
    p.add_argument('--models', default='ours,mmpose')
    p.add_argument('--backend', default='inductor')
    p.add_argument('--mode', default=None, help='torch.compile mode (default: default)')
    p.add_argument('--seed', type=int, default=0)
    return parse_args(p, argv, QUICK)


def step(model, x):
    """Heatmaps and per-parameter gradients of one forward + backward."""
    model.zero_grad(set_to_none=True)
    y = model.head(model.backbone(x))
    y.sum().backward()
    return y.detach(), {n: p.grad.detach().clone() for n, p in model.named_parameters()
                        if p.grad is not None}


def worst_rel(grads, ref):
    worst, name = 0.0, ''
    for n, g in grads.items():
        r = ref[n]
        e = ((g.double() - r).abs().max() / r.abs().max().clamp_min(1e-30)).item()
        if e > worst:
            worst, name = e, n
    return worst, name


def compare(name: str, base, x, args) -> list:
    """Table rows of one model: eager and compiled fp32 against eager fp64."""
    from hrnet_ext.engine.compile import compile_model
    device = torch.device(args.device)
    ref_y, ref_g = step(copy.deepcopy(base).double().to(device), x.double().to(device))
    rows = []
    for variant in ('eager', 'compiled'):
        m = copy.deepcopy(base).to(device)
        start = time.perf_counter()
        if variant == 'compiled':
            compile_model(m, mode=args.mode, backend=args.backend)
        y, g = step(m, x.to(device))
        seconds = time.perf_counter() - start if variant == 'compiled' else 0.0
        err, pname = worst_rel(g, ref_g)
        rows.append([name, variant, f'{(y.double() - ref_y).abs().max().item():.1e}',
                     f'{err:.1e}', pname, f'{seconds:.0f}'])
    return rows


def main(argv=None) -> list:
    args = arguments(argv)
    import hrnet_ext  # noqa: F401
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    cfg = load_config(args.config)
    torch.manual_seed(args.seed)
    ours = build_ours(cfg)
    models = {'ours': ours}
    if 'mmpose' in args.models:
        models['mmpose'], _ = build_mmpose(cfg, ours)
    w, h = cfg.codec['input_size']
    x = torch.randn(args.batch_size, 3, h, w, generator=torch.Generator().manual_seed(1))
    print(f'{osp.relpath(args.config, REPO)}, input {h}x{w}, batch {args.batch_size}, '
          f'{args.device}, torch {torch.__version__}, backend {args.backend}, mode {args.mode}')
    rows = []
    for name in args.models.split(','):
        rows += compare(name, models[name].train(), x, args)
    print(markdown_table(['model', 'variant', 'max heatmap diff to fp64',
                          'worst relative gradient error', 'parameter', 'compile s'], rows,
                         align='llrrlr'))
    return rows


if __name__ == '__main__':
    main()
