"""Keypoint codecs: MMPose's heatmap encoders made faster with equal outputs."""
from .fast_heatmap import FastHeatmapEncoder, fast_encoder

__all__ = ['FastHeatmapEncoder', 'fast_encoder']
