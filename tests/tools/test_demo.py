"""tools/demo.py: an image, a folder and a video in; pictures, a video and JSON out."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from helpers import REPO, TEST_DATA, TINY_CONFIG, load_script

TOOL = REPO / 'tools' / 'demo.py'
COCO = TEST_DATA / 'coco'
VIDEO = TEST_DATA / 'demo' / 'demo.mp4'  # 5 frames, 960 x 540


def demo(*args):
    tool = load_script('tools/demo.py')
    import torch
    torch.set_num_threads(1)
    return tool.main([str(a) for a in args])


def check_people(people, n):
    assert len(people) == n
    for person in people:
        assert np.array(person['keypoints']).shape == (17, 2)
        assert len(person['keypoint_scores']) == 17 and len(person['bbox']) == 4


def test_video_in_video_and_json_out_with_progress(tiny_checkpoint, tmp_path):
    """The command line as a user runs it."""
    import mmcv
    proc = subprocess.run(
        [sys.executable, str(TOOL), str(VIDEO), TINY_CONFIG, tiny_checkpoint, '--out-dir',
         str(tmp_path), '--device', 'cpu'], capture_output=True, text=True, timeout=120,
        env={**os.environ, 'OMP_NUM_THREADS': '1'})
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert '5/5' in proc.stdout  # the progress bar
    assert '[demo] 5 frames' in proc.stdout
    out = mmcv.VideoReader(str(tmp_path / 'demo.mp4'))
    assert (len(out), out.width, out.height) == (5, 960, 540)
    result = json.loads((tmp_path / 'demo.json').read_text())
    assert [f['frame'] for f in result['frames']] == list(range(5))
    for frame in result['frames']:
        check_people(frame['people'], 1)
        assert frame['people'][0]['bbox'] == [0, 0, 960, 540]  # the whole frame


def test_folder_with_boxes_onnx_equals_pytorch(tiny_checkpoint, tmp_path, capsys):
    pytest.importorskip('onnxruntime')
    import mmcv

    from hrnet_ext.apis import inference_topdown, init_model
    from hrnet_ext.deploy import export_onnx
    model = init_model(TINY_CONFIG, tiny_checkpoint, device='cpu')
    onnx_file = export_onnx(model, str(tmp_path / 'tiny.onnx'))
    boxes = [[100, 50, 400, 420], [300, 60, 500, 400]]
    assert demo(COCO, TINY_CONFIG, '--onnx', onnx_file, '--out-dir', tmp_path / 'out',
                '--bboxes', *boxes[0], *boxes[1]) == 0
    assert '4/4' in capsys.readouterr().out
    images = sorted(COCO.glob('*.jpg'))
    assert sorted(p.name for p in (tmp_path / 'out').iterdir()) == sorted(
        [p.name for p in images] + [p.stem + '.json' for p in images])
    for image in images:
        drawn = mmcv.imread(str(tmp_path / 'out' / image.name))
        assert drawn.shape == mmcv.imread(str(image)).shape
        people = json.loads((tmp_path / 'out' / (image.stem + '.json')).read_text())['people']
        check_people(people, 2)
        expected = inference_topdown(model, str(image), bboxes=np.array(boxes, np.float32))
        for person, exp, box in zip(people, expected, boxes):
            assert person['bbox'] == box
            np.testing.assert_allclose(person['keypoints'], exp.pred_instances.keypoints[0],
                                       atol=0.01)  # the JSON rounds to 0.01 px


def test_image_with_an_mmdet_detector(tiny_checkpoint, tmp_path, capsys):
    """RTMDet-tiny from mmdet's package, random weights with a head that reports people:
    the demo keeps the person boxes above the threshold and draws them."""
    import mmdet
    import torch
    from mmdet.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    det_config = str(Path(mmdet.__file__).parent / '.mim' / 'configs' / 'rtmdet'
                     / 'rtmdet_tiny_8xb32-300e_coco.py')
    cfg = Config.fromfile(det_config)
    cfg.model.backbone.init_cfg = None
    with DefaultScope.overwrite_default_scope('mmdet'):
        torch.manual_seed(0)
        detector = MODELS.build(cfg.model)
        detector.init_weights()
    with torch.no_grad():
        detector.bbox_head.rtm_cls[2].bias[0] = 4.0  # "person" on the stride-32 level
        detector.bbox_head.rtm_reg[2].weight.zero_()
        detector.bbox_head.rtm_reg[2].bias.fill_(4.0)
    det_weights = tmp_path / 'det.pth'
    torch.save(dict(state_dict=detector.state_dict(), meta={}), det_weights)

    image = COCO / '000000196141.jpg'
    assert demo(image, TINY_CONFIG, tiny_checkpoint, '--det-model', det_config,
                '--det-weights', det_weights, '--out-dir', tmp_path / 'out') == 0
    people = json.loads((tmp_path / 'out' / '000000196141.json').read_text())['people']
    assert 1 <= len(people) < 30
    check_people(people, len(people))
    assert all(p['bbox_score'] > 0.3 for p in people)
    assert all(p['bbox'] != [0, 0, 640, 427] for p in people)
    # a threshold above every score: nobody, and the picture is the image unchanged
    assert demo(image, TINY_CONFIG, tiny_checkpoint, '--det-model', det_config,
                '--det-weights', det_weights, '--bbox-thr', '0.999',
                '--out-dir', tmp_path / 'none') == 0
    assert json.loads((tmp_path / 'none' / '000000196141.json').read_text())['people'] == []
    # and it says so, with the best score the detector gave and the flag to change
    out = capsys.readouterr().out
    best = re.search(r'\[demo\] nothing drawn: no person box scored above --bbox-thr 0.999 '
                     r'\(the highest was (0\.\d{3})\); lower --bbox-thr', out)
    assert best and 0.3 < float(best.group(1)) <= 0.999, out


def test_arguments_are_checked(tmp_path, capsys):
    with pytest.raises(SystemExit):
        demo(COCO, TINY_CONFIG)  # neither a checkpoint nor --onnx
    with pytest.raises(SystemExit):
        demo(COCO, TINY_CONFIG, 'a.pth', '--bboxes', '1', '2', '3')
    from hrnet_ext.engine.cli import ToolError
    with pytest.raises(ToolError, match='no such file'):
        demo(tmp_path / 'missing.jpg', TINY_CONFIG, 'a.pth')
    with pytest.raises(ToolError, match='no images'):
        demo(tmp_path, TINY_CONFIG, 'a.pth')


@pytest.mark.parametrize('args, message', [
    (['a.pth', '--backend', 'onnxruntime', '--precision', 'bf16'],
     'onnxruntime does not run bf16 here (pytorch: fp32/bf16, onnxruntime: fp32/int8, '
     'openvino: fp32/bf16/int8)'),
    (['a.pth', '--precision', 'int8'], 'pytorch does not run int8 here'),
    (['--backend', 'openvino'], '--backend openvino runs --model FILE, or exports a CHECKPOINT'),
    (['a.pth', '--model', 'm.onnx'], '--backend pytorch runs a CHECKPOINT (not --model)'),
    (['--onnx', 'm.onnx', '--backend', 'openvino'], '--onnx is --backend onnxruntime --model'),
])
def test_backend_and_precision_are_checked(args, message, capsys):
    with pytest.raises(SystemExit):
        demo(COCO, TINY_CONFIG, *args)
    assert message in capsys.readouterr().err
