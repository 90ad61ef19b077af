"""Deployment: ONNX export of the heatmap network and ONNX Runtime inference.

Needs the ``onnx`` extra (``requirements/onnx.txt``; ``tools/install.sh --onnx``).
"""
from .onnx_export import HeatmapNet, export_onnx, input_size_of
from .ort import OnnxTopdownModel, OrtSession

__all__ = ['HeatmapNet', 'OnnxTopdownModel', 'OrtSession', 'export_onnx', 'input_size_of']
