"""Training and inference throughput of a top-down HRNet config: ours against MMPose's HRNet.

Builds the model of a config (default ``configs/hrnet_w32_coco_384x288.py``: HRNet-W32 at
384x288, 17 joints, Adam, MSE heatmap loss) through MMEngine's ``Config`` and MMPose's
``MODELS`` registry, and MMPose's own ``HRNet`` + ``HeatmapHead`` (no deconvolutions, final
1x1 convolution) with the same weights. Inputs are synthetic (random uint8 images of the
config's input size; random heatmap targets, all keypoint weights 1), so no dataset is read.

A training iteration is what MMEngine's ``Runner`` runs: ``model.train_step(batch,
optim_wrapper)`` (data preprocessor, forward, loss, backward, Adam step with the config's
optimizer). The heads' PCK accuracy (``train_cfg.compute_acc``) is off unless ``--acc on``:
it copies predictions and targets to the host every step, and under bfloat16 autocast it
fails (``to_numpy`` of a bfloat16 tensor) in our head and in MMPose's ``HeatmapHead`` alike.
Precision modes:

* ``fp32``: ``OptimWrapper`` (on a GPU cuDNN uses TF32 for convolutions, PyTorch's default;
  the header prints the flags);
* ``amp-fp16``: ``AmpOptimWrapper`` with its default dtype, i.e. what ``tools/train.py
  --amp`` builds (float16 autocast, dynamic loss scale); GPU only;
* ``amp-bf16``: ``AmpOptimWrapper(dtype='bfloat16')`` on a GPU, bfloat16 autocast on a CPU;
* ``amp-bf16-cl``: the same with the model (and so its activations) in channels_last;
* ``fp32-cl``: fp32 with the model in channels_last (not in the default list);
* ``amp-bf16-cl-compile``: ``amp-bf16-cl`` with the network compiled
  (:func:`hrnet_ext.engine.compile.compile_model`: ``torch.compile`` of the backbone and the
  head, default mode), what ``tools/train.py --amp --amp-dtype bfloat16 --compile`` runs;
* ``amp-bf16-cl-graphs``: the same with ``mode='reduce-overhead'`` (CUDA graphs; each step
  begins with ``torch.compiler.cudagraph_mark_step_begin()``, as ``CudaGraphStepHook`` does).
  Compilation happens in the warm-up (its time is printed), not in the timed rounds;
* ``fp32-compile`` / ``fp32-cl-compile``: fp32 (channels_last) with the network compiled.

Inference is ``model(inputs, None, mode='tensor')`` (backbone and head, no flip, no
decoding) on normalised float inputs under ``torch.inference_mode`` in ``fp32``, ``bf16``
(autocast), ``bf16-cl`` and ``bf16-cl-compile`` / ``bf16-cl-graphs`` (compiled as above).

Throughput: rounds of ``--iters`` iterations, interleaved over every (model, mode) with all
models resident, after ``--warmup`` iterations each; the table gives the median over the
rounds and the spread (max - min) / median. Peak memory (``torch.cuda.max_memory_allocated``)
is measured first, with only that model on the device (weights, gradients, Adam states and
the step's activations, plus the resident synthetic batch). MFU counts a training image as
3 x 2 x the forward multiply-adds of the convolutions (weights x output positions; biases,
norms and additions not counted: 17.20 G for W32 at 384x288) and an inference image as 2 x,
against ``--peak-tflops`` (default: the GPU's dense bf16 peak, when known). ``--profile``
adds, per chosen setting, the GPU kernel time per step (torch.profiler) next to the timed
step, so a host-bound step (GPU busy well under 100%) shows as such, and the kernel time by
group (convolution, batch norm, layout transposes, ...).

Examples::

    # the GPU measurement (docs/benchmarks_gpu.md)
    python -m benchmarks.train_throughput --device cuda --cudnn-benchmark on \
        --profile train/ours/fp32,train/ours/amp-bf16-cl
    # anyone, anywhere: the sample HRNet on the CPU, one step of fp32 training and inference
    python -m benchmarks.train_throughput --quick
"""
import argparse
import copy
import gc
import os.path as osp
import platform
import sys
import time
from contextlib import contextmanager, nullcontext
from typing import Callable, Dict, List, Optional

