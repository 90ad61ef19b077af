"""Heads that read HRNet features."""
from .hrnet_heatmap_head import HRNetHeatmapHead

__all__ = ['HRNetHeatmapHead']
