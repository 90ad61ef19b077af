"""Heatmap encoders equal to MMPose's, computed faster: the codecs of the training targets.

MMPose's ``MSRAHeatmap`` and ``UDPHeatmap`` encode each keypoint with its own ``np.exp`` over a
Gaussian window in a Python loop. Here the plain codec's Gaussian, the same for every keypoint,
is computed once, and the unbiased (DARK) and UDP Gaussians of all keypoints in one ``np.exp``
over the same float32 operands, so every heatmap and keypoint weight is bit-identical
(tests/datasets/test_fast_transforms.py). ``hrnet_ext.FastGenerateTarget`` uses them; decoding
is the wrapped codec's own.
"""
from typing import Optional, Tuple

import numpy as np
from mmpose.codecs import MSRAHeatmap, UDPHeatmap

#: The dtype of a float32 array minus a float64 scalar under the running numpy, in which
#: MMPose's UDP Gaussian is computed (float32 under numpy 1, float64 under numpy 2).
UDP_GAUSSIAN_DTYPE = (np.zeros(1, np.float32) - np.float64(0)).dtype


class FastHeatmapEncoder:
    """A codec whose ``encode`` is computed faster; every other attribute is the codec's.

    Equal outputs to ``MSRAHeatmap.encode`` (plain and unbiased) and ``UDPHeatmap.encode``
    (``heatmap_type='gaussian'``): the same float32 operations element by element, in the
    same order (see the module docstring).

    Args:
        codec: A built ``MSRAHeatmap`` or ``UDPHeatmap`` (gaussian); :func:`fast_encoder`
            chooses.
    """

    def __init__(self, codec) -> None:
        self.codec = codec
        self._udp = isinstance(codec, UDPHeatmap)
        self._dark = not self._udp and codec.unbiased
        sigma = codec.sigma
        self._radius = sigma * 3
        self._gaussian_size = 2 * self._radius + 1
        # the xy grid of MMPose's generate_(udp_)gaussian_heatmaps
        self._x = np.arange(0, self._gaussian_size, 1, dtype=np.float32)
        if not self._udp and not self._dark:
            x, y = self._x, self._x[:, None]
            x0 = y0 = self._gaussian_size // 2
            self._gaussian = np.exp(-((x - x0)**2 + (y - y0)**2) / (2 * sigma**2))

    def __getattr__(self, name):
        if name == 'codec' or name.startswith('__'):  # not set yet (unpickling, copying)
            raise AttributeError(name)
        return getattr(self.codec, name)

    def __repr__(self) -> str:
        return f'FastHeatmapEncoder({self.codec!r})'

    def encode(self, keypoints: np.ndarray, keypoints_visible: Optional[np.ndarray] = None
               ) -> dict:
        codec = self.codec
        assert keypoints.shape[0] == 1, (
            f'{codec.__class__.__name__} only support single-instance keypoint encoding')
        if keypoints_visible is None:
            keypoints_visible = np.ones(keypoints.shape[:2], dtype=np.float32)
        if keypoints.ndim != 3 or keypoints.shape[2] != 2 or keypoints_visible.ndim != 2:
            return codec.encode(keypoints, keypoints_visible)  # MMPose's, errors included
        keypoints = keypoints / codec.scale_factor
        if self._dark:
            heatmaps, weights = self._encode_unbiased(keypoints, keypoints_visible)
        else:
            heatmaps, weights = self._encode_windowed(keypoints, keypoints_visible)
        return dict(heatmaps=heatmaps, keypoint_weights=weights)

    def _encode_windowed(self, keypoints, keypoints_visible) -> Tuple[np.ndarray, np.ndarray]:
        """``generate_gaussian_heatmaps`` (plain) / ``generate_udp_gaussian_heatmaps``."""
        _, K, _ = keypoints.shape
        W, H = self.codec.heatmap_size
        heatmaps = np.zeros((K, H, W), dtype=np.float32)
        weights = keypoints_visible.copy()
        radius = self._radius
        kpts = keypoints[0]
        mu = (kpts + 0.5).astype(np.int64)  # (K, 2), as MMPose per keypoint
        lt = (mu - radius).astype(np.int64)
        rb = (mu + radius + 1).astype(np.int64)
        labelled = ~(keypoints_visible[0] < 0.5)
        outside = (lt[:, 0] >= W) | (lt[:, 1] >= H) | (rb[:, 0] < 0) | (rb[:, 1] < 0)
        weights[0, labelled & outside] = 0
        todo = np.flatnonzero(labelled & ~outside)
        if not len(todo):
            return heatmaps, weights
        if self._udp:
            # x0 = gaussian_size // 2 + (mu_ac - mu) in float64 (np.float32 - np.int64);
            # MMPose's `x - x0` (a float32 array minus that float64 scalar) then computes in
            # float32 under numpy 1 (value-based casting) and in float64 under numpy 2 (NEP 50)
            offset = self._gaussian_size // 2 + (kpts[todo] - mu[todo])
            x0 = offset[:, 0].astype(UDP_GAUSSIAN_DTYPE)[:, None, None]
            y0 = offset[:, 1].astype(UDP_GAUSSIAN_DTYPE)[:, None, None]
            x, y = self._x[None, None, :], self._x[None, :, None]
            sigma = self.codec.sigma
            gaussians = np.exp(-((x - x0)**2 + (y - y0)**2) / (2 * sigma**2))
        else:
            gaussians = None
        # MMPose's valid ranges in the heatmap (h1, h2) and in the Gaussian (h - left/top)
        lt, rb = lt[todo], rb[todo]
        h1 = np.maximum(lt, 0)
        h2 = np.minimum(rb, [W, H])
        for j, k, (hx1, hy1), (hx2, hy2), (gx1, gy1), (gx2, gy2) in zip(
                range(len(todo)), todo.tolist(), h1.tolist(), h2.tolist(), (h1 - lt).tolist(),
                (h2 - lt).tolist()):
            g = self._gaussian if gaussians is None else gaussians[j]
            region = heatmaps[k, hy1:hy2, hx1:hx2]
            np.maximum(region, g[gy1:gy2, gx1:gx2], out=region)
        return heatmaps, weights

    def _encode_unbiased(self, keypoints, keypoints_visible) -> Tuple[np.ndarray, np.ndarray]:
        """``generate_unbiased_gaussian_heatmaps``: a full-map Gaussian per keypoint."""
        _, K, _ = keypoints.shape
        W, H = self.codec.heatmap_size
        sigma = self.codec.sigma
        heatmaps = np.zeros((K, H, W), dtype=np.float32)
        weights = keypoints_visible.copy()
        radius = sigma * 3
        kpts = keypoints[0]
        lt = kpts - radius
        rb = kpts + radius + 1
        labelled = ~(keypoints_visible[0] < 0.5)
        outside = (lt[:, 0] >= W) | (lt[:, 1] >= H) | (rb[:, 0] < 0) | (rb[:, 1] < 0)
        weights[0, labelled & outside] = 0
        todo = np.flatnonzero(labelled & ~outside)
        if len(todo):
            x = np.arange(0, W, 1, dtype=np.float32)[None, None, :]
            y = np.arange(0, H, 1, dtype=np.float32)[None, :, None]
            mu = kpts[todo]
            gaussians = np.exp(-((x - mu[:, 0, None, None])**2 + (y - mu[:, 1, None, None])**2)
                               / (2 * sigma**2))
            # max(gaussian, 0) where MMPose takes the maximum with the empty heatmap
            heatmaps[todo] = np.maximum(gaussians, heatmaps[todo])
        return heatmaps, weights


def fast_encoder(codec):
    """``codec`` wrapped with a faster equal ``encode`` where there is one, else ``codec``."""
    if type(codec) is MSRAHeatmap:
        return FastHeatmapEncoder(codec)
    if type(codec) is UDPHeatmap and codec.heatmap_type == 'gaussian':
        return FastHeatmapEncoder(codec)
    return codec
