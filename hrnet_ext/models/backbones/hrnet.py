"""HRNet backbone (Sun et al., CVPR 2019): named variants, MMPose's switches and key names."""
import copy
import os.path as osp
import re
from types import MappingProxyType
from typing import Dict, List, Mapping, Optional, Sequence, Tuple, Union

import torch
from mmcv.cnn import build_conv_layer, build_norm_layer
from mmengine.logging import print_log
from mmengine.model import BaseModule, constant_init, initialize
from mmpose.models.backbones.resnet import BasicBlock, Bottleneck, get_expansion
from mmpose.utils.typing import OptConfigType, OptMultiConfig
from torch import Tensor, nn
from torch.nn.modules.batchnorm import _BatchNorm

from hrnet_ext.registry import MODELS
from hrnet_ext.utils.arguments import check_arguments, nearest, unknown_key_message

from ..convert import convert_state_dict, load_state_dict_file, strip_prefix
from ..norm_cfg import norm_cfg_or_bn
from .hr_module import DEFAULT_FUSION, HRModule, get_block, make_res_layer

STEM_CHANNELS = 64
#: normal(std 0.001) convolutions, norms at 1: the official release's initialisation
DEFAULT_INIT = (dict(type='Normal', std=0.001, layer=['Conv2d']),
                dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm']))
STAGE_KEYS = ('num_modules', 'num_branches', 'block', 'num_blocks', 'num_channels',
              'multiscale_output', 'fuse_method')


def _hrnet(widths: Sequence[int],
           num_modules: Tuple[int, int, int] = (1, 4, 3),
           num_blocks: int = 4,
           stage1_blocks: int = 4,
           stage1_channels: int = 64) -> Dict[str, dict]:
    """One variant in MMPose's ``stage1..stage4`` schema: a Bottleneck stage 1, then stages
    of BasicBlocks with 2, 3 and 4 branches of widths ``widths[:n]``."""
    stages = dict(stage1=dict(num_modules=1, num_branches=1, block='BOTTLENECK',
                              num_blocks=(stage1_blocks, ), num_channels=(stage1_channels, )))
    for s, n_modules in zip((2, 3, 4), num_modules):
        stages[f'stage{s}'] = dict(num_modules=n_modules, num_branches=s, block='BASIC',
                                   num_blocks=(num_blocks, ) * s, num_channels=tuple(widths[:s]))
    return stages


# The official and timm families (timm's ``hrnet_w*`` configs). Read through
# :func:`get_arch_settings`, which returns a copy: the table itself is never changed.
ARCH_SETTINGS: Mapping[str, Dict[str, dict]] = MappingProxyType({
    'w18_small': _hrnet((16, 32, 64, 128), num_modules=(1, 1, 1), num_blocks=2,
                        stage1_blocks=1, stage1_channels=32),
    'w18_small_v2': _hrnet((18, 36, 72, 144), num_modules=(1, 3, 2), num_blocks=2,
                           stage1_blocks=2),
    **{f'w{c}': _hrnet((c, 2 * c, 4 * c, 8 * c)) for c in (18, 30, 32, 40, 44, 48, 64)},
})


def get_arch_settings(arch: str) -> Dict[str, dict]:
    """A deep copy of the ``stage1..stage4`` settings of a named variant."""
    if arch not in ARCH_SETTINGS:
        guess = nearest(arch, ARCH_SETTINGS)
        raise KeyError(f'unknown HRNet arch {arch!r}' + (f' (did you mean {guess!r}?)' if guess
                                                          else '') +
                       f'; expected one of {list(ARCH_SETTINGS)}')
    return copy.deepcopy(dict(ARCH_SETTINGS[arch]))


@MODELS.register_module()
@check_arguments
class HRNet(BaseModule):
    """HRNet: a high-resolution branch kept from stem to output, lower-resolution branches
    added stage by stage, and repeated multi-resolution fusion.

    The layout and the state-dict keys are those of the official release and of MMPose's
    ``HRNet``: ``conv1 bn1 conv2 bn2 layer1 transition1 stage2 transition2 stage3 transition3
    stage4``, inside a module ``branches.<b>...`` and ``fuse_layers.<i>.<j>...``, so their
    checkpoints load with ``strict=True``.

    Args:
        arch: Named variant from :data:`ARCH_SETTINGS`: ``w18_small``, ``w18_small_v2``,
            ``w18``, ``w30``, ``w32``, ``w40``, ``w44``, ``w48``, ``w64``. A mapping here is
            taken as ``extra``, so that code written for MMPose's ``HRNet(extra,
            in_channels=3, ...)`` runs unchanged (the other arguments then by name).
        extra: Override in MMPose's schema, merged over ``arch`` stage by stage: keys
            ``stage1`` .. ``stage4`` (each with ``num_modules``, ``num_branches``, ``block``,
            ``num_blocks``, ``num_channels``; ``stage4`` also ``multiscale_output``), and
            ``upsample`` (``dict(mode=..., align_corners=...)`` for the fusion). A complete
            MMPose ``extra`` therefore works unchanged, whatever ``arch`` says.
        in_channels: Channels of the input image.
        multiscale_output: Output every branch of stage 4 (for necks and dense tasks) rather
            than only the highest-resolution one (the paper's pose network). ``None``: take
            ``stage4.multiscale_output`` of the settings, default ``False``.
        fusion_cfg: Fusion config of every module (see :class:`HRModule`; ``None``: the
            exchange unit); a different fusion replaces the exchange unit by config alone.
            ``extra['upsample']`` sets its ``upsample_mode`` / ``align_corners``.
        conv_cfg: Convolution config (``None``: Conv2d).
        norm_cfg: Normalisation config (``None``: ``BN``): ``BN``, ``SyncBN``, ``GN`` (with
            ``num_groups`` dividing every width)...
        norm_eval: In training mode keep every BatchNorm in eval mode (frozen statistics).
        with_cp: Activation checkpointing in the residual blocks.
        zero_init_residual: Zero the last norm of every residual block at initialisation
            (skipped when loading pretrained weights).
        frozen_stages: Freeze (no gradient, eval mode) the stem for 0, plus ``layer1`` and
            ``transition1`` for 1, ... up to ``stage4`` for 4; -1 freezes nothing.
        init_cfg: MMEngine initialisation config. Default: normal(std 0.001) convolutions,
            norms at 1. ``dict(type='Pretrained', checkpoint=PATH)`` loads any of the layouts
            of :mod:`hrnet_ext.models.convert` (MMPose or official pose checkpoints, ImageNet
            classification files, segmentation checkpoints) through the safe loader, checking
            every key and shape; an optional ``prefix`` selects a sub-dict first. With
            ``multiscale_output`` a pose checkpoint loads too: the fusion rows of the
            lower-resolution outputs, which it lacks, get the default initialisation (logged).

    Example:
        >>> import torch
        >>> from hrnet_ext.models import HRNet
        >>> net = HRNet(arch='w32').eval()
        >>> [tuple(o.shape) for o in net(torch.rand(1, 3, 256, 192))]
        [(1, 32, 64, 48)]
        >>> net.out_channels, net.out_strides
        ([32], [4])
    """

    def __init__(self,
                 arch: Union[str, Mapping] = 'w32',
                 extra: OptConfigType = None,
                 in_channels: int = 3,
                 multiscale_output: Optional[bool] = None,
                 fusion_cfg: OptConfigType = None,
                 conv_cfg: OptConfigType = None,
                 norm_cfg: OptConfigType = None,
                 norm_eval: bool = False,
                 with_cp: bool = False,
                 zero_init_residual: bool = False,
                 frozen_stages: int = -1,
                 init_cfg: OptMultiConfig = None) -> None:
        if init_cfg is None:  # a list: MMEngine's initialize() takes a dict or a list
            init_cfg = copy.deepcopy(list(DEFAULT_INIT))
        super().__init__(init_cfg=init_cfg)
        if isinstance(arch, Mapping):  # MMPose's signature: HRNet(extra, in_channels=3, ...)
            if extra is not None:
                raise TypeError('HRNet: the first argument is a mapping (MMPose\'s `extra`), so '
                                'give the others by name: HRNet(extra, in_channels=3, ...)')
            arch, extra = 'w32', arch  # a complete MMPose `extra` replaces every stage of w32
        self.arch = arch
        self.extra = self._merge_settings(get_arch_settings(arch), extra)
        if multiscale_output is None:
            multiscale_output = self.extra['stage4'].get('multiscale_output', False)
        if not -1 <= frozen_stages <= 4:
            raise ValueError(f'frozen_stages must be in [-1, 4], got {frozen_stages}')
        self.multiscale_output = multiscale_output
        self.norm_cfg = norm_cfg_or_bn(norm_cfg)
        self.norm_eval = norm_eval
        self.frozen_stages = frozen_stages
        self.zero_init_residual = zero_init_residual
        fusion_cfg = copy.deepcopy(fusion_cfg) if fusion_cfg else dict(DEFAULT_FUSION)
        if 'upsample' in self.extra:
            fusion_cfg['upsample_mode'] = self.extra['upsample'].get('mode', 'nearest')
            fusion_cfg['align_corners'] = self.extra['upsample'].get('align_corners')
        common = dict(with_cp=with_cp, conv_cfg=conv_cfg, norm_cfg=self.norm_cfg)

        # Stem: two stride-2 3x3 convs, 1/4 resolution.
        self.conv1 = build_conv_layer(conv_cfg, in_channels, STEM_CHANNELS, kernel_size=3,
                                      stride=2, padding=1, bias=False)
        self.norm1_name, norm1 = build_norm_layer(self.norm_cfg, STEM_CHANNELS, postfix=1)
        self.add_module(self.norm1_name, norm1)
        self.conv2 = build_conv_layer(conv_cfg, STEM_CHANNELS, STEM_CHANNELS, kernel_size=3,
                                      stride=2, padding=1, bias=False)
        self.norm2_name, norm2 = build_norm_layer(self.norm_cfg, STEM_CHANNELS, postfix=2)
        self.add_module(self.norm2_name, norm2)
        self.relu = nn.ReLU(inplace=True)

        # Stage 1: one branch of residual blocks (``layer1``).
        stage1 = self.extra['stage1']
        block = get_block(stage1['block'])
        channels = [stage1['num_channels'][0] * get_expansion(block)]
        self.layer1 = make_res_layer(block, STEM_CHANNELS, channels[0],
                                     stage1['num_blocks'][0], **common)

        # Stages 2-4: a transition (adapt widths, add a branch), then high-resolution modules.
        for s in (2, 3, 4):
            cfg = self.extra[f'stage{s}']
            widths = [c * get_expansion(get_block(cfg['block'])) for c in cfg['num_channels']]
            self.add_module(f'transition{s - 1}', self._make_transition(channels, widths,
                                                                         conv_cfg))
            modules = []
            for m in range(cfg['num_modules']):
                last = s == 4 and m == cfg['num_modules'] - 1
                modules.append(HRModule(
                    widths if m == 0 else channels, cfg['num_channels'], cfg['num_blocks'],
                    block=cfg['block'], multiscale_output=multiscale_output or not last,
                    fusion_cfg=dict(fusion_cfg, **self._stage_fusion(cfg)), **common))
                channels = modules[-1].out_channels
            self.add_module(f'stage{s}', nn.Sequential(*modules))

        # Interpolating fusions resize odd-sized terms; nearest ones need exact halving.
        self.accepts_any_size = all(
            getattr(m.fuse_layers, 'accepts_any_size', False)
            for s in (2, 3, 4) for m in getattr(self, f'stage{s}'))
        self.out_channels: List[int] = list(channels)
        self.out_strides: List[int] = [4 * 2**b for b in range(len(channels))]
        self._freeze_stages()

    @staticmethod
    def _merge_settings(settings: Dict[str, dict], extra: OptConfigType) -> Dict[str, dict]:
        """``extra`` merged over the variant's settings, stage by stage, validated."""
        for key, value in copy.deepcopy(dict(extra or {})).items():
            if key == 'upsample':
                settings['upsample'] = dict(value)
            elif key in settings:
                unknown = sorted(set(value) - set(STAGE_KEYS))
                if unknown:
                    raise KeyError(unknown_key_message(f'HRNet extra[{key!r}]', unknown,
                                                       list(STAGE_KEYS), noun='key'))
                settings[key].update(value)
            else:
                raise KeyError(unknown_key_message('HRNet extra', [key],
                                                   [*settings, 'upsample'], noun='key'))
        for s in (1, 2, 3, 4):
            cfg = settings[f'stage{s}']
            if not cfg['num_branches'] == len(cfg['num_blocks']) == len(cfg['num_channels']):
                raise ValueError(f'stage{s}: num_branches ({cfg["num_branches"]}) must equal '
                                 'the lengths of num_blocks and num_channels')
        if settings['stage1']['num_branches'] != 1:
            raise ValueError('stage1 has a single branch')
        return settings

    @staticmethod
    def _stage_fusion(stage_cfg: dict) -> dict:
        """Fusion arguments named in a stage's settings (the official ``fuse_method``)."""
        return {'fuse_method': stage_cfg['fuse_method']} if 'fuse_method' in stage_cfg else {}

    def _make_transition(self, pre: List[int], cur: List[int],
                         conv_cfg: OptConfigType) -> nn.ModuleList:
        """Per branch of the next stage: identity, a 3x3 conv changing the width of an existing
        branch, or, for a new branch, stride-2 3x3 convs from the lowest-resolution one."""

        def conv_norm_relu(c_in: int, c_out: int, stride: int) -> nn.Sequential:
            return nn.Sequential(
                build_conv_layer(conv_cfg, c_in, c_out, kernel_size=3, stride=stride,
                                 padding=1, bias=False),
                build_norm_layer(self.norm_cfg, c_out)[1], nn.ReLU(inplace=True))

        layers = []
        for i, c_out in enumerate(cur):
            if i < len(pre):
                layers.append(nn.Identity() if pre[i] == c_out else conv_norm_relu(
                    pre[i], c_out, 1))
            else:
                n_down = i + 1 - len(pre)
                layers.append(nn.Sequential(*[
                    conv_norm_relu(pre[-1], c_out if k == n_down - 1 else pre[-1], 2)
                    for k in range(n_down)]))
        return nn.ModuleList(layers)

    @property
    def norm1(self) -> nn.Module:
        return getattr(self, self.norm1_name)

    @property
    def norm2(self) -> nn.Module:
        return getattr(self, self.norm2_name)

    @property
    def feature_info(self) -> List[dict]:
        """Channels (``num_chs``) and stride (``reduction``) of every output, as timm's."""
        return [dict(num_chs=c, reduction=s, module=f'stage4.{i}')
                for i, (c, s) in enumerate(zip(self.out_channels, self.out_strides))]

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """Args:
            x: Images (N, in_channels, H, W), H and W multiples of 32 for the 4-branch
                variants with the paper's nearest upsampling (the fusion upsamples by fixed
                factors); any size with ``extra['upsample']`` bilinear (HRNetV2 for
                segmentation, :attr:`accepts_any_size`).

        Returns:
            ``len(out_channels)`` tensors, output ``b`` of shape
            (N, out_channels[b], H / out_strides[b], W / out_strides[b]).
        """
        stride = 2**(len(self.stage4[-1].branches) + 1)
        check = not (self.accepts_any_size or torch.jit.is_tracing()
                     or torch.compiler.is_compiling())
        if check and (x.shape[-2] % stride or x.shape[-1] % stride):
            raise ValueError(f'HRNet needs an input height and width divisible by {stride}, '
                             f'got {tuple(x.shape[-2:])}')
        x = self.relu(self.norm1(self.conv1(x)))  # (N, 64, H/2, W/2)
        x = self.relu(self.norm2(self.conv2(x)))  # (N, 64, H/4, W/4)
        ys = [self.layer1(x)]  # [(N, 256, H/4, W/4)] for the Bottleneck stage 1
        for s in (2, 3, 4):
            transition = getattr(self, f'transition{s - 1}')
            # an existing branch passes its own output, a new one the lowest-resolution one
            xs = [t(ys[min(b, len(ys) - 1)]) for b, t in enumerate(transition)]
            ys = getattr(self, f'stage{s}')(xs)  # branch b: (N, C_b, H/2^(b+2), W/2^(b+2))
        return tuple(ys)

    def _freeze_stages(self) -> None:
        """Eval mode and no gradient for the stem (0) and stages 1..``frozen_stages``."""
        frozen: List[nn.Module] = []
        if self.frozen_stages >= 0:
            frozen += [self.conv1, self.norm1, self.conv2, self.norm2]
        for i in range(1, self.frozen_stages + 1):
            frozen.append(self.layer1 if i == 1 else getattr(self, f'stage{i}'))
            if i < 4:
                frozen.append(getattr(self, f'transition{i}'))
        for m in frozen:
            m.eval()
            for p in m.parameters():
                p.requires_grad = False

    def train(self, mode: bool = True) -> 'HRNet':
        """Set the mode, keeping frozen stages (and BN with ``norm_eval``) in eval mode."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            for m in self.modules():
                if isinstance(m, _BatchNorm):
                    m.eval()
        return self

    def init_weights(self) -> None:
        """Initialise from ``init_cfg``; a ``Pretrained`` file goes through the converter."""
        if isinstance(self.init_cfg, dict) and self.init_cfg.get('type') == 'Pretrained':
            self.load_pretrained(self.init_cfg['checkpoint'], self.init_cfg.get('prefix'))
            self._is_init = True
            return
        super().init_weights()
        if self.zero_init_residual:
            for m in self.modules():
                if isinstance(m, Bottleneck):
                    constant_init(m.norm3, 0)
                elif isinstance(m, BasicBlock):
                    constant_init(m.norm2, 0)

    def load_pretrained(self, checkpoint: str, prefix: Optional[str] = None) -> dict:
        """Load backbone weights from a local file or URL, strictly.

        Args:
            checkpoint: Path (or ``http(s)://`` URL, downloaded to the torch hub cache) of a
                checkpoint in any layout :func:`~hrnet_ext.models.convert.convert_state_dict`
                reads; a head or classification layers in it are ignored.
            prefix: Keep only the keys under this prefix (removed) before converting.

        Returns:
            The conversion report.
        """
        state = load_state_dict_file(checkpoint)
        if prefix:
            state = strip_prefix(state, prefix)
        reference = {'backbone.' + k: v for k, v in self.state_dict().items()}
        converted, report = convert_state_dict(state, reference, backbone_only=True)
        fresh = sorted(strip_prefix(dict.fromkeys(report['initialised']), 'backbone.'))
        result = self.load_state_dict(strip_prefix(converted, 'backbone.'), strict=not fresh)
        assert sorted(result.missing_keys) == fresh and not result.unexpected_keys
        # Fusion rows a pose checkpoint has no values for (its last module computes one
        # output): the default initialisation, as training from scratch would give them.
        rows = sorted({re.match(r'.*\.fuse_layers\.\d+', k).group(0) for k in fresh})
        for row in rows:
            initialize(self.get_submodule(row), copy.deepcopy(list(DEFAULT_INIT)))
        print_log(f'HRNet: loaded {report["num_keys"]} tensors from {osp.basename(checkpoint)} '
                  f'({report["source_format"]} layout; {len(report["dropped"])} keys left out, '
                  f'{len(report["filled"])} counters filled' +
                  (f'; fusion rows the checkpoint lacks, initialised: {", ".join(rows)}'
                   if rows else '') + ')', logger='current')
        return report
