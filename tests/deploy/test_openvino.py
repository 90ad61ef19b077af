"""OpenVINO inference: the top-down model equals PyTorch in fp32, bf16 runs in bf16 where the
CPU has it, and int8 files from NNCF and ONNX Runtime's quantizer run quantized convolutions."""
import numpy as np
import pytest
from helpers import TEST_DATA, TINY_CONFIG

pytest.importorskip('openvino')
pytest.importorskip('onnxruntime')

COCO = TEST_DATA / 'coco'
IMAGE = str(COCO / '000000196141.jpg')
BOXES = np.array([[240, 100, 400, 400], [10, 20, 200, 380]], np.float32)


def cpu_flags() -> set:
    with open('/proc/cpuinfo') as f:
        for line in f:
            if line.startswith('flags'):
                return set(line.split(':', 1)[1].split())
    return set()


def test_heatmaps_match_pytorch_for_any_batch(tiny_exported, check_heatmaps):
    from hrnet_ext.deploy import OpenVinoSession
    model, onnx_file = tiny_exported
    session = OpenVinoSession(onnx_file, 'fp32', threads=1)
    check_heatmaps(model, session)
    assert session.convolution_info((3, 3, 128, 96)) == {'f32': 40}  # every convolution


@pytest.mark.parametrize('flip_test', [True, False])
def test_end_to_end_keypoints_equal_pytorch(tiny_exported, flip_test):
    """Through ``inference_topdown``: same people, keypoints within 1e-3 image pixels."""
    from hrnet_ext.apis import inference_topdown
    from hrnet_ext.deploy import load_deployed_model
    model, onnx_file = tiny_exported
    model.test_cfg['flip_test'] = flip_test
    ov_model = load_deployed_model(TINY_CONFIG, onnx_file, 'openvino', 'fp32', threads=1,
                                   flip_test=flip_test)
    try:
        expected = inference_topdown(model, IMAGE, bboxes=BOXES)
    finally:
        model.test_cfg['flip_test'] = True
    got = inference_topdown(ov_model, IMAGE, bboxes=BOXES)
    assert len(got) == len(expected) == 2
    for g, e in zip(got, expected):
        assert g.pred_instances.keypoints.shape == (1, 17, 2)
        assert np.abs(g.pred_instances.keypoints - e.pred_instances.keypoints).max() <= 1e-3
        np.testing.assert_allclose(g.pred_instances.keypoint_scores,
                                   e.pred_instances.keypoint_scores, atol=1e-4)


@pytest.mark.skipif(not {'avx512_bf16', 'amx_bf16'} & cpu_flags(),
                    reason='the CPU has no bf16 instructions: OpenVINO falls back to fp32')
def test_bf16_hint_runs_the_convolutions_in_bf16(tiny_exported):
    from hrnet_ext.deploy import OpenVinoSession
    _, onnx_file = tiny_exported
    session = OpenVinoSession(onnx_file, 'bf16', threads=1)
    x = np.random.default_rng(0).standard_normal((2, 3, 128, 96)).astype(np.float32)
    out = session(x)
    assert out.dtype == np.float32 and out.shape == (2, 17, 32, 24)
    assert session.convolution_info(x.shape) == {'bf16': 40}


def test_int8_models_run_quantized_convolutions(tiny_exported, tmp_path):
    """NNCF's OpenVINO model and ONNX Runtime's QDQ file: int8 convolutions, heatmaps close
    to fp32 on these random weights (the accuracy on trained weights: test_export_tool.py)."""
    import onnx

    from hrnet_ext.deploy import OpenVinoSession, OrtSession
    from hrnet_ext.deploy.quantize import quantize_onnxruntime, quantize_openvino
    _, onnx_file = tiny_exported
    crops = np.random.default_rng(0).standard_normal((8, 3, 128, 96)).astype(np.float32)
    xml = quantize_openvino(onnx_file, crops, str(tmp_path / 'tiny.int8.xml'))
    qdq = quantize_onnxruntime(onnx_file, crops, str(tmp_path / 'tiny.int8.onnx'))
    fp32 = OpenVinoSession(onnx_file, 'fp32', threads=1)(crops[:2])
    ov_int8 = OpenVinoSession(xml, 'int8', threads=1)
    counts = ov_int8.convolution_info((2, 3, 128, 96))
    assert counts.get('u8', 0) + counts.get('i8', 0) == 40, counts  # every convolution
    ops = [n.op_type for n in onnx.load(qdq).graph.node]
    assert ops.count('Conv') == 40 and ops.count('QuantizeLinear') >= 40
    for got in (ov_int8(crops[:2]), OrtSession(qdq, threads=1)(crops[:2])):
        assert got.shape == fp32.shape
        assert np.abs(got - fp32).max() < 0.05 * np.abs(fp32).max()
        assert not np.array_equal(got, fp32)  # it is not the fp32 network


