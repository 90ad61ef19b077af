"""int8 post-training quantization of an exported network, calibrated on real crops.

Calibration data are real images passed through the config's own val pipeline and data
preprocessor (:func:`calibration_split`): the very crops the deployed model will see. The
images are split once, by image, into a calibration part and a held-out part; the accuracy
gate (:mod:`hrnet_ext.deploy.accuracy_gate`) measures on the held-out part only.

- OpenVINO: :func:`quantize_openvino`, NNCF's post-training quantization of the ``.onnx``
  file (per-channel symmetric int8 weights, asymmetric 8-bit activations whose ranges are
  the calibration set's min and max, fast bias correction), saved as an OpenVINO
  ``.xml``/``.bin`` model. Measured on the trained sample HRNet (``python -m
  benchmarks.deploy_accuracy``, docs/deploy.md): NNCF's default activation ranges (means of
  the per-crop extremes, symmetric) move keypoints by 3.0 px on average and up to 72 px and
  lose 0.017 AP; the min/max ranges move them by 0.26 px and lose nothing. Keeping the stem
  or the head in floating point (``keep_fp``) measured no better, so every convolution is
  int8 by default.
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


def calibration_crops(split: CalibrationSplit, data_preprocessor) -> np.ndarray:
    """All calibration crops as one ``(N, 3, H, W)`` float32 array."""
    return np.concatenate(list(crops_of(split.dataset, split.calib_indices, data_preprocessor)))


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


def quantize_openvino(onnx_file: str, crops: np.ndarray, out_xml: str,
                      keep_fp: Sequence[str] = (), fast_bias_correction: bool = True,
                      activation_ranges: str = 'minmax') -> str:
    """NNCF int8 post-training quantization for OpenVINO; writes ``out_xml`` (+ ``.bin``).

    Args:
        onnx_file: The fp32 network (:func:`~hrnet_ext.deploy.export_onnx`).
        crops: Calibration inputs ``(N, 3, H, W)`` (:func:`calibration_crops`); all are used.
        out_xml: Where to write the OpenVINO model.
        keep_fp: Names of ONNX nodes (:func:`conv_names`, e.g. ``/head/final_layer/Conv``)
            that stay in floating point (NNCF ``IgnoredScope``).
        fast_bias_correction: NNCF's bias correction after quantization.
        activation_ranges: ``'minmax'`` (the default: the calibration set's extremes,
            asymmetric) or ``'nncf-default'`` (NNCF's own: mean of the per-crop extremes,
            symmetric; kept to measure the difference).
    """
    from .openvino_runtime import import_openvino
    ov = import_openvino(with_nncf=True)
    import nncf
    from nncf.quantization.advanced_parameters import AdvancedQuantizationParameters
    from nncf.quantization.range_estimator import RangeEstimatorParametersSet
    model = ov.Core().read_model(str(onnx_file))
    data = nncf.Dataset(calibration_batches(crops))
    ranges = (RangeEstimatorParametersSet.MINMAX if activation_ranges == 'minmax' else
              RangeEstimatorParametersSet.MEAN_MINMAX)
    quantized = nncf.quantize(
        model, data, preset=nncf.QuantizationPreset.MIXED if activation_ranges == 'minmax'
        else nncf.QuantizationPreset.PERFORMANCE,
        subset_size=len(crops), fast_bias_correction=fast_bias_correction,
        ignored_scope=nncf.IgnoredScope(names=openvino_op_names(model, keep_fp))
        if keep_fp else None,
        advanced_parameters=AdvancedQuantizationParameters(
            activations_range_estimator_params=ranges))
    ov.save_model(quantized, str(out_xml))
    return str(out_xml)


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
