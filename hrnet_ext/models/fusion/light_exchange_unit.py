"""A light exchange unit: HRNet's fusion with depthwise-separable downsampling paths.

Where the standard unit spends its multiply-adds: almost all of them are in the *downsampling*
paths, full 3x3 stride-2 convolutions (9 x C_j x C_i per output position, and the chains of 2-3
of them into branches 2 and 3).
The upsampling paths are a 1x1 convolution at the *lower* resolution, already cheap.

So this unit changes the downsampling paths only, and the upsampling ones barely:

``f_ij, j < i`` (to a lower resolution)
    ``i - j`` depthwise 3x3 stride-2 convolutions on C_j channels (each with norm; ReLU
    between them, not after the last), then one pointwise 1x1 convolution C_j -> C_i with
    norm, *at the target resolution*. A 3x3 stride-2 convolution costs 9 C_j C_i per output
    position; this costs 9 C_j + C_j C_i, about 9x fewer for HRNet's widths (C_i >= 2 C_j),
    with the same receptive field and the same depth of nonlinearity as the standard chain.
    This is MobileNet's factorisation, also what Lite-HRNet keeps for its strided paths.
``f_ij, j > i`` (to a higher resolution)
    1x1 convolution C_j -> C_i with norm at the low resolution (as the standard unit), then
    *bilinear* upsampling (``upsample_mode``): with the cheaper downsampling paths, smoother
    upsampled maps cost nothing measurable and avoid nearest-neighbour blocks.
``f_ii``
    identity.

``out_i = ReLU(sum_j f_ij(x_j))`` as in the paper. Why not Lite-HRNet's cross-resolution
weighting instead: it replaces the fusion by channel gating and needs its own (shuffle) blocks
around it to exchange spatial information; here the unit is a drop-in for the paper's
network with the same inputs, outputs and placement, selected by ``fusion_cfg`` alone::

    backbone=dict(type='hrnet_ext.HRNet', arch='w32',
                  fusion_cfg=dict(type='hrnet_ext.LightExchangeUnit'))

Its weights do not match the standard unit's (different shapes), so a checkpoint trained with
one does not load into the other; the rest of the backbone's keys are unchanged.

It removes about 80% of the fusion's multiply-adds but barely changes CPU latency: there the
fusion's time is memory-bound work that both units share (figures: docs/model.md).
"""
from typing import List

from torch import nn

from hrnet_ext.registry import MODELS
from hrnet_ext.utils.arguments import check_arguments

from .exchange_unit import ExchangeUnit


@MODELS.register_module()
@check_arguments
class LightExchangeUnit(ExchangeUnit):
    """Fuse ``len(in_channels)`` branches into ``num_outputs``, with depthwise-separable
    downsampling paths and (by default) bilinear upsampling.

    A subclass of :class:`~hrnet_ext.models.fusion.ExchangeUnit` that changes only the
    paths (:meth:`_make_path`) and :attr:`default_upsample_mode`: the same contract (inputs,
    outputs, arguments, forward), so
    :class:`~hrnet_ext.models.backbones.hr_module.HRModule` builds either from ``fusion_cfg``.
    Rows are outputs, columns inputs: ``self[i][j]`` is the path f_ij.

    Args:
        in_channels: Width of every input branch, highest resolution first; branch ``j`` is at
            1/2^j of the resolution of branch 0.
        num_outputs: How many outputs, the highest-resolution ones first (``None``: all).
        fuse_method: ``'sum'`` (the paper) or ``'mean'``.
        upsample_mode: ``'bilinear'``, ``'nearest'`` or ``'bicubic'``; ``None``: ``'bilinear'``
            (:attr:`default_upsample_mode`).
        align_corners: For the non-nearest modes; ``None`` means ``False``.
        conv_cfg: Convolution config (``None``: Conv2d); depthwise convs get ``groups=C_j``.
        norm_cfg: Normalisation config (``None``: BN).
        init_cfg: MMEngine initialisation config.

    Example:
        >>> import torch
        >>> unit = LightExchangeUnit(in_channels=(32, 64, 128))
        >>> outs = unit([torch.rand(1, 32, 16, 12), torch.rand(1, 64, 8, 6),
        ...              torch.rand(1, 128, 4, 3)])
        >>> [tuple(o.shape) for o in outs]
        [(1, 32, 16, 12), (1, 64, 8, 6), (1, 128, 4, 3)]
    """

    default_upsample_mode = 'bilinear'

    def _make_path(self, j: int, i: int) -> nn.Module:
        """The path f_ij from input branch ``j`` to output branch ``i``."""
        c_j, c_i = self.in_channels[j], self.in_channels[i]
        if j >= i:  # identity, or 1x1 at the low resolution then upsample: the standard paths
            return super()._make_path(j, i)
        steps: List[nn.Module] = []
        for k in range(i - j):  # depthwise stride-2 3x3 convs, ReLU between them
            if k:
                steps.append(nn.ReLU(inplace=True))
            steps += self._conv_norm(c_j, c_j, 3, stride=2, groups=c_j)
        steps += self._conv_norm(c_j, c_i, 1, stride=1)  # pointwise at the target resolution
        return nn.Sequential(*steps)
