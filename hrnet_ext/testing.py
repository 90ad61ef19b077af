"""Random weights that make a comparison of two implementations mean something.

With the default initialisation (convolutions normal with std 0.001) every activation is
nearly zero, so "equal within 1e-4" would hold for almost any two networks. The tests and the
benchmarks that compare implementations on the same weights use these instead:

* :func:`randomize_`: He-normal convolutions, biases and norm parameters and statistics away
  from their defaults (activations of order 1, no two heatmap maxima tie);
* :func:`calibrate_`: batch-norm statistics of a calibration batch (every norm normalises, as
  in a trained network) and the final layer scaled so that the largest heatmap value is 1,
  the scale of trained heatmaps, so that a bound on heatmap differences reads as for trained
  weights.

Accuracy under reduced precision is measured on trained weights, never on these.
"""
from typing import Optional, Union

import torch
from torch import nn

from hrnet_ext.models.heatmap_net import as_heatmap_net


def randomize_(model: nn.Module, seed: Union[int, torch.Generator] = 0) -> nn.Module:
    """Draw every convolution and norm of ``model`` in place; returns ``model``.

    Args:
        model: Any module; its ``Conv2d``, ``BatchNorm2d`` and ``GroupNorm`` layers are drawn
            in module order.
        seed: A seed, or a generator to draw from (its state moves on).
    """
    gen = seed if isinstance(seed, torch.Generator) else torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Conv2d):
                fan_in = m.weight[0].numel()
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen) * (2 / fan_in)**0.5)
                if m.bias is not None:
                    m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)
            elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
                m.weight.copy_(torch.rand(m.weight.shape, generator=gen) + 0.5)
                m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.1)
                if isinstance(m, nn.BatchNorm2d):
                    m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=gen) * 0.1)
                    m.running_var.copy_(torch.rand(m.running_var.shape, generator=gen) + 0.5)
    return model


def calibrate_(model: nn.Module, calibration: torch.Tensor,
               probe: Optional[torch.Tensor] = None) -> nn.Module:
    """Batch-norm statistics of ``calibration``, heatmaps of max 1 on ``probe``; in place.

    Args:
        model: A pose estimator or a :class:`~hrnet_ext.models.HeatmapNet` (anything with
            ``head.final_layer``), usually after :func:`randomize_`.
        calibration: ``(N, 3, H, W)`` inputs whose batch statistics every batch norm takes
            (one forward in train mode).
        probe: Inputs on which the largest heatmap value becomes 1 (the final layer's weight
            and bias are divided by it); ``None``: ``calibration``.

    Returns:
        ``model``, in eval mode.
    """
    net = as_heatmap_net(model)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None  # cumulative average: the statistics of this batch
    with torch.no_grad():
        net.train()(calibration)
        scale = net.eval()(calibration if probe is None else probe).abs().max()
        final = model.head.final_layer
        final.weight.div_(scale)
        final.bias.div_(scale)
    model.eval()
    return model
