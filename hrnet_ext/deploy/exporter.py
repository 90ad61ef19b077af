"""Export, quantize and check in one call: what ``tools/deploy/export.py`` and
``tools/demo.py --backend openvino|onnxruntime`` run.

For each requested (backend, precision) it writes the model file, runs the held-out people
through it and through the PyTorch fp32 model (:mod:`~hrnet_ext.deploy.accuracy_gate`) and
keeps the file only if the gate passes (or ``force``). A JSON report is written beside.

Files in ``out_dir`` (``NAME`` = the checkpoint's name):
``NAME.onnx`` (fp32; ONNX Runtime fp32 and OpenVINO fp32/bf16 run it), ``NAME.int8.xml`` /
``.bin`` (OpenVINO int8, NNCF), ``NAME.int8.onnx`` (ONNX Runtime int8, QDQ),
``NAME.export.json`` (the report).
"""
import json
import os
import os.path as osp
import time
from typing import Dict, List, Optional, Sequence, Tuple

from .accuracy_gate import GateReport, compare_predictions, metric_of, predict_samples
from .topdown_model import check_backend_precision, load_deployed_model

#: every exported (backend, precision), in the report's order
ALL_TARGETS = (('onnxruntime', 'fp32'), ('onnxruntime', 'int8'), ('openvino', 'fp32'),
               ('openvino', 'bf16'), ('openvino', 'int8'))


def model_file_of(out_dir: str, name: str, backend: str, precision: str) -> str:
    """Where the model of (backend, precision) is written."""
    if precision != 'int8':
        return osp.join(out_dir, name + '.onnx')
    return osp.join(out_dir, name + ('.int8.xml' if backend == 'openvino' else '.int8.onnx'))


def _remove_model(path: str) -> None:
    """Delete a refused model file (and an OpenVINO model's ``.bin``)."""
    for p in (path, osp.splitext(path)[0] + '.bin' if path.endswith('.xml') else None):
        if p and osp.exists(p):
            os.remove(p)


def export_and_check(config: str, checkpoint: str, out_dir: str,
                     targets: Sequence[Tuple[str, str]] = ALL_TARGETS,
                     calib_data: Optional[Tuple[str, str]] = None, calib_size: int = 300,
                     held_out_size: int = 500, max_drop: float = 0.01, force: bool = False,
                     keep_fp: Sequence[str] = (), threads: Optional[int] = None,
                     log=print) -> Tuple[Dict[Tuple[str, str], str], List[GateReport], str]:
    """Export ``checkpoint`` for each target, gate it, write the report.

    Returns:
        ``({(backend, precision): model file}`` of the models that passed (or were forced),
        the gate reports, the report's path).
    """
    from hrnet_ext.apis.init_model import init_model, load_model_config

    from .onnx_export import export_onnx
    from .quantize import (
        activation_ranges_of,
        calibration_crops,
        calibration_split,
        quantize_onnxruntime,
        quantize_openvino,
    )
    for backend, precision in targets:
        check_backend_precision(backend, precision)
    os.makedirs(out_dir, exist_ok=True)
    name = osp.splitext(osp.basename(checkpoint))[0]
    cfg = load_model_config(config)
    root, ann = calib_data if calib_data else (None, None)
    split = calibration_split(cfg, calib_size, held_out_size, root, ann)  # data first: fail early
    model = init_model(cfg, checkpoint, device='cpu').eval()
    onnx_file = export_onnx(model, osp.join(out_dir, name + '.onnx'))
    log(f'[export] {onnx_file} (fp32, dynamic batch)')
    log(f'[export] data {split.source["ann_file"]}: calibration {len(split.calib_indices)} '
        f'people on {split.calib_images} images, held out {len(split.held_out_indices)} '
        f'people on {split.held_out_images} images')
    dataset_meta = model.dataset_meta
    reference = predict_samples(model, split.dataset, split.held_out_indices)
    reference_metrics = metric_of(cfg, dataset_meta, reference)

    crops = None
    files: Dict[Tuple[str, str], str] = {}
    reports: List[GateReport] = []
    timings: Dict[str, float] = {}
    choices: Dict[str, str] = {}
    for backend, precision in targets:
        path = model_file_of(out_dir, name, backend, precision)
        if precision == 'int8':
            if crops is None:
                crops = calibration_crops(split, model.data_preprocessor)
            start = time.perf_counter()
            quantize = quantize_openvino if backend == 'openvino' else quantize_onnxruntime
            quantize(onnx_file, crops, path, keep_fp=keep_fp)
            timings[f'{backend} int8 quantization s'] = round(time.perf_counter() - start, 1)
            if backend == 'openvino':
                ranges = activation_ranges_of(path)
                choices['openvino int8 activation ranges'] = ranges
                log(f'[export] OpenVINO int8 activation ranges: {ranges} (of the candidates, '
                    'the one that moved the calibration crops least)')
        deployed = load_deployed_model(cfg, path, backend, precision, threads=threads)
        samples = predict_samples(deployed, split.dataset, split.held_out_indices)
        report = compare_predictions(reference, samples, cfg, dataset_meta, backend, precision,
                                     max_drop, reference_metrics)
        report.model_file = path
        if report.passed or force:
            files[(backend, precision)] = path
        log('[export] ' + report.line() + (' (kept: --force)' if force and not report.passed
                                           else ''))
        reports.append(report)
    for report in reports:  # a refused model is not left behind (unless another target uses it)
        if report.model_file not in files.values():
            _remove_model(report.model_file)
    report_file = osp.join(out_dir, name + '.export.json')
    with open(report_file, 'w') as f:
        json.dump(dict(config=str(config), checkpoint=str(checkpoint), data=split.source,
                       calibration_people=len(split.calib_indices),
                       calibration_crops=0 if crops is None else len(crops), **choices,
                       held_out_people=len(split.held_out_indices),
                       max_drop=max_drop, forced=force, keep_fp=list(keep_fp),
                       reference_metrics=reference_metrics, timings=timings,
                       models=[r.as_dict() for r in reports]), f, indent=1)
    log(f'[export] report: {report_file}')
    return files, reports, report_file
