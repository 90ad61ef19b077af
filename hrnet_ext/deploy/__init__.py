"""Deployment: the network with BN folded (and channels_last), compiled for the CPU, exported
to ONNX, run end to end in ONNX Runtime or OpenVINO, quantized to int8 and checked against the
PyTorch model (docs/deploy.md).

BN folding and compiling need nothing beyond the stack; ONNX needs the ``onnx`` extra
(``tools/install.sh --onnx``), OpenVINO and int8 the ``openvino`` extra (``--openvino``),
each imported only when used.
"""
from hrnet_ext.models.heatmap_net import HeatmapNet

from .accuracy_gate import GateReport, compare_predictions, predict_samples
from .bn_folding import fuse_conv_bn, optimize_for_inference
from .compiled_inference import CompiledInference, check_cpp_compiler, compile_for_inference
from .onnx_export import export_onnx, input_size_of
from .openvino_runtime import OpenVinoSession
from .ort import OrtSession
from .quantize import CalibrationSplit, calibration_split, quantize_onnxruntime, quantize_openvino
from .topdown_model import (
                       BACKEND_PRECISIONS,
                       DeployedTopdownModel,
                       OnnxTopdownModel,
                       TorchSession,
                       load_deployed_model,
)

__all__ = ['BACKEND_PRECISIONS', 'CalibrationSplit', 'CompiledInference', 'DeployedTopdownModel',
           'GateReport', 'HeatmapNet', 'OnnxTopdownModel', 'OpenVinoSession', 'OrtSession',
           'TorchSession', 'calibration_split', 'check_cpp_compiler', 'compare_predictions',
           'compile_for_inference', 'export_onnx', 'fuse_conv_bn', 'input_size_of',
           'load_deployed_model', 'optimize_for_inference', 'predict_samples',
           'quantize_onnxruntime', 'quantize_openvino']
