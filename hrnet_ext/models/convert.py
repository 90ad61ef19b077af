"""Bring HRNet weights of other releases to this package's key layout, or fail loudly.

Four source layouts are recognised (:func:`detect_format`):

``mmpose``
    MMPose's model zoo and this package: ``backbone.conv1.weight`` ... ``head.final_layer.*``.
    Already ours; only checked.
``official-pose``
    The official release (``pose_hrnet_w32_256x192.pth``): the same names without the
    ``backbone.`` prefix and the head at ``final_layer.weight`` / ``final_layer.bias``.
``imagenet-cls``
    The ImageNet classification files used for initialisation (``hrnet_w32-36af842e.pth``,
    ``hrnet_w48-8ef0771d.pth``, timm's ``hrnet_w*``): backbone names without prefix, plus the
    classification head (``incre_modules``, ``downsamp_modules``, ``final_layer.<k>``,
    ``classifier``) and the multi-resolution fusion rows ``fuse_layers.<i > 0>`` of the last
    module, which a pose backbone does not compute. Those are dropped, and listed.
``backbone``
    A bare backbone state dict without prefix.

Everything else must match the reference model exactly: the same key set and every shape.
A missing ``num_batches_tracked`` counter (checkpoints saved by PyTorch < 0.4.1) is filled
with 0, and reported; any other difference raises :class:`CheckpointMismatchError` listing
all of them.

One exception makes one backbone checkpoint serve pose and dense tasks alike: the fusion rows
``fuse_layers.<i > 0>`` of a module whose row 0 is in the checkpoint. A pose network's last
module computes only its highest-resolution output, a segmentation (HRNetV2) backbone every
output: rows the source has and the target does not compute are dropped (listed in
``dropped``), rows the target computes and the source lacks keep the target's initialisation
(listed in ``initialised``). Whole modules missing are still an error.
"""
import re
from typing import AbstractSet, Any, Dict, List, Mapping, Optional, Tuple, Union

import torch
from torch import Tensor

from hrnet_ext.utils.safe_load import load_checkpoint_file, load_from_http_safe

SOURCE_FORMATS = ('mmpose', 'official-pose', 'imagenet-cls', 'backbone')

# The classification head of the ImageNet checkpoints (official HRNet-Image-Classification and
# timm use the same names). Its ``final_layer`` is a Sequential (``final_layer.0.weight``),
# unlike the pose head's single conv (``final_layer.weight``).
_CLS_HEAD = re.compile(r'^(incre_modules|downsamp_modules|classifier)\.|^final_layer\.\d+\.')
# Fusion rows of a module that compute its lower-resolution outputs (group 1: the module).
_FUSE_ROW = re.compile(r'^((?:backbone\.)?stage\d+\.\d+\.)fuse_layers\.[1-9]\d*\.')

Shapes = Mapping[str, Union[Tensor, torch.Size, Tuple[int, ...]]]


class CheckpointMismatchError(ValueError):
    """The converted weights do not fit the model; the message lists every difference."""

    def __init__(self, source_format: str, missing: List[str], unexpected: List[str],
                 shape_mismatches: List[str], target: str = 'the model') -> None:
        self.source_format, self.target = source_format, target
        self.missing, self.unexpected = missing, unexpected
        self.shape_mismatches = shape_mismatches
        lines = [f'checkpoint ({source_format} layout) does not match {target}:']
        for title, items in (('missing in the checkpoint', missing),
                             ('unexpected in the checkpoint', unexpected),
                             ('shape mismatch (checkpoint vs model)', shape_mismatches)):
            if items:
                lines.append(f'  {len(items)} {title}:')
                lines += [f'    {item}' for item in items]
        super().__init__('\n'.join(lines))


