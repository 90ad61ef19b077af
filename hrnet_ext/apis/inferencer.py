"""MMPose's inferencers for our configs, with two fixes of MMPose 1.3.2.

``mmpose.apis.MMPoseInferencer(pose2d=<our config>, pose2d_weights=<checkpoint>)`` reads our
configs as they are (MMPose's data set, codec and pipeline; ``custom_imports`` loads our
classes). Two things in MMPose 1.3.2 do not work for top-down models, and
:class:`Pose2DInferencer` here changes only those:

1. **Caller boxes are dropped.** ``inferencer(img, bboxes=...)`` reaches
   ``Pose2DInferencer.preprocess_single``, which sets ``bboxes = []`` before using them, so
   the pose runs on the detector's boxes or the whole image instead. Here, boxes given for
   an image are used (and the detector is not run for it).
2. **A detector config without ``det_cat_ids`` keeps nothing.** MMPose picks the category
   only for its own default detector; for ``det_model=<an mmdet config>`` it filters on
   ``labels == None`` and silently falls back to the whole image. Here the category is the
   one MMPose would choose for the config's data set (:func:`default_det_cat_ids`: 0,
   person, for COCO, MPII and AIC).
"""
from typing import Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.config import Config
from mmpose.apis.inferencers import MMPoseInferencer as _MMPoseInferencer
from mmpose.apis.inferencers import Pose2DInferencer as _Pose2DInferencer


def object_type_of(config: Union[str, Config]) -> str:
    """The object type MMPose derives from the config's data set class, as its inferencer.

    MMPose takes the folder under ``mmpose/datasets/datasets/`` of the class registered as
    ``dataset_type`` (``CocoDataset`` -> ``'body'``), which is why our configs stay on
    MMPose's data set classes.
    """
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    module = DATASETS.get(cfg.dataset_type).__module__
    return module.split('datasets.')[-1].split('.')[0].lower()


def default_det_cat_ids(config: Union[str, Config]) -> Tuple[int, ...]:
    """The detector categories MMPose's default detector uses for this config's objects."""
    from mmpose.apis.inferencers.utils import default_det_models
    object_type = object_type_of(config)
    if object_type not in default_det_models:
        raise ValueError(f'MMPose has no default detector for {object_type!r} objects: '
                         'pass det_cat_ids')
    return tuple(default_det_models[object_type]['cat_ids'])


class Pose2DInferencer(_Pose2DInferencer):
    """``mmpose.apis.Pose2DInferencer`` that honours caller boxes and picks the category.

    Arguments as MMPose's, and ``backend`` / ``precision``: with ``backend='openvino'`` or
    ``'onnxruntime'``, ``weights`` is an exported model (``tools/deploy/export.py``:
    ``.onnx``, or ``.int8.xml`` for OpenVINO int8) that runs in that backend
    (:func:`hrnet_ext.deploy.load_deployed_model`). ``bboxes`` of a call: one entry per input
    image, each an ``(n, 4)`` (``x1, y1, x2, y2``) or ``(n, 5)`` (with a score) array or list.
    """

    def __init__(self, *args, backend: str = 'pytorch', precision: str = 'fp32',
                 **kwargs) -> None:
        self.backend, self.precision = backend, precision
        super().__init__(*args, **kwargs)

    def _init_model(self, cfg, weights, device='cpu'):
        from ..engine.config_check import resolve_num_keypoints
        resolve_num_keypoints(cfg)  # the head's size from the metainfo, where not set
        if self.backend != 'pytorch':
            from ..deploy import load_deployed_model
            return load_deployed_model(cfg, weights, self.backend, self.precision, device)
        return super()._init_model(cfg, weights, device)

    def _init_detector(self, det_model=None, det_weights=None, det_cat_ids=None, device=None):
        if det_cat_ids is None and det_model not in (None, 'whole_image', 'whole-image'):
            det_cat_ids = default_det_cat_ids(self.cfg)
        super()._init_detector(det_model=det_model, det_weights=det_weights,
                               det_cat_ids=det_cat_ids, device=device)

    def preprocess_single(self, input, index: int, bbox_thr: float = 0.3,
                          nms_thr: float = 0.3, bboxes: Sequence = ()):
        boxes = np.asarray(bboxes, dtype=np.float32).reshape(-1, np.shape(bboxes)[-1]) \
            if len(bboxes) else np.zeros((0, 4), np.float32)
        if self.cfg.data_mode != 'topdown' or len(boxes) == 0:
            return super().preprocess_single(input, index, bbox_thr=bbox_thr,
                                             nms_thr=nms_thr, bboxes=bboxes)
        if boxes.shape[1] not in (4, 5):
            raise ValueError(f'bboxes must be (n, 4) or (n, 5), got {boxes.shape}')
        if isinstance(input, str):
            data_info = dict(img_path=input)
        else:
            data_info = dict(img=input, img_path=f'{index}.jpg'.rjust(10, '0'))
        data_info.update(self.model.dataset_meta)
        data_infos = []
        for box in boxes:
            inst = data_info.copy()
            inst['bbox'] = box[None, :4]
            inst['bbox_score'] = box[4:5] if len(box) == 5 else np.ones(1, np.float32)
            data_infos.append(self.pipeline(inst))
        return data_infos


class MMPoseInferencer(_MMPoseInferencer):
    """``mmpose.apis.MMPoseInferencer`` for 2D pose, built on our :class:`Pose2DInferencer`.

    Same arguments and calls as MMPose's (``pose3d`` is not offered: use MMPose's class),
    and ``backend`` / ``precision`` for an exported model in ``pose2d_weights``
    (:class:`Pose2DInferencer`; docs/deploy.md)::

        MMPoseInferencer(pose2d=CONFIG, pose2d_weights='w32_deploy/epoch_210.int8.xml',
                         backend='openvino', precision='int8', det_model='whole_image')

    Example:
        >>> from hrnet_ext.apis import MMPoseInferencer
        >>> inferencer = MMPoseInferencer(pose2d=CONFIG, pose2d_weights=CHECKPOINT,
        ...                               det_model='whole_image', device='cpu')
        Loads checkpoint by local_safe backend from path: ...
        >>> result = next(inferencer(IMAGE, bboxes=[[[10, 20, 110, 220]]]))
        >>> [p['bbox'] for p in result['predictions'][0]]
        [([10.0, 20.0, 110.0, 220.0],)]
    """

    def __init__(self, pose2d: str, pose2d_weights: Optional[str] = None,
                 device: Optional[str] = None, scope: str = 'mmpose',
                 det_model=None, det_weights: Optional[str] = None,
                 det_cat_ids=None, show_progress: bool = False, backend: str = 'pytorch',
                 precision: str = 'fp32') -> None:
        # MMPose's __init__ with pose2d only, building our Pose2DInferencer
        self.visualizer = None
        self.show_progress = show_progress
        self.inferencer = Pose2DInferencer(pose2d, pose2d_weights, device, scope, det_model,
                                           det_weights, det_cat_ids, show_progress,
                                           backend=backend, precision=precision)
