"""Faster top-down transforms whose outputs are equal, bit for bit, to MMPose's.

Each class subclasses the MMPose transform it replaces, takes the same arguments and leaves
every key of the results dict as MMPose's would (tests/datasets/test_fast_transforms.py
compares them with ``np.array_equal`` over random augmentations of the bundled samples).
What each one avoids (measured in docs/benchmarks.md, "Data pipelines, one process"):

* :class:`FastTopdownAffine`: OpenCV's element-by-element copy of the ``np.flip`` views that
  ``RandomFlip`` hands on; the view is copied back with ``cv2.flip`` and MMPose's
  ``TopdownAffine`` runs on it unchanged (same matrix, same ``cv2.warpAffine`` call).
* :class:`FastGenerateTarget`: the Python loop of ``np.exp`` per keypoint of MMPose's heatmap
  encoders (:mod:`hrnet_ext.codecs.fast_heatmap`); other codecs use MMPose's own encoder.
* :class:`FastPackPoseInputs`: torch's slow ``permute(...).contiguous()`` of a uint8 HWC image
  (``cv2.split`` + ``np.stack`` instead) and ``copy.deepcopy`` of the metainfo (an equal copy
  made faster, :func:`deepcopy_builtin`); the rest is MMPose's ``PackPoseInputs``.
* :class:`CachedLoadImage`: decoding an image again for each of its boxes in evaluation on
  detected boxes (MMPose's ``LoadImage`` that keeps the last few decoded images, by path).

Use them in a pipeline by their prefixed names, with MMPose's arguments::

    dict(type='hrnet_ext.CachedLoadImage'),
    dict(type='hrnet_ext.FastTopdownAffine', input_size=codec['input_size']),
    dict(type='hrnet_ext.FastGenerateTarget', encoder=codec),
    dict(type='hrnet_ext.FastPackPoseInputs'),
"""
import copy as _copy
import os
from collections import OrderedDict
from typing import Dict, Optional

import cv2
import numpy as np
import torch
from mmpose.datasets.transforms import GenerateTarget, LoadImage, PackPoseInputs, TopdownAffine

from hrnet_ext.codecs.fast_heatmap import fast_encoder
from hrnet_ext.registry import TRANSFORMS

# dtypes that cv2.flip / cv2.split take as they are (numpy -> cv::Mat without conversion)
_CV_DTYPES = frozenset(np.dtype(t) for t in (
    np.uint8, np.int8, np.uint16, np.int16, np.int32, np.float32, np.float64))


def unflip_view(img: np.ndarray) -> np.ndarray:
    """A flipped view of an image as a C-contiguous copy (made fast); anything else as is.

    ``np.flip`` (MMPose's ``RandomFlip``) returns views with negative strides, which
    OpenCV's Python binding copies element by element before any call (2.3 ms for a
    640x425 colour image). A view flipped along its rows and/or columns, of an array whose
    pixels are contiguous (1-4 channels of an OpenCV dtype), is copied here with
    ``cv2.flip`` of the unflipped view instead: the same values, 0.03 ms.
    """
    if img.ndim not in (2, 3) or not img.size or img.dtype not in _CV_DTYPES:
        return img
    flip_rows, flip_cols = img.strides[0] < 0, img.strides[1] < 0
    if not (flip_rows or flip_cols):
        return img
    base = img[::-1 if flip_rows else 1, ::-1 if flip_cols else 1]
    item = base.itemsize
    channels = base.shape[2] if base.ndim == 3 else 1
    if not (1 <= channels <= 4 and (base.ndim == 2 or base.strides[2] == item)
            and base.strides[1] == item * channels
            and base.strides[0] >= item * channels * base.shape[1]):
        return img
    out = cv2.flip(base, -1 if flip_rows and flip_cols else (0 if flip_rows else 1))
    return out.reshape(img.shape)  # OpenCV drops the channel axis of HxWx1 images


@TRANSFORMS.register_module()
class FastTopdownAffine(TopdownAffine):
    """MMPose's ``TopdownAffine`` that does not let OpenCV copy flipped views slowly.

    Arguments, required, modified and added keys: MMPose's ``TopdownAffine`` (``input_size``,
    ``use_udp``). A flipped view of the image (or of each image of a list) is copied
    with :func:`unflip_view` first; the warp matrix, the ``cv2.warpAffine`` call and
    everything else are MMPose's, so the outputs are the same arrays.

    Example:
        >>> import numpy as np
        >>> from mmpose.datasets.transforms import TopdownAffine
        >>> img = np.random.default_rng(0).integers(0, 255, (120, 90, 3), dtype=np.uint8)
        >>> res = dict(img=np.flip(img, axis=1), bbox_center=np.array([[40., 60.]], np.float32),
        ...            bbox_scale=np.array([[60., 80.]], np.float32))
        >>> ours = FastTopdownAffine(input_size=(48, 64))(dict(res))
        >>> theirs = TopdownAffine(input_size=(48, 64))(dict(res))
        >>> bool(np.array_equal(ours['img'], theirs['img']))
        True
    """

    def transform(self, results: Dict) -> Optional[dict]:
        img = results['img']
        if isinstance(img, list):
            results['img'] = [unflip_view(i) for i in img]
        else:
            results['img'] = unflip_view(img)
        return super().transform(results)