import torch
from torch import nn

from benchmarks.common import (
    REPO,
    TINY_CONFIG,
    build_mmpose,
    build_ours,
    forward_macs,
    interleaved_times,
    load_config,
    markdown_table,
    median_spread,
    parse_args,
    write_json,
)

TRAIN_MODES = ('fp32', 'amp-fp16', 'amp-bf16', 'amp-bf16-cl', 'fp32-cl', 'amp-bf16-cl-compile',
               'amp-bf16-cl-graphs', 'fp32-compile', 'fp32-cl-compile')
INFER_MODES = ('fp32', 'bf16', 'bf16-cl', 'bf16-cl-compile', 'bf16-cl-graphs')
MODELS_ORDER = ('ours', 'mmpose')
QUICK = dict(config=TINY_CONFIG, device='cpu', batch_size=2, iters=1, rounds=1, warmup=1,
             mem_iters=0, train_modes='fp32', infer_modes='fp32')

# Dense (no sparsity) bf16 tensor-core peaks, TFLOP/s, by a substring of the device name.
BF16_PEAK_TFLOPS = (
    ('H100 PCIe', 756.0),
    ('H100 NVL', 835.0),
    ('H100', 989.4),  # SXM5 (NVIDIA H100 80GB HBM3)
    ('H200', 989.4),
    ('H800', 989.4),
    ('A100', 312.0),
    ('L40S', 362.0),
)


def arguments(argv=None, defaults: Optional[dict] = None, quick: Optional[dict] = None):
    """The command line; ``defaults`` / ``quick`` replace the defaults (``benchmarks.cpu_train``
    passes its CPU presets)."""
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--config', default=str(REPO / 'configs' / 'hrnet_w32_coco_384x288.py'))
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu',
                   help='cuda, cuda:N or cpu (default: cuda when available)')
    p.add_argument('--batch-size', type=int, default=32, help='images per step (per GPU)')
    p.add_argument('--input-size', default=None,
                   help='HxW instead of the config\'s input (e.g. 128x96 for a quick CPU run)')
    p.add_argument('--iters', type=int, default=10, help='timed iterations per round')
    p.add_argument('--rounds', type=int, default=5, help='interleaved rounds (median)')
    p.add_argument('--warmup', type=int, default=5, help='untimed iterations per setting')
    p.add_argument('--mem-iters', type=int, default=2,
                   help='iterations of the isolated peak-memory pass (0: skip it)')
    p.add_argument('--models', default=','.join(MODELS_ORDER), help='ours,mmpose')
    p.add_argument('--train-modes', default=None,
                   help=f'comma list of {TRAIN_MODES} (default: all on a GPU, the ones '
                        'without float16 on a CPU); "none" skips training')
    p.add_argument('--mmpose-modes', default=None,
                   help='the modes MMPose\'s model runs in (default: all chosen); e.g. "fp32" '
                        'for the baseline alone')
    p.add_argument('--infer-modes', default=None,
                   help=f'comma list of {INFER_MODES} (default: all); "none" skips inference')
    p.add_argument('--infer-batch-size', type=int, default=None,
                   help='inference batch (default: --batch-size)')
    p.add_argument('--cudnn-benchmark', choices=('config', 'on', 'off'), default='config',
                   help="cuDNN autotuning; 'config' follows env_cfg.cudnn_benchmark")
    p.add_argument('--peak-tflops', type=float, default=None,
                   help='peak for MFU (default: the GPU\'s dense bf16 peak when known)')
    p.add_argument('--acc', choices=('off', 'on'), default='off',
                   help="the heads' PCK accuracy in train steps (train_cfg.compute_acc): it "
                        'copies predictions and targets to the CPU every step, and it fails '
                        'under bfloat16 autocast (numpy has no bfloat16), so it is off unless '
                        'asked for')
    p.add_argument('--threads', type=int, default=None, help='torch CPU threads')
    p.add_argument('--profile', default='',
                   help='comma list of settings to profile after timing, e.g. '
                        '"train/ours/fp32,train/ours/amp-bf16-cl" ("all": every one): GPU '
                        'kernel time (on a CPU: operator time) per step against the timed '
                        'step, by group')
    p.add_argument('--profile-steps', type=int, default=3)
    p.add_argument('--compile-backend', default='inductor',
                   help="torch.compile backend of the *-compile/*-graphs modes ('eager' checks "
                        'the tracing alone, quickly)')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--json', default=None, help='also write the results to this file')
    if defaults:
        p.set_defaults(**defaults)
    return parse_args(p, argv, quick if quick is not None else QUICK)




