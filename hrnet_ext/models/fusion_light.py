"""A light exchange unit: HRNet's fusion with depthwise-separable downsampling paths.

Where the standard unit spends its multiply-adds (W32 at 256x192, ``benchmarks/fusion.py``):
almost all of them are in the *downsampling* paths, full 3x3 stride-2 convolutions
(9 x C_j x C_i per output position, and the chains of 2-3 of them into branches 2 and 3).
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

Measured (``python benchmarks/fusion.py``, W32 + 1x1 head, 256x192, 2 shared CPU cores):
fusion parameters 2.22 M -> 0.45 M (network 28.54 M -> 26.77 M), fusion multiply-adds
0.384 -> 0.069 GMACs (5.0% -> 0.9% of the network; network 7.65 -> 7.33 GMACs). CPU latency
of the whole network barely moves (about 234 vs 232-246 ms, within the noise of a shared
machine): on a CPU the fusion's time (about 12% of the network's) is dominated by
memory-bound work, the upsampling (with its copies), norms and additions at the
high-resolution outputs, which both units share; the convolutions this unit saves were a
small part of it. A standalone stage-4 unit is about 18% faster (profiled: 95 vs 116 ms
for 20 calls). The gain is in parameters and multiply-adds; accuracy after training is not
measured here.
"""
from typing import List, Optional, Sequence

from mmpose.utils.typing import OptConfigType, OptMultiConfig
from torch import nn

from hrnet_ext.registry import MODELS

from .fusion import ExchangeUnit


@MODELS.register_module()
class LightExchangeUnit(ExchangeUnit):
    """Fuse ``len(in_channels)`` branches into ``num_outputs``, with depthwise-separable
    downsampling paths and (by default) bilinear upsampling.

    A subclass of :class:`~hrnet_ext.models.fusion.ExchangeUnit` that changes only the
    paths (:meth:`_make_path`) and the default ``upsample_mode``: the same contract (inputs,
    outputs, arguments, forward), so
    :class:`~hrnet_ext.models.backbones.hr_module.HRModule` builds either from ``fusion_cfg``.
    Rows are outputs, columns inputs: ``self[i][j]`` is the path f_ij.

    Args:
        in_channels: Width of every input branch, highest resolution first; branch ``j`` is at
            1/2^j of the resolution of branch 0.
        num_outputs: How many outputs, the highest-resolution ones first (``None``: all).
        fuse_method: ``'sum'`` (the paper) or ``'mean'``.
        upsample_mode: ``'bilinear'`` (default), ``'nearest'`` or ``'bicubic'``.
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

    def __init__(self,
                 in_channels: Sequence[int],
                 num_outputs: Optional[int] = None,
                 fuse_method: str = 'sum',
                 upsample_mode: str = 'bilinear',
                 align_corners: Optional[bool] = None,
                 conv_cfg: OptConfigType = None,
                 norm_cfg: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(in_channels, num_outputs, fuse_method, upsample_mode, align_corners,
                         conv_cfg, norm_cfg, init_cfg)

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
