#!/usr/bin/env python
"""Does ``torch.compile`` change what a training step computes? Heatmaps and gradients of the
compiled network against eager float64, for ours and MMPose's HRNet with the same weights.

    python benchmarks/compile_equality.py                          # CPU, the tiny sample model
    python benchmarks/compile_equality.py --device cuda --config configs/hrnet_w32_coco_256x192.py

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
import sys
import time

import torch

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
for path in (REPO, osp.join(REPO, 'benchmarks')):
    if path not in sys.path:
        sys.path.insert(0, path)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--config', default=osp.join(REPO, 'configs', 'sample',
                                                'hrnet_tiny_coco-sample_128x96.py'))
    p.add_argument('--device', default='cpu')
    p.add_argument('--batch-size', type=int, default=2)
    p.add_argument('--models', default='ours,mmpose')
    p.add_argument('--backend', default='inductor')
    p.add_argument('--mode', default=None, help='torch.compile mode (default: default)')
    p.add_argument('--seed', type=int, default=0)
    return p.parse_args(argv)


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


def main(argv=None):
    args = parse_args(argv)
    import gpu_train
    from mmengine.registry import init_default_scope

    import hrnet_ext  # noqa: F401
    from hrnet_ext.engine.compile import compile_model
    init_default_scope('mmpose')
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    device = torch.device(args.device)
    cfg = gpu_train.load_config(args.config, None)
    torch.manual_seed(args.seed)
    ours = gpu_train.build_ours(cfg)
    models = {'ours': ours}
    if 'mmpose' in args.models:
        models['mmpose'], _ = gpu_train.build_mmpose(cfg, ours)
    w, h = cfg.codec['input_size']
    x = torch.randn(args.batch_size, 3, h, w, generator=torch.Generator().manual_seed(1))
    print(f'{osp.relpath(args.config, REPO)}, input {h}x{w}, batch {args.batch_size}, '
          f'{args.device}, torch {torch.__version__}, backend {args.backend}, mode {args.mode}')
    print('| model | variant | max heatmap diff to fp64 | worst relative gradient error | '
          'parameter | compile s |')
    print('|---|---|---:|---:|---|---:|')
    for name in args.models.split(','):
        base = models[name].train()
        ref_y, ref_g = step(copy.deepcopy(base).double().to(device), x.double().to(device))
        for variant in ('eager', 'compiled'):
            m = copy.deepcopy(base).to(device)
            t = 0.0
            if variant == 'compiled':
                compile_model(m, mode=args.mode, backend=args.backend)
                t = time.perf_counter()
            y, g = step(m, x.to(device))
            t = time.perf_counter() - t if t else 0.0
            err, pname = worst_rel(g, ref_g)
            print(f'| {name} | {variant} | {(y.double() - ref_y).abs().max().item():.1e} | '
                  f'{err:.1e} | {pname} | {t:.0f} |', flush=True)


if __name__ == '__main__':
    main()
