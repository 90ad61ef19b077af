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
    HRNET_EXT_CITYSCAPES_ROOT  [data/cityscapes/]   (segmentation, configs/seg/)
    HRNET_EXT_LIP_ROOT   [data/lip/]

MMSegmentation's data sets name their folders in ``data_prefix`` (``img_path``,
``seg_map_path``); they are checked as MMPose's ``data_prefix.img``.
"""
import os
import os.path as osp
import re
from typing import Dict, Iterator, List, Mapping, NamedTuple, Optional, Sequence, Tuple

#: environment variable that sets each dataset's root in our configs
ROOT_ENV: Dict[str, str] = {
    'CocoDataset': 'HRNET_EXT_COCO_ROOT',
    'MpiiDataset': 'HRNET_EXT_MPII_ROOT',
    'AicDataset': 'HRNET_EXT_AIC_ROOT',
    'CityscapesDataset': 'HRNET_EXT_CITYSCAPES_ROOT',
    'LIPDataset': 'HRNET_EXT_LIP_ROOT',
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
    'CityscapesDataset': """\
    <HRNET_EXT_CITYSCAPES_ROOT, default data/cityscapes/>
    |-- leftImg8bit/{train,val}/<city>/*_leftImg8bit.png
    `-- gtFine/{train,val}/<city>/*_gtFine_labelTrainIds.png
        (made from the official gtFine files by MMSegmentation's
         tools/dataset_converters/cityscapes.py)""",
    'LIPDataset': """\
    <HRNET_EXT_LIP_ROOT, default data/lip/>
    |-- TrainVal_images/{train,val}_images/*.jpg
    `-- TrainVal_parsing_annotations/{train,val}_segmentations/*.png""",
}

#: who documents a layout of :data:`LAYOUT`, where not MMPose
LAYOUT_SOURCE: Dict[str, str] = {'CityscapesDataset': 'MMSegmentation',
                                 'LIPDataset': 'the official LIP release'}

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
    root_env: Optional[str] = None  # the variable the data set's root was read from
    root: str = ''      # the data set's data_root
    dataset_key: str = ''  # config key of the data set, e.g. 'train_dataloader.dataset'


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


def metainfo_file_exists(path: str) -> bool:
    """Whether MMPose finds the metainfo file ``path``: as given, or (its fallback) a file of
    that name among its own, ``mmpose/.mim/configs/_base_/datasets/``."""
    if osp.isfile(path):
        return True
    import mmpose
    return osp.isfile(osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs', '_base_',
                               'datasets', osp.basename(path)))


def _dataset_paths(key: str, ds: Mapping) -> List[Tuple[str, str, bool, bool]]:
    """(config key, path, is_dir, follows_root) of everything a dataset opens, joined as
    MMEngine's BaseDataset joins them (``ann_file`` and ``data_prefix`` under ``data_root``;
    MMPose opens ``bbox_file``, ``headbox_file`` and ``metainfo.from_file`` as given)."""
    root = ds.get('data_root') or ''
    paths = []
    if root:
        paths.append((f'{key}.data_root', root, True, False))

    def under_root(p: str) -> Tuple[str, bool]:
        return (osp.join(root, p), True) if root and not osp.isabs(p) else (p, False)

    if ds.get('ann_file'):
        path, follows = under_root(ds['ann_file'])
        paths.append((f'{key}.ann_file', path, False, follows))
    for name in ('img', 'img_path', 'seg_map_path'):  # MMPose's, MMSegmentation's folders
        folder = (ds.get('data_prefix') or {}).get(name)
        if folder:
            path, follows = under_root(folder)
            paths.append((f'{key}.data_prefix.{name}', path, True, follows))
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


def _root_env(cfg: Mapping, root: str) -> Optional[str]:
    """The environment variable ``root`` was read from when the config was loaded, if any.

    Our data bases write ``'{{$HRNET_EXT_COCO_ROOT:data/coco/}}'``; the variable is named only
    if the config's text has such a placeholder and the data set's root is what it gave
    (a config that sets ``data_root`` itself is not moved by the variable).
    """
    text = getattr(cfg, 'text', '') or ''
    norm = root.rstrip('/')
    for var, default in re.findall(r'\{\{\s*\$(\w+)\s*:\s*([^}]*?)\s*\}\}', text):
        if (os.environ.get(var) or default).rstrip('/') == norm:
            return var
    return None


def find_missing(cfg: Mapping, phases: Sequence[str] = ('test', )) -> List[Missing]:
    """List every data path of ``<phase>_dataloader`` / ``<phase>_evaluator`` that is missing.

    A ``MpiiPCKAccuracy`` that normalises by head size while its dataset has no
    ``headbox_file`` is reported as a missing ``headbox_file`` with path ``(not set)``. A
    data set's ``metainfo.from_file`` counts as found where MMPose would find it.
    """
    missing: List[Missing] = []
    seen = set()

    def add(m: Missing) -> None:
        if (m.key, m.path) not in seen:  # test_dataloader is often val_dataloader
            seen.add((m.key, m.path))
            missing.append(m)

    for phase in phases:
        loader = cfg.get(f'{phase}_dataloader')
        if not loader or not loader.get('dataset'):
            continue
        top = loader['dataset']
        meta = top.get('metainfo') if isinstance(top, Mapping) else None
        if isinstance(meta, Mapping) and meta.get('from_file') and \
                not metainfo_file_exists(meta['from_file']):
            key = f'{phase}_dataloader.dataset'
            add(Missing(f'{key}.metainfo.from_file', meta['from_file'], _type_name(top),
                        False, None, top.get('data_root') or '', key))
        leaves = list(_leaf_datasets(top, f'{phase}_dataloader.dataset'))
        for key, ds in leaves:
            root = ds.get('data_root') or ''
            env = _root_env(cfg, root) if root else None
            meta = ds.get('metainfo')
            if ds is not top and isinstance(meta, Mapping) and meta.get('from_file') and \
                    not metainfo_file_exists(meta['from_file']):
                add(Missing(f'{key}.metainfo.from_file', meta['from_file'], _type_name(ds),
                            False, env, root, key))
            for pkey, path, is_dir, follows in _dataset_paths(key, ds):
                if not _exists(path, is_dir):
                    add(Missing(pkey, path, _type_name(ds), follows, env, root, key))
        # the dataset of this phase decides which layout a metric's file belongs to
        first_key, first = leaves[0] if leaves else ('', {})
        dtype = _type_name(first) if leaves else ''
        root = first.get('data_root') or ''
        env = _root_env(cfg, root) if root else None
        evaluators = _as_list(cfg.get(f'{phase}_evaluator'))
        for i, ev in enumerate(evaluators):
            ekey = f'{phase}_evaluator' + (f'.{i}' if len(evaluators) > 1 else '')
            ann = ev.get('ann_file')
            if ann and not _exists(ann, False):
                add(Missing(f'{ekey}.ann_file', ann, dtype, False, env, root, first_key))
            norm = ev.get('norm_item', 'head')
            if (_type_name(ev) == 'MpiiPCKAccuracy' and 'head' in norm
                    and not any(ds.get('headbox_file') for _, ds in leaves)):
                add(Missing(f'{phase}_dataloader.dataset.headbox_file', '(not set)',
                            'MpiiDataset', False, env, root, first_key))
    return missing


def _inside(path: str, roots: Sequence[str]) -> bool:
    path = osp.abspath(path)
    return any(path.startswith(osp.abspath(r) + osp.sep) for r in roots)


def _generic_layout(mine: Sequence[Missing], cfg: Mapping) -> List[str]:
    """The layout a data set of this config reads, from its own settings."""
    dataset_key = mine[0].dataset_key
    ds = cfg
    for part in dataset_key.split('.'):
        ds = ds[int(part)] if isinstance(ds, (list, tuple)) else ds.get(part, {})
    root = ds.get('data_root') or '.'
    lines = [f'    {root}   ({dataset_key}.data_root)']
    entries = []
    if ds.get('ann_file'):
        what = ('COCO-format keypoints json: images, annotations with keypoints '
                '[x, y, v, ...] and bbox [x, y, w, h]') if _reads_coco(ds) else 'annotations'
        entries.append((ds['ann_file'], f'ann_file: {what}'))
    img = (ds.get('data_prefix') or {}).get('img')
    entries.append(((img or '') + '*.jpg', 'data_prefix.img: the images, by the file_name '
                    'the annotations give'))
    for i, (path, note) in enumerate(entries):
        branch = '`--' if i == len(entries) - 1 else '|--'
        lines.append(f'    {branch} {path}   ({note})')  # relative to data_root
    return lines


def _reads_coco(ds: Mapping) -> bool:
    try:
        from .robust import _reads_coco_files
        return _reads_coco_files(ds.get('type'))
    except Exception:  # an unknown type: the key check names it
        return False


def format_missing(missing: Sequence[Missing], cfg: Optional[Mapping] = None) -> str:
    """The message of :class:`DataNotFoundError`: paths, expected layout, how to set them.

    Paths inside a missing ``data_root`` are not listed one by one. The layout shown is
    MMPose's for a data set whose root comes from our data bases' variable
    (``HRNET_EXT_COCO_ROOT`` ...), else the one the config's own settings describe.
    """
    roots = [m.path for m in missing if m.key.endswith('.data_root')]
    shown = [m for m in missing if m.key.endswith('.data_root') or not _inside(m.path, roots)]
    lines = ['Data named by the config is missing:']
    width = max(len(m.key) for m in shown)
    for m in shown:
        lines.append(f'  {m.key:<{width}}  {m.path}')
    groups = dict.fromkeys((m.dataset_type, m.root_env) for m in missing)
    for dtype, env in groups:
        mine = [m for m in missing if (m.dataset_type, m.root_env) == (dtype, env)]
        files = [m for m in mine if not m.key.endswith(('.metainfo.from_file', '.headbox_file'))]
        if files and env and dtype in LAYOUT:
            source = LAYOUT_SOURCE.get(dtype, 'MMPose')
            lines += ['', f'Expected layout for {dtype} (as in {source}):', LAYOUT[dtype]]
        elif files and cfg is not None and files[0].dataset_key:
            lines += ['', f'Expected layout ({dtype}, as this config sets it):']
            lines += _generic_layout(files, cfg)
        if any(m.key.endswith('.headbox_file') for m in mine):
            lines += ['', HEADBOX_NOTE]
        if any(m.key.endswith('.metainfo.from_file') for m in mine):
            lines += ['', METAINFO_NOTE]
        lines += ['', _fix_sentence(mine, roots)]
    return '\n'.join(lines)


METAINFO_NOTE = """\
  The metainfo file names the keypoints, their flip pairs (swap) and skeleton, in MMPose's
  dataset_info format. MMPose's own are in the installed package,
  mmpose/.mim/configs/_base_/datasets/ (a bare file name such as coco.py finds them);
  configs/_base_/datasets/body5_keypoints.py is a commented example to start from
  (docs/custom_keypoints.md)."""


def _fix_sentence(mine: Sequence[Missing], roots: Sequence[str]) -> str:
    """How to point the config at the data, as one complete sentence."""
    options = []
    env = next((m.root_env for m in mine if m.root_env), None)
    if env:
        name = mine[0].dataset_type[:-len('Dataset')].lower() or 'data'
        options.append(f'set {env}=/path/to/{name}/ before running (read when the config '
                       'is loaded; it moves every path of the data set at once)')
    # the keys to set: paths relative to data_root follow the root (its variable, or its
    # key when the root is missing too); every other missing path has to be set by its key
    keys = [m.key for m in mine if m.path != '(not set)' and not m.key.endswith('.headbox_file')
            and not (m.follows_root and (env or _inside(m.path, roots)))]
    if keys:
        options.append('pass --cfg-options ' + ' '.join(f'{k}=...' for k in keys))
    box = [m for m in mine if m.key.endswith('.bbox_file')]
    if box and not _inside(box[0].path, roots):
        options.append(f'evaluate with ground-truth boxes: --cfg-options {box[0].key}=None')
    head = [m.key for m in mine if m.key.endswith('.headbox_file')]
    if head:
        options.append(f'give the head boxes alone: --cfg-options {head[0]}='
                       '/path/to/mpii_gt_val.mat')
    if not options:
        return 'Correct the paths above in the config or with --cfg-options.'
    if len(options) == 1:
        return f'To fix it, {options[0]}.'
    return 'To fix it, ' + '; or '.join(options) + '.'


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
        raise DataNotFoundError(format_missing(missing, cfg))
