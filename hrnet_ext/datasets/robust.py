"""Bad data is skipped with a warning naming the file and reason, counted, and stops the
run with the full list past a share: :class:`SkipBadSamples`.

MMPose's datasets fail on one bad sample, late: a truncated JPEG raises inside
``__getitem__`` and ends training from a DataLoader worker hours in; a NaN keypoint
turns the loss into NaN; an empty or non-COCO annotation file, or a detection file
naming images the annotation file does not have, fails in ``pycocotools`` with a
``KeyError``. The wrapper checks what it can when the data set is built, before any
training step, and catches what is left when a sample is loaded:

at build time (the wrapped data set is built here, un-serialised, then re-serialised)
    - annotation file: exists, is not empty, is JSON, is COCO (``images`` and
      ``annotations`` lists) -> :class:`BadDataError` naming the file and the problem;
    - detection-box file (``bbox_file``): a JSON list of boxes; boxes of images the
      annotation file does not have are dropped (each counted);
    - each instance: a box that is not finite or has no area after clipping to the
      image (zero-area, negative width/height, outside the image) is dropped; visible
      keypoints that are NaN/inf drop the instance; visible keypoints at negative
      coordinates or outside the image are marked invisible (kept, logged);
    - each image file, and each label map of a segmentation data set (MMSegmentation's
      ``seg_map_path``): exists, is not empty, and a JPEG/PNG is whole (ends with its
      end-of-image marker / ``IEND`` chunk; OpenCV decodes a truncated JPEG into a
      half-grey picture without an error, so a truncated file is caught only here);
      its instances (its segmentation sample) are dropped otherwise, naming the bad file.
      Grayscale, RGBA and 16-bit images are valid: MMPose's ``LoadImage`` reads them as
      8-bit BGR;
at load time
    - any exception from the wrapped ``__getitem__`` (a file deleted since, an
      undecodable image, a failing transform): the sample is logged, counted, and
      another sample is returned in its place (the next good index).

Past ``max_bad_share`` of the instances skipped (build time and load time together),
:class:`BadDataError` lists every skipped file with its reason. Images with no person
simply contribute no sample (MMPose's behaviour), which is logged as a count.

Counts at load time are per process: with DataLoader workers each worker counts its own.
The wrapper keeps MMPose's data set in the config untouched (``dataset=dict(type=
'CocoDataset', ...)``); the tools wrap their data sets at run time (``--max-bad-share``),
so a config file stays readable by MMPose's ``init_model`` and inferencer.
"""
import json
import logging
import os.path as osp
import tempfile
from typing import Any, Dict, List, Optional, Tuple, Union

import numpy as np
from mmengine.logging import print_log
from torch.utils.data import Dataset

from ..registry import DATASETS


class BadDataError(RuntimeError):
    """Data that cannot be used: a bad annotation file, or too many bad samples."""


def _reads_coco_files(dataset_type: Any) -> bool:
    """Whether the data set class reads COCO-format files with MMPose's COCO loader."""
    from mmpose.datasets.datasets.base import BaseCocoStyleDataset
    cls = DATASETS.get(dataset_type) if isinstance(dataset_type, str) else dataset_type
    return (isinstance(cls, type) and issubclass(cls, BaseCocoStyleDataset)
            and cls._load_annotations is BaseCocoStyleDataset._load_annotations)


def _warn(msg: str) -> None:
    print_log(msg, logger='current', level=logging.WARNING)


def check_annotation_file(path: str, coco: bool = True) -> Any:
    """Read a JSON annotation file (COCO keypoints when ``coco``), or raise
    :class:`BadDataError` saying why."""
    if not osp.isfile(path):
        raise BadDataError(f'annotation file {path} does not exist')
    if osp.getsize(path) == 0:
        raise BadDataError(f'annotation file {path} is empty (0 bytes)')
    try:
        with open(path) as f:
            data = json.load(f)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadDataError(f'annotation file {path} is not valid JSON: {exc}') from None
    if not coco:
        return data
    if not isinstance(data, dict):
        raise BadDataError(f'annotation file {path} is not in COCO format: the top level is a '
                           f'{type(data).__name__}, expected an object with "images" and '
                           '"annotations"')
    missing = [k for k in ('images', 'annotations') if not isinstance(data.get(k), list)]
    if missing:
        raise BadDataError(f'annotation file {path} is not in COCO format: no list '
                           f'{" or ".join(repr(k) for k in missing)} (keys: {sorted(data)})')
    for img in data['images'][:1] + data['images'][-1:]:
        lacking = [k for k in ('id', 'file_name', 'width', 'height') if k not in img]
        if lacking:
            raise BadDataError(f'annotation file {path} is not in COCO format: image entry '
                               f'lacks {lacking}')
    return data


