"""CPU inference of HRNet pose networks: ours (eager, BN folded + channels_last, compiled, ONNX
Runtime, bf16) against MMPose's built-in HRNet with the same weights, in one run.

    python -m benchmarks.cpu_inference          # W32 256x192 and 384x288, W48 384x288; batch 1, 16
    python -m benchmarks.cpu_inference --quick  # the sample HRNet, batch 1 and 2: checks the script

For every (config, batch) the script builds the config's model (``hrnet_ext.HRNet`` +
``hrnet_ext.HRNetHeatmapHead``, via MMPose's registry) and MMPose's ``HRNet`` + ``HeatmapHead``
(no deconvolutions, final 1x1 convolution) and loads our state dict into MMPose's strictly.
The weights are random but realistic in scale (:mod:`hrnet_ext.testing`: He-normal
convolutions, batch-norm statistics calibrated on a random batch, so every norm normalises as in
a trained network, and the final layer scaled so that the largest heatmap value is about 1), so
that the "max |diff|" column is comparable with the issue's 1e-4 bound on heatmaps.

Variants (``--variants``), each timed on the network alone (``model(x, None, mode='tensor')``,
normalised float input, no flip test, no decoding) under ``torch.inference_mode``:

* ``mmpose``: MMPose's model, eager fp32: the baseline of every ratio;
* ``mmpose-cl``: the same in channels_last (model and input);
* ``ours``: our model, eager fp32;
* ``ours-fused-cl``: ours with BN folded into the convolutions
  (:func:`hrnet_ext.deploy.optimize_for_inference`) and channels_last;
* ``ours-compiled``: :func:`hrnet_ext.deploy.compile_for_inference`: the folded
  channels_last copy compiled by TorchInductor with freezing (oneDNN convolutions with
  prepacked weights, bias + addition + ReLU fused in); compiled once per batch size before
  the timed rounds, the compile time printed separately (needs a C++ compiler);
* ``ours-compiled-bf16``: the same under bfloat16 autocast (weights cast once, at freezing);
* ``ours-ort``: ours exported to ONNX (TorchScript exporter, opset 17, dynamic batch; the
  exporter folds the batch norms itself) and run by ONNX Runtime's CPU provider with
  :class:`hrnet_ext.deploy.OrtSession`'s options: all graph optimisations (x86: NCHWc
  convolutions with fused activations and sums), intra-op threads = torch's, sequential
  execution, worker threads not spinning (the deploy default; see ``ours-ort-spin``);
* ``ours-bf16``: ``ours-fused-cl`` under ``torch.autocast('cpu', torch.bfloat16)``; its
  difference is reported as the max heatmap difference and the mean keypoint (heatmap
  argmax) displacement in heatmap pixels.

* ``ours-ov``, ``ours-ov-bf16``, ``ours-ov-int8``: the same ONNX file in OpenVINO
  (:class:`hrnet_ext.deploy.OpenVinoSession`: static shape per batch, LATENCY hint,
  ``INFERENCE_PRECISION_HINT`` f32 / bf16); int8 is NNCF's post-training quantization
  (:func:`hrnet_ext.deploy.quantize_openvino`) calibrated here on 32 random crops: these
  weights are random, so the rows measure speed only; the accuracy of int8 on trained
  weights is ``tools/deploy/export.py``'s report (docs/deploy.md);
* ``ours-ort-int8``: ONNX Runtime on the static QDQ int8 file
  (:func:`hrnet_ext.deploy.quantize_onnxruntime`, same calibration crops).

Ratios are given to ``mmpose`` (MMPose eager fp32) and to ``ours-ort`` (plain ONNX Runtime
fp32). At batch 1 every variant is also timed ``--latency-calls`` times one call at a time,
interleaved: median (p50) and 95th-percentile latency.

Not in the default list: ``ours-jit`` (``compile_for_inference(backend='jit')``: TorchScript
trace + freeze + optimize_for_inference) and ``ours-ort-spin`` (ONNX Runtime with its own
default of spinning worker threads).

Rounds interleave the variants (mmpose, mmpose-cl, ours, ...) after a warm-up, so a load
change on a shared machine hits all of them; each round runs ``--iters`` batches (default:
enough for about 16 images). The table gives the median time per batch, images/s, the spread
(max - min) / median over rounds, the ratio to ``mmpose`` (speed-up, > 1 is faster) and the
max absolute heatmap difference to ``mmpose``, the fastest round and the ratio of the fastest
rounds (on a shared machine load only ever adds time, so the best round is the closest to
the quiet speed; a load change inside a round can hit some variants and not others, which the
medians of few rounds do not undo), and the convolutions' multiply-adds per second
(GMAC/s: the model's Conv2d multiply-adds, :mod:`hrnet_ext.models.complexity`, over the median
time).
``--profile VARIANT`` prints torch.profiler's top operators for one (config, batch, variant)
after timing (for ``ours-ort*``: ONNX Runtime's own node profile by operator type).
``--conv-reference`` times, after each setting, lone 3x3 convolutions of the network's own
branch shapes (same batch, channels_last, oneDNN, fp32 and bf16), interleaved: how fast the
convolutions that take 95 % of the time can run here at best.
``--peak`` measures the peak that counts for reduced precision here: eight chained 3x3
convolutions (batch 8, 256 channels, 28x28) in OpenVINO fp32, bf16 and int8, and a
4096x4096x4096 bf16 matmul in torch, each printed with the oneDNN kernel that ran it
(``brgconv_avx512_amx_*`` is AMX).
``--json PATH`` writes everything. ``--quick`` runs the sample HRNet at 128x96 with every
variant but the inductor ones (minutes of compiling; name them in ``--variants`` to include them).
"""
import argparse
import atexit
import copy
import datetime
import json
import os
import os.path as osp
import shutil
import statistics
import tempfile
from typing import Callable, Dict, List, Optional