def test_auto_ranges_keep_the_candidate_that_moves_calibration_crops_least(tiny_exported,
                                                                          tmp_path):
    """'auto' quantizes with each of AUTO_RANGES, measures how far the heatmap maxima of the
    calibration crops move from fp32, and keeps the least moved: recomputed here from the
    two candidates' own files, the way quantize_openvino runs them (one crop at a time)."""
    from hrnet_ext.deploy.openvino_runtime import import_openvino
    from hrnet_ext.deploy.quantize import (
        AUTO_RANGES,
        activation_ranges_of,
        heatmap_argmax,
        openvino_heatmaps,
        quantize_openvino,
    )
    ov = import_openvino()
    _, onnx_file = tiny_exported
    crops = np.random.default_rng(1).standard_normal((6, 3, 128, 96)).astype(np.float32)

    def maxima(path):
        return heatmap_argmax(openvino_heatmaps(ov, ov.Core().read_model(path), crops))

    reference = maxima(onnx_file)
    moved = {}
    for name in AUTO_RANGES:
        xml = quantize_openvino(onnx_file, crops, str(tmp_path / f'{name}.xml'),
                                activation_ranges=name)
        assert activation_ranges_of(xml) == name
        moved[name] = np.linalg.norm(maxima(xml) - reference, axis=-1).mean()
    auto = quantize_openvino(onnx_file, crops, str(tmp_path / 'auto.xml'))
    recorded = ov.Core().read_model(auto).get_rt_info()['hrnet_ext']
    for name in AUTO_RANGES:
        assert float(recorded[f'calibration_displacement_{name}'].astype(str)) == pytest.approx(
            moved[name], abs=1e-4)
    assert activation_ranges_of(auto) == min(moved, key=moved.get), moved
    with pytest.raises(ValueError, match='activation_ranges must be "auto" or one of'):
        quantize_openvino(onnx_file, crops, str(tmp_path / 'x.xml'), activation_ranges='max')


@pytest.mark.parametrize('missing', ['openvino', 'nncf'])
def test_missing_openvino_is_named_with_the_install_command(monkeypatch, missing):
    """Either package of the extra missing: one error, which the tools print as one line."""
    import builtins

    from hrnet_ext.deploy.openvino_runtime import OpenVinoMissingError, import_openvino
    from hrnet_ext.engine.cli import known_errors
    real_import = builtins.__import__

    def without(name, *args, **kwargs):
        if name == missing:
            raise ImportError(f'No module named {missing}', name=missing)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, '__import__', without)
    with pytest.raises(ImportError, match=r'bash tools/install.sh --openvino') as error:
        import_openvino(with_nncf=True)
    assert isinstance(error.value, OpenVinoMissingError) and str(error.value).startswith(missing)
    assert OpenVinoMissingError in known_errors()


@pytest.mark.parametrize('precision', ['fp32', 'bf16'])
def test_pytorch_session_in_the_deployed_model(tiny_exported, precision):
    """``TorchSession`` (the demo's ``--backend pytorch --precision bf16``) in the deployed
    model: fp32 equals the estimator; bf16 (compiled, oneDNN) leaves nearly every keypoint."""
    from hrnet_ext.apis import inference_topdown
    from hrnet_ext.deploy import DeployedTopdownModel, TorchSession
    model, _ = tiny_exported
    deployed = DeployedTopdownModel(model.cfg, TorchSession(model, precision))
    expected = inference_topdown(model, IMAGE, bboxes=BOXES)
    got = inference_topdown(deployed, IMAGE, bboxes=BOXES)
    moved = np.concatenate([np.linalg.norm(g.pred_instances.keypoints
                                           - e.pred_instances.keypoints, axis=-1).ravel()
                            for g, e in zip(got, expected)])
    if precision == 'fp32':
        assert moved.max() <= 1e-3
    else:
        assert deployed.session._compiled is not None and deployed.session._compiled.bf16
        # these weights are random (flat heatmaps: a joint may jump to another peak); bf16 on
        # trained weights is measured by tools/deploy/export.py and benchmarks/bf16_accuracy.py
        assert (moved <= 1e-3).mean() >= 0.9, moved
