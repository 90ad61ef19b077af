"""Where the compiled PyTorch path's time goes, next to OpenVINO and ONNX Runtime (issue 14).

    python -m benchmarks.compiled_profile            # W32 256x192, batch 1 and 16, 2 threads
    python -m benchmarks.compiled_profile --quick    # the sample HRNet: checks the script

The compiled path (:func:`hrnet_ext.deploy.compile_for_inference`) and OpenVINO run the same
kind of oneDNN convolutions, yet OpenVINO bf16 is faster. For every batch size this script

1. times side by side (interleaved rounds, the network alone, no flip or decoding):
   ``compiled`` / ``compiled-bf16`` (what ``compile_for_inference`` makes),
   ``compiled-pywrap`` / ``compiled-bf16-pywrap`` (the same graph run by Inductor's Python
   wrapper, what it made before this script: ``cpp_wrapper=False``), ``ov`` / ``ov-bf16``
   (OpenVINO on the exported ONNX file) and ``ort`` (plain ONNX Runtime fp32);
2. splits one call of each compiled and OpenVINO variant into *convolutions* (the
   execution time of every convolution, from ``ONEDNN_VERBOSE`` for PyTorch and from
   OpenVINO's per-node performance counters), *reorders* (layout conversions) and
   *everything else* of the wall time (element-wise kernels between the convolutions, the
   wrapper that launches the ~370 kernels, dispatch, threads waking up), and names the
   convolution kernels that ran (``brg_conv_fwd:avx512_core_bf16``; AMX: ``..._amx``).

Prints one markdown table (docs/benchmarks.md, "The compiled PyTorch path: where its time
goes"); ``--json PATH`` writes its rows. The weights are random but realistic
(``benchmarks.common.build_pair``): speed only.
"""
import argparse
import atexit
import contextlib
import os
import os.path as osp
import shutil
import statistics
import tempfile
import time
from collections import Counter, defaultdict
from typing import Callable, Dict, List

import torch

from benchmarks.common import (
    build_pair,
    comma_list,
    cpu_description,
    interleaved_times,
    markdown_table,
    parse_args,
    write_json,
)
from benchmarks.cpu_inference import SessionRunner

VARIANTS = ('compiled', 'compiled-pywrap', 'compiled-bf16', 'compiled-bf16-pywrap', 'ov',
            'ov-bf16', 'ort')
QUICK = dict(config='sample/hrnet_tiny_coco-sample_128x96.py', batches='1', rounds=2,
             variants='compiled-bf16,ov-bf16,ort')