import numpy as np
import torch
from torch import nn

from benchmarks.common import (
    build_pair,
    comma_list,
    cpu_description,
    forward_macs,
    interleaved_times,
    markdown_table,
    median_spread,
    parse_args,
    write_json,
)

VARIANTS = ('mmpose', 'mmpose-cl', 'ours', 'ours-fused-cl', 'ours-compiled', 'ours-ort',
            'ours-bf16', 'ours-compiled-bf16', 'ours-ov', 'ours-ov-bf16', 'ours-ov-int8',
            'ours-ort-int8')
OPENVINO = ('ours-ov', 'ours-ov-bf16', 'ours-ov-int8')
OPTIONAL = ('ours-jit', 'ours-ort-spin')
COMPILED = ('ours-compiled', 'ours-compiled-bf16', 'ours-jit')
FULL = ('hrnet_w32_coco_256x192.py', 'hrnet_w32_coco_384x288.py', 'hrnet_w48_coco_384x288.py')
QUICK = dict(configs='sample/hrnet_tiny_coco-sample_128x96.py', batches='1,2', rounds=2,
             latency_calls=4, variants=','.join(v for v in VARIANTS if v not in COMPILED))


def arguments(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--configs', default=','.join(FULL),
                   help='comma list of config files under configs/ (default: the three)')
    p.add_argument('--batches', default='1,16', help='comma list of batch sizes')
    p.add_argument('--variants', default=','.join(VARIANTS),
                   help=f'comma list of {VARIANTS + OPTIONAL}')
    p.add_argument('--rounds', type=int, default=5, help='interleaved rounds')
    p.add_argument('--iters', type=int, default=None,
                   help='batches per round (default: ceil(16 / batch))')
    p.add_argument('--warmup', type=int, default=1, help='untimed batches per variant')
    p.add_argument('--latency-calls', type=int, default=40,
                   help='batch 1: timed single calls per variant (interleaved), for the '
                        'median and 95th-percentile latency')
    p.add_argument('--peak', action='store_true',
                   help="measure the machine's peak: chained convolutions in OpenVINO fp32, "
                        'bf16 and int8 (oneDNN; AMX where the CPU has it), and a large bf16 '
                        'matmul in torch; prints the kernel each ran')
    p.add_argument('--threads', type=int, default=None, help='torch intra-op threads')
    p.add_argument('--profile', default=None,
                   help='VARIANT: torch.profiler top operators of that variant, every setting')
    p.add_argument('--conv-reference', action='store_true',
                   help='also time lone 3x3 convolutions of the branch shapes (fp32, bf16)')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--json', default=None, help='also write the results to this file')
    return parse_args(p, argv, QUICK)


