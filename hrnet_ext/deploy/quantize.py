"""int8 post-training quantization of an exported network, calibrated on real crops.

Calibration data are real images passed through the config's own val pipeline and data
preprocessor (:func:`calibration_split`): the very crops the deployed model will see. The
images are split once, by image, into a calibration part and a held-out part; the accuracy
gate (:mod:`hrnet_ext.deploy.accuracy_gate`) measures on the held-out part only.

- OpenVINO: :func:`quantize_openvino`, NNCF's post-training quantization of the ``.onnx``
  file (per-channel symmetric int8 weights, asymmetric 8-bit activations, fast bias
  correction), saved as an OpenVINO ``.xml``/``.bin`` model. The activation ranges that hold
  up depend on the weights (the sample HRNet needs the calibration set's min/max, the W32
  fitted to the bundled samples collapses with them; ``python -m benchmarks.deploy_accuracy``,
  docs/deploy.md), so by default both candidates are tried and the one that moves the
  calibration crops' heatmap maxima least is kept. Keeping the stem or the head in floating
  point (``keep_fp``) measured no better, so every convolution is int8 by default.
- ONNX Runtime: :func:`quantize_onnxruntime`, static QDQ quantization (per-channel int8
  weights, uint8 activations, MinMax calibration) into another ``.onnx`` file.

Needs the ``openvino`` extra (NNCF) or the ``onnx`` extra (ONNX Runtime's quantizer).
"""
import random
from dataclasses import dataclass, field
from typing import Dict, Iterator, List, Optional, Sequence, Union

import numpy as np
from mmengine.config import Config, ConfigDict

from .onnx_export import INPUT_NAME

#: crops per calibration batch fed to the quantizers
CALIBRATION_BATCH = 1


@dataclass
class CalibrationSplit:
    """The val set's images, split by image into calibration and held-out parts.

    Attributes:
        dataset: The built val data set (its pipeline is the config's).
        calib_indices: Data-set indices (one per person crop) used for calibration.
        held_out_indices: Indices of the held-out images' crops (the accuracy gate's).
        calib_images, held_out_images: How many images each part has.
    """
    dataset: object
    calib_indices: List[int]
    held_out_indices: List[int]
    calib_images: int = 0
    held_out_images: int = 0
    source: Dict[str, str] = field(default_factory=dict)


def val_dataset_cfg(cfg: Config, data_root: Optional[str] = None,
                    ann_file: Optional[str] = None) -> ConfigDict:
    """The config's val data set, on ``data_root``/``ann_file`` where given, with ground-truth
    boxes (no ``bbox_file``: calibration and the gate crop the annotated people)."""
    ds = cfg.val_dataloader.dataset.copy()
    if data_root is not None:
        ds.data_root = data_root
    if ann_file is not None:
        ds.ann_file = ann_file
    if 'bbox_file' in ds:
        ds.bbox_file = None
    return ds


