"""Config preparation: what every tool runs on a loaded config before anything is built.

MMEngine builds a config's parts one by one, deep inside the runner: a misspelled key
surfaces as ``__init__() got an unexpected keyword argument`` after the environment dump,
a head whose size differs from the data set's keypoints as a tensor-size error in the first
iteration, and a half-body augmentation that can never trigger not at all.
:func:`prepare_config` looks at the whole config first:

1. **Keys** (:func:`find_key_problems`): every argument of ``model`` (and its backbone, neck,
   head, loss, codec, data preprocessor), of the data sets (wrappers, pipelines, samplers),
   the data loaders, the evaluators and the ``train_cfg`` / ``val_cfg`` / ``test_cfg`` loops
   is checked against the signature of the class its ``type`` resolves to (the config's
   ``default_scope``: MMPose's registries, or MMSegmentation's for configs/seg/); an unknown
   ``type`` is named too. Classes that take ``**kwargs`` are not checked (any key is valid
   for them).
2. **Keypoints** (:func:`resolve_num_keypoints`; pose configs, not the segmentation ones):
   the head's ``out_channels`` comes from the
   data set's metainfo when the config leaves it out; where the config sets it and it
   differs, the run stops naming both values and both config keys. The metainfo itself is
   checked: flip pairs (``swap``) and skeleton links must name keypoints it has.
3. **Data paths** (:func:`hrnet_ext.datasets.check_data_paths`).
4. **Augmentations that cannot apply** (:func:`augmentation_notes`; pose configs): returned
   as notes, which the tools print once.

Problems of 1 and 2 raise :class:`ConfigError`, one line each.
"""
import copy
import importlib
import inspect
import os.path as osp
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple

from mmengine.config import Config

from ..utils.arguments import nearest, unknown_key_message

PHASES = ('train', 'val', 'test')

# MMEngine's Runner.build_dataloader takes these out of a loader config before it passes the
# rest to torch's DataLoader.
_LOADER_KEYS = ('dataset', 'sampler', 'batch_sampler', 'collate_fn', 'worker_init_fn',
                'num_batch_per_epoch', 'disable_subprocess_warning')
# the keys of a node whose typed values are walked, and the registry that builds them. Layer
# configs (norm_cfg, act_cfg ...) are left out: mmcv's builders take keys of their own
# (norm_cfg=dict(type='BN', requires_grad=True)) that no class signature shows.
_SUB_REGISTRY = {'backbone': 'models', 'neck': 'models', 'head': 'models', 'loss': 'models',
                 'decode_head': 'models', 'auxiliary_head': 'models', 'loss_decode': 'models',
                 'data_preprocessor': 'models', 'decoder': 'codecs', 'encoder': 'codecs',
                 'dataset': 'datasets', 'datasets': 'datasets', 'sampler': 'samplers',
                 'pipeline': 'transforms'}
# a top-level key of these forms is read by the Runner; any other of that form is a typo
_RUNNER_KEYS = ('train_dataloader', 'val_dataloader', 'test_dataloader', 'val_evaluator',
                'test_evaluator')


class ConfigError(ValueError):
    """The config cannot work as written; the message has one line per problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__('\n'.join(self.problems))


def _registries(scope: str) -> Dict[str, Any]:
    """The registries a config of this default scope builds from: MMPose's, or (configs/seg/,
    ``default_scope='mmseg'``) MMSegmentation's, which the extra installs."""
    from mmengine.registry import init_default_scope
    from mmpose import registry as pose
    init_default_scope(scope)
    reg = pose if scope == 'mmpose' else importlib.import_module(f'{scope}.registry')
    return dict(models=reg.MODELS, codecs=pose.KEYPOINT_CODECS, datasets=reg.DATASETS,
                transforms=reg.TRANSFORMS, metrics=reg.METRICS, samplers=reg.DATA_SAMPLERS,
                loops=reg.LOOPS)


