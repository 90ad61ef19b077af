"""The exchange unit: HRNet's multi-resolution fusion, a module of its own.

Sun et al. (CVPR 2019), section 3: at the end of every high-resolution module each output
branch ``i`` receives every input branch ``j``, brought to its resolution and width::

    out_i = ReLU(sum_j f_ij(x_j))

    f_ij = identity                                         j == i
    f_ij = 1x1 conv (no bias) + norm, then upsample 2^(j-i)  j > i  (lower resolution)
    f_ij = (i - j) chained 3x3 stride-2 convs                j < i  (higher resolution)
           (the middle ones keep C_j channels with norm + ReLU, the last maps to C_i with norm)

The unit *is* the nested list of paths (rows = outputs, columns = inputs), so a high-resolution
module that holds it as ``fuse_layers`` has exactly the state-dict keys of the official release
and MMPose: ``fuse_layers.<i>.<j>.0`` (conv) / ``.1`` (norm) for upsampling paths and
``fuse_layers.<i>.<j>.<k>.0`` / ``.<k>.1`` for the downsampling chains. Identity paths are
``nn.Identity`` (no parameters, no keys), which keeps ``forward`` free of special cases.
"""
from typing import List, Optional, Sequence

import torch
import torch.nn.functional as F
from mmcv.cnn import build_conv_layer, build_norm_layer
from mmengine.model import ModuleList
from mmpose.utils.typing import OptConfigType, OptMultiConfig
from torch import Tensor, nn

from hrnet_ext.registry import MODELS
from hrnet_ext.utils.arguments import check_arguments

from ..norm_cfg import norm_cfg_or_bn

FUSE_METHODS = ('sum', 'mean')
UPSAMPLE_MODES = ('nearest', 'bilinear', 'bicubic')


