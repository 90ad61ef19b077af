"""The paper's box augmentation, as a registered transform.

The official release (``lib/dataset/JointsDataset.py``) scales and rotates each
person box with *clipped* normals::

    s = s * np.clip(np.random.randn() * sf + 1, 1 - sf, 1 + sf)
    r = np.clip(np.random.randn() * rf, -rf * 2, rf * 2) if random.random() <= 0.6 else 0

with ``sf = 0.35``, ``rf = 45`` on COCO and ``sf = 0.25``, ``rf = 30`` on MPII.
MMPose's ``RandomBBoxTransform`` samples a normal *truncated* to one standard
deviation instead, with other defaults (scale 0.5-1.5, rotation up to 80
degrees, a random shift), so it cannot express these distributions: clipping
piles the tails onto the bounds (each scale bound is drawn with probability
P(z > 1) = 15.9%), truncation redraws them (no mass at the bounds, a smaller
spread), and the rotation bound is two standard deviations, not one.
"""
from typing import Dict, Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness

from hrnet_ext.registry import TRANSFORMS


@TRANSFORMS.register_module()
class ClippedNormalBBoxTransform(BaseTransform):
    """Randomly scale and rotate person boxes as the official HRNet release does.

    For each box, independently::

        scale    *= clip(z1 * scale_factor + 1, 1 - scale_factor, 1 + scale_factor)
        rotation  = clip(z2 * rotate_factor, -2 * rotate_factor, 2 * rotate_factor)
                    with probability ``rotate_prob``, else 0

    where ``z1, z2 ~ N(0, 1)``. The box centre is not moved (the paper uses no
    shift). Random numbers come from NumPy's global generator, like MMPose's
    transforms, so MMEngine's ``randomness`` seed makes them reproducible.

    Required keys: ``bbox_scale`` (N, 2). Modified keys: ``bbox_scale``.
    Added keys: ``bbox_rotation`` (N,), in degrees, read by ``TopdownAffine``.

    Args:
        scale_factor: Standard deviation of the scale factor, also its clip
            half-width (0.35 on COCO, 0.25 on MPII).
        rotate_factor: Standard deviation of the rotation in degrees; it is
            clipped to twice this (45 on COCO, 30 on MPII).
        rotate_prob: Probability of rotating a box at all (0.6).

    Example:
        >>> import numpy as np
        >>> t = ClippedNormalBBoxTransform(scale_factor=0.35, rotate_factor=45.)
        >>> out = t(dict(bbox_scale=np.array([[100., 200.]], dtype=np.float32)))
        >>> bool(65. <= out['bbox_scale'][0, 0] <= 135.), out['bbox_rotation'].shape
        (True, (1,))
    """

    def __init__(self,
                 scale_factor: float = 0.35,
                 rotate_factor: float = 45.,
                 rotate_prob: float = 0.6) -> None:
        super().__init__()
        if not 0 <= scale_factor < 1:
            raise ValueError(f'scale_factor must be in [0, 1), got {scale_factor}')
        if rotate_factor < 0:
            raise ValueError(f'rotate_factor must be >= 0, got {rotate_factor}')
        if not 0 <= rotate_prob <= 1:
            raise ValueError(f'rotate_prob must be in [0, 1], got {rotate_prob}')
        self.scale_factor = scale_factor
        self.rotate_factor = rotate_factor
        self.rotate_prob = rotate_prob

    @cache_randomness
    def _get_transform_params(self, num_bboxes: int) -> Tuple[np.ndarray, np.ndarray]:
        """Draw a scale factor (N, 1) and a rotation in degrees (N,) per box."""
        z = np.random.randn(num_bboxes, 2)
        sf, rf = self.scale_factor, self.rotate_factor
        scale = np.clip(z[:, :1] * sf + 1, 1 - sf, 1 + sf)
        rotate = np.clip(z[:, 1] * rf, -2 * rf, 2 * rf)
        rotate = np.where(np.random.rand(num_bboxes) < self.rotate_prob, rotate, 0.)
        return scale.astype(np.float32), rotate.astype(np.float32)

    def transform(self, results: Dict) -> Dict:
        scale, rotate = self._get_transform_params(results['bbox_scale'].shape[0])
        results['bbox_scale'] = results['bbox_scale'] * scale
        results['bbox_rotation'] = rotate
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(scale_factor={self.scale_factor}, '
                f'rotate_factor={self.rotate_factor}, rotate_prob={self.rotate_prob})')
