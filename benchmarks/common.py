"""What the benchmarks share: our model and MMPose's on the same weights, interleaved timing,
the table printer and the JSON file.

* :func:`load_config`, :func:`build_ours`, :func:`build_mmpose`, :func:`build_pair`: a
  config's model, and MMPose's ``HRNet`` + ``HeatmapHead`` (no deconvolutions, 1x1 final
  layer) with our state dict loaded strictly;
* :func:`interleaved_times`: rounds that run every candidate once each, so that a load change
  on a shared machine hits all of them, and :func:`median_spread` of the rounds;
* :func:`forward_macs`: convolution multiply-adds per image (:mod:`hrnet_ext.models.complexity`);
* :func:`markdown_table`, :func:`write_json`, :func:`parse_args` (``--quick`` for every
  benchmark).
"""
import argparse
import copy
import json
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

import torch
from torch import nn

REPO = Path(__file__).resolve().parents[1]
CONFIGS = REPO / 'configs'
#: The small HRNet of the sample job (0.7 M parameters, 128x96): what ``--quick`` runs build.
TINY_CONFIG = str(CONFIGS / 'sample' / 'hrnet_tiny_coco-sample_128x96.py')
COCO_SAMPLE = REPO / 'tests' / 'data' / 'coco'


# ----------------------------------------------------------------------------- arguments
def parse_args(parser: argparse.ArgumentParser, argv: Optional[Sequence[str]],
               quick: Mapping[str, Any]) -> argparse.Namespace:
    """``parser``'s arguments plus ``--quick``, which replaces the defaults by ``quick``
    (options given explicitly still win)."""
    parser.add_argument('--quick', action='store_true',
                        help='a run of seconds that checks the script end to end (its figures '
                        'mean nothing): ' + ', '.join(f'{k}={v}' for k, v in quick.items()))
    known, _ = parser.parse_known_args(argv)
    if known.quick:
        parser.set_defaults(**quick)
    return parser.parse_args(argv)


def comma_list(text: str, valid: Sequence[str], what: str) -> List[str]:
    """``'a,b'`` as a list, every item checked against ``valid``."""
    items = [item.strip() for item in text.split(',') if item.strip()]
    unknown = sorted(set(items) - set(valid))
    if unknown:
        raise SystemExit(f'unknown {what} {unknown}; choose from {tuple(valid)}')
    return items


