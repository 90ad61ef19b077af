"""MMEngine's ``Runner`` as our tools run it: a short summary instead of 400 lines.

MMEngine logs the whole environment (compiler flags included), the whole config and a
table of every hook at every stage before the first iteration. :class:`ToolRunner` logs, by
default, a summary: the model, each data set with its number of samples, the schedule and the
work dir. With ``verbose`` (the tools' ``--verbose``) MMEngine's full logs come back. Known
deprecation notices of MMEngine's own code (``FileClient``, ``HardDiskBackend``), which a user
cannot act on, are dropped either way.
"""
import contextlib
import io
import logging
import os.path as osp
from typing import List, Mapping, Sequence

from mmengine.runner import Runner

# MMEngine log messages that say nothing a user can act on: MMEngine's CheckpointHook makes a
# FileClient itself and then warns that FileClient will be deprecated.
_DEPRECATION_NOTICES = ('"FileClient" will be deprecated', '"HardDiskBackend" is the alias')
# what --verbose brings back
_VERBOSE_ONLY = ('Hooks will be executed in the following order',
                 'Distributed training is not used, all SyncBatchNorm')


class _QuietFilter(logging.Filter):
    def __init__(self, verbose: bool) -> None:
        super().__init__()
        self.dropped = _DEPRECATION_NOTICES + (() if verbose else _VERBOSE_ONLY)

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith(self.dropped)


class ToolRunner(Runner):
    """``Runner`` with a short start-up log unless :attr:`verbose`.

    Build it with :func:`build_runner` (``Runner.from_cfg`` takes no extra argument).
    """

    verbose = False

    def build_logger(self, *args, **kwargs):
        logger = super().build_logger(*args, **kwargs)
        if not any(isinstance(f, _QuietFilter) for f in logger.filters):
            logger.addFilter(_QuietFilter(self.verbose))
        return logger

    def _log_env(self, env_cfg: dict) -> None:
        if self.verbose:
            super()._log_env(env_cfg)

    def train(self):
        if not self.verbose:
            # built here (MMEngine would build them first thing in train()) to count the
            # samples; the COCO API's progress prints ("loading annotations into memory...",
            # three times) go
            with contextlib.redirect_stdout(io.StringIO()):
                self._train_loop = self.build_train_loop(self._train_loop)
                if self._val_loop is not None:
                    self._val_loop = self.build_val_loop(self._val_loop)
            self.logger.info(self.summary(('train', 'val')))
        return super().train()

    def test(self):
        if not self.verbose:
            with contextlib.redirect_stdout(io.StringIO()):
                self._test_loop = self.build_test_loop(self._test_loop)
            self.logger.info(self.summary(('test', )))
        return super().test()

    def summary(self, phases: Sequence[str]) -> str:
        """Model, the phases' data (with sample counts), the schedule when training, and the
        work dir: a few lines."""
        cfg = self.cfg
        lines = [f'model: {describe_model(cfg.model)}']
        for phase in phases:
            loop = getattr(self, f'_{phase}_loop', None)
            dataloader = getattr(loop, 'dataloader', None)
            if dataloader is not None:
                lines.append(f'{phase} data: {describe_data(cfg[f"{phase}_dataloader"])}, '
                             f'{len(dataloader.dataset)} samples, batch '
                             f'{dataloader.batch_size} x {self.world_size} process(es)')
        if 'train' in phases and cfg.get('train_cfg'):
            lines.append(f'schedule: {describe_schedule(cfg)}')
        lines.append(f'work dir: {self.work_dir} (--verbose: environment, config and hooks '
                     'in full)')
        return 'hrnet_ext run\n  ' + '\n  '.join(lines)


def _short_type(node: Mapping) -> str:
    typ = node.get('type', '?')
    return typ.__name__ if isinstance(typ, type) else str(typ)


def describe_model(model: Mapping) -> str:
    """``TopdownPoseEstimator: hrnet_ext.HRNet (w32) -> hrnet_ext.HRNetHeatmapHead, 5
    keypoints, input 96x128 (w x h)``, or ``EncoderDecoder: hrnet_ext.HRNet (w48, extra=...)
    -> FCNHead, 19 classes``."""
    parts = []
    backbone = model.get('backbone') or {}
    if backbone:
        settings = [backbone.get('arch'), 'extra=...' if backbone.get('extra') else None]
        settings = ', '.join(s for s in settings if s)
        parts.append(_short_type(backbone) + (f' ({settings})' if settings else ''))
    for part in ('neck', 'head', 'decode_head'):  # decode_head: a segmentor's
        if model.get(part):
            parts.append(_short_type(model[part]))
    text = f'{_short_type(model)}: ' + ' -> '.join(parts)
    if (model.get('decode_head') or {}).get('num_classes') is not None:
        text += f', {model["decode_head"]["num_classes"]} classes'
    head = model.get('head') or {}
    if head.get('out_channels') is not None:
        text += f', {head["out_channels"]} keypoints'
    size = (head.get('decoder') or {}).get('input_size')
    if size:
        text += f', input {size[0]}x{size[1]} (w x h)'
    return text


def describe_data(loader: Mapping) -> str:
    """The data set class, its annotation file and its metainfo file."""
    dataset = loader.get('dataset') or {}
    while dataset.get('type') and _short_type(dataset).endswith('SkipBadSamples'):
        dataset = dataset.get('dataset') or {}
    text = _short_type(dataset)
    leaves: List[Mapping] = list(dataset.get('datasets') or []) or [dataset]
    for leaf in leaves:
        root, ann = leaf.get('data_root') or '', leaf.get('ann_file') or ''
        if ann:
            text += f' {osp.normpath(osp.join(root, ann))}'
    meta = dataset.get('metainfo')
    if isinstance(meta, Mapping) and meta.get('from_file'):
        text += f' (metainfo {osp.normpath(meta["from_file"])})'
    return text


def describe_schedule(cfg: Mapping) -> str:
    train = cfg.train_cfg
    by_epoch = train.get('by_epoch', 'max_epochs' in train)
    count, unit = (train.get('max_epochs'), 'epoch') if by_epoch else \
        (train.get('max_iters'), 'iteration')
    text = f'{count} {unit}' + ('' if count == 1 else 's')
    if cfg.get('val_cfg') is not None and cfg.get('val_dataloader') and train.get('val_interval'):
        text += f', validation every {train["val_interval"]}'
    optimizer = (cfg.get('optim_wrapper') or {}).get('optimizer') or {}
    if optimizer:
        text += f', {_short_type(optimizer)} lr {optimizer.get("lr")}'
    ckpt = (cfg.get('default_hooks') or {}).get('checkpoint') or {}
    if ckpt.get('interval'):
        text += f', checkpoint every {ckpt["interval"]}'
    return text


def build_runner(cfg, verbose: bool = False) -> ToolRunner:
    """A :class:`ToolRunner` from ``cfg``, with MMEngine's full start-up log if ``verbose``."""
    return type('ToolRunner', (ToolRunner, ), dict(verbose=verbose)).from_cfg(cfg)