# ----------------------------------------------------------------------------- variants
class OrtRunner:
    """``x -> heatmaps`` through an ONNX Runtime session; ``profile`` times its nodes."""

    def __init__(self, onnx_file: str, threads: int, spinning: bool) -> None:
        from hrnet_ext.deploy import OrtSession
        self.onnx_file, self.threads, self.spinning = onnx_file, threads, spinning
        self.session = OrtSession(onnx_file, threads=threads, spinning=spinning).session

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(self.session.run(None, {'input': x.numpy()})[0])

    def profile(self, x: torch.Tensor, steps: int = 2, top: int = 12) -> str:
        """ONNX Runtime's own profiler: node time by operator type over ``steps`` runs."""
        import collections

        import onnxruntime as ort

        from hrnet_ext.deploy import OrtSession
        with tempfile.TemporaryDirectory() as tmp:
            opts = OrtSession(self.onnx_file, threads=self.threads,
                              spinning=self.spinning).options
            opts.enable_profiling = True
            opts.profile_file_prefix = osp.join(tmp, 'ort_profile')
            session = ort.InferenceSession(self.onnx_file, opts,
                                           providers=['CPUExecutionProvider'])
            session.run(None, {'input': x.numpy()})  # warm-up (also profiled: dropped below)
            for _ in range(steps):
                session.run(None, {'input': x.numpy()})
            with open(session.end_profiling()) as f:
                events = json.load(f)
        runs = [e for e in events if e.get('name') == 'model_run']
        start = runs[1]['ts'] if len(runs) > 1 else 0  # skip the warm-up run
        by_op, calls = collections.Counter(), collections.Counter()
        for e in events:
            if e.get('cat') == 'Node' and e['name'].endswith('_kernel_time') and e['ts'] >= start:
                op = e.get('args', {}).get('op_name', '?')
                by_op[op] += e['dur']
                calls[op] += 1
        wall = sum(r['dur'] for r in runs[1:]) or 1
        total = sum(by_op.values()) or 1
        lines = [f'ONNX Runtime node time over {steps} runs ({wall / 1e3:.0f} ms of model_run; '
                 f'nodes {100 * total / wall:.0f}% of it)',
                 f'{"operator":24s} {"share":>7s} {"ms":>9s} {"calls":>6s}']
        for op, dur in by_op.most_common(top):
            lines.append(f'{op:24s} {100 * dur / total:6.1f}% {dur / 1e3:9.1f} {calls[op]:6d}')
        return '\n'.join(lines)


class SessionRunner:
    """``x -> heatmaps`` through a numpy session (OpenVINO, ONNX Runtime on a file)."""

    def __init__(self, session: Callable) -> None:
        self.session = session

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return torch.from_numpy(self.session(x.numpy()))


def int8_runners(variants: List[str], onnx_file: str, h: int, w: int, threads: int
                 ) -> Dict[str, Callable]:
    """The int8 variants: NNCF (OpenVINO) and QDQ (ONNX Runtime) files of ``onnx_file``,
    calibrated on 32 random crops drawn like the timed input (uniform in [0, 1)); speed
    only: the weights are random too."""
    from hrnet_ext.deploy import OpenVinoSession, OrtSession
    from hrnet_ext.deploy.quantize import quantize_onnxruntime, quantize_openvino
    crops = torch.rand(32, 3, h, w, generator=torch.Generator().manual_seed(2)).numpy()
    folder = osp.dirname(onnx_file)
    runners = {}
    if 'ours-ov-int8' in variants:
        xml = quantize_openvino(onnx_file, crops, osp.join(folder, 'net.int8.xml'),
                                activation_ranges='minmax')  # speed only: random weights
        runners['ours-ov-int8'] = SessionRunner(OpenVinoSession(xml, 'int8', threads))
    if 'ours-ort-int8' in variants:
        qdq = quantize_onnxruntime(onnx_file, crops, osp.join(folder, 'net.int8.onnx'))
        runners['ours-ort-int8'] = SessionRunner(OrtSession(qdq, threads=threads))
    return runners