# ----------------------------------------------------------------------------- data
def synthetic_batch(cfg, batch: int, device: torch.device, seed: int) -> dict:
    """What ``PackPoseInputs`` + the default collate give: uint8 images and targets."""
    from mmengine.structures import InstanceData, PixelData
    from mmpose.structures import PoseDataSample
    w, h = cfg.codec['input_size']
    hw, hh = cfg.codec['heatmap_size']
    k = cfg.model.head.out_channels
    g = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(batch):
        inputs.append(torch.randint(0, 256, (3, h, w), dtype=torch.uint8, generator=g).to(device))
        s = PoseDataSample(metainfo=dict(input_size=(w, h), input_center=(w / 2, h / 2),
                                         input_scale=(w, h), flip_indices=list(range(k))))
        s.gt_fields = PixelData(heatmaps=torch.rand(k, hh, hw, generator=g).to(device))
        s.gt_instance_labels = InstanceData(keypoint_weights=torch.ones(1, k).to(device))
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


# ----------------------------------------------------------------------------- settings
def cpu_amp_optim_wrapper(optimizer):
    """bfloat16 autocast on the CPU (MMEngine's AmpOptimWrapper is for accelerators only)."""
    from mmengine.optim import OptimWrapper

    class CpuAmpOptimWrapper(OptimWrapper):
        @contextmanager
        def optim_context(self, model):
            with super().optim_context(model), torch.autocast('cpu', dtype=torch.bfloat16):
                yield

    return CpuAmpOptimWrapper(optimizer=optimizer)


def build_optim_wrapper(cfg, model: nn.Module, mode: str, device: torch.device):
    from mmengine.optim import AmpOptimWrapper, OptimWrapper
    from mmengine.registry import OPTIMIZERS
    opt_cfg = copy.deepcopy(cfg.optim_wrapper.optimizer)
    opt_cfg['params'] = model.parameters()
    optimizer = OPTIMIZERS.build(opt_cfg)
    if mode.startswith('fp32'):
        return OptimWrapper(optimizer=optimizer)
    if device.type == 'cpu':
        if mode == 'amp-fp16':
            raise ValueError('amp-fp16 needs a GPU')
        return cpu_amp_optim_wrapper(optimizer)
    if mode == 'amp-fp16':  # tools/train.py --amp: AmpOptimWrapper's default dtype (float16)
        return AmpOptimWrapper(optimizer=optimizer, loss_scale='dynamic')
    return AmpOptimWrapper(optimizer=optimizer, loss_scale='dynamic', dtype='bfloat16')


class Setting:
    """One (model, mode) pair with its state, and a function running one iteration."""

    def __init__(self, kind: str, model_name: str, mode: str):
        self.kind, self.model_name, self.mode = kind, model_name, mode
        self.times: List[float] = []
        self.peak_bytes: Optional[int] = None
        self.step: Optional[Callable[[], None]] = None
        self.held: list = []

    @property
    def key(self) -> str:
        return f'{self.kind}/{self.model_name}/{self.mode}'


