"""Stop before building a runner when a config's data files are missing.

MMPose's datasets ``assert`` their files exist one at a time, deep inside the
runner, with a message that names the path only. :func:`check_data_paths`
looks at every dataset and evaluator of the chosen phases first and raises one
:class:`DataNotFoundError` that names each missing path with its config key,
shows the layout the configs expect and says how to point them elsewhere: an
environment variable (read when the config is loaded; it moves every path of
that dataset) or ``--cfg-options`` per key.

Our configs read the roots from these variables (default in brackets)::

    HRNET_EXT_COCO_ROOT  [data/coco/]
    HRNET_EXT_MPII_ROOT  [data/mpii/]
    HRNET_EXT_AIC_ROOT   [data/aic/]
"""
import os.path as osp
from typing import Dict, Iterator, List, Mapping, NamedTuple, Sequence, Tuple

#: environment variable that sets each dataset's root in our configs
ROOT_ENV: Dict[str, str] = {
    'CocoDataset': 'HRNET_EXT_COCO_ROOT',
    'MpiiDataset': 'HRNET_EXT_MPII_ROOT',
    'AicDataset': 'HRNET_EXT_AIC_ROOT',
}

#: the layout MMPose documents for each dataset, which our configs follow
LAYOUT: Dict[str, str] = {
    'CocoDataset': """\
    <HRNET_EXT_COCO_ROOT, default data/coco/>
    |-- annotations/person_keypoints_train2017.json
    |-- annotations/person_keypoints_val2017.json
    |-- person_detection_results/COCO_val2017_detections_AP_H_56_person.json
    |-- train2017/*.jpg
    `-- val2017/*.jpg""",
    'MpiiDataset': """\
    <HRNET_EXT_MPII_ROOT, default data/mpii/>
    |-- annotations/mpii_train.json
    |-- annotations/mpii_val.json
    |-- annotations/mpii_gt_val.mat   (official head boxes, for PCKh)
    `-- images/*.jpg""",
    'AicDataset': """\
    <HRNET_EXT_AIC_ROOT, default data/aic/>
    |-- annotations/aic_train.json
    `-- ai_challenger_keypoint_train_20170902/keypoint_train_images_20170902/*.jpg""",
}

HEADBOX_NOTE = """\
  mpii_gt_val.mat holds MPII's official head boxes: PCKh divides each error by
  0.6 x the head-box diagonal, and MMPose's MpiiDataset reads them from this file
  (`headbox_file`). hrnet_ext does not bundle it. It comes with MMPose's MPII
  annotations (see MMPose's docs, "2D Body Keypoint Datasets", MPII); the official
  HRNet release ships the same head boxes as data/mpii/annot/gt_valid.mat."""


class DataNotFoundError(FileNotFoundError):
    """A config names data that is not on disk; the message says what to do."""


class Missing(NamedTuple):
    """One path a config names that does not exist."""
    key: str            # config key, e.g. 'test_dataloader.dataset.bbox_file'
    path: str           # the path as the dataset or metric would open it
    dataset_type: str   # e.g. 'CocoDataset'
    follows_root: bool  # given relative to data_root, so setting data_root moves it


def _type_name(cfg: Mapping) -> str:
    t = cfg.get('type', '')
    return t.__name__ if isinstance(t, type) else str(t).split('.')[-1]


def _is_remote(path: str) -> bool:
    return '://' in path


def _leaf_datasets(cfg: Mapping, key: str) -> Iterator[Tuple[str, Mapping]]:
    """Yield (config key, dataset config) for every dataset under a wrapper."""
    if cfg.get('datasets') is not None:  # CombinedDataset, ConcatDataset
        for i, sub in enumerate(cfg['datasets']):
            yield from _leaf_datasets(sub, f'{key}.datasets.{i}')
    elif isinstance(cfg.get('dataset'), Mapping):  # RepeatDataset and friends
        yield from _leaf_datasets(cfg['dataset'], f'{key}.dataset')
    else:
        yield key, cfg


def _dataset_paths(key: str, ds: Mapping) -> List[Tuple[str, str, bool, bool]]:
    """(config key, path, is_dir, follows_root) of everything a dataset opens, joined as
    MMEngine's BaseDataset joins them (``ann_file`` and ``data_prefix`` under ``data_root``;
    MMPose opens ``bbox_file`` and ``headbox_file`` as given)."""
    root = ds.get('data_root') or ''
    paths = []
    if root:
        paths.append((f'{key}.data_root', root, True, False))

    def under_root(p: str) -> Tuple[str, bool]:
        return (osp.join(root, p), True) if root and not osp.isabs(p) else (p, False)

    if ds.get('ann_file'):
        path, follows = under_root(ds['ann_file'])
        paths.append((f'{key}.ann_file', path, False, follows))
    img = (ds.get('data_prefix') or {}).get('img')
    if img:
        path, follows = under_root(img)
        paths.append((f'{key}.data_prefix.img', path, True, follows))
    for name in ('bbox_file', 'headbox_file'):
        if ds.get(name):
            paths.append((f'{key}.{name}', ds[name], False, False))
    return paths


