"""ONNX Runtime inference of an exported heatmap network, end to end.

:class:`OrtSession` runs the ``.onnx`` file (heatmaps in, heatmaps out).
:class:`OnnxTopdownModel` puts the config's preprocessing, flip test and codec around it and
offers what :func:`mmpose.apis.inference_topdown` needs from a model (``cfg``,
``dataset_meta``, ``test_step``), so ONNX inference takes exactly the path of the PyTorch
model, boxes, pipeline and visualisation included::

    from hrnet_ext.apis import inference_topdown
    model = OnnxTopdownModel('configs/hrnet_w32_coco_256x192.py', 'hrnet_w32.onnx')
    results = inference_topdown(model, 'image.jpg', bboxes=boxes_xyxy)  # PoseDataSample list
"""
from typing import List, Optional, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.structures import InstanceData

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


class OnnxTopdownModel:
    """A top-down estimator whose network runs in ONNX Runtime.

    Everything around the network comes from the config, as for the PyTorch model: the test
    pipeline (via :func:`mmpose.apis.inference_topdown`), the data preprocessor
    (normalisation, BGR to RGB), the flip test of ``model.test_cfg`` (heatmaps of the
    flipped crop, flipped back with the data set's ``flip_indices``, averaged) and the
    head's codec (``model.head.decoder``).

    Args:
        config: Config path or object (the one the network was exported from).
        onnx_file: The exported network.
        device: See :class:`OrtSession`.
        flip_test: Override the config's ``model.test_cfg.flip_test``.
    """

    def __init__(self, config: Union[str, Config], onnx_file: str, device: str = 'cpu',
                 flip_test: Optional[bool] = None) -> None:
        from mmengine.registry import init_default_scope
        from mmpose.apis.inference import dataset_meta_from_config
        from mmpose.registry import KEYPOINT_CODECS, MODELS

        self.cfg = Config.fromfile(config) if isinstance(config, str) else config
        init_default_scope(self.cfg.get('default_scope', 'mmpose'))
        self.dataset_meta = dataset_meta_from_config(self.cfg, dataset_mode='train')
        self.data_preprocessor = MODELS.build(self.cfg.model.data_preprocessor)
        self.codec = KEYPOINT_CODECS.build(self.cfg.model.head.decoder)
        self.test_cfg = dict(self.cfg.model.get('test_cfg', {}))
        if flip_test is not None:
            self.test_cfg['flip_test'] = flip_test
        self.session = OrtSession(onnx_file, device)

    def heatmaps(self, inputs: torch.Tensor, flip_indices: List[int]) -> torch.Tensor:
        """Heatmaps of normalised ``(N, 3, H, W)`` crops, with the flip test if configured."""
        from mmpose.models.utils.tta import flip_heatmaps
        heatmaps = torch.from_numpy(self.session(inputs.numpy()))  # (N, K, h, w)
        if self.test_cfg.get('flip_test', False):
            flipped = torch.from_numpy(self.session(inputs.flip(-1).numpy()))
            flipped = flip_heatmaps(
                flipped, flip_indices=flip_indices,
                flip_mode=self.test_cfg.get('flip_mode', 'heatmap'),
                shift_heatmap=self.test_cfg.get('shift_heatmap', False))
            heatmaps = (heatmaps + flipped) * 0.5
        return heatmaps

    @torch.no_grad()
    def test_step(self, batch: dict) -> list:
        """Predict a collated batch of the test pipeline (what ``inference_topdown`` calls).

        Returns the batch's ``PoseDataSample`` s with ``pred_instances`` (``keypoints`` in
        image coordinates, ``keypoint_scores``, ``keypoints_visible``, ``bboxes``,
        ``bbox_scores``), as ``TopdownPoseEstimator.add_pred_to_datasample`` writes them.
        """
        data = self.data_preprocessor(batch, training=False)
        samples = data['data_samples']
        heatmaps = self.heatmaps(data['inputs'], samples[0].metainfo['flip_indices'])
        for sample, heatmap in zip(samples, heatmaps.numpy()):
            keypoints, scores = self.codec.decode(heatmap)  # (1, K, 2) in crop pixels
            meta = sample.metainfo
            keypoints = (keypoints / meta['input_size'] * meta['input_scale']
                         + meta['input_center'] - 0.5 * meta['input_scale'])
            sample.pred_instances = InstanceData(
                keypoints=keypoints, keypoint_scores=scores, keypoints_visible=scores,
                bboxes=sample.gt_instances.bboxes, bbox_scores=sample.gt_instances.bbox_scores)
        return samples