# ----------------------------------------------------------------------------- models
def load_config(path: str, input_size: Optional[Tuple[int, int]] = None):
    """A config without its pretrained file, optionally at another input ``(h, w)`` (heatmaps
    at 1/4, the head's decoder following the codec)."""
    from mmengine.config import Config
    cfg = Config.fromfile(str(path))
    cfg.model.backbone.init_cfg = None  # no pretrained file: the default initialisation
    if input_size is not None:
        h, w = input_size
        cfg.codec = dict(cfg.codec, input_size=(w, h), heatmap_size=(w // 4, h // 4))
        cfg.model.head.decoder = cfg.codec
    return cfg


def build_ours(cfg) -> nn.Module:
    """The config's model (``hrnet_ext`` classes), initialised."""
    from mmengine.registry import DefaultScope
    from mmpose.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmpose'):
        model = MODELS.build(copy.deepcopy(cfg.model))
    model.init_weights()
    return model


def mmpose_model_cfg(cfg, ours: nn.Module) -> dict:
    """MMPose's ``HRNet`` + ``HeatmapHead`` (1x1 final layer) in place of ours, same settings."""
    from hrnet_ext.models import get_arch_settings
    extra = copy.deepcopy(getattr(ours.backbone, 'extra', None)
                          or get_arch_settings(cfg.model.backbone.get('arch', 'w32')))
    extra = {k: dict(v) for k, v in extra.items()}
    model = copy.deepcopy(cfg.model)
    model.backbone = dict(type='HRNet', in_channels=3, extra=extra)
    head = cfg.model.head
    model.head = dict(type='HeatmapHead', in_channels=head.in_channels,
                      out_channels=head.out_channels, deconv_out_channels=None,
                      loss=head.loss, decoder=head.get('decoder'))
    return model


def build_mmpose(cfg, ours: nn.Module) -> Tuple[nn.Module, str]:
    """MMPose's model of ``cfg`` with ``ours``'s weights, and a note saying whether they
    loaded (strictly) or MMPose's model kept its own initialisation."""
    from mmengine.registry import DefaultScope
    from mmpose.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmpose'):
        model = MODELS.build(mmpose_model_cfg(cfg, ours))
    model.init_weights()
    try:
        model.load_state_dict(ours.state_dict(), strict=True)
        note = 'same weights as ours (state dict loaded strictly)'
    except RuntimeError as exc:
        note = f'own initialisation (ours\' state dict did not load: {str(exc)[:200]})'
    return model, note


def build_pair(config: str, input_size: Optional[Tuple[int, int]] = None, seed: int = 0
               ) -> Tuple[nn.Module, nn.Module, Tuple[int, int]]:
    """Ours and MMPose's model of ``config`` (a path, or a name under configs/) on the same
    random but realistic weights (:mod:`hrnet_ext.testing`: He-normal, batch-norm statistics of
    a batch, heatmaps of max ~1), both in eval mode, and the input ``(h, w)``."""
    from hrnet_ext.testing import calibrate_, randomize_
    path = Path(config) if Path(config).is_file() else CONFIGS / config
    cfg = load_config(path, input_size)
    h, w = input_size or tuple(cfg.codec.input_size[::-1])
    torch.manual_seed(seed)
    ours = build_ours(cfg)
    calibrate_(randomize_(ours, seed),
               torch.rand(8, 3, h, w, generator=torch.Generator().manual_seed(seed)))
    mmpose, note = build_mmpose(cfg, ours)
    if not note.startswith('same weights'):
        raise RuntimeError(f'MMPose\'s model does not take our weights: {note}')
    return ours.eval(), mmpose.eval(), (h, w)


def forward_macs(model: nn.Module, h: int, w: int) -> int:
    """Multiply-adds of the convolutions (and linear layers) of ``model(x, None,
    mode='tensor')`` for one ``h x w`` image, counted by :mod:`hrnet_ext.models.complexity`."""
    from hrnet_ext.models.complexity import count_conv_linear_macs
    x = torch.zeros(1, 3, h, w)
    was_training = model.training
    model.eval()
    try:
        counts = count_conv_linear_macs(model, lambda: model(x, None, mode='tensor'))
    finally:
        model.train(was_training)
    return sum(counts.values())


# ----------------------------------------------------------------------------- timing
def interleaved_times(candidates: Mapping[str, Callable[[], Any]], rounds: int,
                      warmup: int = 0, iters: int = 1,
                      sync: Callable[[], None] = lambda: None,
                      after_round: Optional[Callable[[int], None]] = None
                      ) -> Dict[str, List[float]]:
    """Seconds per call of every candidate, one entry per round.

    ``warmup`` untimed calls of each first; then ``rounds`` rounds, each running every
    candidate ``iters`` times in turn (a, a, b, b, ..., then the next round), so a load
    change on a shared machine hits all of them. ``sync`` runs before and after each timing
    (``torch.cuda.synchronize`` on a GPU); ``after_round(r)`` after round ``r``.
    """
    for _ in range(warmup):
        for fn in candidates.values():
            fn()
    times: Dict[str, List[float]] = {name: [] for name in candidates}
    for r in range(rounds):
        for name, fn in candidates.items():
            sync()
            start = time.perf_counter()
            for _ in range(iters):
                fn()
            sync()
            times[name].append((time.perf_counter() - start) / iters)
        if after_round is not None:
            after_round(r)
    return times


def median_spread(times: Sequence[float]) -> Tuple[float, float]:
    """The median of the rounds, and their spread (max - min) / median."""
    median = statistics.median(times)
    return median, (max(times) - min(times)) / median


# ----------------------------------------------------------------------------- output
def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]],
                   align: Optional[str] = None) -> str:
    """A Markdown table with padded columns; ``align`` has one ``'l'`` or ``'r'`` per column
    (default: all left)."""
    align = align or 'l' * len(headers)
    cells = [[str(x) for x in headers]] + [[str(x) for x in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row: List[str]) -> str:
        return '| ' + ' | '.join(x.rjust(w) if a == 'r' else x.ljust(w)
                                 for x, w, a in zip(row, widths, align)) + ' |'

    rule = '|' + '|'.join('-' * (w + 1) + (':' if a == 'r' else '-')
                          for w, a in zip(widths, align)) + '|'
    return '\n'.join([line(cells[0]), rule] + [line(row) for row in cells[1:]])


def cpu_description() -> str:
    """The CPU's model, its core count and the flags that decide the fast paths here
    (``amx_bf16``, ``amx_int8``, ``avx512_bf16``, ``avx512_vnni``, ...), from /proc/cpuinfo."""
    wanted = ('avx2', 'avx512f', 'avx512_vnni', 'avx512_bf16', 'avx512_fp16', 'amx_bf16',
              'amx_int8', 'amx_tile')
    model, flags = platform.processor() or platform.machine(), set()
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                key, _, value = line.partition(':')
                if key.strip() == 'model name':
                    model = value.strip()
                elif key.strip() == 'flags':
                    flags = set(value.split())
    except OSError:
        pass
    have = ' '.join(f for f in wanted if f in flags) or 'none of ' + ' '.join(wanted)
    return f'{model}, {os.cpu_count()} CPUs, flags: {have}'


def write_json(path: Optional[str], results: Any) -> None:
    """Write ``results`` to ``path`` (nothing when ``path`` is empty)."""
    if path:
        with open(path, 'w') as f:
            json.dump(results, f, indent=1)