@TRANSFORMS.register_module()
class FastGenerateTarget(GenerateTarget):
    """MMPose's ``GenerateTarget`` with faster, equal heatmap encoders.

    Arguments and keys: MMPose's ``GenerateTarget``. ``MSRAHeatmap`` (plain or unbiased)
    and ``UDPHeatmap`` with ``heatmap_type='gaussian'`` encoders (alone or in a list) encode
    the same heatmaps and keypoint weights faster; any other codec is MMPose's own.

    Example:
        >>> import numpy as np
        >>> codec = dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64),
        ...              sigma=2)
        >>> res = dict(keypoints=np.array([[[50., 60.], [500., 10.]]], np.float32),
        ...            keypoints_visible=np.ones((1, 2), np.float32))
        >>> out = FastGenerateTarget(encoder=codec)(res)
        >>> out['heatmaps'].shape, out['keypoint_weights'].tolist()
        ((2, 64, 48), [[1.0, 0.0]])
    """

    def __init__(self, encoder, **kwargs) -> None:
        super().__init__(encoder, **kwargs)
        if isinstance(self.encoder, list):
            self.encoder = [fast_encoder(e) for e in self.encoder]
        else:
            self.encoder = fast_encoder(self.encoder)


def image_to_chw_tensor(img: np.ndarray) -> torch.Tensor:
    """MMPose's ``image_to_tensor`` for one HxWxC (C <= 4) image: the same tensor, faster.

    ``cv2.split`` de-interleaves the channels (one pass, SIMD) where torch's
    ``permute(2, 0, 1).contiguous()`` of a uint8 image takes 6-20x longer.
    """
    if (img.ndim == 3 and 2 <= img.shape[2] <= 4 and img.dtype in _CV_DTYPES
            and img.shape[0] and img.shape[1]):
        return torch.from_numpy(np.stack(cv2.split(unflip_view(img))))
    from mmpose.datasets.transforms.formatting import image_to_tensor
    return image_to_tensor(img)


_NO_IMAGE = np.zeros((0, 0, 1), np.uint8)
_ATOMIC = frozenset((int, float, bool, str, bytes, complex, type(None)))


def deepcopy_builtin(value, memo: Optional[dict] = None):
    """``copy.deepcopy`` for data infos: the same copy, made faster for lists, dicts, tuples
    and numeric arrays (a data set's ``raw_ann_info`` holds the COCO polygons as lists of
    floats, which ``copy.deepcopy`` copies one Python call per number).

    Same semantics as ``copy.deepcopy``: atoms are kept, containers copied once each (the
    ``memo`` keeps shared and cyclic references as they were), tuples whose items all copy
    to themselves are kept, arrays are copied in their memory order
    (``ndarray.__deepcopy__``); every other type goes to ``copy.deepcopy`` with the same memo.
    """
    if memo is None:
        memo = {}
    t = type(value)
    if t in _ATOMIC:
        return value
    found = memo.get(id(value))
    if found is not None:
        return found
    if t is list:
        out = []
        memo[id(value)] = out
        out.extend([v if type(v) in _ATOMIC else deepcopy_builtin(v, memo) for v in value])
    elif t is dict:
        out = {}
        memo[id(value)] = out
        for k, v in value.items():
            out[k if type(k) in _ATOMIC else deepcopy_builtin(k, memo)] = (
                v if type(v) in _ATOMIC else deepcopy_builtin(v, memo))
    elif t is tuple:
        items = [v if type(v) in _ATOMIC else deepcopy_builtin(v, memo) for v in value]
        if id(value) in memo:  # reached again through its own items (a cycle)
            return memo[id(value)]
        same = all(a is b for a, b in zip(items, value))
        out = value if same else tuple(items)
        memo[id(value)] = out
    elif t is np.ndarray and not value.dtype.hasobject:
        out = value.copy(order='K')
        memo[id(value)] = out
    else:
        return _copy.deepcopy(value, memo)
    return out


