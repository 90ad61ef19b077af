"""Inference speed-ups that leave the outputs equal: BN folded into convolutions, channels_last.

In ``eval`` a batch norm is an affine map per channel, ``y = (x - mean) / sqrt(var + eps) *
gamma + beta``, so after a convolution it folds into the convolution's weights and bias
(``W' = W * s``, ``b' = (b - mean) * s + beta`` with ``s = gamma / sqrt(var + eps)``): one
operator instead of two, and one pass over the activation less. The folded model computes
the same function up to float rounding (measured on HRNet-W32: max heatmap difference
~1e-6, tested <= 1e-4 in ``tests/models/test_fuse_bn.py``).

Which norm follows which convolution is read from the module tree, the layouts HRNet and
MMPose's ResNet blocks use:

* a module with children ``conv<k>`` and ``bn<k>`` / ``norm<k>`` (MMPose's ``BasicBlock`` and
  ``Bottleneck``, the HRNet stem): the norm is applied right after its convolution;
* an ``nn.Sequential`` in which a ``Conv2d`` is immediately followed by a ``BatchNorm2d``
  (transitions, downsampling shortcuts, exchange-unit paths).

A folded norm is replaced by ``nn.Identity`` under the same name, so the ``norm1`` properties
of the blocks still resolve. The state dict of a folded model has no ``bn`` keys: fold a copy
for inference and keep the original for checkpoints (``inplace=False``, the default).

:func:`compile_for_inference` goes one step further on the CPU: a folded channels_last copy
compiled by TorchInductor with freezing (oneDNN convolutions with prepacked weights and the
bias, additions and ReLUs fused in), or by TorchScript; optionally in bfloat16.
"""
import copy
import os
import re
import shutil
import time
import warnings
from typing import Iterator, Tuple

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.utils.fusion import fuse_conv_bn_eval

_NAMED_PAIR = re.compile(r'^conv(\d+)$')


def _pairs(module: nn.Module) -> Iterator[Tuple[str, str]]:
    """Names of the (convolution, norm) children of ``module`` that run back to back."""
    children = dict(module.named_children())
    if isinstance(module, nn.Sequential):
        names = list(children)
        for a, b in zip(names, names[1:]):
            yield a, b
        return
    for name in children:
        match = _NAMED_PAIR.match(name)
        if match:
            for norm_name in (f'bn{match.group(1)}', f'norm{match.group(1)}'):
                if norm_name in children:
                    yield name, norm_name


def fuse_conv_bn(model: nn.Module, inplace: bool = False) -> nn.Module:
    """Fold every batch norm that directly follows a ``Conv2d`` into that convolution.

    Args:
        model: Any module built from HRNet's or MMPose's blocks (ours, MMPose's ``HRNet``,
            a whole ``TopdownPoseEstimator``). Its batch norms must be in ``eval`` mode (the
            fold uses the running statistics).
        inplace: Change ``model`` itself instead of a deep copy.

    Returns:
        The folded model, in ``eval`` mode.

    Example:
        >>> import torch
        >>> from hrnet_ext.models import HRNet
        >>> net = HRNet(arch='w18').eval()
        >>> fused = fuse_conv_bn(net)
        >>> any(isinstance(m, torch.nn.BatchNorm2d) for m in fused.modules())
        False
        >>> x = torch.rand(1, 3, 64, 64)
        >>> bool((fused(x)[0] - net(x)[0]).abs().max() < 1e-4)
        True
    """
    if not inplace:
        model = copy.deepcopy(model)
    model.eval()
    for module in list(model.modules()):
        for conv_name, norm_name in list(_pairs(module)):
            conv, norm = getattr(module, conv_name), getattr(module, norm_name)
            if not (type(conv) is nn.Conv2d and isinstance(norm, _BatchNorm)
                    and norm.track_running_stats and norm.running_mean is not None):
                continue
            fused = fuse_conv_bn_eval(conv, norm)
            setattr(module, conv_name, fused)
            setattr(module, norm_name, nn.Identity())
    return model


def optimize_for_inference(model: nn.Module, fuse_bn: bool = True,
                           channels_last: bool = True) -> nn.Module:
    """A copy of ``model`` for CPU/GPU inference: BN folded and/or weights in channels_last.

    Feed it channels_last inputs (``x.contiguous(memory_format=torch.channels_last)``) for
    the full effect; contiguous inputs give the same values. On the CPU channels_last lets
    oneDNN skip its layout reorders around every convolution (MMPose's eager W32 at batch 16
    went from 14.3 to 19.9 images/s with it alone).
    """
    model = fuse_conv_bn(model) if fuse_bn else copy.deepcopy(model).eval()
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    return model