def calibration_split(cfg: Config, calib_size: int = 300, held_out_size: int = 500,
                      data_root: Optional[str] = None, ann_file: Optional[str] = None,
                      seed: int = 0) -> CalibrationSplit:
    """Split the val set (or ``data_root``/``ann_file`` in its format) by image.

    The images are shuffled (``seed``); calibration takes whole images until it has
    ``calib_size`` person crops, but never more than half of the images, so that a small
    set still leaves held-out images; the held-out part is the next images, up to
    ``held_out_size`` crops.

    Raises:
        hrnet_ext.datasets.data_check.DataNotFoundError: the data are missing (the message
            names the config key and the path).
        ValueError: the set has fewer than two images with people.
    """
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS

    from hrnet_ext.datasets.data_check import DataNotFoundError, find_missing
    ds_cfg = val_dataset_cfg(cfg, data_root, ann_file)
    missing = find_missing(dict(test_dataloader=dict(dataset=ds_cfg)), phases=('test', ))
    if missing:
        given = data_root is not None or ann_file is not None
        lines = [f'  {m.key.rsplit(".", 1)[-1]:<12} {m.path}' for m in missing]
        raise DataNotFoundError(
            'the calibration data ' + ('given by --calib-data' if given else
                                       "of the config's val set (val_dataloader.dataset)")
            + ' are missing:\n' + '\n'.join(lines) + '\nCalibration and the accuracy gate '
            'need real images with annotations in the format of the val set. To fix it, give '
            '--calib-data DATA_ROOT ANN_FILE (ANN_FILE relative to DATA_ROOT, images under '
            f'DATA_ROOT/{ds_cfg.get("data_prefix", {}).get("img", "")}).')
    init_default_scope(cfg.get('default_scope', 'mmpose'))
    dataset = DATASETS.build(ds_cfg)
    by_image: Dict[object, List[int]] = {}
    for index in range(len(dataset)):
        by_image.setdefault(dataset.get_data_info(index)['img_id'], []).append(index)
    images = sorted(by_image, key=str)
    if len(images) < 2:
        raise ValueError(
            f'calibration needs at least 2 annotated images (one to calibrate on, one held out '
            f'for the accuracy gate); {ds_cfg.get("ann_file")} has {len(images)}. Give a larger '
            'set with --calib-data DATA_ROOT ANN_FILE.')
    random.Random(seed).shuffle(images)
    calib, held, n_calib, n_held = [], [], 0, 0
    for image in images:
        if len(calib) < calib_size and n_calib < len(images) // 2:
            calib += by_image[image]
            n_calib += 1
        elif len(held) < held_out_size:
            held += by_image[image]
            n_held += 1
    return CalibrationSplit(
        dataset, sorted(calib), sorted(held), n_calib, n_held,
        dict(data_root=str(ds_cfg.get('data_root', '')), ann_file=str(ds_cfg.get('ann_file'))))


def collated_batches(dataset, indices: Sequence[int], batch_size: int) -> Iterator[dict]:
    """``dataset[indices]`` (the config's pipeline), collated ``batch_size`` at a time as a
    data loader would (what ``test_step`` and the data preprocessor take)."""
    from mmengine.dataset import pseudo_collate
    for start in range(0, len(indices), batch_size):
        yield pseudo_collate([dataset[i] for i in indices[start:start + batch_size]])


def crops_of(dataset, indices: Sequence[int], data_preprocessor,
             batch_size: int = 32) -> Iterator[np.ndarray]:
    """Normalised ``(n, 3, H, W)`` float32 crops of ``dataset[indices]``, in batches: the
    config's pipeline and data preprocessor, as at inference."""
    for batch in collated_batches(dataset, indices, batch_size):
        yield data_preprocessor(batch, training=False)['inputs'].cpu().numpy()


def calibration_crops(split: CalibrationSplit, data_preprocessor,
                      mirrored: bool = False) -> np.ndarray:
    """All calibration crops as one ``(N, 3, H, W)`` float32 array; with ``mirrored``, each
    crop and its mirror image (``2N`` crops), which a model with flip test also runs on (not
    the export's default: no better on the two trained networks, benchmarks/deploy_accuracy)."""
    crops = np.concatenate(list(crops_of(split.dataset, split.calib_indices, data_preprocessor)))
    if mirrored:
        crops = np.concatenate([crops, np.ascontiguousarray(crops[..., ::-1])])
    return crops


def calibration_batches(crops: np.ndarray) -> List[np.ndarray]:
    """The calibration crops as the quantizers are fed them, :data:`CALIBRATION_BATCH` each."""
    return [crops[i:i + CALIBRATION_BATCH] for i in range(0, len(crops), CALIBRATION_BATCH)]


