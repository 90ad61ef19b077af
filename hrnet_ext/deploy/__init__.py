"""Deployment: the network with BN folded (and channels_last), compiled for the CPU, exported
to ONNX and run end to end in ONNX Runtime.

BN folding and compiling need nothing beyond the stack; ONNX needs the ``onnx`` extra
(``requirements/onnx.txt``; ``tools/install.sh --onnx``), imported only when used.
"""
from hrnet_ext.models.heatmap_net import HeatmapNet

from .bn_folding import fuse_conv_bn, optimize_for_inference
from .compiled_inference import CompiledInference, check_cpp_compiler, compile_for_inference
from .onnx_export import export_onnx, input_size_of
from .ort import OnnxTopdownModel, OrtSession

__all__ = ['CompiledInference', 'HeatmapNet', 'OnnxTopdownModel', 'OrtSession',
           'check_cpp_compiler', 'compile_for_inference', 'export_onnx', 'fuse_conv_bn',
           'input_size_of', 'optimize_for_inference']