def image_problem(path: str) -> Optional[str]:
    """Why the image file ``path`` cannot be used, or ``None`` if it looks whole."""
    if not osp.isfile(path):
        return 'missing file'
    size = osp.getsize(path)
    if size == 0:
        return 'empty file (0 bytes)'
    with open(path, 'rb') as f:
        head = f.read(8)
        f.seek(max(0, size - 4096))
        tail = f.read()
    if head[:2] == b'\xff\xd8':
        # a JPEG ends with EOI (FF D9); some writers append padding or metadata after it
        if b'\xff\xd9' not in tail:
            return 'truncated or corrupt JPEG (no end-of-image marker)'
        return None
    if head == b'\x89PNG\r\n\x1a\n':
        if b'IEND' not in tail[-12:]:
            return 'truncated or corrupt PNG (no IEND chunk)'
        return None
    import cv2  # another format: decode it
    if cv2.imread(path, cv2.IMREAD_UNCHANGED) is None:
        return 'not a readable image'
    return None


@DATASETS.register_module()
class SkipBadSamples(Dataset):
    """Wrap a data set so that bad samples are skipped, logged and counted.

    Args:
        dataset: the wrapped data set (a config dict, e.g. MMPose's ``CocoDataset``).
        max_bad_share: the share of instances that may be skipped before the run stops
            with :class:`BadDataError` listing them (0: any bad sample stops it).
        check_images: check every image file when the data set is built (existence,
            size, JPEG/PNG completeness; reads the last 4 KiB of each file).

    In a config (the tools wrap every data set this way themselves)::

        train_dataloader = dict(dataset=dict(
            type='hrnet_ext.SkipBadSamples', max_bad_share=0.01,
            dataset=dict(type='CocoDataset', data_root='data/coco/', ...)))
    """

    def __init__(self, dataset: Union[dict, Any], max_bad_share: float = 0.05,
                 check_images: bool = True) -> None:
        self.max_bad_share = float(max_bad_share)
        self.check_images = check_images
        self.skipped: List[Tuple[str, str]] = []  # (file, reason), in order
        self._bad_index: Dict[int, str] = {}
        self._tmpdir: Optional[tempfile.TemporaryDirectory] = None
        self._image_sizes: Dict[Any, Tuple[Any, Any]] = {}
        self._recorded: set = set()  # annotation ids already counted
        self.dataset = self._build(dataset) if isinstance(dataset, dict) else dataset
        self._total = self._validate()
        self._check_share()

    # ------------------------------------------------------------------ build time
    def _build(self, cfg: dict):
        cfg = dict(cfg)
        ann_file = cfg.get('ann_file')
        data_root = cfg.get('data_root') or ''
        coco = None
        if ann_file and str(ann_file).endswith('.json'):
            path = ann_file if osp.isabs(ann_file) else osp.join(data_root, ann_file)
            if not _reads_coco_files(cfg.get('type')):  # MPII ...: its own JSON layout
                check_annotation_file(path, coco=False)
            else:
                coco = check_annotation_file(path)
        if coco is not None:
            # MMPose drops its COCO object after loading: keep the image sizes
            self._image_sizes = {img['id']: (img['width'], img['height'])
                                 for img in coco['images']}
            self._check_raw_boxes(coco, osp.join((cfg.get('data_prefix') or {}).get('img', ''),
                                                 ''), data_root)
        if cfg.get('bbox_file') and coco is not None:
            cfg['bbox_file'] = self._checked_bbox_file(cfg['bbox_file'], coco)
        self._want_serialize = cfg.get('serialize_data', True)
        seg = 'seg_map_path' in (cfg.get('data_prefix') or {})  # MMSegmentation's layout
        if 'ann_file' in cfg or seg:  # an MMEngine BaseDataset: build its list un-serialised
            cfg.update(lazy_init=True, serialize_data=False)
        dataset = DATASETS.build(cfg)
        if hasattr(dataset, 'full_init'):
            dataset.full_init()
        return dataset

    def _check_raw_boxes(self, coco: dict, prefix: str, data_root: str) -> None:
        """Boxes of annotated people that are empty once clipped to the image.

        MMPose's training set drops them silently; they are listed and counted here."""
        images = {img['id']: img for img in coco['images']}
        for ann in coco['annotations']:
            kpts = ann.get('keypoints')
            if 'bbox' not in ann or not kpts or not any(v > 0 for v in kpts[2::3]):
                continue
            img = images.get(ann.get('image_id'))
            if img is None:
                continue
            w, h = img['width'], img['height']
            bbox = np.asarray(ann['bbox'], dtype=np.float64).reshape(-1)[:4]
            box = np.concatenate([bbox[:2], bbox[:2] + bbox[2:]])
            box = np.clip(box, 0, [w - 1, h - 1, w - 1, h - 1]) if np.isfinite(box).all() else box
            reason = self._box_problem(box)
            if reason:
                where = f'{osp.join(data_root, prefix, img["file_name"])} (instance {ann["id"]})'
                _warn(f'skipping {where}: {reason} (COCO box {list(bbox)})')
                self.skipped.append((where, reason))
                self._recorded.add(ann['id'])

    @staticmethod
    def _box_problem(box: np.ndarray) -> Optional[str]:
        if not np.isfinite(box).all():
            return 'box is not finite (NaN/inf)'
        x1, y1, x2, y2 = box
        if x2 <= x1 or y2 <= y1:
            return (f'zero-area or negative box (x1, y1, x2, y2 = {x1:g}, {y1:g}, {x2:g}, '
                    f'{y2:g} after clipping to the image)')
        return None

    def _checked_bbox_file(self, path: str, coco: dict) -> str:
        if not osp.isfile(path) or osp.getsize(path) == 0:
            raise BadDataError(f'detection-box file {path} is missing or empty')
        try:
            with open(path) as f:
                dets = json.load(f)
        except ValueError as exc:
            raise BadDataError(f'detection-box file {path} is not valid JSON: {exc}') from None
        if not isinstance(dets, list) or not all(isinstance(d, dict) for d in dets):
            raise BadDataError(f'detection-box file {path} is not a list of boxes '
                               '({"image_id", "bbox", "score", "category_id"})')
        known = {img['id'] for img in coco['images']}
        kept = []
        for det in dets:
            if det.get('image_id') not in known:
                self.skipped.append((path, f'box for image_id {det.get("image_id")!r}, '
                                           'which the annotation file does not have'))
                continue
            kept.append(det)
        unknown = len(dets) - len(kept)
        if not unknown:
            return path
        _warn(f'{path}: {unknown} of {len(dets)} boxes name images that are not in the '
              'annotation file; skipped')
        self._tmpdir = tempfile.TemporaryDirectory(prefix='hrnet_ext_boxes_')
        filtered = osp.join(self._tmpdir.name, osp.basename(path))
        with open(filtered, 'w') as f:
            json.dump(kept, f)
        return filtered

    def _validate(self) -> int:
        """Check every instance and image; drop or fix. Returns the instance count."""
        ds = self.dataset
        data_list = getattr(ds, 'data_list', None)
        if data_list is None or getattr(ds, 'serialize_data', False) and not data_list:
            return len(ds)  # a data set we cannot inspect: load-time skipping only
        sizes = self._image_sizes
        image_checked: Dict[str, Optional[str]] = {}
        kept = []
        total = len(data_list) + len(self.skipped)  # + boxes dropped from bbox_file
        for info in data_list:
            img_path = info.get('img_path', '?')
            # a segmentation sample has no box; its label map is checked as its image
            reason = (self._instance_problem(info, sizes.get(info.get('img_id')))
                      if 'bbox' in info else None)
            if reason is None and self.check_images:
                for path in (img_path, info.get('seg_map_path')):
                    if not path or path == '?':
                        continue
                    if path not in image_checked:
                        image_checked[path] = image_problem(path)
                    if image_checked[path] is not None:  # name the file that is bad
                        reason, img_path = image_checked[path], path
                        break
            if reason is not None and info.get('id') in self._recorded:
                continue  # listed already from the annotation file
            if reason is not None:
                where = img_path if 'id' not in info else f'{img_path} (instance {info["id"]})'
                _warn(f'skipping {where}: {reason}')
                self.skipped.append((where, reason))
                continue
            kept.append(info)
        if sizes and not getattr(ds, 'test_mode', False):
            empty = len(set(sizes) - {info.get('img_id') for info in kept})
            if empty:
                print_log(f'{empty} of {len(sizes)} images have no usable person and give '
                          'no sample', logger='current')
        ds.data_list = kept
        if self._want_serialize and hasattr(ds, '_serialize_data'):
            # what BaseDataset.full_init does last (it empties data_list)
            ds.data_bytes, ds.data_address = ds._serialize_data()
            ds.serialize_data = True
        return max(total, 1)

    @staticmethod
    def _instance_problem(info: dict, size: Optional[Tuple[Any, Any]]) -> Optional[str]:
        bbox = np.asarray(info.get('bbox', np.zeros((1, 4))), dtype=np.float64).reshape(-1, 4)
        problem = SkipBadSamples._box_problem(bbox[0])
        if problem:
            return problem
        kpts = info.get('keypoints')
        vis = info.get('keypoints_visible')
        if kpts is None or vis is None:
            return None
        kpts = np.asarray(kpts, dtype=np.float32)
        vis = np.asarray(vis, dtype=np.float32)
        shown = vis > 0
        if not np.isfinite(kpts[shown]).all():
            return 'visible keypoint with NaN/inf coordinates'
        w, h = size if size else (None, None)
        out = shown & ((kpts[..., 0] < 0) | (kpts[..., 1] < 0))
        if w and h:
            out |= shown & ((kpts[..., 0] >= w) | (kpts[..., 1] >= h))
        if out.any():
            joints = np.flatnonzero(out.reshape(-1)).tolist()
            _warn(f'{info.get("img_path")} (instance {info.get("id")}): visible keypoints '
                  f'{joints} lie outside the image ({w}x{h}); marked invisible')
            vis = vis.copy()
            vis[out] = 0
            info['keypoints_visible'] = vis
        return None

    # ------------------------------------------------------------------ load time
    def _check_share(self) -> None:
        if len(self.skipped) > self.max_bad_share * self._total or len(self) == 0:
            listing = '\n'.join(f'  {f}: {r}' for f, r in self.skipped[:100])
            more = f'\n  ... and {len(self.skipped) - 100} more' if len(self.skipped) > 100 else ''
            raise BadDataError(
                f'{len(self.skipped)} of {self._total} samples are bad, more than the '
                f'{self.max_bad_share:.1%} allowed (max_bad_share; --max-bad-share in the '
                f'tools):\n{listing}{more}')

    def __len__(self) -> int:
        return len(self.dataset)

    @property
    def metainfo(self) -> dict:
        return self.dataset.metainfo

    def full_init(self) -> None:
        """Already done at construction (the Runner calls this)."""

    def get_data_info(self, idx: int) -> dict:
        return self.dataset.get_data_info(idx)

    def _file_of(self, idx: int) -> str:
        try:
            info = self.dataset.get_data_info(idx)
        except Exception:
            return f'sample {idx}'
        where = str(info.get('img_path', f'sample {idx}'))
        if info.get('seg_map_path'):  # either file may be the one that failed
            where += f' (label map {info["seg_map_path"]})'
        return where

    def __getitem__(self, idx: int) -> Any:
        n = len(self.dataset)
        for step in range(n):
            j = (idx + step) % n
            if j in self._bad_index:
                continue
            try:
                return self.dataset[j]
            except Exception as exc:  # any failure of one sample: log, count, next one
                reason = f'{type(exc).__name__}: {exc}'.splitlines()[0][:300]
                where = self._file_of(j)
                _warn(f'skipping {where}: {reason}')
                self._bad_index[j] = reason
                self.skipped.append((where, reason))
                self._check_share()
        raise BadDataError('every sample failed to load')


def wrap_datasets(cfg, phases=('train', 'val', 'test'), max_bad_share: float = 0.05) -> None:
    """Wrap the data set of each ``<phase>_dataloader`` of ``cfg`` in :class:`SkipBadSamples`
    (in place; one already wrapped keeps its own settings). What the tools do, so that
    config files keep MMPose's data set types for ``init_model`` and the inferencer."""
    for phase in phases:
        loader = cfg.get(f'{phase}_dataloader')
        if not loader or not loader.get('dataset'):
            continue
        if loader['dataset'].get('type') == 'hrnet_ext.SkipBadSamples':
            continue
        loader['dataset'] = dict(type='hrnet_ext.SkipBadSamples', dataset=loader['dataset'],
                                 max_bad_share=max_bad_share)


def unwrapped(dataset_cfg: dict) -> dict:
    """The data set config inside a :class:`SkipBadSamples` config (or the config itself)."""
    while dataset_cfg.get('type') == 'hrnet_ext.SkipBadSamples':
        dataset_cfg = dataset_cfg['dataset']
    return dataset_cfg