def prepare(setting: Setting, cfg, base_models: Dict[str, nn.Module], device: torch.device,
            train_batch: dict, infer_input: torch.Tensor, compile_backend: str) -> None:
    """Put a copy of the model on the device and make ``setting.step``."""
    from hrnet_ext.engine.compile import compile_model
    model = copy.deepcopy(base_models[setting.model_name]).to(device)
    cl = '-cl' in setting.mode
    if cl:
        model = model.to(memory_format=torch.channels_last)
    graphs = setting.mode.endswith('-graphs')
    if graphs or setting.mode.endswith('-compile'):
        compile_model(model, mode='reduce-overhead' if graphs else None,
                      backend=compile_backend)
    mark = torch.compiler.cudagraph_mark_step_begin if graphs else (lambda: None)
    if setting.kind == 'train':
        model.train()
        ow = build_optim_wrapper(cfg, model, setting.mode, device)

        def step():
            mark()
            model.train_step(train_batch, ow)
        setting.held = [model, ow]
    else:
        model.eval()
        x = infer_input.contiguous(memory_format=torch.channels_last) if cl else infer_input
        amp = setting.mode.startswith('bf16')

        def step():
            mark()
            ctx = torch.autocast(device.type, dtype=torch.bfloat16) if amp else nullcontext()
            with torch.inference_mode(), ctx:
                model(x, None, mode='tensor')
        setting.held = [model]
    setting.step = step


def release(setting: Setting) -> None:
    setting.step, setting.held = None, []


def sync(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def free(device: torch.device) -> None:
    gc.collect()
    if device.type == 'cuda':
        torch.cuda.empty_cache()


def kernel_group(name: str) -> str:
    n = name.lower()
    if any(k in n for k in ('conv', 'gemm', 'xmma', 'cutlass', 'sm90', 'sm80', 'dgrad', 'wgrad',
                            'implicit', 'winograd', 'fft')):
        return 'convolution/GEMM'
    if 'norm' in n or 'bn_' in n or 'welford' in n:
        return 'batch norm'
    if 'nchwtonhwc' in n or 'nhwctonchw' in n or 'transpose' in n or 'copy' in n:
        return 'layout/copy'
    if 'upsample' in n:
        return 'upsample'
    if 'adam' in n or 'foreach' in n or 'multi_tensor' in n:
        return 'optimizer'
    if 'elementwise' in n or 'vectorized' in n or 'reduce' in n or 'threshold' in n:
        return 'elementwise/reduce'
    return 'other'


def profile_setting(setting: Setting, device: torch.device, steps: int) -> dict:
    """Kernel time of ``steps`` iterations (torch.profiler), by kernel group.

    On a GPU: device-side kernels. On a CPU: the operators' own (self) CPU time, so the groups
    add up to the step; the optimizer's share is the time inside ``Optimizer.step``.
    """
    from torch.autograd import DeviceType
    from torch.profiler import ProfilerActivity, profile
    setting.step()
    sync(device)
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device.type == 'cuda'
                                           else [])
    with profile(activities=activities) as prof:
        for _ in range(steps):
            setting.step()
        sync(device)
    if device.type == 'cuda':
        # device-side events, without user annotations (``Optimizer.step#Adam.step`` spans the
        # optimizer's kernels and the gaps between them)
        kernels = [(e.name, e.time_range.elapsed_us()) for e in prof.events()
                   if e.device_type == DeviceType.CUDA
                   and not getattr(e, 'is_user_annotation', False) and '#' not in e.name]
        group_of = kernel_group
    else:
        # operators' own CPU time; those under ``Optimizer.step`` (Adam's element-wise
        # updates, generic names) are counted once, as the optimizer
        def in_optimizer(e) -> bool:
            while e is not None:
                if e.name.startswith('Optimizer.step#'):
                    return True
                e = e.cpu_parent
            return False
        kernels = [('adam (Optimizer.step)' if in_optimizer(e) else e.name, e.self_cpu_time_total)
                   for e in prof.events()
                   if e.name.startswith('aten::') or e.name.startswith('mkldnn')]
        group_of = cpu_op_group
    groups: Dict[str, float] = {}
    for name, us in kernels:
        g = group_of(name)
        groups[g] = groups.get(g, 0.0) + us
    busy_us = sum(groups.values())
    top: Dict[str, float] = {}
    for name, us in kernels:
        top[name] = top.get(name, 0.0) + us
    return dict(kernel_ms_per_step=busy_us / 1e3 / steps, kernels_per_step=len(kernels) / steps,
                groups_ms_per_step={k: v / 1e3 / steps for k, v in
                                    sorted(groups.items(), key=lambda kv: -kv[1])},
                top_kernels_ms_per_step=[(k[:90], v / 1e3 / steps) for k, v in
                                         sorted(top.items(), key=lambda kv: -kv[1])[:8]])


