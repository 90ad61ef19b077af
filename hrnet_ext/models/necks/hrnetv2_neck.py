"""The HRNetV2 representation (Sun et al., 2019, "High-Resolution Representations for
Labeling Pixels and Regions"): every branch upsampled to the highest resolution, concatenated,
then mixed by a 1x1 convolution. Used for face alignment and segmentation."""
from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmcv.cnn import build_conv_layer, build_norm_layer
from mmengine.model import BaseModule
from mmpose.utils.typing import OptConfigType, OptMultiConfig
from torch import Tensor

from hrnet_ext.registry import MODELS
from hrnet_ext.utils.arguments import check_arguments

from ..norm_cfg import norm_cfg_or_bn


@MODELS.register_module()
@check_arguments
class HRNetV2Neck(BaseModule):
    """Upsample every branch to branch 0's size, concatenate, then 1x1 conv + norm + ReLU.

    The backbone must output every branch (``HRNet(multiscale_output=True)``). The result is
    one tensor at stride 4 with ``sum(in_channels)`` channels by default (270 for W18, 480 for
    W32), as HRNetV2's face-alignment head; a head reads it as ``feats[0]``.

    Args:
        in_channels: Width of every backbone output, highest resolution first.
        out_channels: Width after the 1x1 convolution; ``None``: ``sum(in_channels)``.
        upsample_mode: ``'bilinear'`` (HRNetV2) or ``'nearest'``; the target size is branch 0's
            exact size, so any input size works.
        align_corners: For bilinear upsampling (HRNetV2's code: ``False``).
        conv_cfg: Convolution config (``None``: Conv2d).
        norm_cfg: Normalisation config (``None``: BN).
        init_cfg: MMEngine initialisation config.

    Example:
        >>> import torch
        >>> neck = HRNetV2Neck(in_channels=(18, 36, 72, 144))
        >>> feats = [torch.rand(1, c, 16 // 2**b, 12 // 2**b)
        ...          for b, c in enumerate((18, 36, 72, 144))]
        >>> [tuple(f.shape) for f in neck(feats)]
        [(1, 270, 16, 12)]
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 out_channels: Optional[int] = None,
                 upsample_mode: str = 'bilinear',
                 align_corners: bool = False,
                 conv_cfg: OptConfigType = None,
                 norm_cfg: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if upsample_mode not in ('bilinear', 'nearest'):
            raise ValueError(f"upsample_mode must be 'bilinear' or 'nearest', got "
                             f'{upsample_mode!r}')
        self.in_channels = list(in_channels)
        self.out_channels = out_channels or sum(self.in_channels)
        self.upsample_mode = upsample_mode
        self.align_corners = None if upsample_mode == 'nearest' else align_corners
        norm_cfg = norm_cfg_or_bn(norm_cfg)
        self.conv = build_conv_layer(conv_cfg, sum(self.in_channels), self.out_channels,
                                     kernel_size=1, bias=False)
        self.norm = build_norm_layer(norm_cfg, self.out_channels)[1]

    def forward(self, feats: Sequence[Tensor]) -> Tuple[Tensor]:
        """Args:
            feats: ``len(in_channels)`` tensors, branch ``b`` of shape (N, C_b, H_b, W_b),
                highest resolution first.

        Returns:
            A 1-tuple: (N, out_channels, H_0, W_0).
        """
        if len(feats) != len(self.in_channels):
            raise ValueError(f'expected {len(self.in_channels)} feature maps, got {len(feats)} '
                             '(does the backbone have multiscale_output=True?)')
        size = feats[0].shape[-2:]
        ups = [feats[0]] + [
            F.interpolate(f, size=size, mode=self.upsample_mode, align_corners=self.align_corners)
            for f in feats[1:]]
        x = torch.cat(ups, dim=1)  # (N, sum C_b, H_0, W_0)
        return (torch.relu(self.norm(self.conv(x))), )  # (N, out_channels, H_0, W_0)
