"""MMPose's inferencer on our configs: caller boxes, whole image, an MMDetection detector."""
import mmcv
import numpy as np
import pytest
from helpers import CONFIGS, TEST_DATA, TINY_CONFIG

IMAGE = str(TEST_DATA / 'coco' / '000000196141.jpg')  # 640 x 427

H, W = mmcv.imread(IMAGE).shape[:2]


@pytest.fixture(autouse=True)
def one_thread():
    import torch
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def boxes_of(result) -> np.ndarray:
    return np.array([p['bbox'][0] for p in result['predictions'][0]], dtype=np.float32)


@pytest.mark.parametrize('config', ['sample/hrnet_tiny_coco-sample_128x96.py',
                                    'hrnet_w32_coco_256x192.py', 'hrnet_w32_mpii_256x256.py'])
def test_detector_category_is_person(config):
    """MMPose derives it from the module of the data set class: ours are MMPose's."""
    from hrnet_ext.apis import default_det_cat_ids, object_type_of
    config = str(CONFIGS / config)
    assert object_type_of(config) == 'body'
    assert default_det_cat_ids(config) == (0, )


def test_mmpose_default_detector_choice_on_our_config(tiny_checkpoint, monkeypatch):
    """MMPose's own class, no det_model: its person detector and category 0 are chosen."""
    from mmpose.apis.inferencers import Pose2DInferencer, base_mmpose_inferencer
    calls = []
    monkeypatch.setattr(base_mmpose_inferencer, 'DetInferencer',
                        lambda **kwargs: calls.append(kwargs) or 'detector')  # no download
    inferencer = Pose2DInferencer(TINY_CONFIG, tiny_checkpoint, device='cpu')
    assert inferencer.det_cat_ids == (0, )
    assert calls[0]['model'].endswith('rtmdet_m_640-8xb32_coco-person.py')


def test_caller_boxes(tiny_checkpoint):
    from mmpose.apis import MMPoseInferencer as MMPoseOwn

    from hrnet_ext.apis import MMPoseInferencer, inference_topdown, init_model
    boxes = np.array([[240, 100, 400, 400, 0.9], [10, 20, 200, 380, 0.8]], np.float32)
    inferencer = MMPoseInferencer(pose2d=TINY_CONFIG, pose2d_weights=tiny_checkpoint,
                                  det_model='whole_image', device='cpu')
    result = next(inferencer(IMAGE, bboxes=[boxes]))
    np.testing.assert_array_equal(boxes_of(result), boxes[:, :4])
    assert [p['bbox_score'] for p in result['predictions'][0]] == pytest.approx([0.9, 0.8])
    # the same keypoints as the functional API on the same boxes
    model = init_model(TINY_CONFIG, tiny_checkpoint, device='cpu')
    expected = inference_topdown(model, IMAGE, bboxes=boxes[:, :4])
    for pred, exp in zip(result['predictions'][0], expected):
        np.testing.assert_allclose(pred['keypoints'], exp.pred_instances.keypoints[0],
                                   atol=1e-4)
    # MMPose 1.3.2's own inferencer drops them (pose on the whole image): when this
    # fails, MMPose honours caller boxes and our Pose2DInferencer can go
    own = MMPoseOwn(pose2d=TINY_CONFIG, pose2d_weights=tiny_checkpoint,
                    det_model='whole_image', device='cpu')
    np.testing.assert_array_equal(boxes_of(next(own(IMAGE, bboxes=[boxes]))), [[0, 0, W, H]])


def test_whole_image(tiny_checkpoint, tmp_path):
    from hrnet_ext.apis import MMPoseInferencer
    inferencer = MMPoseInferencer(pose2d=TINY_CONFIG, pose2d_weights=tiny_checkpoint,
                                  det_model='whole_image', device='cpu')
    assert inferencer.inferencer.detector is None
    result = next(inferencer(IMAGE, vis_out_dir=str(tmp_path / 'vis'),
                             pred_out_dir=str(tmp_path / 'pred')))
    np.testing.assert_array_equal(boxes_of(result), [[0, 0, W, H]])
    person = result['predictions'][0][0]
    assert np.array(person['keypoints']).shape == (17, 2)
    assert len(person['keypoint_scores']) == 17
    assert (tmp_path / 'vis' / '000000196141.jpg').is_file()
    assert (tmp_path / 'pred' / '000000196141.json').is_file()


def test_mmdet_detector(tiny_checkpoint, person_detector):
    """An RTMDet config from mmdet's package and a local weights file; the pose runs on
    exactly the person boxes it finds (score > bbox_thr, after MMPose's NMS)."""
    from mmpose.evaluation.functional import nms

    from hrnet_ext.apis import MMPoseInferencer
    det_config, det_weights = person_detector
    inferencer = MMPoseInferencer(pose2d=TINY_CONFIG, pose2d_weights=tiny_checkpoint,
                                  det_model=det_config, det_weights=det_weights, device='cpu')
    pose = inferencer.inferencer
    assert pose.det_cat_ids == (0, )  # chosen from our config's data set, not passed
    assert type(pose.detector).__name__ == 'DetInferencer'

    det = pose.detector(IMAGE, return_datasamples=True)['predictions'][0].pred_instances
    det = det.cpu().numpy()
    assert set(det.labels[det.scores > 0.3].tolist()) == {0}
    boxes = np.concatenate([det.bboxes, det.scores[:, None]], axis=1)
    boxes = boxes[(det.labels == 0) & (det.scores > 0.3)]
    boxes = boxes[nms(boxes, 0.3)]
    assert 1 <= len(boxes) < 30

    result = next(inferencer(IMAGE, bbox_thr=0.3, nms_thr=0.3))
    got = boxes_of(result)
    assert len(got) == len(boxes)
    np.testing.assert_allclose(got, boxes[:, :4], atol=1e-3)
    assert not np.allclose(got[0], [0, 0, W, H])
    for person in result['predictions'][0]:
        assert np.array(person['keypoints']).shape == (17, 2)


@pytest.mark.skipif(not __import__('torch').cuda.is_available(), reason='no GPU')
def test_caller_boxes_on_gpu(tiny_checkpoint, person_detector):
    from hrnet_ext.apis import MMPoseInferencer
    det_config, det_weights = person_detector
    inferencer = MMPoseInferencer(pose2d=TINY_CONFIG, pose2d_weights=tiny_checkpoint,
                                  det_model=det_config, det_weights=det_weights, device='cuda')
    assert next(inferencer.inferencer.model.parameters()).is_cuda
    result = next(inferencer(IMAGE, bboxes=[[[240, 100, 400, 400]]]))
    np.testing.assert_array_equal(boxes_of(result), [[240, 100, 400, 400]])
    assert len(boxes_of(next(inferencer(IMAGE)))) >= 1