def make_runners(variants: List[str], ours: nn.Module, mmpose: nn.Module, h: int, w: int
                 ) -> Dict[str, Callable[[torch.Tensor], torch.Tensor]]:
    """One ``x -> heatmaps`` function per variant (inputs contiguous NCHW float32), in the
    order of ``variants``. The compiled ones (:data:`COMPILED`) are
    :class:`~hrnet_ext.deploy.CompiledInference` objects that compile on their first call per
    batch size (:func:`compile_runners` makes that call before timing)."""
    from hrnet_ext.deploy import CompiledInference, optimize_for_inference
    cl = torch.channels_last
    runners = {}
    if 'mmpose' in variants:
        runners['mmpose'] = lambda x: mmpose(x, None, mode='tensor')
    if 'mmpose-cl' in variants:
        mmpose_cl = copy.deepcopy(mmpose).to(memory_format=cl)
        runners['mmpose-cl'] = lambda x: mmpose_cl(x.contiguous(memory_format=cl), None,
                                                   mode='tensor')
    if 'ours' in variants:
        runners['ours'] = lambda x: ours(x, None, mode='tensor')
    if 'ours-fused-cl' in variants or 'ours-bf16' in variants:
        fast = optimize_for_inference(ours)
    if 'ours-fused-cl' in variants:
        runners['ours-fused-cl'] = lambda x: fast(x.contiguous(memory_format=cl), None,
                                                  mode='tensor')
    if 'ours-compiled' in variants:
        runners['ours-compiled'] = CompiledInference(ours, 'inductor', False, True, True)
    threads = torch.get_num_threads()
    if any(v.startswith(('ours-ort', 'ours-ov')) for v in variants):
        folder = tempfile.mkdtemp(prefix='hrnet_bench_')
        atexit.register(shutil.rmtree, folder, True)
        from hrnet_ext.deploy import export_onnx
        # fp32, dynamic batch, opset 17; every ONNX Runtime and OpenVINO variant runs this file
        onnx_file = export_onnx(ours, osp.join(folder, 'net.onnx'), input_size=(w, h))
        for name, spinning in (('ours-ort', False), ('ours-ort-spin', True)):
            if name in variants:
                runners[name] = OrtRunner(onnx_file, threads, spinning)
        for name, precision in (('ours-ov', 'fp32'), ('ours-ov-bf16', 'bf16')):
            if name in variants:
                from hrnet_ext.deploy import OpenVinoSession
                runners[name] = SessionRunner(OpenVinoSession(onnx_file, precision, threads))
        runners.update(int8_runners(variants, onnx_file, h, w, threads))
    if 'ours-bf16' in variants:
        def bf16(x):
            with torch.autocast('cpu', dtype=torch.bfloat16):
                return fast(x.contiguous(memory_format=cl), None, mode='tensor').float()
        runners['ours-bf16'] = bf16
    if 'ours-compiled-bf16' in variants:
        runners['ours-compiled-bf16'] = CompiledInference(ours, 'inductor', True, True, True)
    if 'ours-jit' in variants:
        runners['ours-jit'] = CompiledInference(ours, 'jit', False, True, True)
    return {v: runners[v] for v in variants if v in runners}


# ----------------------------------------------------------------------------- checks
def keypoint_shift(a: torch.Tensor, b: torch.Tensor) -> float:
    """Mean distance (heatmap pixels) between the argmax keypoints of two heatmap batches."""
    from hrnet_ext.deploy.quantize import heatmap_argmax
    moved = heatmap_argmax(a.float().numpy()) - heatmap_argmax(b.float().numpy())
    return float(np.linalg.norm(moved, axis=-1).mean())



