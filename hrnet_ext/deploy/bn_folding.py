"""Inference speed-ups that leave the outputs equal: BN folded into convolutions, channels_last.

In ``eval`` a batch norm is an affine map per channel, ``y = (x - mean) / sqrt(var + eps) *
gamma + beta``, so after a convolution it folds into the convolution's weights and bias
(``W' = W * s``, ``b' = (b - mean) * s + beta`` with ``s = gamma / sqrt(var + eps)``): one
operator instead of two, and one pass over the activation less. The folded model computes
the same function up to float rounding (measured on HRNet-W32: max heatmap difference
~1e-6, tested <= 1e-4 in ``tests/deploy/test_bn_folding.py``).

Which norm follows which convolution is read from the module tree, the layouts HRNet and
MMPose's ResNet blocks use:

* a module with children ``conv<k>`` and ``bn<k>`` / ``norm<k>`` (MMPose's ``BasicBlock`` and
  ``Bottleneck``, the HRNet stem): the norm is applied right after its convolution;
* an ``nn.Sequential`` in which a ``Conv2d`` is immediately followed by a ``BatchNorm2d``
  (transitions, downsampling shortcuts, exchange-unit paths).

A folded norm is replaced by ``nn.Identity`` under the same name, so the ``norm1`` properties
of the blocks still resolve. The state dict of a folded model has no ``bn`` keys: fold a copy
for inference and keep the original for checkpoints (``inplace=False``, the default).

:func:`hrnet_ext.deploy.compile_for_inference` goes one step further on the CPU.
"""
import copy
import re
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
    oneDNN skip its layout reorders around every convolution (docs/benchmarks.md).
    """
    model = fuse_conv_bn(model) if fuse_bn else copy.deepcopy(model).eval()
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    return model
