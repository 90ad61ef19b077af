"""ONNX export and ONNX Runtime inference: parity with PyTorch on the bundled sample."""
import os
import subprocess
import sys

import numpy as np
import pytest
from helpers import REPO, TEST_DATA, TINY_CONFIG, load_script

pytest.importorskip('onnxruntime')
pytest.importorskip('onnx')

COCO = TEST_DATA / 'coco'


def test_graph_has_dynamic_batch_and_config_input_size(tiny_exported):
    import onnx
    _, onnx_file = tiny_exported
    graph = onnx.load(onnx_file)
    onnx.checker.check_model(graph)
    dims = lambda v: [d.dim_param or d.dim_value for d in v.type.tensor_type.shape.dim]  # noqa: E731
    assert [i.name for i in graph.graph.input] == ['input']
    assert dims(graph.graph.input[0]) == ['batch', 3, 128, 96]
    assert dims(graph.graph.output[0]) == ['batch', 17, 32, 24]


def test_heatmaps_match_pytorch_for_any_batch(tiny_exported, check_heatmaps):
    from hrnet_ext.deploy import OrtSession
    model, onnx_file = tiny_exported
    session = OrtSession(onnx_file)
    assert session.providers == ['CPUExecutionProvider']
    check_heatmaps(model, session)


@pytest.mark.parametrize('flip_test', [True, False])
def test_end_to_end_keypoints_equal_pytorch(tiny_exported, flip_test):
    """The ONNX model through ``inference_topdown``: same people, same keypoints."""
    from hrnet_ext.apis import inference_topdown
    from hrnet_ext.deploy import OnnxTopdownModel
    model, onnx_file = tiny_exported
    model.test_cfg['flip_test'] = flip_test
    ort_model = OnnxTopdownModel(TINY_CONFIG, onnx_file, flip_test=flip_test)
    assert ort_model.test_cfg['flip_test'] is flip_test
    assert ort_model.test_cfg['shift_heatmap'] is True  # the config's, carried over
    img = str(COCO / '000000196141.jpg')
    boxes = np.array([[240, 100, 400, 400], [10, 20, 200, 380]], np.float32)
    try:
        expected = inference_topdown(model, img, bboxes=boxes)
    finally:
        model.test_cfg['flip_test'] = True
    got = inference_topdown(ort_model, img, bboxes=boxes)
    assert len(got) == len(expected) == 2
    for g, e, box in zip(got, expected, boxes):
        assert g.pred_instances.keypoints.shape == (1, 17, 2)
        np.testing.assert_allclose(g.pred_instances.keypoints, e.pred_instances.keypoints,
                                   atol=1e-3)
        np.testing.assert_allclose(g.pred_instances.keypoint_scores,
                                   e.pred_instances.keypoint_scores, atol=1e-4)
        np.testing.assert_array_equal(g.pred_instances.bboxes, box[None])
        # keypoints lie in the crop (the padded box at the input's aspect), image pixels
        kpts = g.pred_instances.keypoints[0]
        centre, scale = g.metainfo['input_center'], g.metainfo['input_scale']
        margin = scale / np.array([24, 32])  # one heatmap pixel
        assert (kpts >= centre - scale / 2 - margin).all()
        assert (kpts <= centre + scale / 2 + margin).all()


def test_flip_test_changes_the_result(tiny_exported):
    """Guards the flip-test test above against a flip that does nothing."""
    from hrnet_ext.apis import inference_topdown
    from hrnet_ext.deploy import OnnxTopdownModel
    _, onnx_file = tiny_exported
    img = str(COCO / '000000196141.jpg')
    on = inference_topdown(OnnxTopdownModel(TINY_CONFIG, onnx_file), img)
    off = inference_topdown(OnnxTopdownModel(TINY_CONFIG, onnx_file, flip_test=False), img)
    assert not np.allclose(on[0].pred_instances.keypoint_scores,
                           off[0].pred_instances.keypoint_scores)


def test_export_tool_checks_parity_on_the_sample(tiny_checkpoint, tmp_path):
    out = tmp_path / 'tool.onnx'
    proc = subprocess.run(
        [sys.executable, str(REPO / 'tools' / 'deploy' / 'export_onnx.py'), TINY_CONFIG,
         tiny_checkpoint, '--out', str(out)],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
        env={**os.environ, 'OMP_NUM_THREADS': '1'})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert out.is_file()
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith('[export_onnx]')]
    assert len(lines) == 3, proc.stdout
    assert '12 crops (3, 128, 96) from 4 images' in lines[1] and lines[1].endswith('OK')
    assert 'keypoints of 12 people x 17 joints (flip test on)' in lines[2]
    assert lines[2].endswith('equal')


def test_export_tool_fails_on_a_tolerance_it_cannot_meet(tiny_checkpoint, tmp_path):
    export_onnx = load_script('tools/deploy/export_onnx.py')
    rc = export_onnx.main([TINY_CONFIG, tiny_checkpoint, '--out', str(tmp_path / 'a.onnx'),
                           '--atol', '0'])
    assert rc == 1


def test_session_options(tiny_exported):
    """All graph optimisations, sequential, worker threads that sleep instead of spinning."""
    import onnxruntime as ort

    from hrnet_ext.deploy import OrtSession
    _, onnx_file = tiny_exported
    session = OrtSession(onnx_file)
    opts = session.options
    assert opts.graph_optimization_level == ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    assert opts.execution_mode == ort.ExecutionMode.ORT_SEQUENTIAL
    assert opts.get_session_config_entry('session.intra_op.allow_spinning') == '0'
    assert opts.intra_op_num_threads == 0  # ONNX Runtime's default: one per physical core
    spin = OrtSession(onnx_file, threads=1, spinning=True).options
    assert spin.get_session_config_entry('session.intra_op.allow_spinning') == '1'
    assert spin.intra_op_num_threads == 1
