"""OpenVINO inference of an exported heatmap network on the CPU.

:class:`OpenVinoSession` runs an ``.onnx`` file (:func:`hrnet_ext.deploy.export_onnx`) or an
OpenVINO ``.xml`` model (an int8 model from :func:`hrnet_ext.deploy.quantize_openvino`) in
fp32, bf16 or int8. On CPUs with AMX (``amx_bf16``/``amx_int8`` in ``lscpu``) OpenVINO runs
bf16 and int8 convolutions on the AMX tiles; elsewhere on AVX-512/AVX2 (bf16 falls back to
fp32 where the CPU has no bf16 instructions).

Needs the ``openvino`` extra (``bash tools/install.sh --openvino``), imported only here.
"""
from typing import Dict, Optional

import numpy as np

from .onnx_export import INPUT_NAME

#: precision -> OpenVINO's INFERENCE_PRECISION_HINT: the type of every operation that is not
#: quantized. fp32 must be asked for: on a CPU with bf16 OpenVINO's default is bf16. An int8
#: model keeps its not-quantized operations in fp32 (the accuracy gate's figures are for that).
PRECISION_HINTS = dict(fp32='f32', bf16='bf16', int8='f32')


class OpenVinoMissingError(ImportError):
    """The optional ``openvino`` extra is not installed; the message says how to install it
    (command-line tools print it as one line: :func:`hrnet_ext.engine.cli.known_errors`)."""


def import_openvino(with_nncf: bool = False):
    """``openvino`` (and, with ``with_nncf``, a check that NNCF imports too), or an
    :class:`OpenVinoMissingError` that says how to install the extra."""
    try:
        import openvino
        if with_nncf:
            import nncf  # noqa: F401
    except ImportError as exc:
        raise OpenVinoMissingError(
            f'{exc.name or "OpenVINO"} is not installed: OpenVINO and NNCF are the optional '
            '"openvino" extra. Install it with `bash tools/install.sh --openvino` (or use '
            '--backend onnxruntime / pytorch).') from exc
    return openvino


class OpenVinoSession:
    """An OpenVINO compiled model on the CPU: ``(N, 3, H, W)`` crops in, heatmaps out.

    The network is compiled once per batch size, with a static shape (what OpenVINO's CPU
    plugin runs fastest), on the first call of that size.

    Args:
        model_file: ``.onnx`` (any precision hint) or ``.xml`` (e.g. the int8 model).
        precision: ``'fp32'``, ``'bf16'`` or ``'int8'``; sets ``INFERENCE_PRECISION_HINT``
            (:data:`PRECISION_HINTS`). ``'int8'`` expects a quantized model.
        threads: ``INFERENCE_NUM_THREADS`` (``None``: OpenVINO's default, one per core).
        latency: ``PERFORMANCE_HINT`` ``LATENCY`` (one request at a time, as here) rather
            than ``THROUGHPUT``.
        perf_count: ``PERF_COUNT``: per-node times of each call (:meth:`profiling_info`).
    """

    def __init__(self, model_file: str, precision: str = 'fp32', threads: Optional[int] = None,
                 latency: bool = True, perf_count: bool = False) -> None:
        if precision not in PRECISION_HINTS:
            raise ValueError(f'precision must be one of {tuple(PRECISION_HINTS)}, '
                             f'got {precision!r}')
        ov = import_openvino()
        self.core = ov.Core()
        self.model_file, self.precision = str(model_file), precision
        self.model = self.core.read_model(self.model_file)
        self.config = {'INFERENCE_PRECISION_HINT': PRECISION_HINTS[precision],
                       'PERFORMANCE_HINT': 'LATENCY' if latency else 'THROUGHPUT'}
        if threads:
            self.config['INFERENCE_NUM_THREADS'] = int(threads)
        if perf_count:
            self.config['PERF_COUNT'] = True
        self._requests: Dict[tuple, object] = {}

    def _request(self, shape: tuple):
        if shape not in self._requests:
            model = self.model.clone()
            model.reshape({model.inputs[0].any_name: list(shape)})
            compiled = self.core.compile_model(model, 'CPU', self.config)
            self._requests[shape] = compiled.create_infer_request()
        return self._requests[shape]

    def convolution_info(self, shape: tuple, key: str = 'runtimePrecision') -> Dict[str, int]:
        """How many convolutions of the network compiled for ``shape`` have each value of
        ``key`` in OpenVINO's runtime model: ``'runtimePrecision'`` (``{'bf16': 40}``,
        ``{'u8': 40}``) or ``'primitiveType'``, the oneDNN kernel
        (``{'brgconv_avx512_amx_bf16': 40}``; ``amx`` in the name: the AMX tiles)."""
        request = self._request(tuple(shape))
        counts: Dict[str, int] = {}
        for op in request.get_compiled_model().get_runtime_model().get_ordered_ops():
            info = op.get_rt_info()
            if info['layerType'].astype(str) == 'Convolution' and key in info:
                value = info[key].astype(str)
                counts[value] = counts.get(value, 0) + 1
        return counts

    def profiling_info(self, shape: tuple) -> list:
        """OpenVINO's per-node counters of the last call of ``shape`` (``perf_count=True``):
        ``openvino.ProfilingInfo`` items (``node_type``, ``exec_type``, ``real_time``,
        ``status``)."""
        return self._request(tuple(shape)).get_profiling_info()

    def __call__(self, inputs: np.ndarray) -> np.ndarray:
        """``(N, 3, H, W)`` float32 normalised images -> ``(N, K, h, w)`` heatmaps."""
        inputs = np.ascontiguousarray(inputs, dtype=np.float32)
        request = self._request(inputs.shape)
        request.infer({0: inputs})
        return request.get_output_tensor(0).data.copy()


__all__ = ['INPUT_NAME', 'OpenVinoMissingError', 'OpenVinoSession', 'PRECISION_HINTS',
           'import_openvino']