def _as_list(cfg) -> List[Mapping]:
    if cfg is None:
        return []
    return list(cfg) if isinstance(cfg, (list, tuple)) else [cfg]


def _exists(path: str, is_dir: bool) -> bool:
    return _is_remote(path) or (osp.isdir(path) if is_dir else osp.isfile(path))


def find_missing(cfg: Mapping, phases: Sequence[str] = ('test', )) -> List[Missing]:
    """List every data path of ``<phase>_dataloader`` / ``<phase>_evaluator`` that is missing.

    A ``MpiiPCKAccuracy`` that normalises by head size while its dataset has no
    ``headbox_file`` is reported as a missing ``headbox_file`` with path ``(not set)``.
    """
    missing: List[Missing] = []
    for phase in phases:
        loader = cfg.get(f'{phase}_dataloader')
        if not loader or not loader.get('dataset'):
            continue
        leaves = list(_leaf_datasets(loader['dataset'], f'{phase}_dataloader.dataset'))
        for key, ds in leaves:
            for pkey, path, is_dir, follows in _dataset_paths(key, ds):
                if not _exists(path, is_dir):
                    missing.append(Missing(pkey, path, _type_name(ds), follows))
        # the dataset of this phase decides which layout a metric's file belongs to
        dtype = _type_name(leaves[0][1]) if leaves else ''
        evaluators = _as_list(cfg.get(f'{phase}_evaluator'))
        for i, ev in enumerate(evaluators):
            ekey = f'{phase}_evaluator' + (f'.{i}' if len(evaluators) > 1 else '')
            ann = ev.get('ann_file')
            if ann and not _exists(ann, False):
                missing.append(Missing(f'{ekey}.ann_file', ann, dtype, False))
            norm = ev.get('norm_item', 'head')
            if (_type_name(ev) == 'MpiiPCKAccuracy' and 'head' in norm
                    and not any(ds.get('headbox_file') for _, ds in leaves)):
                missing.append(Missing(f'{phase}_dataloader.dataset.headbox_file',
                                       '(not set)', 'MpiiDataset', False))
    return missing


def _inside(path: str, roots: Sequence[str]) -> bool:
    path = osp.abspath(path)
    return any(path.startswith(osp.abspath(r) + osp.sep) for r in roots)


def format_missing(missing: Sequence[Missing]) -> str:
    """The message of :class:`DataNotFoundError`: paths, expected layout, how to set them.

    Paths inside a missing ``data_root`` are not listed one by one.
    """
    roots = [m.path for m in missing if m.key.endswith('.data_root')]
    shown = [m for m in missing if m.key.endswith('.data_root') or not _inside(m.path, roots)]
    lines = ['Data named by the config is missing:']
    width = max(len(m.key) for m in shown)
    for m in shown:
        lines.append(f'  {m.key:<{width}}  {m.path}')
    for dtype in dict.fromkeys(m.dataset_type for m in missing):
        mine = [m for m in missing if m.dataset_type == dtype]
        if dtype in LAYOUT:
            lines += ['', f'Expected layout for {dtype} (as in MMPose):', LAYOUT[dtype]]
        if any(m.key.endswith('.headbox_file') for m in mine):
            lines += ['', HEADBOX_NOTE]
        lines += ['', 'To point the config at your copy, either']
        if dtype in ROOT_ENV:
            lines.append(f'  - set {ROOT_ENV[dtype]}=/path/to/{dtype[:-7].lower()}/ before '
                         'running (read when the config is loaded; moves every path above '
                         'at once), or')
        # keys holding full paths must each be set; relative ones follow data_root
        keys = [m.key for m in mine if not m.follows_root and m.path != '(not set)'
                and not m.key.endswith('.headbox_file')]
        if keys:
            lines.append('  - pass --cfg-options ' + ' '.join(f'{k}=...' for k in keys))
        box = [m.key for m in mine if m.key.endswith('.bbox_file')]
        if box and not _inside(next(m.path for m in mine if m.key == box[0]), roots):
            lines.append(f'  - or evaluate with ground-truth boxes: --cfg-options {box[0]}=None')
        head = [m.key for m in mine if m.key.endswith('.headbox_file')]
        if head:
            lines.append('  - the head boxes alone: '
                         f'--cfg-options {head[0]}=/path/to/mpii_gt_val.mat')
    return '\n'.join(lines)


def check_data_paths(cfg: Mapping, phases: Sequence[str] = ('test', )) -> None:
    """Raise :class:`DataNotFoundError` if any data path of these phases is missing.

    Args:
        cfg: A loaded MMEngine config (after ``--cfg-options`` are merged).
        phases: Which of ``train``, ``val``, ``test`` will run.

    Example:
        >>> check_data_paths(dict(test_dataloader=dict(dataset=dict(
        ...     type='CocoDataset', data_root='no/such/coco/'))))
        Traceback (most recent call last):
        ...
        hrnet_ext.datasets.data_check.DataNotFoundError: Data named by the config is missing:
        ...
    """
    missing = find_missing(cfg, phases)
    if missing:
        raise DataNotFoundError(format_missing(missing))