def cpu_op_group(name: str) -> str:
    n = name.lower()
    if n.startswith('adam'):
        return 'optimizer'
    if 'conv' in n:
        return 'convolution (fwd + bwd)'
    if 'batch_norm' in n:
        return 'batch norm (fwd + bwd)'
    if 'threshold' in n or 'relu' in n:
        return 'relu (fwd + bwd)'
    if 'upsample' in n:
        return 'upsample'
    if any(k in n for k in ('copy', 'contiguous', 'clone', 'to_dense', 'reorder')):
        return 'layout/copy'
    if any(k in n for k in ('add', 'mul', 'sum', 'div', 'fill', 'zero')):
        return 'elementwise/reduce'
    return 'other'


def default_peak(device: torch.device) -> Optional[float]:
    if device.type != 'cuda':
        return None
    name = torch.cuda.get_device_name(device)
    for key, tflops in BF16_PEAK_TFLOPS:
        if key in name:
            return tflops
    return None


# ----------------------------------------------------------------------------- run
def chosen_modes(args, on_gpu: bool):
    """The training and inference modes asked for (checked), defaults filled in."""
    if args.train_modes == 'none':
        train_modes = []
    elif args.train_modes:
        train_modes = args.train_modes.split(',')
    else:
        train_modes = [m for m in TRAIN_MODES[:4] if on_gpu or m != 'amp-fp16']
    infer_modes = ([] if args.infer_modes == 'none' else
                   args.infer_modes.split(',') if args.infer_modes else list(INFER_MODES[:3]))
    for m in train_modes:
        assert m in TRAIN_MODES, f'unknown train mode {m}'
    for m in infer_modes:
        assert m in INFER_MODES, f'unknown inference mode {m}'
    return train_modes, infer_modes


def build_models(cfg, model_names: List[str], acc: bool, notes: List[str]):
    """Ours and (if asked) MMPose's model on the same weights, on the CPU, in train mode;
    their heatmap difference goes to ``notes``."""
    ours = build_ours(cfg)
    base_models = {'ours': ours}
    if 'mmpose' in model_names:
        base_models['mmpose'], note = build_mmpose(cfg, ours)
        notes.append(f'MMPose model: {note}')
        w, h = cfg.codec['input_size']
        probe = torch.randn(2, 3, h, w)
        with torch.no_grad():
            a = ours.eval()(probe, None, mode='tensor')
            b = base_models['mmpose'].eval()(probe, None, mode='tensor')
        notes.append(f'max |ours - MMPose| heatmap difference, fp32 eval, CPU: '
                     f'{(a - b).abs().max().item():.2e}')
    for m in base_models.values():
        m.train()
        m.train_cfg = dict(m.train_cfg or {}, compute_acc=acc)
    if not acc:
        notes.append('train steps without the PCK accuracy (train_cfg.compute_acc=False)')
    return base_models


