"""Data side of hrnet_ext: the paper's augmentation and early checks of data paths.

Importing this package registers :class:`ClippedNormalBBoxTransform` and the faster
transforms equal to MMPose's (:class:`FastTopdownAffine`, :class:`FastGenerateTarget`,
:class:`FastPackPoseInputs`, :class:`CachedLoadImage`) in
:data:`hrnet_ext.registry.TRANSFORMS` (MMEngine imports it by itself when a
config names ``hrnet_ext.ClippedNormalBBoxTransform``). Datasets, the COCO +
AI Challenger keypoint mapping and metrics are MMPose's own, set up by configs;
:class:`SkipBadSamples` wraps any of them so that bad samples are skipped, logged and
counted (the tools wrap their data sets with it). :mod:`.transform_names` maps the
configs' transform names to MMPose's (:func:`mmpose_type`, :func:`find_steps`) and back.
"""
from .data_check import DataNotFoundError, check_data_paths, find_missing
from .fast_transforms import (
    CachedLoadImage,
    FastGenerateTarget,
    FastPackPoseInputs,
    FastTopdownAffine,
)
from .robust import BadDataError, SkipBadSamples, unwrapped, wrap_datasets
from .transform_names import (
    FAST_TYPES,
    find_steps,
    mmpose_type,
    with_fast_types,
    with_mmpose_types,
)
from .transforms import ClippedNormalBBoxTransform

__all__ = ['BadDataError', 'CachedLoadImage', 'ClippedNormalBBoxTransform', 'DataNotFoundError',
           'FAST_TYPES', 'FastGenerateTarget', 'FastPackPoseInputs', 'FastTopdownAffine',
           'SkipBadSamples', 'check_data_paths', 'find_missing', 'find_steps', 'mmpose_type',
           'unwrapped', 'with_fast_types', 'with_mmpose_types', 'wrap_datasets']
