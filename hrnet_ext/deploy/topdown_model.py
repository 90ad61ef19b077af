"""A top-down pose estimator whose network runs in a deployment backend.

:class:`DeployedTopdownModel` puts the config's preprocessing, flip test and codec around a
*session* (any callable from ``(N, 3, H, W)`` float32 crops to ``(N, K, h, w)`` heatmaps:
:class:`~hrnet_ext.deploy.OrtSession`, :class:`~hrnet_ext.deploy.OpenVinoSession` or
:class:`TorchSession`) and offers what :func:`mmpose.apis.inference_topdown` needs from a
model (``cfg``, ``dataset_meta``, ``test_step``). Deployed inference therefore takes exactly
the path of the PyTorch model, boxes, pipeline and visualisation included::

    from hrnet_ext.apis import inference_topdown
    from hrnet_ext.deploy import load_deployed_model
    model = load_deployed_model('configs/hrnet_w32_coco_256x192.py', 'hrnet_w32.int8.xml',
                                backend='openvino', precision='int8')
    results = inference_topdown(model, 'image.jpg', bboxes=boxes_xyxy)  # PoseDataSample list
"""
from typing import Callable, List, Optional, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.structures import InstanceData

#: backend -> the precisions it runs on the CPU
BACKEND_PRECISIONS = dict(pytorch=('fp32', 'bf16'), onnxruntime=('fp32', 'int8'),
                          openvino=('fp32', 'bf16', 'int8'))


class TorchSession:
    """A PyTorch network as a session: eager fp32, or compiled bf16 on the CPU
    (:func:`~hrnet_ext.deploy.compile_for_inference`, oneDNN on AMX where the CPU has it)."""

    def __init__(self, model: torch.nn.Module, precision: str = 'fp32') -> None:
        from hrnet_ext.models.heatmap_net import as_heatmap_net
        self.precision = precision
        self.net = as_heatmap_net(model).eval()
        self.device = next(self.net.parameters()).device
        self._compiled = None

    @torch.no_grad()
    def __call__(self, inputs: np.ndarray) -> np.ndarray:
        x = torch.from_numpy(np.ascontiguousarray(inputs, dtype=np.float32)).to(self.device)
        if self.precision == 'bf16':
            if self._compiled is None:
                from .compiled_inference import compile_for_inference
                self._compiled = compile_for_inference(self.net, x, bf16=True)
            return self._compiled(x).cpu().numpy()
        return self.net(x).cpu().numpy()


def check_backend_precision(backend: str, precision: str) -> None:
    """A ValueError that names the combinations which exist, for one that does not."""
    if backend not in BACKEND_PRECISIONS:
        raise ValueError(f'unknown backend {backend!r}: use one of {tuple(BACKEND_PRECISIONS)}')
    if precision not in BACKEND_PRECISIONS[backend]:
        runs = ', '.join(f'{b}: {"/".join(p)}' for b, p in BACKEND_PRECISIONS.items())
        raise ValueError(f'{backend} does not run {precision} here ({runs}); choose another '
                         '--backend or --precision')