def measure_peak_memory(settings: List[Setting], prepare_setting: Callable[[Setting], None],
                        device: torch.device, iters: int, notes: List[str]) -> None:
    """``peak_bytes`` of every setting, each alone on the GPU."""
    for s in settings:
        free(device)
        torch.cuda.reset_peak_memory_stats(device)
        prepare_setting(s)
        for _ in range(iters):
            s.step()
        sync(device)
        s.peak_bytes = torch.cuda.max_memory_allocated(device)
        release(s)
    free(device)
    # the batch and inference input stay resident; say how much that is
    resident = torch.cuda.memory_allocated(device)
    notes.append(f'peak memory includes the resident synthetic data '
                 f'({resident / 2**20:.0f} MiB: train batch + inference input)')


def measure_throughput(settings: List[Setting], prepare_setting: Callable[[Setting], None],
                       device: torch.device, args) -> None:
    """All settings resident, each warmed up, then interleaved rounds into ``times``."""
    for s in settings:
        prepare_setting(s)
        t0 = time.perf_counter()
        for _ in range(args.warmup):
            s.step()
        sync(device)
        print(f'[bench] warm-up {s.key}: {args.warmup} iterations in '
              f'{time.perf_counter() - t0:.1f} s', flush=True)
    times = interleaved_times(
        {s.key: (lambda s=s: s.step()) for s in settings}, args.rounds, iters=args.iters,
        sync=lambda: sync(device),
        after_round=lambda r: print(f'[bench] round {r + 1}/{args.rounds} done', flush=True))
    for s in settings:
        s.times = times[s.key]


def profile_settings(settings: List[Setting], device: torch.device, args,
                     notes: List[str]) -> Dict[str, dict]:
    """:func:`profile_setting` of the settings named by ``--profile``."""
    profiles = {}
    keys = args.profile.split(',') if args.profile else []
    for s in settings:
        if 'all' in keys or s.key in keys:
            try:
                profiles[s.key] = profile_setting(s, device, args.profile_steps)
            except Exception as exc:  # a profiler problem must not lose the timings
                notes.append(f'profile of {s.key} failed: {type(exc).__name__}: {exc}')
    return profiles


def summarize(settings: List[Setting], args, macs: int, peak: Optional[float]) -> List[dict]:
    """One result per setting: images/s, ms per step, spread, peak memory, TFLOP/s, MFU."""
    results = []
    for s in settings:
        step_s, spread = median_spread(s.times)
        bsz = args.batch_size if s.kind == 'train' else args.infer_batch_size
        ips = bsz / step_s
        flops_per_img = (6 if s.kind == 'train' else 2) * macs
        tflops = ips * flops_per_img / 1e12
        results.append(dict(kind=s.kind, model=s.model_name, mode=s.mode, batch=bsz,
                            images_per_s=ips, step_ms=1e3 * step_s, spread=spread,
                            peak_mib=None if s.peak_bytes is None else s.peak_bytes / 2**20,
                            tflops=tflops, mfu=None if not peak else tflops / peak))
    return results


def environment(args, device: torch.device, hw, macs: int, peak: Optional[float]) -> dict:
    on_gpu = device.type == 'cuda'
    env = dict(
        date=time.strftime('%Y-%m-%d'), host=platform.node(), python=platform.python_version(),
        torch=torch.__version__, device=(torch.cuda.get_device_name(device) if on_gpu
                                         else f'CPU ({platform.processor() or platform.machine()}, '
                                              f'{torch.get_num_threads()} threads)'),
        cudnn=torch.backends.cudnn.version() if on_gpu else None,
        cudnn_benchmark=torch.backends.cudnn.benchmark,
        cudnn_allow_tf32=torch.backends.cudnn.allow_tf32,
        matmul_allow_tf32=torch.backends.cuda.matmul.allow_tf32,
        config=osp.relpath(args.config, REPO),
        input_hw=hw, batch=args.batch_size, infer_batch=args.infer_batch_size, iters=args.iters,
        rounds=args.rounds, warmup=args.warmup, forward_gmacs=macs / 1e9, peak_tflops=peak)
    try:
        import mmcv
        import mmengine
        import mmpose
        env.update(mmengine=mmengine.__version__, mmcv=mmcv.__version__,
                   mmpose=mmpose.__version__)
    except ImportError:
        pass
    return env


