"""The high-resolution module: parallel residual branches followed by one fusion."""
import copy
from typing import Dict, List, Sequence, Type, Union

from mmcv.cnn import build_conv_layer, build_norm_layer
from mmengine.model import BaseModule
from mmpose.models.backbones.resnet import BasicBlock, Bottleneck, get_expansion
from mmpose.utils.typing import OptConfigType, OptMultiConfig
from torch import Tensor, nn

from hrnet_ext.registry import MODELS
from hrnet_ext.utils.arguments import check_arguments

from ..norm_cfg import norm_cfg_or_bn

# MMPose's residual blocks are reused as they are: same key names (conv1, bn1, ...,
# downsample.0/.1), activation checkpointing (``with_cp``) and ``norm_cfg`` support.
BLOCKS: Dict[str, Type[nn.Module]] = {'BASIC': BasicBlock, 'BOTTLENECK': Bottleneck}

BlockType = Union[str, Type[nn.Module]]

#: The paper's fusion; our names carry the scope prefix, even in defaults.
DEFAULT_FUSION = dict(type='hrnet_ext.ExchangeUnit')


def get_block(block: BlockType) -> Type[nn.Module]:
    """Resolve ``'BASIC'`` / ``'BOTTLENECK'`` (MMPose's and the official names) to a class."""
    if isinstance(block, str):
        if block.upper() not in BLOCKS:
            raise KeyError(f'unknown block {block!r}; expected one of {sorted(BLOCKS)}')
        return BLOCKS[block.upper()]
    return block


def make_res_layer(block: BlockType,
                   in_channels: int,
                   out_channels: int,
                   num_blocks: int,
                   with_cp: bool = False,
                   conv_cfg: OptConfigType = None,
                   norm_cfg: OptConfigType = None) -> nn.Sequential:
    """A stride-1 sequence of ``num_blocks`` residual blocks ending at ``out_channels``.

    The first block gets a 1x1 conv + norm shortcut (``<k>.downsample.0/.1``) when the width
    changes, as HRNet's stage 1 (``layer1``) and its branches do. ``out_channels`` counts the
    block expansion (256 for a 64-plane Bottleneck). ``norm_cfg`` ``None`` means BN.
    """
    block = get_block(block)
    norm_cfg = norm_cfg_or_bn(norm_cfg)
    downsample = None
    if in_channels != out_channels:
        downsample = nn.Sequential(
            build_conv_layer(conv_cfg, in_channels, out_channels, kernel_size=1, bias=False),
            build_norm_layer(norm_cfg, out_channels)[1])
    common = dict(with_cp=with_cp, conv_cfg=conv_cfg, norm_cfg=norm_cfg)
    layers = [block(in_channels, out_channels, downsample=downsample, **common)]
    layers += [block(out_channels, out_channels, **common) for _ in range(1, num_blocks)]
    return nn.Sequential(*layers)


@MODELS.register_module()
@check_arguments
class HRModule(BaseModule):
    """Parallel multi-resolution branches of residual blocks, then one fusion.

    Branch ``b`` runs ``num_blocks[b]`` blocks at 1/2^b of the resolution of branch 0; the fusion
    (by default the paper's :class:`~hrnet_ext.models.fusion.ExchangeUnit`) then mixes them.
    The module's state-dict keys are ``branches.<b>.<block>...`` and ``fuse_layers.<i>.<j>...``
    as in the official release and MMPose.

    Args:
        in_channels: Width of every input branch, highest resolution first.
        num_channels: Block width of every branch (before the block expansion).
        num_blocks: Number of residual blocks of every branch.
        block: ``'BASIC'`` (the paper's stages 2-4), ``'BOTTLENECK'`` or a block class taking
            MMPose's block arguments.
        multiscale_output: Fuse into every branch (``True``) or only into the
            highest-resolution one (``False``, HRNet's last module for pose).
        fusion_cfg: Config of the fusion (``None``: :data:`DEFAULT_FUSION`, the paper's
            exchange unit). It is built with ``in_channels`` (the branch
            widths after the blocks), ``num_outputs``, ``conv_cfg`` and ``norm_cfg`` added,
            so a replacement must accept those four arguments. Name our classes with the
            scope prefix (``'hrnet_ext.ExchangeUnit'``): an un-prefixed type resolves in
            MMPose's registry.
        with_cp: Activation checkpointing in the residual blocks (saves memory, costs time).
        conv_cfg: Convolution config (``None``: Conv2d).
        norm_cfg: Normalisation config (``None``: BN).
        init_cfg: MMEngine initialisation config.
    """

    def __init__(self,
                 in_channels: Sequence[int],
                 num_channels: Sequence[int],
                 num_blocks: Sequence[int],
                 block: BlockType = 'BASIC',
                 multiscale_output: bool = True,
                 fusion_cfg: OptConfigType = None,
                 with_cp: bool = False,
                 conv_cfg: OptConfigType = None,
                 norm_cfg: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if not len(in_channels) == len(num_channels) == len(num_blocks):
            raise ValueError(
                'in_channels, num_channels and num_blocks need one entry per branch; got '
                f'{len(in_channels)}, {len(num_channels)} and {len(num_blocks)}')
        expansion = get_expansion(get_block(block))
        self.in_channels = list(in_channels)
        self.branch_channels = [c * expansion for c in num_channels]
        self.num_branches = len(num_channels)
        norm_cfg = norm_cfg_or_bn(norm_cfg)
        self.branches = nn.ModuleList([
            make_res_layer(block, c_in, c_out, n, with_cp, conv_cfg, norm_cfg)
            for c_in, c_out, n in zip(self.in_channels, self.branch_channels, num_blocks)
        ])
        num_outputs = self.num_branches if multiscale_output else 1
        fusion_cfg = copy.deepcopy(fusion_cfg) if fusion_cfg else dict(DEFAULT_FUSION)
        fusion_cfg.update(in_channels=self.branch_channels, num_outputs=num_outputs)
        fusion_cfg.setdefault('conv_cfg', conv_cfg)
        fusion_cfg.setdefault('norm_cfg', norm_cfg)
        self.fuse_layers = MODELS.build(fusion_cfg)
        self.out_channels: List[int] = self.branch_channels[:num_outputs]

    def forward(self, x: Sequence[Tensor]) -> List[Tensor]:
        """Run the branches, then fuse.

        Args:
            x: One tensor per branch, branch ``b`` of shape (N, in_channels[b], H/2^b, W/2^b).

        Returns:
            ``len(out_channels)`` tensors, output ``i`` of shape (N, C_i, H/2^i, W/2^i).
        """
        if len(x) != self.num_branches:
            raise ValueError(f'expected {self.num_branches} branches, got {len(x)}')
        x = [branch(x_b) for branch, x_b in zip(self.branches, x)]  # (N, C_b, H_b, W_b) each
        return self.fuse_layers(x)