def openvino_op_names(model, names: Sequence[str]) -> List[str]:
    """OpenVINO's names of the ONNX nodes ``names``: an ONNX ``Conv`` with a bias becomes
    ``<name>/WithoutBiases`` (the convolution) + ``<name>`` (the bias ``Add``)."""
    have = {op.get_friendly_name() for op in model.get_ordered_ops()}
    found = []
    for name in names:
        for candidate in (name + '/WithoutBiases', name):
            if candidate in have:
                found.append(candidate)
                break
        else:
            from hrnet_ext.utils.arguments import nearest
            near = nearest(name, sorted(have))
            raise ValueError(f'--keep-fp: no operation {name!r} in the model'
                             + (f'; did you mean {near!r}?' if near else
                                ' (hrnet_ext.deploy.quantize.conv_names lists the convolutions)'))
    return found


#: OpenVINO int8 activation ranges :func:`quantize_openvino` can use: NNCF preset and range
#: estimator of each (``'auto'`` tries :data:`AUTO_RANGES` and keeps the better)
ACTIVATION_RANGES = {
    'minmax': ('MIXED', 'MINMAX'),  # the calibration set's extremes, asymmetric
    'mean-no-outliers': ('MIXED', 'MEAN_NO_OUTLIERS_MINMAX'),  # mean of per-crop extremes
    'nncf-default': ('PERFORMANCE', 'MEAN_MINMAX'),  # NNCF's defaults: symmetric, mean
}
AUTO_RANGES = ('minmax', 'mean-no-outliers')