def _names(registry) -> List[str]:
    """Every name a config can give in ``registry``'s scope: its own, its parents' and its
    children's (these with their scope prefix)."""
    names, seen = [], set()
    node = registry
    while node is not None:
        names += [n for n in node.module_dict if n not in seen]
        seen.update(node.module_dict)
        node = node.parent
    for scope, child in registry.children.items():
        names += [f'{scope}.{n}' for n in child.module_dict]
    return names


def _accepted(cls: type) -> Optional[List[str]]:
    """The keyword arguments ``cls(...)`` accepts; ``None`` if it takes ``**kwargs``."""
    init = cls.__init__ if isinstance(cls, type) else cls
    params = inspect.signature(init).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return None
    return [n for n, p in params.items() if n != 'self'
            and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


class _KeyChecker:
    """Walks typed config nodes and collects one line per problem."""

    def __init__(self, registries: Dict[str, Any]) -> None:
        self.registries = registries
        self.problems: List[str] = []

    def resolve(self, key: str, node: Mapping, kind: str) -> Optional[type]:
        typ = node.get('type')
        if isinstance(typ, type) or callable(typ):
            return typ
        registry = self.registries[kind]
        cls = registry.get(typ) if isinstance(typ, str) else None
        if cls is None:
            guess = nearest(str(typ), _names(registry))
            hint = f" (did you mean '{guess}'?)" if guess else ''
            self.problems.append(f"{key}.type: unknown {registry.name} '{typ}'{hint}")
        return cls

    def check_keys(self, key: str, node: Mapping, cls, ignore: Sequence[str] = ()) -> None:
        valid = _accepted(cls)
        if valid is None:
            return
        valid = [k for k in valid if k not in ignore]
        unknown = [k for k in node if k not in ('type', *ignore) and k not in valid]
        if unknown:
            name = getattr(cls, '__name__', str(cls))
            self.problems.append(unknown_key_message(f'{key} ({name})', unknown, valid))

    def node(self, key: str, node: Mapping, kind: str, ignore: Sequence[str] = ()) -> None:
        """A typed node and the typed nodes under it."""
        cls = self.resolve(key, node, kind)
        if cls is None:
            return
        self.check_keys(key, node, cls, ignore)
        for sub, value in node.items():
            sub_kind = _SUB_REGISTRY.get(sub)
            if sub_kind is None:
                continue
            for index, item in _typed_items(value):
                self.node(f'{key}.{sub}{index}', item, sub_kind)

    def loader(self, key: str, loader: Mapping) -> None:
        from torch.utils.data import DataLoader
        valid = list(dict.fromkeys(_accepted(DataLoader) + list(_LOADER_KEYS)))
        unknown = [k for k in loader if k not in valid]
        if unknown:
            self.problems.append(unknown_key_message(key, unknown, valid, noun='key'))
        if isinstance(loader.get('sampler'), Mapping) and 'type' in loader['sampler']:
            self.node(f'{key}.sampler', loader['sampler'], 'samplers')
        if isinstance(loader.get('dataset'), Mapping):
            self.node(f'{key}.dataset', loader['dataset'], 'datasets')

    def loop(self, key: str, loop: Mapping, default: str) -> None:
        """``train_cfg`` / ``val_cfg`` / ``test_cfg``: MMEngine builds ``type``, or for a
        train loop without one, an epoch or iteration loop by ``by_epoch``."""
        node = dict(loop)
        if 'type' not in node:
            if default == 'train':
                by_epoch = node.pop('by_epoch', True)
                node['type'] = 'EpochBasedTrainLoop' if by_epoch else 'IterBasedTrainLoop'
            else:
                node['type'] = 'ValLoop' if default == 'val' else 'TestLoop'
        cls = self.resolve(key, node, 'loops')
        if cls is not None:  # runner, dataloader (and evaluator) are the Runner's to give
            self.check_keys(key, node, cls, ignore=('runner', 'dataloader', 'evaluator'))


def _typed_items(value) -> Iterator[Tuple[str, Mapping]]:
    if isinstance(value, Mapping) and 'type' in value:
        yield '', value
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            if isinstance(item, Mapping) and 'type' in item:
                yield f'.{i}', item


def find_key_problems(cfg: Config, phases: Sequence[str] = PHASES) -> List[str]:
    """One line per unknown key or type in the parts of ``cfg`` these phases build."""
    checker = _KeyChecker(_registries(cfg.get('default_scope') or 'mmpose'))
    for name in cfg.keys():
        if name.endswith(('_dataloader', '_evaluator')) and name not in _RUNNER_KEYS:
            guess = nearest(name, _RUNNER_KEYS)
            checker.problems.append(
                f"unknown config key '{name}'" + (f" (did you mean '{guess}'?)" if guess else '')
                + f"; the runner reads {', '.join(_RUNNER_KEYS)}.")
    if isinstance(cfg.get('model'), Mapping):
        checker.node('model', cfg.model, 'models', ignore=('_scope_', ))
    for phase in phases:
        loader = cfg.get(f'{phase}_dataloader')
        if isinstance(loader, Mapping):
            checker.loader(f'{phase}_dataloader', loader)
        evaluators = cfg.get(f'{phase}_evaluator')
        for index, ev in _typed_items(evaluators):
            if ev.get('type') != 'Evaluator':
                checker.node(f'{phase}_evaluator{index}', ev, 'metrics')
        loop = cfg.get(f'{phase}_cfg')
        if isinstance(loop, Mapping):
            checker.loop(f'{phase}_cfg', loop, phase)
    return checker.problems


# --- keypoints: the metainfo and the head ---------------------------------------------------

def _dataset_class(node: Mapping, scope: str):
    typ = node.get('type')
    if isinstance(typ, type):
        return typ
    return _registries(scope)['datasets'].get(typ) if isinstance(typ, str) else None


def metainfo_source(dataset: Mapping, key: str, scope: str = 'mmpose'):
    """``(config key or class, raw metainfo)`` of a data set config: its ``metainfo`` (a
    ``from_file`` path or the dict itself), else its class's ``METAINFO``; wrappers
    (``RepeatDataset`` ...) without one are looked through. ``(None, None)`` if none."""
    meta, cls = dataset.get('metainfo'), _dataset_class(dataset, scope)
    where = f'{key}.metainfo'
    if not meta and cls is not None and getattr(cls, 'METAINFO', None):
        meta, where = cls.METAINFO, f'{cls.__name__}.METAINFO'
    if meta:
        return where + (f'.from_file = {meta["from_file"]}' if 'from_file' in meta else ''), meta
    if isinstance(dataset.get('dataset'), Mapping):
        return metainfo_source(dataset['dataset'], f'{key}.dataset', scope)
    return None, None


def _metainfo_file(from_file: str) -> str:
    """The file MMPose reads for ``from_file``: the path, or its own copy by that name."""
    if osp.isfile(from_file):
        return from_file
    import mmpose
    return osp.join(osp.dirname(mmpose.__file__), '.mim', 'configs', '_base_', 'datasets',
                    osp.basename(from_file))


def load_metainfo(raw: Mapping, where: str) -> Dict[str, Any]:
    """MMPose's parsed metainfo, after checks that name the file and the field at fault.

    Raises:
        ConfigError: a field missing, a flip pair (``swap``) or skeleton link naming a
            keypoint the metainfo does not have, per-keypoint lists of another length.
        FileNotFoundError: ``from_file`` names no file (the data check reports it first).
    """
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    raw = dict(raw)
    if 'from_file' in raw:
        path = _metainfo_file(raw['from_file'])
        if not osp.isfile(path):
            raise FileNotFoundError(f'{where}: the metainfo file does not exist.')
        raw = dict(Config.fromfile(path).get('dataset_info') or {})
        if not raw:
            raise ConfigError([f'{where}: the file defines no dataset_info dict (see MMPose\'s '
                               'configs/_base_/datasets/*.py for the format).'])
    problems = []
    fields = ('dataset_name', 'keypoint_info', 'skeleton_info', 'joint_weights', 'sigmas')
    missing = [f for f in fields if f not in raw]
    if missing:
        raise ConfigError([f'{where}: dataset_info lacks {", ".join(missing)} (all of '
                           f'{", ".join(fields)} are needed).'])
    kpts = raw['keypoint_info']
    names = [k['name'] for k in kpts.values()]
    for index, kpt in kpts.items():
        swap = kpt.get('swap', '')
        if swap and swap not in names:
            guess = nearest(swap, names)
            problems.append(
                f"{where}: keypoint_info[{index}] ('{kpt['name']}') swaps with '{swap}', "
                'which is not one of its keypoints' + (f" (did you mean '{guess}'?)" if guess
                                                      else '') +
                "; flip pairs must name keypoints of this file (swap='' for none).")
    for index, link in raw['skeleton_info'].items():
        for end in link.get('link', ()):
            if end not in names:
                guess = nearest(end, names)
                problems.append(
                    f"{where}: skeleton_info[{index}] links '{end}', which is not one of its "
                    'keypoints' + (f" (did you mean '{guess}'?)" if guess else '') + '.')
    for field in ('joint_weights', 'sigmas'):  # empty: not used (MMPose's face sets)
        if len(raw[field]) and len(raw[field]) != len(kpts):
            problems.append(f'{where}: {field} has {len(raw[field])} values for '
                            f'{len(kpts)} keypoints; give one per keypoint.')
    if problems:
        raise ConfigError(problems)
    return parse_pose_metainfo(copy.deepcopy(raw))


def _phase_datasets(cfg: Config, phases: Sequence[str]) -> Iterator[Tuple[str, Mapping]]:
    for phase in phases:
        loader = cfg.get(f'{phase}_dataloader')
        if isinstance(loader, Mapping) and isinstance(loader.get('dataset'), Mapping):
            yield f'{phase}_dataloader.dataset', loader['dataset']


def dataset_metainfo(cfg: Config, phases: Sequence[str] = PHASES
                     ) -> Tuple[Optional[str], Optional[Dict[str, Any]]]:
    """``(where, parsed metainfo)`` of the first data set of these phases that has one.

    Raises:
        ConfigError: the phases' data sets have different numbers of keypoints.
    """
    scope = cfg.get('default_scope') or 'mmpose'
    found: List[Tuple[str, Dict[str, Any]]] = []
    for key, dataset in _phase_datasets(cfg, phases):
        where, raw = metainfo_source(dataset, key, scope)
        if raw is not None and all(w != where for w, _ in found):
            found.append((where, load_metainfo(raw, where)))
    counts = {w: m['num_keypoints'] for w, m in found}
    if len(set(counts.values())) > 1:
        raise ConfigError(['the data sets have different numbers of keypoints: ' + ', '.join(
            f'{n} ({w})' for w, n in counts.items()) + '; one model predicts one set.'])
    return found[0] if found else (None, None)


def _head_takes_out_channels(cfg: Config) -> bool:
    head = cfg.get('model', {}).get('head')
    if not isinstance(head, Mapping):
        return False
    cls = _registries(cfg.get('default_scope') or 'mmpose')['models'].get(head.get('type'))
    valid = _accepted(cls) if cls is not None else None
    return valid is not None and 'out_channels' in valid


def resolve_num_keypoints(cfg: Config, phases: Sequence[str] = PHASES) -> Optional[int]:
    """Set ``model.head.out_channels`` from the data set's metainfo if the config leaves it
    out (or ``None``); stop if the config sets another number. Returns the number, or
    ``None`` when the config has no data set with a metainfo (nothing to check).

    Raises:
        ConfigError: ``model.head.out_channels`` differs from the metainfo's keypoints, or is
            missing with no data set to take it from.
    """
    if not _head_takes_out_channels(cfg):
        return None
    where, meta = dataset_metainfo(cfg, phases)
    head = cfg.model.head
    if meta is None:
        if head.get('out_channels') is None:
            raise ConfigError(['model.head.out_channels is not set and no data set of the '
                               'config has a metainfo to take it from; set it to the number '
                               'of keypoints.'])
        return None
    num = meta['num_keypoints']
    if head.get('out_channels') is None:
        head.out_channels = num
    elif head.out_channels != num:
        raise ConfigError([
            f'model.head.out_channels = {head.out_channels}, but the data set has {num} '
            f'keypoints ({where}); remove model.head.out_channels (it follows the metainfo) '
            f'or set it to {num}.'])
    return num


# --- augmentations that cannot apply --------------------------------------------------------

def augmentation_notes(cfg: Config, meta: Mapping, phases: Sequence[str] = ('train', )
                       ) -> List[str]:
    """Steps of the training pipeline that can never do what they are configured to do
    with this metainfo, one line each (the run goes on; MMPose would skip them silently)."""
    from ..datasets.transform_names import mmpose_type
    notes = []
    num = meta['num_keypoints']
    upper, lower = len(meta['upper_body_ids']), len(meta['lower_body_ids'])
    for key, dataset in _phase_datasets(cfg, phases):
        node = dataset
        while 'pipeline' not in node and isinstance(node.get('dataset'), Mapping):
            node, key = node['dataset'], f'{key}.dataset'
        for index, step in enumerate(node.get('pipeline') or []):
            if not isinstance(step, Mapping):
                continue
            where = f'{key}.pipeline.{index} ({step.get("type")})'
            kind = mmpose_type(step.get('type'))
            if kind == 'RandomHalfBody':
                need = step.get('min_total_keypoints', 9)
                min_up = step.get('min_upper_keypoints', 2)
                min_low = step.get('min_lower_keypoints', 3)
                if num < need:
                    notes.append(
                        f'{where} never applies: min_total_keypoints={need}, but the data set '
                        f'has {num} keypoints; set it to {num} or less, or remove the step.')
                elif upper < min_up and lower < min_low:
                    notes.append(
                        f'{where} never applies: the metainfo marks {upper} keypoints '
                        f"type='upper' and {lower} type='lower' (min_upper_keypoints={min_up}, "
                        f'min_lower_keypoints={min_low}).')
            elif kind == 'RandomFlip' and num > 1 and not meta['flip_pairs']:
                names = list(meta['keypoint_id2name'].values())
                sided = [n for n in names if 'left' in n.lower() or 'right' in n.lower()]
                if sided:
                    notes.append(
                        f"{where}: the metainfo has no flip pairs (swap), yet names keypoints "
                        f"{', '.join(sided[:4])}: a flipped image keeps left and right labels "
                        'as they were.')
    for i, j in enumerate(meta['flip_indices']):
        if meta['flip_indices'][j] != i:
            a, b = meta['keypoint_id2name'][i], meta['keypoint_id2name'][j]
            notes.append(f"metainfo: '{a}' swaps with '{b}', but '{b}' does not swap with "
                         f"'{a}': flipping breaks these labels.")
    return notes


def prepare_config(cfg: Config, phases: Sequence[str] = PHASES, check_data: bool = True
                   ) -> List[str]:
    """Check ``cfg`` for the phases that will run and complete the head size, in place.

    Args:
        cfg: A loaded config, with the command line merged.
        phases: Which of ``train``, ``val``, ``test`` will run.
        check_data: Whether data paths must exist (the demo needs none).

    Returns:
        Notes on augmentations that cannot apply, for the caller to print once.

    Raises:
        ConfigError: unknown keys or types, a head size that differs from the data set's.
        hrnet_ext.datasets.DataNotFoundError: data paths (and metainfo files) missing.
    """
    problems = find_key_problems(cfg, phases)
    if problems:
        raise ConfigError(problems)
    if check_data:
        from ..datasets.data_check import check_data_paths
        check_data_paths(cfg, phases)
    if (cfg.get('default_scope') or 'mmpose') != 'mmpose':  # segmentation: no keypoints
        return []
    resolve_num_keypoints(cfg, phases)
    if 'train' not in phases:
        return []
    _, meta = dataset_metainfo(cfg, ('train', ))
    return augmentation_notes(cfg, meta) if meta else []
