"""MMPose 1.3.2's ``PoseLocalVisualizer`` with its two numpy-2 failures fixed.

Registered as ``hrnet_ext.PoseLocalVisualizer`` and used by our configs' ``visualizer``
(so ``tools/test.py --show-dir``, ``tools/train.py --show-dir`` and the inferencer draw
with it), ``tools/demo.py`` and ``tools/sample_job.py``. Drawing otherwise fails under
numpy 2 in MMPose's code, which we do not edit:

* ``_draw_instances_kpts`` calls ``np.array(kpts, copy=False)``, which numpy 2 refuses
  whenever a copy is needed (keypoints given as lists or tensors): the keypoints are made
  ndarrays first, so no copy is needed;
* the OpenCV backend's ``draw_circles`` calls ``int(radius)`` on the 1-element array the
  keypoint drawing passes, an error in numpy 2.4.6 and 2.5.5 (a deprecation since 1.25):
  the radius is made a number first.

Both are no-ops under numpy 1, so the pictures are the same on either stack.
"""
from typing import Union

import numpy as np
import torch
from mmengine.structures import InstanceData
from mmpose.visualization import PoseLocalVisualizer as MMPosePoseLocalVisualizer

from hrnet_ext.registry import VISUALIZERS

#: InstanceData fields that MMPose's keypoint drawing iterates row by row
KEYPOINT_FIELDS = ('keypoints', 'transformed_keypoints', 'keypoints_visible')


def _as_arrays(instances: InstanceData) -> InstanceData:
    """A shallow copy of ``instances`` whose keypoint fields are float ndarrays."""
    out = instances.clone()
    for name in KEYPOINT_FIELDS:
        if name in out:
            value = out.get(name)
            if isinstance(value, torch.Tensor):
                value = value.detach().cpu().numpy()
            out.set_field(np.asarray(value, dtype=np.float64), name)
    return out


@VISUALIZERS.register_module()
class PoseLocalVisualizer(MMPosePoseLocalVisualizer):
    """MMPose's ``PoseLocalVisualizer`` (same arguments and pictures) that draws under numpy 2.

    Example:
        >>> import numpy as np
        >>> from mmengine.structures import InstanceData
        >>> from mmpose.structures import PoseDataSample
        >>> vis = PoseLocalVisualizer(radius=3)
        >>> vis.set_dataset_meta(dict(skeleton_links=[(0, 1)]))
        >>> sample = PoseDataSample(pred_instances=InstanceData(
        ...     keypoints=[[[10.0, 10.0], [40.0, 30.0]]], keypoint_scores=[[0.9, 0.8]]))
        >>> drawn = vis.add_datasample('x', np.zeros((48, 64, 3), np.uint8), sample,
        ...                            draw_gt=False)
        >>> drawn.shape, bool(drawn.any())
        ((48, 64, 3), True)
    """

    def _draw_instances_kpts(self, image: np.ndarray, instances: InstanceData, *args, **kwargs):
        return super()._draw_instances_kpts(image, _as_arrays(instances), *args, **kwargs)

    def draw_circles(self, center: Union[np.ndarray, torch.Tensor],
                     radius: Union[np.ndarray, torch.Tensor, float], *args, **kwargs):
        if self.backend == 'opencv' and np.size(radius) == 1:
            radius = float(np.asarray(radius).reshape(-1)[0])
        return super().draw_circles(center, radius, *args, **kwargs)