def measured_peak(threads: int, calls: int = 5) -> dict:
    """The multiply-add rate this machine reaches per precision, on the unit that does it.

    Eight chained 3x3 convolutions (256 -> 256 channels, 28x28, batch 8: 29.6 G
    multiply-adds, the activations kept inside the graph so that the fp32 input and output
    cost little) in OpenVINO fp32, bf16 and int8 (NNCF-quantized), and a 4096^3 bf16 matmul in
    torch; best of ``calls`` after a warm-up, with the oneDNN kernel each ran (``*amx*``: the
    AMX tiles; ``avx512_I8``: AVX-512 VNNI; ``avx512_bf16``: AVX512_BF16).
    """
    import time

    from hrnet_ext.deploy import OpenVinoSession
    from hrnet_ext.deploy.quantize import quantize_openvino

    def best_of(fn) -> float:
        fn()
        times = []
        for _ in range(calls):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return min(times)

    n, c, hw, layers = 8, 256, 28, 8
    macs = layers * n * c * c * 9 * hw * hw
    torch.manual_seed(0)
    convs = nn.Sequential(*[nn.Conv2d(c, c, 3, padding=1) for _ in range(layers)]).eval()
    for conv in convs:
        nn.init.normal_(conv.weight, std=(1 / (9 * c)) ** 0.5)
    x = torch.randn(n, c, hw, hw, generator=torch.Generator().manual_seed(0)).numpy()
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        onnx_file = osp.join(folder, 'convs.onnx')
        torch.onnx.export(convs, (torch.zeros(1, c, hw, hw), ), onnx_file, input_names=['input'],
                          output_names=['out'], dynamic_axes={'input': {0: 'n'}, 'out': {0: 'n'}},
                          opset_version=17, dynamo=False)
        xml = quantize_openvino(onnx_file, x[:2], osp.join(folder, 'convs.int8.xml'),
                                activation_ranges='minmax')
        for precision, path in (('fp32', onnx_file), ('bf16', onnx_file), ('int8', xml)):
            session = OpenVinoSession(path, precision, threads)
            seconds = best_of(lambda run=session: run(x))
            results[f'openvino 8 chained convs {precision}'] = dict(
                gmac_per_s=macs / seconds / 1e9,
                kernels=session.convolution_info(x.shape, 'primitiveType'))
    a = torch.randn(4096, 4096).bfloat16()
    with torch.inference_mode():
        seconds = best_of(lambda: a @ a)
    results['torch matmul bf16 4096^3'] = dict(gmac_per_s=4096 ** 3 / seconds / 1e9,
                                               kernels={'torch.matmul (oneDNN)': 1})
    return results


