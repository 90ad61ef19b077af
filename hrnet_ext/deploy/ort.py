"""ONNX Runtime inference of an exported heatmap network: :class:`OrtSession` runs the
``.onnx`` file (crops in, heatmaps out); :mod:`hrnet_ext.deploy.topdown_model` puts the
config's pipeline, flip test and decoding around it."""
from typing import Optional

import numpy as np

from .onnx_export import INPUT_NAME


class OrtSession:
    """An ONNX Runtime session on the CPU or, with ``device='cuda...'``, the GPU.

    Session options: all graph optimisations (``ORT_ENABLE_ALL``, ONNX Runtime's default),
    sequential execution, and intra-op worker threads that sleep instead of spinning while
    they wait (ONNX Runtime's own default spins), which on a shared machine is much faster and
    matches torch's ``OMP_WAIT_POLICY=PASSIVE`` (measured: docs/benchmarks.md, "ONNX Runtime's
    options").

    Args:
        onnx_file: The exported network (:func:`hrnet_ext.deploy.export_onnx`).
        device: ``'cpu'`` or ``'cuda'`` / ``'cuda:N'``. The CUDA provider needs the
            ``onnxruntime-gpu`` package; without it ONNX Runtime falls back to the CPU,
            which ``providers`` shows.
        threads: Intra-op threads (``None``: ONNX Runtime's default, one per physical core).
        spinning: Let idle worker threads spin (ONNX Runtime's default) instead of sleeping.
    """

    def __init__(self, onnx_file: str, device: str = 'cpu', threads: Optional[int] = None,
                 spinning: bool = False) -> None:
        import onnxruntime as ort
        providers: list = ['CPUExecutionProvider']
        if device.startswith('cuda'):
            device_id = int(device.split(':')[1]) if ':' in device else 0
            providers.insert(0, ('CUDAExecutionProvider', dict(device_id=device_id)))
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        if threads:
            options.intra_op_num_threads = threads
        options.add_session_config_entry('session.intra_op.allow_spinning',
                                         '1' if spinning else '0')
        self.options = options
        self.session = ort.InferenceSession(str(onnx_file), options, providers=providers)
        self.providers = self.session.get_providers()

    def __call__(self, inputs: np.ndarray) -> np.ndarray:
        """``(N, 3, H, W)`` float32 normalised images -> ``(N, K, h, w)`` heatmaps."""
        inputs = np.ascontiguousarray(inputs, dtype=np.float32)
        return self.session.run(None, {INPUT_NAME: inputs})[0]
