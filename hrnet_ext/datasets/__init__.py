"""Data side of hrnet_ext: the paper's augmentation and early checks of data paths.

Importing this package registers :class:`ClippedNormalBBoxTransform` in
:data:`hrnet_ext.registry.TRANSFORMS` (MMEngine imports it by itself when a
config names ``hrnet_ext.ClippedNormalBBoxTransform``). Datasets, the COCO +
AI Challenger keypoint mapping and metrics are MMPose's own, set up by configs.
"""
from .data_check import DataNotFoundError, check_data_paths, find_missing
from .transforms import ClippedNormalBBoxTransform

__all__ = ['ClippedNormalBBoxTransform', 'DataNotFoundError', 'check_data_paths', 'find_missing']
