"""The accuracy gate of an exported model: the same held-out people through the PyTorch fp32
model and through the exported one, compared in image pixels and with the config's metric.

- displacement: per keypoint, the distance between the two models' predictions, in pixels of
  the original image (every keypoint of every person), as mean, 95th percentile and max;
- the config's own metric (``val_evaluator``: AP for COCO-style sets, PCK for MPII, ...) of
  both models on the held-out people, computed from their annotations, and the drop.

``tools/deploy/export.py`` refuses a model whose metric drops by more than ``--max-ap-drop``.
"""
import contextlib
import io
from dataclasses import asdict, dataclass
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.config import Config

#: metric names, in order of preference, whose drop the gate checks (higher is better)
GATED_METRICS = ('coco/AP', 'AP', 'PCKh', 'PCK', 'AUC')


@dataclass
class GateReport:
    """One exported model against the PyTorch fp32 model on the held-out people."""
    backend: str
    precision: str
    people: int
    mean_px: float
    p95_px: float
    max_px: float
    metric_name: Optional[str]
    metric: Optional[float]
    reference_metric: Optional[float]
    drop: Optional[float]
    passed: bool
    model_file: str = ''

    def as_dict(self) -> dict:
        return asdict(self)

    def line(self) -> str:
        metric = 'no metric' if self.metric is None else (
            f'{self.metric_name} {self.metric:.4f} (fp32 PyTorch {self.reference_metric:.4f}, '
            f'drop {self.drop:+.4f})')
        return (f'{self.backend:<11} {self.precision:<4} {self.people} people: keypoints moved '
                f'{self.mean_px:.3f} px mean, {self.p95_px:.3f} px p95, {self.max_px:.3f} px '
                f'max; {metric}: {"OK" if self.passed else "REFUSED"}')


def predict_samples(model, dataset, indices: Sequence[int], batch_size: int = 16) -> list:
    """``model.test_step`` on ``dataset[indices]`` in batches: ``PoseDataSample`` s with
    ``pred_instances`` in image pixels. ``model`` is a PyTorch estimator
    (``init_model``) or a :class:`~hrnet_ext.deploy.DeployedTopdownModel`."""
    import torch

    from .quantize import collated_batches
    samples = []
    with torch.no_grad():
        for batch in collated_batches(dataset, indices, batch_size):
            samples += model.test_step(batch)
    return samples


def keypoints_of(samples: list) -> np.ndarray:
    """``(people, K, 2)`` predicted keypoints."""
    return np.concatenate([np.asarray(s.pred_instances.keypoints, np.float64) for s in samples])


def metric_of(cfg: Config, dataset_meta: dict, samples: list) -> Dict[str, float]:
    """The config's ``val_evaluator`` on these samples only: annotations come from the samples
    (``ann_file`` dropped, so that the images left out do not count as misses)."""
    import copy

    from mmengine.evaluator import Evaluator
    metrics = cfg.val_evaluator
    metrics = [metrics] if isinstance(metrics, dict) else list(metrics)
    metrics = [copy.deepcopy(dict(m)) for m in metrics]
    for metric in metrics:
        metric.pop('ann_file', None)
        metric.pop('outfile_prefix', None)
    evaluator = Evaluator(metrics)
    evaluator.dataset_meta = dataset_meta
    evaluator.process(data_samples=[copy.deepcopy(s) for s in samples], data_batch=None)
    with contextlib.redirect_stdout(io.StringIO()):  # the COCO tools print their tables
        values = evaluator.evaluate(len(samples))
    return {k: float(v) for k, v in values.items()}


def gated_metric(values: Dict[str, float]) -> Optional[str]:
    """The name of the metric the gate checks (:data:`GATED_METRICS`), or ``None``."""
    for name in GATED_METRICS:
        for key in values:
            if key == name or key.endswith('/' + name):
                return key
    return None


def compare_predictions(reference: list, deployed: list, cfg: Config, dataset_meta: dict,
                        backend: str, precision: str, max_drop: float = 0.01,
                        reference_metrics: Optional[Dict[str, float]] = None) -> GateReport:
    """Compare two models' predictions of the same held-out people (:func:`predict_samples`).

    Args:
        reference: The PyTorch fp32 model's samples.
        deployed: The exported model's samples, same order.
        cfg, dataset_meta: The config and the data set's metainfo (for the metric).
        backend, precision: For the report.
        max_drop: The largest metric drop that passes.
        reference_metrics: :func:`metric_of` of ``reference``, if already computed.
    """
    a, b = keypoints_of(reference), keypoints_of(deployed)
    if a.shape != b.shape:
        raise ValueError(f'different predictions: {a.shape} vs {b.shape} keypoints')
    moved = np.linalg.norm(a - b, axis=-1).reshape(-1)
    reference_metrics = reference_metrics or metric_of(cfg, dataset_meta, reference)
    name = gated_metric(reference_metrics)
    metric = ref = drop = None
    passed = True
    if name is not None:
        ref = reference_metrics[name]
        metric = metric_of(cfg, dataset_meta, deployed)[name]
        drop = ref - metric
        passed = drop <= max_drop
    return GateReport(backend, precision, len(a), float(moved.mean()),
                      float(np.percentile(moved, 95)), float(moved.max()), name, metric, ref,
                      drop, passed)


def _number(value: Optional[float]) -> str:
    return '-' if value is None else f'{value:.4f}'


def summary_table(reports: List[GateReport]) -> str:
    """A markdown table of gate reports."""
    rows = ['| backend | precision | people | mean px | p95 px | max px | metric | fp32 PyTorch '
            '| drop | gate |', '|---|---|---|---|---|---|---|---|---|---|']
    for r in reports:
        rows.append(f'| {r.backend} | {r.precision} | {r.people} | {r.mean_px:.3f} | '
                    f'{r.p95_px:.3f} | {r.max_px:.3f} | {_number(r.metric)} | '
                    f'{_number(r.reference_metric)} | {_number(r.drop)} | '
                    f'{"pass" if r.passed else "refused"} |')
    return '\n'.join(rows)
