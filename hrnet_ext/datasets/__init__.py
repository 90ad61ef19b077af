"""Data side of hrnet_ext: the paper's augmentation and early checks of data paths.

Importing this package registers :class:`ClippedNormalBBoxTransform` and the faster
transforms equal to MMPose's (:class:`FastTopdownAffine`, :class:`FastGenerateTarget`,
:class:`FastPackPoseInputs`, :class:`CachedLoadImage`) in
:data:`hrnet_ext.registry.TRANSFORMS` (MMEngine imports it by itself when a
config names ``hrnet_ext.ClippedNormalBBoxTransform``). Datasets, the COCO +
AI Challenger keypoint mapping and metrics are MMPose's own, set up by configs;
:class:`SkipBadSamples` wraps any of them so that bad samples are skipped, logged and
counted (the tools wrap their data sets with it).
"""
from .data_check import DataNotFoundError, check_data_paths, find_missing
from .fast_transforms import (
    CachedLoadImage,
    FastGenerateTarget,
    FastPackPoseInputs,
    FastTopdownAffine,
)
from .robust import BadDataError, SkipBadSamples, unwrapped, wrap_datasets
from .transforms import ClippedNormalBBoxTransform

__all__ = ['BadDataError', 'CachedLoadImage', 'ClippedNormalBBoxTransform', 'DataNotFoundError',
           'FastGenerateTarget', 'FastPackPoseInputs', 'FastTopdownAffine', 'SkipBadSamples',
           'check_data_paths', 'find_missing', 'unwrapped', 'wrap_datasets']