def heatmap_argmax(heatmaps: np.ndarray) -> np.ndarray:
    """``(N, K, h, w)`` heatmaps -> ``(N, K, 2)`` (x, y) of each maximum, in heatmap pixels."""
    n, k, _, w = heatmaps.shape
    flat = heatmaps.reshape(n, k, -1).argmax(-1)
    return np.stack([flat % w, flat // w], -1).astype(np.float64)


def openvino_heatmaps(ov, model, crops: np.ndarray, precision_hint: str = 'f32') -> np.ndarray:
    """``model``'s outputs on ``crops`` (OpenVINO CPU, ``precision_hint`` inference)."""
    compiled = ov.Core().compile_model(model, 'CPU', {'INFERENCE_PRECISION_HINT': precision_hint})
    return np.concatenate([compiled(batch)[0] for batch in calibration_batches(crops)])


def quantize_openvino(onnx_file: str, crops: np.ndarray, out_xml: str,
                      keep_fp: Sequence[str] = (), fast_bias_correction: bool = True,
                      activation_ranges: str = 'auto') -> str:
    """NNCF int8 post-training quantization for OpenVINO; writes ``out_xml`` (+ ``.bin``).

    Which activation ranges hold up depends on the weights, measured on two trained networks
    (``python -m benchmarks.deploy_accuracy``, docs/deploy.md): the sample HRNet keeps its
    keypoints with the calibration set's min/max (0.7-0.9 px mean displacement; 1.8-3.5 px
    with the others), the W32 fitted to the bundled samples collapses with them (110-127
    px; 2.4-2.6 px with the mean of the per-crop extremes). ``'auto'`` (the default)
    therefore quantizes with both (:data:`AUTO_RANGES`) and keeps the one whose heatmap
    maxima move least from the fp32 network's on the calibration crops; the held-out images
    stay for the gate.
    The choice and each candidate's displacement are stored in the model's ``rt_info``
    (``hrnet_ext/activation_ranges``, ``hrnet_ext/calibration_displacement_<name>``).

    Args:
        onnx_file: The fp32 network (:func:`~hrnet_ext.deploy.export_onnx`).
        crops: Calibration inputs ``(N, 3, H, W)`` (:func:`calibration_crops`); all are used.
        out_xml: Where to write the OpenVINO model.
        keep_fp: Names of ONNX nodes (:func:`conv_names`, e.g. ``/head/final_layer/Conv``)
            that stay in floating point (NNCF ``IgnoredScope``).
        fast_bias_correction: NNCF's bias correction after quantization.
        activation_ranges: ``'auto'`` or one of :data:`ACTIVATION_RANGES`.
    """
    if activation_ranges != 'auto' and activation_ranges not in ACTIVATION_RANGES:
        raise ValueError(f'activation_ranges must be "auto" or one of '
                         f'{tuple(ACTIVATION_RANGES)}, got {activation_ranges!r}')
    from .openvino_runtime import import_openvino
    ov = import_openvino(with_nncf=True)
    import nncf
    from nncf.quantization.advanced_parameters import AdvancedQuantizationParameters
    from nncf.quantization.range_estimator import RangeEstimatorParametersSet
    model = ov.Core().read_model(str(onnx_file))
    ignored = (nncf.IgnoredScope(names=openvino_op_names(model, keep_fp)) if keep_fp else None)

    def quantized(name: str):
        preset, ranges = ACTIVATION_RANGES[name]
        return nncf.quantize(
            model, nncf.Dataset(calibration_batches(crops)),
            preset=getattr(nncf.QuantizationPreset, preset), subset_size=len(crops),
            fast_bias_correction=fast_bias_correction, ignored_scope=ignored,
            advanced_parameters=AdvancedQuantizationParameters(
                activations_range_estimator_params=getattr(RangeEstimatorParametersSet,
                                                           ranges)))

    if activation_ranges != 'auto':
        best = quantized(activation_ranges)
        best.set_rt_info(activation_ranges, ['hrnet_ext', 'activation_ranges'])
    else:
        reference = heatmap_argmax(openvino_heatmaps(ov, model, crops))
        candidates = {}
        for name in AUTO_RANGES:
            candidate = quantized(name)
            moved = heatmap_argmax(openvino_heatmaps(ov, candidate, crops)) - reference
            candidates[name] = (float(np.linalg.norm(moved, axis=-1).mean()), candidate)
        choice = min(candidates, key=lambda name: candidates[name][0])
        best = candidates[choice][1]
        best.set_rt_info(choice, ['hrnet_ext', 'activation_ranges'])
        for name, (displacement, _) in candidates.items():
            best.set_rt_info(f'{displacement:.4f}',
                             ['hrnet_ext', f'calibration_displacement_{name}'])
    # fp32 constants kept as they are (save_model's default halves them to fp16): the file
    # computes what was measured above
    ov.save_model(best, str(out_xml), compress_to_fp16=False)
    return str(out_xml)


def activation_ranges_of(xml: str) -> str:
    """The activation ranges :func:`quantize_openvino` chose for the model ``xml``."""
    from .openvino_runtime import import_openvino
    model = import_openvino().Core().read_model(str(xml))
    return model.get_rt_info(['hrnet_ext', 'activation_ranges']).astype(str)


def quantize_onnxruntime(onnx_file: str, crops: np.ndarray, out_onnx: str,
                         keep_fp: Sequence[str] = ()) -> str:
    """ONNX Runtime static QDQ quantization (int8 per-channel weights, uint8 activations)."""
    from onnxruntime.quantization import (
        CalibrationDataReader,
        QuantFormat,
        QuantType,
        quantize_static,
    )

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.batches = iter(calibration_batches(crops))

        def get_next(self) -> Union[dict, None]:
            batch = next(self.batches, None)
            return None if batch is None else {INPUT_NAME: batch}

    quantize_static(str(onnx_file), str(out_onnx), Reader(), quant_format=QuantFormat.QDQ,
                    per_channel=True, activation_type=QuantType.QUInt8,
                    weight_type=QuantType.QInt8, nodes_to_exclude=list(keep_fp) or None)
    return str(out_onnx)


def conv_names(onnx_file: str) -> List[str]:
    """The convolution node names of an ``.onnx`` file, in graph order."""
    import onnx
    return [node.name for node in onnx.load(str(onnx_file)).graph.node if node.op_type == 'Conv']
