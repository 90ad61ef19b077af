"""Inference in Python: MMPose's functional API, its inferencer, and ONNX Runtime.

For one model and boxes you already have, MMPose's two functions work on our configs
unchanged (re-exported here). Boxes are ``x1, y1, x2, y2`` in image pixels; without boxes
the whole image is one person. Each result is a ``PoseDataSample`` with
``pred_instances.keypoints`` ``(1, K, 2)`` in image pixels and ``keypoint_scores`` ``(1, K)``:

Example:
    >>> import numpy as np
    >>> from hrnet_ext.apis import inference_topdown, init_model
    >>> model = init_model(CONFIG, CHECKPOINT, device='cpu')
    Loads checkpoint by local_safe backend from path: ...
    >>> results = inference_topdown(model, IMAGE, bboxes=np.array([[10., 20., 110., 220.]]))
    >>> len(results), results[0].pred_instances.keypoints.shape
    (1, (1, 17, 2))
    >>> results[0].pred_instances.bboxes.tolist(), results[0].pred_instances.keypoint_scores.shape
    ([[10.0, 20.0, 110.0, 220.0]], (1, 17))

``init_model(config, checkpoint)`` is MMPose's, loading through the safe loader, with the
head's size taken from the data set's metainfo where the config leaves it out.
:class:`MMPoseInferencer` adds detection, visualisation and files (see its docstring);
:class:`hrnet_ext.deploy.OnnxTopdownModel` is a model for ``inference_topdown`` that runs
an exported network in ONNX Runtime.
"""
from mmpose.apis import inference_topdown

from .inferencer import MMPoseInferencer, Pose2DInferencer, default_det_cat_ids, object_type_of
from .init_model import init_model, load_model_config

__all__ = ['MMPoseInferencer', 'Pose2DInferencer', 'default_det_cat_ids',
           'inference_topdown', 'init_model', 'load_model_config', 'object_type_of']
