"""Compiled CPU inference: a BN-folded, channels_last copy of a model compiled by TorchInductor
with freezing (oneDNN convolutions with prepacked weights, the bias, additions and ReLUs fused
in), or traced by TorchScript; optionally under bfloat16 autocast. Outputs equal the model's to
float rounding in fp32 (tests/deploy/test_compiled_inference.py); bf16 is measured by
``python -m benchmarks.bf16_accuracy``.
"""
import os
import shutil
import time
import warnings

import torch
from torch import nn

from hrnet_ext.models.heatmap_net import as_heatmap_net

from .bn_folding import optimize_for_inference

COMPILE_BACKENDS = ('inductor', 'jit')


def check_cpp_compiler() -> str:
    """The C++ compiler TorchInductor will use on the CPU; a clear error if there is none."""
    try:
        from torch._inductor.cpp_builder import get_cpp_compiler
        return get_cpp_compiler()
    except (ImportError, AttributeError):  # a torch without this private function
        found = shutil.which(os.environ.get('CXX') or 'g++') or shutil.which('clang++')
        if found:
            return found
        reason = 'no g++ or clang++ on PATH'
    except Exception as exc:  # torch._inductor.exc.InvalidCxxCompiler
        reason = f'{type(exc).__name__}: {exc}'.strip()
    raise RuntimeError(
        'compile_for_inference(backend="inductor") needs a C++ compiler: TorchInductor '
        f'builds its CPU kernels with g++ or clang++, and none was found ({reason}). Install '
        'one (e.g. apt-get install g++, version >= 10) or point CXX at it; or use '
        'backend="jit" (no compiler needed) or optimize_for_inference(model) alone.')


class CompiledInference:
    """A compiled ``x -> heatmaps`` function of a model (see :func:`compile_for_inference`).

    Attributes:
        backend: ``'inductor'`` or ``'jit'``.
        bf16: Whether the network runs under bfloat16 autocast (outputs still float32).
        cpp_wrapper: Whether generated C++ (not Python) launches the compiled kernels.
        module: The folded, channels_last copy of the network that was compiled (for an
            estimator, its :class:`~hrnet_ext.models.HeatmapNet`).
        compile_seconds: Seconds of the first call per input shape (compilation, tracing and
            one forward), keyed by ``tuple(x.shape)``; each new shape compiles again.
    """

    def __init__(self, model: nn.Module, backend: str, bf16: bool, fuse_bn: bool,
                 channels_last: bool, cpp_wrapper: bool = True) -> None:
        if backend not in COMPILE_BACKENDS:
            raise ValueError(f'backend must be one of {COMPILE_BACKENDS}, got {backend!r}')
        if bf16 and backend != 'inductor':
            raise ValueError('bf16=True needs backend="inductor" (TorchScript freezing does '
                             'not take autocast)')
        if backend == 'inductor':
            check_cpp_compiler()
        self.backend, self.bf16, self.cpp_wrapper = backend, bf16, cpp_wrapper
        self.memory_format = torch.channels_last if channels_last else torch.contiguous_format
        self.module = as_heatmap_net(
            optimize_for_inference(model, fuse_bn=fuse_bn, channels_last=channels_last)).eval()
        for p in self.module.parameters():
            p.requires_grad_(False)
        self.compile_seconds = {}
        self._jit = {}
        if backend == 'inductor':
            # static shapes: one graph per input shape, each specialised (a new batch size
            # compiles again, as the benchmark's batch 1 and 16 do)
            self._compiled = torch.compile(self.module, backend='inductor', dynamic=False)

    def _run(self, x: torch.Tensor) -> torch.Tensor:
        if self.backend == 'jit':
            key = tuple(x.shape)
            if key not in self._jit:  # a trace is specialised to its shapes: one per shape
                with warnings.catch_warnings():  # TorchScript is deprecated (torch >= 2.9)
                    warnings.simplefilter('ignore', FutureWarning)
                    traced = torch.jit.trace(self.module, x, check_trace=False)
                    self._jit[key] = torch.jit.optimize_for_inference(
                        torch.jit.freeze(traced))
            return self._jit[key](x)
        # Freezing (constant weights) is what lets inductor prepack the convolution weights
        # for oneDNN and fuse bias + add + ReLU into them. It is read from the global
        # inductor config when a graph is compiled (torch.compile(options=...) does not set
        # it, checked on torch 2.14), so it is patched around every call, which is where
        # (re)compilation happens, and restored after: the caller's config is untouched.
        import torch._inductor.config as inductor_config
        with inductor_config.patch(freezing=True, cpp_wrapper=self.cpp_wrapper):
            if self.bf16:
                with torch.autocast('cpu', dtype=torch.bfloat16):
                    return self._compiled(x).float()
            return self._compiled(x)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        x = x.contiguous(memory_format=self.memory_format)
        key = tuple(x.shape)
        with torch.no_grad():  # freezing needs grad off; no autograd state is kept either way
            if key in self.compile_seconds:
                return self._run(x)
            start = time.perf_counter()
            out = self._run(x)
            self.compile_seconds[key] = time.perf_counter() - start
            return out