# ----------------------------------------------------------------------------- compiled
COMPILE_BACKENDS = ('inductor', 'jit')


class _TensorForward(nn.Module):
    """``x -> heatmaps`` of a top-down estimator (``model._forward``: backbone, neck, head
    forward), or ``model(x)`` of any other module: a tensor-in, tensor-out graph to compile."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model
        try:
            from mmpose.models.pose_estimators.base import BasePoseEstimator
        except ImportError:  # pragma: no cover - mmpose is a dependency
            BasePoseEstimator = ()
        self.estimator = isinstance(model, BasePoseEstimator)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model._forward(x) if self.estimator else self.model(x)


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
        module: The folded, channels_last copy of the model that was compiled.
        compile_seconds: Seconds of the first call per input shape (compilation, tracing and
            one forward), keyed by ``tuple(x.shape)``; each new shape compiles again.
    """

    def __init__(self, model: nn.Module, backend: str, bf16: bool, fuse_bn: bool,
                 channels_last: bool) -> None:
        if backend not in COMPILE_BACKENDS:
            raise ValueError(f'backend must be one of {COMPILE_BACKENDS}, got {backend!r}')
        if bf16 and backend != 'inductor':
            raise ValueError('bf16=True needs backend="inductor" (TorchScript freezing does '
                             'not take autocast)')
        if backend == 'inductor':
            check_cpp_compiler()
        self.backend, self.bf16 = backend, bf16
        self.memory_format = torch.channels_last if channels_last else torch.contiguous_format
        self.module = _TensorForward(
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
        with inductor_config.patch(freezing=True):
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
                          channels_last: bool = True) -> CompiledInference:
    """Compile a folded, channels_last copy of ``model`` for CPU inference; compiles now.

    ``backend='inductor'``: ``torch.compile`` (TorchInductor, static shapes) with
    ``torch._inductor.config.freezing`` on during compilation: the weights become constants,
    the convolutions run as oneDNN convolutions with prepacked weights and the bias, the
    residual / exchange-unit additions and the ReLUs fused into them as post-ops, and the
    remaining element-wise work as generated C++ kernels. Needs a C++ compiler (g++ or
    clang++; a clear error otherwise) and takes seconds to a minute per input shape.
    ``backend='jit'``: ``torch.jit.trace`` + ``torch.jit.freeze`` +
    ``torch.jit.optimize_for_inference`` (no compiler needed; TorchScript is deprecated
    since torch 2.9, and on W32 it was no faster than ``optimize_for_inference`` alone).

    ``model`` itself is left as it is (a copy is folded and compiled; its state dict, config
    and mode do not change), and so is the global inductor config (patched only around the
    calls of the returned function). Outputs equal ``model``'s to float rounding (fp32:
    max heatmap difference <= 1e-4, tested in ``tests/models/test_compile.py``). With
    ``bf16=True`` (inductor only) the network runs under ``torch.autocast('cpu',
    torch.bfloat16)`` and the outputs are **not** equal: see ``benchmarks/bf16_accuracy.py``.

    Args:
        model: A top-down estimator (``TopdownPoseEstimator``: compiled is ``model._forward``,
            i.e. ``model(x, None, mode='tensor')``) or any module with ``forward(x)``.
        example: An input of the shape to compile for (e.g. ``(16, 3, 256, 192)``). Other
            shapes work too and compile on their first call.
        backend: ``'inductor'`` or ``'jit'``.
        bf16: bfloat16 autocast inside the compiled graph (inductor only).
        fuse_bn: Fold batch norms first (:func:`fuse_conv_bn`).
        channels_last: Weights and inputs in channels_last (inputs are converted).

    Returns:
        A :class:`CompiledInference`: call it with ``(N, 3, H, W)`` float tensors; it runs
        under ``torch.no_grad`` and returns float32 heatmaps.

    Example:
        >>> fast = compile_for_inference(model, torch.rand(16, 3, 256, 192))  # doctest: +SKIP
        >>> heatmaps = fast(images)  # == model(images, None, mode='tensor') to 1e-4
    """
    compiled = CompiledInference(model, backend, bf16, fuse_bn, channels_last)
    compiled(example)
    return compiled