class DeployedTopdownModel(torch.nn.Module):
    """A top-down estimator whose network is ``session``.

    A ``torch.nn.Module`` without parameters of its own (its data preprocessor is its one
    child), so that MMPose's inferencers take it where they take the PyTorch estimator
    (:class:`hrnet_ext.apis.MMPoseInferencer` with ``backend=``).

    Everything around the network comes from the config, as for the PyTorch model: the test
    pipeline (via :func:`mmpose.apis.inference_topdown`), the data preprocessor
    (normalisation, BGR to RGB), the flip test of ``model.test_cfg`` (heatmaps of the
    flipped crop, flipped back with the data set's ``flip_indices``, averaged) and the
    head's codec (``model.head.decoder``).

    Args:
        config: Config path or object (the one the network was exported from).
        session: ``(N, 3, H, W)`` float32 crops -> ``(N, K, h, w)`` heatmaps.
        flip_test: Override the config's ``model.test_cfg.flip_test``.
    """

    def __init__(self, config: Union[str, Config], session: Callable[[np.ndarray], np.ndarray],
                 flip_test: Optional[bool] = None) -> None:
        from mmengine.registry import init_default_scope
        from mmpose.apis.inference import dataset_meta_from_config
        from mmpose.registry import KEYPOINT_CODECS, MODELS

        from hrnet_ext.apis.init_model import load_model_config
        super().__init__()
        self.cfg = load_model_config(config)
        init_default_scope(self.cfg.get('default_scope', 'mmpose'))
        self.dataset_meta = dataset_meta_from_config(self.cfg, dataset_mode='train')
        self.data_preprocessor = MODELS.build(self.cfg.model.data_preprocessor)
        self.codec = KEYPOINT_CODECS.build(self.cfg.model.head.decoder)
        self.test_cfg = dict(self.cfg.model.get('test_cfg', {}))
        if flip_test is not None:
            self.test_cfg['flip_test'] = flip_test
        self.session = session

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
        heatmaps = self.heatmaps(data['inputs'].cpu(), samples[0].metainfo['flip_indices'])
        for sample, heatmap in zip(samples, heatmaps.numpy()):
            keypoints, scores = self.codec.decode(heatmap)  # (1, K, 2) in crop pixels
            meta = sample.metainfo
            keypoints = (keypoints / meta['input_size'] * meta['input_scale']
                         + meta['input_center'] - 0.5 * meta['input_scale'])
            sample.pred_instances = InstanceData(
                keypoints=keypoints, keypoint_scores=scores, keypoints_visible=scores,
                bboxes=sample.gt_instances.bboxes, bbox_scores=sample.gt_instances.bbox_scores)
        return samples


class OnnxTopdownModel(DeployedTopdownModel):
    """:class:`DeployedTopdownModel` on an ``.onnx`` file in ONNX Runtime.

    Args:
        config: Config path or object (the one the network was exported from).
        onnx_file: The exported network (fp32, or int8 from
            :func:`~hrnet_ext.deploy.quantize_onnxruntime`).
        device: See :class:`~hrnet_ext.deploy.OrtSession`.
        flip_test: Override the config's ``model.test_cfg.flip_test``.
    """

    def __init__(self, config: Union[str, Config], onnx_file: str, device: str = 'cpu',
                 flip_test: Optional[bool] = None, threads: Optional[int] = None) -> None:
        from .ort import OrtSession
        super().__init__(config, OrtSession(onnx_file, device, threads=threads), flip_test)


def load_deployed_model(config: Union[str, Config], model_file: str,
                        backend: str = 'onnxruntime', precision: str = 'fp32',
                        device: str = 'cpu', threads: Optional[int] = None,
                        flip_test: Optional[bool] = None) -> DeployedTopdownModel:
    """An exported model (``tools/deploy/export.py``) as a top-down estimator.

    Args:
        config: The config the model was exported from.
        model_file: ``.onnx`` for ONNX Runtime; ``.onnx`` or ``.xml`` for OpenVINO.
        backend: ``'onnxruntime'`` or ``'openvino'``.
        precision: ``'fp32'``, ``'bf16'`` (OpenVINO) or ``'int8'`` (a quantized file).
        device: ONNX Runtime's device (OpenVINO runs on the CPU here).
        threads: Intra-op threads (``None``: the backend's default).
        flip_test: Override the config's ``model.test_cfg.flip_test``.
    """
    check_backend_precision(backend, precision)
    if backend == 'onnxruntime':
        return OnnxTopdownModel(config, model_file, device, flip_test, threads)
    if backend == 'openvino':
        from .openvino_runtime import OpenVinoSession
        return DeployedTopdownModel(config, OpenVinoSession(model_file, precision, threads),
                                    flip_test)
    raise ValueError('the pytorch backend takes a checkpoint: hrnet_ext.apis.init_model')
