"""Parameter and multiply-add counts, including the convention of the HRNet paper.

What is counted (docs/model.md explains the numbers):

``count_conv_linear_macs``
    Multiply-adds of every ``Conv2d`` / ``ConvTranspose2d`` / ``Linear`` call, measured by
    forward hooks: ``weight.numel() x output positions`` for a convolution (the official
    release's ``get_model_summary`` formula), ``in x out features`` per row for a linear
    layer. Not counted: biases, normalisation, activations, the additions of residual
    blocks and fusion, upsampling. The paper's "GFLOPs" are exactly these multiply-adds
    divided by 2^30 (:data:`PAPER_GIGA`), not by 10^9.
``count_torch_flops``
    ``torch.utils.flop_counter.FlopCounterMode``: FLOPs of the operators torch knows
    (convolutions and matrix products; 2 FLOPs per multiply-add), a cross-check.

Both work on the ``meta`` device (:func:`to_meta`): shapes only, no arithmetic, so even
W48 at 384x288 costs a fraction of a second.
"""
import re
from collections import OrderedDict
from typing import Callable, Dict, Optional

import torch
from torch import Tensor, nn
from torch.utils.flop_counter import FlopCounterMode

#: The paper's giga: the official ``get_model_summary`` prints multiply-adds / 1024**3.
PAPER_GIGA = 2**30
GIGA = 10**9

# Parts of HRNet, in forward order, recognised from module names (with or without the
# ``backbone.`` prefix of an estimator).
PARTS = OrderedDict([
    ('stem', re.compile(r'^(backbone\.)?(conv1|conv2)$')),
    ('stage 1 (layer1)', re.compile(r'^(backbone\.)?layer1\.')),
    ('transitions', re.compile(r'^(backbone\.)?transition\d\.')),
    ('branches (residual blocks)', re.compile(r'^(backbone\.)?stage\d\.\d+\.branches\.')),
    ('fusion (exchange units)', re.compile(r'^(backbone\.)?stage\d\.\d+\.fuse_layers\.')),
    ('neck', re.compile(r'^neck\.')),
    ('head', re.compile(r'^(decode_)?head\.')),  # a pose head, or a segmentor's
])


def count_parameters(model: nn.Module) -> Dict[str, int]:
    """``total`` and ``trainable`` parameter counts."""
    params = list(model.parameters())
    return dict(total=sum(p.numel() for p in params),
                trainable=sum(p.numel() for p in params if p.requires_grad))


def to_meta(model: nn.Module) -> nn.Module:
    """The model with shape-only tensors (``meta`` device); counting needs no arithmetic."""
    return model.to('meta')


def _conv_linear_macs(module: nn.Module, inputs: tuple, output: Tensor) -> Optional[int]:
    if isinstance(module, nn.Conv2d):
        return module.weight.numel() * output[0, 0].numel() * output.shape[0]
    if isinstance(module, nn.ConvTranspose2d):  # each input position feeds a kernel window
        return module.weight.numel() * inputs[0][0, 0].numel() * inputs[0].shape[0]
    if isinstance(module, nn.Linear):
        return module.in_features * output.numel()
    return None


def count_conv_linear_macs(model: nn.Module, run: Callable[[], object]) -> Dict[str, int]:
    """Multiply-adds of each convolution / linear module during ``run()``.

    Args:
        model: The model whose modules are hooked.
        run: Runs the forward pass (for example ``lambda: model(x)``).

    Returns:
        Module name -> multiply-adds, summed over calls, in call order.
    """
    names = {m: n for n, m in model.named_modules()}
    counts: Dict[str, int] = OrderedDict()

    def hook(module: nn.Module, inputs: tuple, output: Tensor) -> None:
        macs = _conv_linear_macs(module, inputs, output)
        if macs is not None:
            counts[names[module]] = counts.get(names[module], 0) + macs

    handles = [m.register_forward_hook(hook) for m in model.modules()
               if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear))]
    try:
        with torch.no_grad():
            run()
    finally:
        for h in handles:
            h.remove()
    return counts


def group_by_part(counts: Dict[str, int]) -> Dict[str, int]:
    """Sum per-module counts into the parts of :data:`PARTS` (plus ``other``)."""
    groups = OrderedDict((part, 0) for part in PARTS)
    groups['other'] = 0
    for name, value in counts.items():
        part = next((p for p, pattern in PARTS.items() if pattern.match(name)), 'other')
        groups[part] += value
    return OrderedDict((k, v) for k, v in groups.items() if v)


def count_torch_flops(run: Callable[[], object]) -> int:
    """Total FLOPs that ``torch.utils.flop_counter`` attributes to ``run()``."""
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        run()
    return counter.get_total_flops()