def print_report(env: dict, notes: List[str], results: List[dict], profiles: Dict[str, dict],
                 model_names: List[str], train_modes: List[str], infer_modes: List[str],
                 on_gpu: bool) -> None:
    h, w = env['input_hw']
    by = {(r['kind'], r['model'], r['mode']): r for r in results}

    def ratio(a, b):
        return f'{a["images_per_s"] / b["images_per_s"]:.2f}x' if a and b else '-'

    print()
    print(f'# {env["config"]}: input {h}x{w}, batch {env["batch"]} (inference '
          f'{env["infer_batch"]}), {env["device"]}')
    print(f'torch {env["torch"]}, cuDNN {env["cudnn"]}, cudnn.benchmark={env["cudnn_benchmark"]}, '
          f'cudnn.allow_tf32={env["cudnn_allow_tf32"]}, matmul.allow_tf32='
          f'{env["matmul_allow_tf32"]}; mmengine {env.get("mmengine")}, mmcv {env.get("mmcv")}, '
          f'mmpose {env.get("mmpose")}')
    peak = env['peak_tflops']
    print(f'forward: {env["forward_gmacs"]:.2f} GMACs per image (convolutions); MFU against '
          f'{f"{peak:.0f} TFLOP/s" if peak else "n/a"}; median of {env["rounds"]} rounds x '
          f'{env["iters"]} iterations after {env["warmup"]} warm-up')
    for n in notes:
        print(f'note: {n}')
    for kind, modes, title in (('train', train_modes, 'Training step (train_step: forward, '
                                'loss, backward, Adam)'),
                               ('infer', infer_modes, 'Inference (forward, no flip)')):
        if not modes:
            continue
        ref = by.get((kind, 'mmpose', 'fp32'))
        headers = ['model', 'mode', 'images/s', 'ms/step', 'spread', 'peak MiB', 'TFLOP/s',
                   'MFU', 'vs MMPose same mode', 'vs MMPose fp32']
        rows = []
        for mode in modes:
            for m in model_names:
                r = by.get((kind, m, mode))
                if r is None:
                    continue
                rows.append([m, mode, f'{r["images_per_s"]:.1f}', f'{r["step_ms"]:.1f}',
                             f'{100 * r["spread"]:.1f}%',
                             '-' if r['peak_mib'] is None else f'{r["peak_mib"]:.0f}',
                             f'{r["tflops"]:.1f}',
                             '-' if r['mfu'] is None else f'{100 * r["mfu"]:.1f}%',
                             ratio(r, by.get((kind, 'mmpose', mode))) if m != 'mmpose' else '',
                             ratio(r, ref)])
        print(f'\n## {title}\n')
        print(markdown_table(headers, rows))
    if profiles:
        print('\n## Profile (torch.profiler; ' + ('GPU kernel' if on_gpu else "operators' own CPU")
              + ' time against the timed step)\n')
        rows = []
        for key, pr in profiles.items():
            kind, m, mode = key.split('/')
            r = by[(kind, m, mode)]
            groups = ', '.join(f'{g} {v:.1f}' for g, v in pr['groups_ms_per_step'].items())
            rows.append([key, f'{r["step_ms"]:.1f}', f'{pr["kernel_ms_per_step"]:.1f}',
                         f'{100 * pr["kernel_ms_per_step"] / r["step_ms"]:.0f}%',
                         f'{pr["kernels_per_step"]:.0f}', groups])
        print(markdown_table(['setting', 'ms/step (timed)', 'GPU kernel ms/step', 'GPU busy',
                              'kernels/step', 'kernel ms/step by group'] if on_gpu else
                             ['setting', 'ms/step (timed)', 'operator ms/step (self CPU)',
                              'of the step', 'operators', 'operator ms/step by group'], rows))
        for key, pr in profiles.items():
            print(f'\ntop kernels of {key} (ms/step):')
            for name, ms in pr['top_kernels_ms_per_step']:
                print(f'  {ms:7.2f}  {name}')


