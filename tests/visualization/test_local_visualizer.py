"""hrnet_ext.PoseLocalVisualizer draws what MMPose's draws, also under numpy 2."""
import numpy as np
import pytest
import torch
from mmengine.structures import InstanceData
from mmpose.structures import PoseDataSample
from mmpose.visualization import PoseLocalVisualizer as MMPoseVisualizer

from hrnet_ext.visualization import PoseLocalVisualizer

META = dict(skeleton_links=[(0, 1), (1, 2)], keypoint_colors=np.array([[255, 0, 0]] * 3),
            skeleton_link_colors=np.array([[0, 255, 0]] * 2))
POINTS = [[[10.0, 12.0], [40.0, 30.0], [70.0, 20.0]]]


def _scalar_of_1d_array_fails() -> bool:
    """``int()`` of a 1-element array: deprecated since numpy 1.25, an error in 2.4.6 and
    2.5.5; MMPose's visualizer does it."""
    try:
        int(np.array([1.0]))
    except TypeError:
        return True
    return False


MMPOSE_FAILS = _scalar_of_1d_array_fails()


def draw(visualizer_cls, keypoints, name):
    vis = visualizer_cls(name=name, radius=3, line_width=2)
    vis.set_dataset_meta(META)
    sample = PoseDataSample(pred_instances=InstanceData(
        keypoints=keypoints, keypoint_scores=[[0.9, 0.8, 0.7]]))
    return vis.add_datasample('x', np.zeros((48, 96, 3), np.uint8), sample, draw_gt=False,
                              kpt_thr=0.3)


@pytest.mark.parametrize('as_type', ['list', 'ndarray', 'tensor'])
def test_draws_keypoints_and_links(as_type):
    keypoints = {'list': POINTS, 'ndarray': np.array(POINTS),
                 'tensor': torch.tensor(POINTS)}[as_type]
    drawn = draw(PoseLocalVisualizer, keypoints, f'ours_{as_type}')
    assert drawn.shape == (48, 96, 3)
    for x, y in POINTS[0]:  # a red disc of radius 3 on every keypoint
        assert tuple(drawn[int(y), int(x)]) == (255, 0, 0)
    assert (drawn[..., 1] == 255).sum() > 50  # the green links
    if not MMPOSE_FAILS:  # where MMPose's own class still works, the pictures are equal
        assert np.array_equal(drawn, draw(MMPoseVisualizer, np.array(POINTS), 'mmpose_same'))


@pytest.mark.skipif(not MMPOSE_FAILS, reason='MMPose 1.3.2 draws under this numpy')
def test_mmpose_own_visualizer_fails_under_this_numpy():
    """The failure the class above fixes; when MMPose fixes it, this test says so."""
    with pytest.raises(TypeError):
        draw(MMPoseVisualizer, np.array(POINTS), 'mmpose_fails')