@TRANSFORMS.register_module()
class FastPackPoseInputs(PackPoseInputs):
    """MMPose's ``PackPoseInputs`` with a faster image-to-tensor conversion and metainfo copy.

    Arguments and keys: MMPose's. A single image is converted by
    :func:`image_to_chw_tensor`, and the metainfo is deep-copied by
    :func:`deepcopy_builtin` into the data sample (``PoseDataSample.set_field``, in
    ``meta_keys`` order, as ``set_metainfo`` does after its ``copy.deepcopy``). MMPose's
    ``PackPoseInputs`` packs everything else: it is given an empty stand-in image, whose
    tensor is then replaced, and no meta keys. Lists of images, or meta keys that packing
    also reads: MMPose's ``PackPoseInputs`` alone.
    """

    _READ = frozenset(('img', 'lifting_target', 'keypoints', 'keypoint_labels',
                       'transformed_keypoints', 'instance_mapping_table',
                       'label_mapping_table', 'field_mapping_table'))

    def transform(self, results: dict) -> dict:
        img = results.get('img')
        if not isinstance(img, np.ndarray):
            return super().transform(results)
        read = self._READ.union(*(results.get(name, getattr(self, name)) for name in (
            'instance_mapping_table', 'label_mapping_table', 'field_mapping_table')))
        if read.intersection(self.meta_keys):
            return super().transform(results)
        inputs = image_to_chw_tensor(img)
        rest = {k: v for k, v in results.items() if k not in self.meta_keys}
        rest['img'] = _NO_IMAGE
        packed = super().transform(rest)
        packed['inputs'] = inputs
        meta = {k: results[k] for k in self.meta_keys if k in results}
        meta = deepcopy_builtin(meta)
        data_sample = packed['data_samples']
        for k, v in meta.items():
            data_sample.set_field(name=k, value=v, field_type='metainfo', dtype=None)
        return packed


@TRANSFORMS.register_module()
class CachedLoadImage(LoadImage):
    """MMPose's ``LoadImage`` that keeps the last ``cache_size`` decoded images.

    For evaluation on detected boxes: MMPose's top-down data sets list the boxes of an
    image one after the other, and each is a sample that loads the image again. Here an
    image is decoded once per run of samples from it (per process: each data loader
    worker has its own cache). Outputs equal ``LoadImage``'s. The cache is keyed by
    ``img_path`` and, for a local file, its modification time and size (one ``os.stat``
    per sample, ~2 us), so a file rewritten under the same name (an inferencer called on
    ``frame.jpg`` again) is read again; a path that ``os.stat`` cannot see (a remote
    ``backend_args`` storage) is keyed by its name alone. Samples that bring their own
    ``img`` are passed to ``LoadImage`` as they are.

    Args:
        cache_size: How many decoded images to keep (least recently used dropped first).
        copy: Give each sample its own copy of the cached image (default; 0.02-0.1 ms). With
            False, samples share one read-only array: a transform that writes into the
            image raises instead of corrupting the cache.
        **kwargs: ``LoadImage``'s arguments (``to_float32``, ``color_type``,
            ``imdecode_backend``, ``backend_args``, ``ignore_empty``).
    """

    def __init__(self, cache_size: int = 4, copy: bool = True, **kwargs) -> None:
        super().__init__(**kwargs)
        if cache_size < 1:
            raise ValueError(f'cache_size must be >= 1, got {cache_size}')
        self.cache_size = cache_size
        self.copy = copy
        self._cache: 'OrderedDict[tuple, np.ndarray]' = OrderedDict()
        self.hits = self.misses = 0

    def transform(self, results: dict) -> Optional[dict]:
        if 'img' in results:
            return super().transform(results)
        path = results['img_path']
        try:
            st = os.stat(path)
            key = (path, st.st_mtime_ns, st.st_size)
        except (OSError, TypeError, ValueError):  # not a local file: its name alone
            key = (path, )
        img = self._cache.get(key)
        if img is None:
            self.misses += 1
            results = super().transform(results)
            if results is None:  # ignore_empty
                return None
            img = results['img']
            img.flags.writeable = False  # the cache's own array: never handed out writable
            self._cache[key] = img
            if len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        else:
            self.hits += 1
            self._cache.move_to_end(key)
        results['img'] = img.copy() if self.copy else img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results

    def clear_cache(self) -> None:
        """Forget the cached images (the counters of hits and misses are kept)."""
        self._cache.clear()

    def __repr__(self) -> str:
        return (super().__repr__()[:-1]
                + f', cache_size={self.cache_size}, copy={self.copy})')