def conv_reference(model: nn.Module, batch: int, h: int, w: int, rounds: int) -> List[dict]:
    """GMAC/s of a lone 3x3 convolution (+ bias) at each branch's width and resolution.

    The residual blocks' 3x3 convolutions are most of HRNet's multiply-adds; timing one alone,
    channels_last, at the setting's batch, in fp32 and in bf16 (interleaved, median of
    ``rounds`` after one warm-up round), shows how fast oneDNN runs those shapes here with
    nothing around them.
    """
    import torch.nn.functional as F
    widths = list(model.backbone.extra['stage4']['num_channels'])
    gen = torch.Generator().manual_seed(0)
    candidates, macs = {}, {}
    for b, c in enumerate(widths):
        hb, wb = h // 4 >> b, w // 4 >> b
        x = torch.randn(batch, c, hb, wb, generator=gen).contiguous(
            memory_format=torch.channels_last)
        wt = (torch.randn(c, c, 3, 3, generator=gen) * 0.05).contiguous(
            memory_format=torch.channels_last)
        bias = torch.randn(c, generator=gen)
        shape = f'{c} ch, {hb}x{wb}'
        reps = max(1, int(2e8 // (batch * c * c * 9 * hb * wb)))  # ~0.2 G multiply-adds a call
        for dt, args in (('fp32', (x, wt, bias)), ('bf16', (x.bfloat16(), wt.bfloat16(),
                                                            bias.bfloat16()))):
            candidates[(shape, dt)] = lambda a=args, n=reps: [F.conv2d(*a, padding=1)
                                                              for _ in range(n)]
            macs[(shape, dt)] = batch * c * c * 9 * hb * wb * reps
    with torch.inference_mode():
        times = interleaved_times(candidates, rounds, warmup=1)
    shapes = dict.fromkeys(shape for shape, _ in candidates)
    return [dict(shape=shape, **{dt: macs[(shape, dt)] / statistics.median(times[(shape, dt)])
                                 / 1e9 for dt in ('fp32', 'bf16')}) for shape in shapes]


def profile_runner(fn: Callable, x: torch.Tensor, steps: int = 2, top: int = 12) -> str:
    if isinstance(fn, OrtRunner):
        return fn.profile(x, steps, top)
    from torch.profiler import ProfilerActivity, profile
    with torch.inference_mode():
        fn(x)
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            for _ in range(steps):
                fn(x)
    return prof.key_averages().table(sort_by='self_cpu_time_total', row_limit=top)


# ----------------------------------------------------------------------------- timing
def compile_runners(runners: Dict[str, Callable], x: torch.Tensor) -> Dict[str, float]:
    """Compile the compiled variants for ``x``'s shape (one forward included), outside the
    timed rounds; the seconds each took."""
    seconds = {}
    for v, fn in runners.items():
        if v in COMPILED:
            with torch.inference_mode():
                fn(x)
            seconds[v] = fn.compile_seconds[tuple(x.shape)]
    return seconds


def time_setting(runners: Dict[str, Callable], x: torch.Tensor, rounds: int, iters: int,
                 warmup: int) -> Dict[str, dict]:
    """Median seconds per batch of every runner, interleaved rounds, and its output check.
    With ``iters=1`` each round is one call: ``p95_s`` is then the 95th-percentile latency."""
    with torch.inference_mode():
        outs = {name: fn(x) for name, fn in runners.items()}  # first call: checks + warm-up
        times = interleaved_times({name: (lambda fn=fn: fn(x)) for name, fn in runners.items()},
                                  rounds, warmup=warmup - 1, iters=iters)
    ref = outs.get('mmpose')
    results = {}
    for name, ts in times.items():
        med, spread = median_spread(ts)
        r = dict(s_per_batch=med, images_per_s=x.shape[0] / med, best_s_per_batch=min(ts),
                 spread=spread, rounds=ts, p95_s=float(np.percentile(ts, 95)))
        if ref is not None:
            r['max_abs_diff'] = float((outs[name].float() - ref).abs().max())
            r['keypoint_shift_px'] = keypoint_shift(outs[name].float(), ref)
            r['heatmap_max'] = float(ref.abs().max())
        results[name] = r
    return results


def result_row(name: str, batch: int, v: str, r: dict, base: Optional[dict],
               ort: Optional[dict]) -> List[str]:
    """One row of the main table (``base``: MMPose eager fp32; ``ort``: plain ONNX Runtime
    fp32)."""
    ratio = f'{base["s_per_batch"] / r["s_per_batch"]:.2f}x' if base else '-'
    vs_ort = f'{ort["s_per_batch"] / r["s_per_batch"]:.2f}x' if ort else '-'
    best = f'{base["best_s_per_batch"] / r["best_s_per_batch"]:.2f}x' if base else '-'
    diff = f'{r["max_abs_diff"]:.1e}' if 'max_abs_diff' in r else '-'
    shift = f'{r["keypoint_shift_px"]:.3f}' if 'keypoint_shift_px' in r else '-'
    p95 = f'{1e3 * r["p95_s"]:.1f}' if batch == 1 else '-'
    return [name, str(batch), v, f'{1e3 * r["s_per_batch"]:.1f}', p95,
            f'{r["images_per_s"]:.2f}', f'{100 * r["spread"]:.0f}%', ratio, vs_ort,
            f'{1e3 * r["best_s_per_batch"]:.1f}', best, diff, shift, f'{r["gmac_per_s"]:.0f}']


# ----------------------------------------------------------------------------- run
def available_variants(args) -> tuple:
    """The variants asked for that can run here (inductor needs a C++ compiler, ONNX Runtime
    its package), and the ONNX Runtime version."""
    variants = comma_list(args.variants, VARIANTS + OPTIONAL, 'variants')
    if any(v in COMPILED and v != 'ours-jit' for v in variants):
        from hrnet_ext.deploy import check_cpp_compiler
        try:
            check_cpp_compiler()
        except RuntimeError as exc:
            print(f'skipping the inductor variants: {exc}', flush=True)
            variants = [v for v in variants if v not in COMPILED or v == 'ours-jit']
    versions = {}
    try:
        import onnxruntime
        versions['onnxruntime'] = onnxruntime.__version__
    except ImportError:
        variants = [v for v in variants if not v.startswith('ours-ort')]
    try:
        import nncf
        import openvino
        versions.update(openvino=openvino.__version__, nncf=nncf.__version__)
    except ImportError:
        print('skipping the OpenVINO variants: bash tools/install.sh --openvino', flush=True)
        variants = [v for v in variants if v not in OPENVINO]
    if 'onnxruntime' not in versions:
        variants = [v for v in variants if v not in OPENVINO]  # int8 uses its quantizer too
    return variants, versions


def measure_config(config: str, args, variants: List[str], tables: Dict[str, list]) -> list:
    """Every batch size of one config: timings, compile times, convolution references."""
    ours, mm, (h, w) = build_pair(config, seed=args.seed)
    runners = make_runners(variants, ours, mm, h, w)
    macs = forward_macs(ours, h, w)
    name = f'{osp.basename(config).split("_coco")[0].replace("hrnet_", "").upper()} {h}x{w}'
    settings = []
    for batch in (int(b) for b in args.batches.split(',')):
        x = torch.rand(batch, 3, h, w, generator=torch.Generator().manual_seed(1))
        iters = args.iters or max(1, -(-16 // batch))
        rounds = args.rounds
        if batch == 1:  # one call per round: the rounds are the latency samples
            iters, rounds = 1, max(args.rounds, args.latency_calls)
        compile_s = compile_runners(runners, x)
        for v, s in compile_s.items():
            tables['compile'].append([name, str(batch), v, f'{s:.1f}'])
            print(f'{name} batch {batch}: {v} compiled in {s:.1f} s (one forward included)',
                  flush=True)
        res = time_setting(runners, x, rounds, iters, args.warmup)
        for v, r in res.items():
            r['gmac_per_s'] = macs * batch / r['s_per_batch'] / 1e9
            if v in compile_s:
                r['compile_s'] = compile_s[v]
            tables['main'].append(result_row(name, batch, v, r, res.get('mmpose'),
                                             res.get('ours-ort')))
            print(' | '.join(tables['main'][-1]), flush=True)
        settings.append(dict(config=config, input=(h, w), batch=batch, iters=iters,
                             conv_macs_per_image=macs, results=res))
        if args.conv_reference:
            ref = conv_reference(ours, batch, h, w, args.rounds)
            settings[-1]['conv_reference'] = ref
            for r in ref:
                tables['conv'].append([name, str(batch), r['shape'], f'{r["fp32"]:.0f}',
                                       f'{r["bf16"]:.0f}', f'{r["bf16"] / r["fp32"]:.2f}x'])
                print(' | '.join(tables['conv'][-1]), flush=True)
        if args.profile and args.profile in runners:
            print(f'--- profile {name} batch {batch} {args.profile}')
            print(profile_runner(runners[args.profile], x))
    return settings


def print_tables(header: str, tables: Dict[str, list], peak: Optional[dict]) -> None:
    print()
    print(header)
    print(markdown_table(['model', 'batch', 'variant', 'ms/batch (p50)', 'p95 ms (batch 1)',
                          'images/s', 'spread', 'speed-up vs mmpose', 'vs ORT fp32',
                          'best ms/batch', 'speed-up (best rounds)', 'max |diff| vs mmpose',
                          'keypoint shift (px)', 'conv GMAC/s'],
                         tables['main'], align='lll' + 'r' * 11))
    if peak:
        print(f'\nmeasured peak ({torch.get_num_threads()} threads, best of 5):')
        print(markdown_table(['what', 'GMAC/s', 'oneDNN kernels'],
                             [[k, f'{v["gmac_per_s"]:.0f}',
                               ', '.join(f'{n} x{c}' for n, c in v['kernels'].items())]
                              for k, v in peak.items()], align='lrl'))
    if tables['compile']:
        print()
        print(markdown_table(['model', 'batch', 'variant', 'compile s (first call, not timed)'],
                             tables['compile'], align='lllr'))
    if tables['conv']:
        print()
        print(markdown_table(['model', 'batch', 'lone 3x3 convolution (channels_last)',
                              'fp32 GMAC/s', 'bf16 GMAC/s', 'bf16 / fp32'], tables['conv'],
                             align='lllrrr'))


def main(argv=None) -> dict:
    args = arguments(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.backends.mkldnn.enabled = True
    variants, versions = available_variants(args)
    import mmpose
    header = (f'{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}; '
              f'{cpu_description()}; torch '
              f'{torch.__version__} ({torch.get_num_threads()} threads, '
              f'OMP_WAIT_POLICY={os.environ.get("OMP_WAIT_POLICY")}), mmpose {mmpose.__version__}'
              + ''.join(f', {k} {v}' for k, v in versions.items())
              + f'; {args.rounds} interleaved rounds (batch 1: {args.latency_calls} calls), '
              'median')
    print(header, flush=True)
    results = dict(header=header, settings=[])
    tables: Dict[str, list] = dict(main=[], compile=[], conv=[])
    for config in (c.strip() for c in args.configs.split(',')):
        results['settings'] += measure_config(config, args, variants, tables)
    peak = None
    if args.peak and 'openvino' in versions:
        peak = results['measured_peak'] = measured_peak(torch.get_num_threads())
    print_tables(header, tables, peak)
    write_json(args.json, results)
    return results


if __name__ == '__main__':
    main()