def main(argv=None, defaults: Optional[dict] = None, quick: Optional[dict] = None) -> dict:
    args = arguments(argv, defaults, quick)
    device = torch.device(args.device)
    on_gpu = device.type == 'cuda'
    if on_gpu and not torch.cuda.is_available():
        sys.exit('--device cuda, but torch sees no GPU (use --device cpu)')
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    args.infer_batch_size = args.infer_batch_size or args.batch_size

    from mmengine.logging import MMLogger
    from mmengine.registry import init_default_scope

    import hrnet_ext  # noqa: F401  (registers the hrnet_ext scope)
    # the current logger: keeps init_weights' per-parameter INFO lines out of the output
    MMLogger.get_instance('hrnet_ext_train_throughput', log_level='WARNING')
    init_default_scope('mmpose')

    input_size = tuple(int(v) for v in args.input_size.split('x')) if args.input_size else None
    cfg = load_config(args.config, input_size)
    bench = {'config': cfg.get('env_cfg', {}).get('cudnn_benchmark', False),
             'on': True, 'off': False}[args.cudnn_benchmark]
    torch.backends.cudnn.benchmark = bool(bench)
    model_names = [m for m in args.models.split(',') if m]
    train_modes, infer_modes = chosen_modes(args, on_gpu)

    # Models on the CPU first (the same weights for both), then the synthetic data.
    notes: List[str] = []
    base_models = build_models(cfg, model_names, args.acc == 'on', notes)
    w, h = cfg.codec['input_size']
    macs = forward_macs(base_models['ours'], h, w)
    train_batch = synthetic_batch(cfg, args.batch_size, device, args.seed)
    g = torch.Generator().manual_seed(args.seed + 1)
    infer_input = torch.randn(args.infer_batch_size, 3, h, w, generator=g).to(device)

    mm_modes = None if args.mmpose_modes is None else args.mmpose_modes.split(',')
    pairs = [(m, mode) for mode in train_modes for m in model_names]
    settings = [Setting('train', m, mode) for m, mode in pairs
                if m != 'mmpose' or mm_modes is None or mode in mm_modes]
    pairs = [(m, mode) for mode in infer_modes for m in model_names]
    settings += [Setting('infer', m, mode) for m, mode in pairs
                 if m != 'mmpose' or mm_modes is None or mode in mm_modes]

    def prepare_setting(s: Setting) -> None:
        prepare(s, cfg, base_models, device, train_batch, infer_input, args.compile_backend)

    if on_gpu and args.mem_iters > 0:
        measure_peak_memory(settings, prepare_setting, device, args.mem_iters, notes)
    measure_throughput(settings, prepare_setting, device, args)
    profiles = profile_settings(settings, device, args, notes)
    for s in settings:
        release(s)
    free(device)

    peak = args.peak_tflops if args.peak_tflops is not None else default_peak(device)
    results = summarize(settings, args, macs, peak)
    env = environment(args, device, (h, w), macs, peak)
    print_report(env, notes, results, profiles, model_names, train_modes, infer_modes, on_gpu)
    out = dict(env=env, notes=notes, results=results, profiles=profiles)
    write_json(args.json, out)
    return out


if __name__ == '__main__':
    main()