def arguments(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--config', default='hrnet_w32_coco_256x192.py')
    p.add_argument('--batches', default='1,16', help='comma list of batch sizes')
    p.add_argument('--variants', default=','.join(VARIANTS), help=f'from {VARIANTS}')
    p.add_argument('--rounds', type=int, default=7, help='interleaved timed rounds')
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--json', default=None)
    return parse_args(p, argv, QUICK)


# ----------------------------------------------------------------------------- runners
def make_runners(variants: List[str], model, h: int, w: int, threads: int
                 ) -> Dict[str, Callable[[torch.Tensor], torch.Tensor]]:
    from hrnet_ext.deploy import CompiledInference, OpenVinoSession, OrtSession, export_onnx
    runners = {}
    for name in variants:
        if name.startswith('compiled'):
            runners[name] = CompiledInference(model, 'inductor', bf16='bf16' in name,
                                              fuse_bn=True, channels_last=True,
                                              cpp_wrapper=not name.endswith('-pywrap'))
    if any(v.startswith(('ov', 'ort')) for v in variants):
        folder = tempfile.mkdtemp(prefix='hrnet_profile_')
        atexit.register(shutil.rmtree, folder, True)
        onnx_file = export_onnx(model, osp.join(folder, 'net.onnx'), input_size=(w, h))
        for name, precision in (('ov', 'fp32'), ('ov-bf16', 'bf16')):
            if name in variants:
                runners[name] = SessionRunner(
                    OpenVinoSession(onnx_file, precision, threads, perf_count=True))
        if 'ort' in variants:
            runners['ort'] = SessionRunner(OrtSession(onnx_file, threads=threads))
    return {v: runners[v] for v in variants}


# ----------------------------------------------------------------------------- breakdowns
@contextlib.contextmanager
def captured_stdout(path: str):
    """The process's file descriptor 1 (where oneDNN prints) redirected to ``path``."""
    import sys
    sys.stdout.flush()
    saved = os.dup(1)
    with open(path, 'w') as f:
        os.dup2(f.fileno(), 1)
        try:
            yield
        finally:
            sys.stdout.flush()
            os.dup2(saved, 1)
            os.close(saved)


def onednn_verbose_lines(fn: Callable, x: torch.Tensor, calls: int) -> List[str]:
    """oneDNN's verbose ``exec`` lines of ``calls`` calls of ``fn(x)`` (PyTorch's oneDNN)."""
    path = tempfile.mktemp(suffix='.onednn.txt')
    try:
        with captured_stdout(path), torch.backends.mkldnn.verbose(
                torch.backends.mkldnn.VERBOSE_ON):
            for _ in range(calls):
                fn(x)
        with open(path) as f:
            return [line for line in f if line.startswith('onednn_verbose') and ',exec,' in line]
    finally:
        with contextlib.suppress(OSError):
            os.remove(path)


def torch_breakdown(fn: Callable, x: torch.Tensor, wall_ms: float, calls: int = 3) -> dict:
    """One call of a compiled variant in parts (ms): oneDNN's convolutions and reorders
    (their times in oneDNN's verbose lines) and everything else of the wall time."""
    parts, kernels = defaultdict(float), Counter()
    for line in onednn_verbose_lines(fn, x, calls):
        fields = line.rstrip().split(',')
        i = fields.index('exec')
        kind, impl = fields[i + 2], fields[i + 3]
        parts[kind] += float(fields[-1]) / calls
        if kind == 'convolution':
            kernels[impl] += 1
    return split_wall(parts, kernels, wall_ms, calls)


def openvino_breakdown(session, x: torch.Tensor, wall_ms: float, calls: int = 3) -> dict:
    """The same parts from OpenVINO's performance counters (``PERF_COUNT``) of its executed
    nodes."""
    parts, kernels = defaultdict(float), Counter()
    for _ in range(calls):
        session(x.numpy())
        for node in session.profiling_info(x.shape):
            if node.status.name != 'EXECUTED':
                continue
            kind = node.node_type.lower()
            parts[kind] += node.real_time.total_seconds() * 1e3 / calls
            if kind == 'convolution':
                kernels[node.exec_type] += 1
    return split_wall(parts, kernels, wall_ms, calls)


def split_wall(parts: Dict[str, float], kernels: Counter, wall_ms: float, calls: int) -> dict:
    """Convolutions, reorders and the rest of the wall time (ms per call), and how many
    convolutions each kernel ran per call."""
    conv, reorder = parts.get('convolution', 0.0), parts.get('reorder', 0.0)
    return dict(conv_ms=conv, reorder_ms=reorder, rest_ms=wall_ms - conv - reorder,
                conv_kernels={k: v // calls for k, v in kernels.items()})


# ----------------------------------------------------------------------------- main
def measure_batch(runners: Dict[str, Callable], model, batch: int, h: int, w: int,
                  rounds: int) -> List[dict]:
    x = torch.rand(batch, 3, h, w, generator=torch.Generator().manual_seed(batch))
    compile_s, diffs = {}, {}
    with torch.inference_mode():
        reference = model(x, None, mode='tensor')
        for name, fn in runners.items():
            start = time.perf_counter()
            out = fn(x)
            compile_s[name] = time.perf_counter() - start
            diffs[name] = float((out.float() - reference).abs().max())
            if 'bf16' not in name and diffs[name] > 1e-3:  # fp32 paths compute the same
                raise RuntimeError(f'{name}: heatmaps differ by {diffs[name]:.2g} from eager')
        iters = max(1, 16 // batch)
        times = interleaved_times({n: (lambda f=f: f(x)) for n, f in runners.items()},
                                  rounds, warmup=1, iters=iters)
        rows = []
        for name, fn in runners.items():
            wall = statistics.median(times[name]) * 1e3
            if name.startswith('compiled'):
                parts = torch_breakdown(fn, x, wall)
            elif name.startswith('ov'):
                parts = openvino_breakdown(fn.session, x, wall)
            else:
                parts = {}
            rows.append(dict(batch=batch, variant=name, ms=wall, first_call_s=compile_s[name],
                             max_diff=diffs[name], **parts))
    return rows


def fmt(value) -> str:
    return '' if value is None else f'{value:.1f}'


def main(argv=None) -> dict:
    args = arguments(argv)
    torch.set_num_threads(args.threads)
    variants = comma_list(args.variants, VARIANTS, 'variants')
    model, _, (h, w) = build_pair(args.config)
    runners = make_runners(variants, model, h, w, args.threads)
    rows = []
    for batch in (int(b) for b in args.batches.split(',')):
        rows += measure_batch(runners, model, batch, h, w, args.rounds)
    print(f'# {args.config} ({h}x{w}), {args.threads} threads, {args.rounds} interleaved '
          f'rounds, torch {torch.__version__}; {cpu_description()}; OMP_WAIT_POLICY='
          f'{os.environ.get("OMP_WAIT_POLICY")}')
    table = []
    for r in rows:
        # bf16 rows against OpenVINO bf16, fp32 rows against plain ONNX Runtime fp32
        base = {b['variant']: b['ms'] for b in rows if b['batch'] == r['batch']}.get(
            'ov-bf16' if 'bf16' in r['variant'] else 'ort')
        kernels = sorted(r.get('conv_kernels', {}).items(), key=lambda kv: -kv[1])
        table.append([r['batch'], r['variant'], fmt(r['ms']),
                      f"{base / r['ms']:.2f}x" if base else '', fmt(r.get('conv_ms')),
                      fmt(r.get('reorder_ms')), fmt(r.get('rest_ms')),
                      ' '.join(f'{k} x{v}' for k, v in kernels)])
    print(markdown_table(['batch', 'variant', 'ms / call', 'speed vs ov-bf16 (bf16) / ort',
                          'convolutions ms', 'reorders ms', 'everything else ms',
                          'convolution kernels (per call)'], table, 'rlrrrrrl'))
    write_json(args.json, rows)
    return dict(rows=rows)


if __name__ == '__main__':
    main()