def compile_for_inference(model: nn.Module, example: torch.Tensor, backend: str = 'inductor',
                          bf16: bool = False, fuse_bn: bool = True,
                          channels_last: bool = True, cpp_wrapper: bool = True
                          ) -> CompiledInference:
    """Compile a folded, channels_last copy of ``model`` for CPU inference; compiles now.

    ``backend='inductor'``: ``torch.compile`` (TorchInductor, static shapes) with
    ``torch._inductor.config.freezing`` on during compilation: the weights become constants,
    the convolutions run as oneDNN convolutions with prepacked weights and the bias, the
    residual / exchange-unit additions and the ReLUs fused into them as post-ops, and the
    remaining element-wise work as generated C++ kernels, launched one after the other by a
    generated C++ function (Inductor's ``cpp_wrapper``) rather than by Python code. Needs a
    C++ compiler (g++ or clang++; a clear error otherwise) and takes seconds to a minute per
    input shape.
    ``backend='jit'``: ``torch.jit.trace`` + ``torch.jit.freeze`` +
    ``torch.jit.optimize_for_inference`` (no compiler needed; TorchScript is deprecated
    since torch 2.9, and on W32 it was no faster than ``optimize_for_inference`` alone).

    ``model`` itself is left as it is (a copy is folded and compiled; its state dict, config
    and mode do not change), and so is the global inductor config (patched only around the
    calls of the returned function). Outputs equal ``model``'s to float rounding (fp32:
    max heatmap difference <= 1e-4, tested in ``tests/deploy/test_compiled_inference.py``). With
    ``bf16=True`` (inductor only) the network runs under ``torch.autocast('cpu',
    torch.bfloat16)`` and the outputs are **not** equal: see ``benchmarks/bf16_accuracy.py``.

    Args:
        model: A top-down estimator (``TopdownPoseEstimator``: compiled is ``model._forward``,
            i.e. ``model(x, None, mode='tensor')``) or any module with ``forward(x)``.
        example: An input of the shape to compile for (e.g. ``(16, 3, 256, 192)``). Other
            shapes work too and compile on their first call.
        backend: ``'inductor'`` or ``'jit'``.
        bf16: bfloat16 autocast inside the compiled graph (inductor only).
        fuse_bn: Fold batch norms first (:func:`~hrnet_ext.deploy.fuse_conv_bn`).
        channels_last: Weights and inputs in channels_last (inputs are converted).
        cpp_wrapper: Launch the kernels from generated C++ (``False``: Inductor's default
            Python wrapper: W32 256x192 bf16 1.4-4 % slower, compiles ~9 s faster;
            ``python -m benchmarks.compiled_profile``, docs/benchmarks.md).

    Returns:
        A :class:`CompiledInference`: call it with ``(N, 3, H, W)`` float tensors; it runs
        under ``torch.no_grad`` and returns float32 heatmaps.

    Example:
        >>> from hrnet_ext.models import HeatmapNet
        >>> net = HeatmapNet.from_arch('w18_small').eval()
        >>> x = torch.rand(2, 3, 64, 32)
        >>> fast = compile_for_inference(net, x, backend='jit')  # 'inductor' needs g++
        >>> bool((fast(x) - net(x)).abs().max() < 1e-4), fast.compile_seconds.keys()
        (True, dict_keys([(2, 3, 64, 32)]))
    """
    compiled = CompiledInference(model, backend, bf16, fuse_bn, channels_last, cpp_wrapper)
    compiled(example)
    return compiled