@MODELS.register_module()
@check_arguments
class ExchangeUnit(ModuleList):
    """Fuse ``len(in_channels)`` parallel branches into ``num_outputs`` branches.

    Input branch ``j`` has ``in_channels[j]`` channels at 1/2^j of the resolution of branch 0;
    output ``i`` has the width and resolution of input ``i``. With nearest upsampling (the
    paper's) spatial sizes must halve exactly from one branch to the next (the backbone's input
    divisible by its total stride), because the upsampling paths scale by a fixed factor. With
    ``'bilinear'`` / ``'bicubic'`` any sizes work (:attr:`accepts_any_size`): an upsampled term
    that the rounding of odd sizes leaves one pixel off is resized to its target, as
    MMSegmentation's HRNet and the official segmentation code do (segmentation runs on images
    of any size, and on LIP's 473x473 crops).

    Args:
        in_channels: Width of every input branch, highest resolution first.
        num_outputs: How many outputs to compute, the highest-resolution ones first. ``None``:
            one per input. HRNet's last module for pose keeps only the first.
        fuse_method: ``'sum'`` (the paper) or ``'mean'`` (the sum divided by the number of
            inputs, before the ReLU). ``'SUM'`` (the official yaml spelling) is accepted.
        upsample_mode: Interpolation of the upsampling paths: ``'nearest'`` (the paper),
            ``'bilinear'`` or ``'bicubic'``; ``None``: the class's :attr:`default_upsample_mode`
            (``'nearest'`` here).
        align_corners: Passed to the interpolation; ``None`` means ``False`` for the non-nearest
            modes, as ``torch.nn.Upsample``.
        conv_cfg: Convolution config for :func:`mmcv.cnn.build_conv_layer` (``None``: Conv2d).
        norm_cfg: Normalisation config (``BN``, ``SyncBN``, ``GN``...); ``None``: ``BN``.
        init_cfg: MMEngine initialisation config.

    Example:
        >>> import torch
        >>> unit = ExchangeUnit(in_channels=(32, 64))
        >>> outs = unit([torch.rand(1, 32, 16, 12), torch.rand(1, 64, 8, 6)])
        >>> [tuple(o.shape) for o in outs]
        [(1, 32, 16, 12), (1, 64, 8, 6)]
        >>> sorted({k.split('.')[0] + '.' + k.split('.')[1] for k in unit.state_dict()})
        ['0.1', '1.0']
    """

    #: The interpolation of the upsampling paths when ``upsample_mode`` is not given.
    default_upsample_mode = 'nearest'

    def __init__(self,
                 in_channels: Sequence[int],
                 num_outputs: Optional[int] = None,
                 fuse_method: str = 'sum',
                 upsample_mode: Optional[str] = None,
                 align_corners: Optional[bool] = None,
                 conv_cfg: OptConfigType = None,
                 norm_cfg: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        num_inputs = len(in_channels)
        num_outputs = num_inputs if num_outputs is None else num_outputs
        if not 1 <= num_outputs <= num_inputs:
            raise ValueError(f'num_outputs must be in [1, {num_inputs}], got {num_outputs}')
        fuse_method = fuse_method.lower()
        if upsample_mode is None:
            upsample_mode = self.default_upsample_mode
        if fuse_method not in FUSE_METHODS:
            raise ValueError(f'fuse_method must be one of {FUSE_METHODS}, got {fuse_method!r}')
        if upsample_mode not in UPSAMPLE_MODES:
            raise ValueError(
                f'upsample_mode must be one of {UPSAMPLE_MODES}, got {upsample_mode!r}')
        if upsample_mode == 'nearest':
            align_corners = None
        elif align_corners is None:
            align_corners = False

        self.in_channels = list(in_channels)
        self.out_channels = self.in_channels[:num_outputs]
        self.fuse_method = fuse_method
        self.upsample_mode = upsample_mode
        self.align_corners = align_corners
        self.conv_cfg = conv_cfg
        self.norm_cfg = norm_cfg_or_bn(norm_cfg)
        # The unit's only children are its rows: nn.ModuleList iterates over every child.
        for i in range(num_outputs):
            self.append(nn.ModuleList([self._make_path(j, i) for j in range(num_inputs)]))

    def _conv_norm(self, c_in: int, c_out: int, kernel_size: int, stride: int,
                   groups: int = 1) -> List[nn.Module]:
        """A bias-free convolution (padding keeps the size at stride 1) and its norm."""
        conv = build_conv_layer(self.conv_cfg, c_in, c_out, kernel_size=kernel_size,
                                stride=stride, padding=kernel_size // 2, groups=groups,
                                bias=False)
        return [conv, build_norm_layer(self.norm_cfg, c_out)[1]]

    def _make_path(self, j: int, i: int) -> nn.Module:
        """The path f_ij from input branch ``j`` to output branch ``i``."""
        c_j, c_i = self.in_channels[j], self.in_channels[i]
        if j == i:
            return nn.Identity()
        if j > i:  # lower resolution: 1x1 conv to C_i, then upsample by 2^(j-i)
            up = nn.Upsample(scale_factor=2**(j - i), mode=self.upsample_mode,
                             align_corners=self.align_corners)
            return nn.Sequential(*self._conv_norm(c_j, c_i, 1, 1), up)
        # higher resolution: i-j stride-2 3x3 convs; only the last one changes width, and it
        # has no ReLU (the ReLU comes after the sum).
        steps = []
        for k in range(i - j):
            if k < i - j - 1:
                steps.append(nn.Sequential(*self._conv_norm(c_j, c_j, 3, 2), nn.ReLU(inplace=True)))
            else:
                steps.append(nn.Sequential(*self._conv_norm(c_j, c_i, 3, 2)))
        return nn.Sequential(*steps)

    def forward(self, x: Sequence[Tensor]) -> List[Tensor]:
        """Fuse the branches.

        Args:
            x: ``len(in_channels)`` tensors, branch ``j`` of shape (N, C_j, H / 2^j, W / 2^j).

        Returns:
            ``num_outputs`` tensors, output ``i`` of shape (N, C_i, H / 2^i, W / 2^i).
        """
        if len(x) != len(self.in_channels):
            raise ValueError(f'expected {len(self.in_channels)} branches, got {len(x)}')
        if self.upsample_mode == 'nearest' and not torch.jit.is_tracing():
            return self._forward_accumulate(x)
        return self.forward_sum(x)

    def forward_sum(self, x: Sequence[Tensor]) -> List[Tensor]:
        """The fusion as written: every path's output, their sum, the ReLU.

        :meth:`forward` takes this path for the non-nearest modes and while tracing; for
        nearest upsampling its in-place accumulation equals this bit for bit.
        """
        outs = []
        for x_i, row in zip(x, self):
            # Python's sum starts from 0 and adds in branch order, as MMPose does, so the
            # result is bit-identical to its implementation.
            y = sum(self._fit(path(x_j), x_i) for path, x_j in zip(row, x))  # (N, C_i, H_i, W_i)
            if self.fuse_method == 'mean':
                y = y / len(x)
            outs.append(torch.relu(y))
        return outs

    @property
    def accepts_any_size(self) -> bool:
        """Whether branch sizes that do not halve exactly are fused (interpolating modes)."""
        return self.upsample_mode != 'nearest'

    def _fit(self, term: Tensor, target: Tensor) -> Tensor:
        """``term`` resized to ``target``'s size where an odd size left it one pixel off
        (after its fixed-factor upsampling, as MMSegmentation's ``HRModule`` does)."""
        # the mode first: tracing the paper's (nearest) model for export then compares no
        # shapes, which would warn (TracerWarning)
        if not self.accepts_any_size or term.shape[-2:] == target.shape[-2:]:
            return term
        return F.interpolate(term, size=target.shape[-2:], mode=self.upsample_mode,
                             align_corners=self.align_corners)

    def _forward_accumulate(self, x: Sequence[Tensor]) -> List[Tensor]:
        """The same sums, accumulated in place into one tensor per output.

        A nearest upsampling by an integer factor ``s`` only repeats values, so the
        low-resolution term is added through a broadcasting view of the accumulator
        (``(N, C, h, s, w, s)``) instead of being upsampled into a tensor of its own first
        (on the CPU ``upsample_nearest2d`` spent ~80% of its time copying). The terms are
        added in branch order as in :meth:`forward_sum` (the first two swap places
        when the first is the identity: IEEE addition of two numbers is commutative), so the
        result is bit-identical. The identity input is never written to. Not used while
        tracing for ONNX export, which keeps the plain graph.
        """
        outs = []
        for i, row in enumerate(self):
            y = None  # an accumulator that this row owns, (N, C_i, H_i, W_i)
            pending = None  # the identity term x_i when it comes first (row 0)
            for j, (path, x_j) in enumerate(zip(row, x)):
                if j == i:
                    if y is None:
                        pending = x_j
                    else:
                        y.add_(x_j)
                    continue
                if j < i:  # downsampling chain: a fresh full-resolution tensor
                    t = path(x_j)
                    if y is None:
                        y = t
                    else:
                        y.add_(t)
                else:  # 1x1 conv + norm, then nearest upsampling by s = 2^(j - i)
                    low = x_j
                    for k in range(len(path) - 1):
                        low = path[k](low)  # (N, C_i, h, w)
                    s = 2**(j - i)
                    n, c, h, w = low.shape
                    if y is None:
                        # the upsampled term itself, in the layout of its input
                        fmt = (torch.channels_last if not low.is_contiguous()
                               and low.is_contiguous(memory_format=torch.channels_last)
                               else torch.contiguous_format)
                        y = torch.empty((n, c, h * s, w * s), dtype=low.dtype, device=low.device,
                                        memory_format=fmt)
                        y.view(n, c, h, s, w, s).copy_(low[:, :, :, None, :, None])
                    else:
                        y.view(n, c, h, s, w, s).add_(low[:, :, :, None, :, None])
                if pending is not None:
                    y.add_(pending)
                    pending = None
            if y is None:  # a single branch: the sum is the input itself
                y = pending.clone()
            if self.fuse_method == 'mean':
                y = y / len(x)
            outs.append(y.relu_())
        return outs

    def extra_repr(self) -> str:
        return (f'in_channels={self.in_channels}, num_outputs={len(self)}, '
                f'fuse_method={self.fuse_method!r}, upsample_mode={self.upsample_mode!r}')
