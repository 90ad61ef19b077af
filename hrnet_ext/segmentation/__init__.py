"""Segmentation with MMSegmentation: our HRNet under ``default_scope='mmseg'`` (the optional
``seg`` extra: ``bash tools/install.sh --seg``).

Importing this package needs MMSegmentation; nothing else in ``hrnet_ext`` imports it. The
segmentation configs name it in ``custom_imports``. It makes our classes resolvable from
MMSegmentation's registries (:mod:`.registry`), so that a config with MMSegmentation's scope
builds ``type='hrnet_ext.HRNet'`` next to MMSegmentation's ``EncoderDecoder``, ``FCNHead``,
losses, data sets, transforms and ``IoUMetric``.
"""
try:
    import mmseg  # noqa: F401
except ImportError as exc:  # the extra is not installed
    raise ImportError(
        'hrnet_ext.segmentation (configs/seg/) needs MMSegmentation 1.2.2, the optional '
        '"seg" extra: bash tools/install.sh --seg (or: pip install --no-deps '
        'mmsegmentation==1.2.2 && pip install -r requirements/seg.txt)') from exc

from .losses import WeightedCrossEntropyLoss  # noqa: E402
from .registry import DATASETS, HOOKS, MODELS, TRANSFORMS  # noqa: E402  (first: losses use it)

__all__ = ['DATASETS', 'HOOKS', 'MODELS', 'TRANSFORMS', 'WeightedCrossEntropyLoss']