def unwrap_state_dict(checkpoint: Mapping[str, Any]) -> Dict[str, Tensor]:
    """The tensor mapping inside a loaded checkpoint.

    Accepts a bare state dict or a dict holding it under ``state_dict`` (MMEngine) or
    ``model``, and strips the ``module.`` prefix that ``DataParallel`` leaves.
    """
    for key in ('state_dict', 'model'):
        if key in checkpoint and isinstance(checkpoint[key], Mapping):
            checkpoint = checkpoint[key]
            break
    state = {}
    for k, v in checkpoint.items():
        if not isinstance(v, Tensor):
            raise TypeError(f'{k!r} is a {type(v).__name__}, not a tensor: not a state dict')
        state[k[len('module.'):] if k.startswith('module.') else k] = v
    return state


def load_state_dict_file(path: str) -> Dict[str, Tensor]:
    """The state dict of a local file or ``http(s)://`` URL, through the safe loader.

    Pickled objects outside an allowlist are refused (see :mod:`hrnet_ext.utils.safe_load`);
    a URL is downloaded once into the torch hub cache.
    """
    if path.startswith(('http://', 'https://')):
        return unwrap_state_dict(load_from_http_safe(path, map_location='cpu'))
    return unwrap_state_dict(load_checkpoint_file(path, map_location='cpu'))


def detect_format(state_dict: Mapping[str, Tensor]) -> str:
    """Which of :data:`SOURCE_FORMATS` a state dict is in (see the module docstring)."""
    if any(k.startswith('backbone.') for k in state_dict):
        return 'mmpose'
    if any(_CLS_HEAD.match(k) for k in state_dict):
        return 'imagenet-cls'
    if 'conv1.weight' in state_dict:
        return 'official-pose' if 'final_layer.weight' in state_dict else 'backbone'
    raise ValueError('not an HRNet checkpoint: no backbone.* keys and no conv1.weight; first '
                     f'keys: {list(state_dict)[:5]}')


def convert_state_dict(state_dict: Mapping[str, Tensor],
                       reference: Shapes,
                       source_format: Optional[str] = None,
                       backbone_only: bool = False) -> Tuple[Dict[str, Tensor], Dict[str, Any]]:
    """Rename a state dict to the estimator layout (:func:`rename_state_dict`), then check it
    against ``reference`` (:func:`verify_state_dict`).

    Args:
        state_dict: Tensors in one of :data:`SOURCE_FORMATS`.
        reference: Key -> tensor or shape of the target, in the estimator layout
            (``backbone.*``, ``head.final_layer.*``); for example a freshly built
            ``TopdownPoseEstimator``'s ``state_dict()``.
        source_format: Skip detection and read the source as this layout.
        backbone_only: Keep only ``backbone.*`` (drop a source head, expect no head).

    Returns:
        The converted tensors, and a report: ``source_format``, ``dropped`` (source keys left
        out on purpose), ``filled`` (``num_batches_tracked`` counters set to 0),
        ``head_loaded`` (whether head weights are among the converted ones), ``num_keys`` and
        ``initialised`` (reference keys the source has no value for: fusion rows of outputs
        the source network did not compute; the caller keeps its own values).

    Raises:
        CheckpointMismatchError: keys missing, unexpected or of another shape. A source
            without a head (classification or backbone files) is only expected to cover
            ``backbone.*``.
    """
    fmt = source_format or detect_format(state_dict)
    if fmt not in SOURCE_FORMATS:
        raise ValueError(f'source_format must be one of {SOURCE_FORMATS}, got {fmt!r}')
    converted, dropped = rename_state_dict(state_dict, fmt, reference, backbone_only)
    filled, head_loaded, initialised = verify_state_dict(converted, reference, fmt,
                                                         backbone_only)
    report = dict(source_format=fmt, dropped=dropped, filled=filled, head_loaded=head_loaded,
                  num_keys=len(converted), initialised=initialised)
    return converted, report


def rename_state_dict(state_dict: Mapping[str, Tensor], source_format: str,
                      reference: Shapes,
                      backbone_only: bool = False) -> Tuple[Dict[str, Tensor], List[str]]:
    """The tensors under the estimator layout's names, and the source keys left out.

    Left out on purpose: an ImageNet file's classification head, the fusion rows that
    ``reference`` does not compute (the lower-resolution outputs of the last module of an
    ImageNet or segmentation backbone, loaded into a pose backbone); with ``backbone_only``,
    everything outside ``backbone.*``.
    """
    converted: Dict[str, Tensor] = {}
    dropped: List[str] = []
    for key, value in state_dict.items():
        if source_format == 'imagenet-cls' and _CLS_HEAD.match(key):
            dropped.append(key)
            continue
        if source_format == 'mmpose':
            new_key = key
        elif key.startswith('final_layer.'):
            new_key = 'head.' + key
        else:
            new_key = 'backbone.' + key
        if backbone_only and not new_key.startswith('backbone.'):
            dropped.append(key)
            continue
        if new_key not in reference and _FUSE_ROW.match(key):  # outputs the target leaves out
            dropped.append(key)
            continue
        converted[new_key] = value
    return converted, dropped


def verify_state_dict(converted: Dict[str, Tensor], reference: Shapes,
                      source_format: str = 'mmpose',
                      backbone_only: bool = False) -> Tuple[List[str], bool, List[str]]:
    """Check renamed tensors against ``reference`` key by key and shape by shape.

    The expected keys are the reference's, without ``head.*`` when the converted tensors
    have no head (or with ``backbone_only``). A missing ``num_batches_tracked`` counter
    (PyTorch < 0.4.1) is added to ``converted`` as 0. The lower-resolution fusion rows of a
    module whose row 0 the source has may be missing (a pose checkpoint for a segmentation
    backbone): they are returned, not raised.

    Returns:
        The filled counters, whether head weights are among the converted ones, and the
        reference keys of fusion rows the source lacks (the caller initialises them).

    Raises:
        CheckpointMismatchError: listing every missing, unexpected and mis-shaped key.
    """
    shapes = {k: tuple(v.shape if isinstance(v, Tensor) else v) for k, v in reference.items()}
    head_loaded = any(k.startswith('head.') for k in converted)
    expected = {k: s for k, s in shapes.items() if head_loaded or not k.startswith('head.')}
    if backbone_only:
        expected = {k: s for k, s in expected.items() if k.startswith('backbone.')}
    from_source = set(converted)  # before the counters are filled: those prove nothing
    filled = []
    for key in sorted(set(expected) - set(converted)):
        if key.endswith('.num_batches_tracked'):
            converted[key] = torch.tensor(0, dtype=torch.long)
            filled.append(key)
    initialised = sorted(k for k in set(expected) - set(converted)
                         if _only_row_missing(k, from_source))
    missing = sorted(set(expected) - set(converted) - set(initialised))
    unexpected = sorted(set(converted) - set(expected))
    mismatched = [f'{k}: {tuple(converted[k].shape)} vs {expected[k]}'
                  for k in sorted(set(expected) & set(converted))
                  if tuple(converted[k].shape) != expected[k]]
    if missing or unexpected or mismatched:
        raise CheckpointMismatchError(source_format, missing, unexpected, mismatched)
    return filled, head_loaded, initialised


def _only_row_missing(key: str, source_keys: AbstractSet[str]) -> bool:
    """Whether ``key`` is a lower-resolution fusion row of a module whose row 0 the source
    has: an output that a pose network's last module does not compute."""
    row = _FUSE_ROW.match(key)
    if row is None:
        return False
    first_row = row.group(1) + 'fuse_layers.0.'
    return any(k.startswith(first_row) for k in source_keys)


def strip_prefix(state_dict: Mapping[str, Tensor], prefix: str) -> Dict[str, Tensor]:
    """The entries under ``prefix``, with the prefix removed."""
    return {k[len(prefix):]: v for k, v in state_dict.items() if k.startswith(prefix)}
