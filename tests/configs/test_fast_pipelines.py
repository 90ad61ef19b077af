"""Every config (present and future) uses the faster equal-output transforms, and never caches
decoded images in training.

``hrnet_ext.FastTopdownAffine``, ``FastGenerateTarget`` and ``FastPackPoseInputs`` give MMPose's
outputs bit for bit (tests/datasets/test_fast_transforms.py), so a config that still names
MMPose's ``TopdownAffine`` ... only loses speed: caught here. ``hrnet_ext.CachedLoadImage``
belongs to val / test pipelines (the boxes of an image follow one another); in a train loader
(shuffled) it would only hold memory, so it must not be there. Also: the name mapping of
``hrnet_ext.datasets.transform_names`` that code looking steps up by MMPose's name uses.
"""

import numpy as np
import pytest
from config_nodes import dicts_in
from helpers import ALL_CONFIGS, CONFIGS, TEST_DATA, TINY_CONFIG
from mmengine.config import Config

from hrnet_ext.datasets.transform_names import (
    FAST_TYPES,
    find_steps,
    mmpose_type,
    with_fast_types,
    with_mmpose_types,
)

CACHED = FAST_TYPES['LoadImage']
# MMPose's transforms that have a faster equal version, which configs must use instead
REPLACED = {k for k in FAST_TYPES if k != 'LoadImage'}


@pytest.fixture(scope='module')
def configs():
    return {name: Config.fromfile(str(CONFIGS / name)) for name in ALL_CONFIGS}


def types_in(node, path='cfg'):
    """``(path, type)`` of every dict with a ``type`` anywhere under ``node``."""
    return [(p, d['type']) for p, d in dicts_in(node, path) if 'type' in d]


def pipelines_in(loader):
    """Every ``pipeline`` list in a loader's data set, nested data sets included."""
    return [d['pipeline'] for _, d in dicts_in(loader.dataset)
            if isinstance(d.get('pipeline'), list)]


def test_configs_found():
    assert len(ALL_CONFIGS) >= 13  # 7 paper configs, 5 task configs, the sample


@pytest.mark.parametrize('name', ALL_CONFIGS)
def test_no_image_cache_in_training(configs, name):
    cfg = configs[name]
    cached = [path for path, t in types_in(cfg.train_dataloader, 'train_dataloader')
              if mmpose_type(t) == 'LoadImage' and t not in ('LoadImage', 'mmpose.LoadImage')]
    assert not cached, f'{name}: {CACHED} in the train loader at {cached}'
    loads = [step for p in pipelines_in(cfg.train_dataloader) for step in p
             if mmpose_type(step['type']) == 'LoadImage']
    assert [s['type'] for s in loads] == ['LoadImage']


@pytest.mark.parametrize('name', ALL_CONFIGS)
def test_fast_transforms_everywhere(configs, name):
    cfg = configs[name]
    # no MMPose transform that has a faster equal version, anywhere in the config
    slow = [(path, t) for path, t in types_in(cfg._cfg_dict.to_dict())
            if isinstance(t, str) and t.split('mmpose.')[-1] in REPLACED]
    assert not slow, f'{name} names MMPose transforms with a fast version (FAST_TYPES): {slow}'
    # and the complete top-down steps: train crops, encodes and packs; val / test load cached
    [train] = [p for p in pipelines_in(cfg.train_dataloader) if find_steps(p, 'LoadImage')]
    types = [s['type'] for s in train]
    assert types[0] == 'LoadImage'
    assert types[-3:] == [FAST_TYPES[k] for k in ('TopdownAffine', 'GenerateTarget',
                                                  'PackPoseInputs')], types
    for phase in ('val', 'test'):
        [pipeline] = pipelines_in(cfg[f'{phase}_dataloader'])
        types = [s['type'] for s in pipeline]
        assert types[0] == CACHED and types[-2:] == [FAST_TYPES['TopdownAffine'],
                                                     FAST_TYPES['PackPoseInputs']], types
        assert not find_steps(pipeline, 'GenerateTarget')


def test_fast_pipelines_build_under_mmpose_scope(configs):
    """Our names resolve from MMPose's default scope to our classes, which are MMPose's
    transforms (subclasses), so MMPose's tools and inferencers take them."""
    from mmcv.transforms import Compose
    from mmengine.registry import init_default_scope
    from mmpose.datasets import transforms as mm
    cfg = configs['hrnet_w32_coco_256x192.py']
    init_default_scope(cfg.default_scope)
    for phase in ('train', 'test'):
        built = Compose(cfg[f'{phase}_dataloader'].dataset.pipeline).transforms
        for step, t in zip(cfg[f'{phase}_dataloader'].dataset.pipeline, built):
            assert type(t).__name__ == step['type'].split('.')[-1]
            assert isinstance(t, getattr(mm, mmpose_type(step['type']), object))


def test_name_mapping():
    mmpose = [dict(type='LoadImage'), dict(type='GetBBoxCenterScale', padding=1.25),
              dict(type='hrnet_ext.ClippedNormalBBoxTransform', scale_factor=0.35),
              dict(type='mmpose.TopdownAffine', input_size=(192, 256)),
              dict(type='GenerateTarget', encoder=dict(type='MSRAHeatmap')),
              dict(type='PackPoseInputs')]
    train = with_fast_types(mmpose)
    assert [s['type'] for s in train] == [
        'LoadImage', 'GetBBoxCenterScale', 'hrnet_ext.ClippedNormalBBoxTransform',
        'hrnet_ext.FastTopdownAffine', 'hrnet_ext.FastGenerateTarget',
        'hrnet_ext.FastPackPoseInputs']
    test = with_fast_types(mmpose, cached_load=True)
    assert test[0]['type'] == 'hrnet_ext.CachedLoadImage'
    assert [s['type'] for s in with_mmpose_types(test)] == [
        'LoadImage', 'GetBBoxCenterScale', 'hrnet_ext.ClippedNormalBBoxTransform',
        'TopdownAffine', 'GenerateTarget', 'PackPoseInputs']
    assert with_fast_types(test) == test and with_mmpose_types(mmpose) == mmpose
    assert all(a.keys() == b.keys() for a, b in zip(mmpose, test))  # arguments kept
    assert mmpose[3]['type'] == 'mmpose.TopdownAffine'  # the input is not changed
    for steps in (mmpose, train, test):
        assert find_steps(steps, 'TopdownAffine')[0]['input_size'] == (192, 256)
    # classes, unprefixed names and other steps
    from mmpose.datasets.transforms import TopdownAffine

    from hrnet_ext.datasets import CachedLoadImage, ClippedNormalBBoxTransform
    assert mmpose_type(CachedLoadImage) == 'LoadImage' and mmpose_type(TopdownAffine) == (
        'TopdownAffine')
    assert mmpose_type('FastPackPoseInputs') == 'PackPoseInputs'
    assert mmpose_type(ClippedNormalBBoxTransform) == 'ClippedNormalBBoxTransform'
    assert mmpose_type('other.FastTopdownAffine') == 'other.FastTopdownAffine'
    assert with_mmpose_types([dict(type=CachedLoadImage)]) == [dict(type='LoadImage')]
    assert with_fast_types([dict(type=TopdownAffine)]) == [dict(type=TopdownAffine)]


def test_onnx_input_size_from_either_name(configs):
    from hrnet_ext.deploy.onnx_export import input_size_of
    for name, size in (('hrnet_w32_coco_256x192.py', (192, 256)),
                       ('hrnet_w32_coco_384x288.py', (288, 384)),
                       ('face/hrnetv2_w18_cofw_256x256.py', (256, 256))):
        cfg = configs[name]
        assert input_size_of(cfg) == size
        mm = Config(dict(test_dataloader=dict(dataset=dict(
            pipeline=with_mmpose_types(cfg.test_dataloader.dataset.pipeline)))))
        assert mm.test_dataloader.dataset.pipeline[2].type == 'TopdownAffine'
        assert input_size_of(mm) == size
    with pytest.raises(ValueError, match='no TopdownAffine'):
        input_size_of(Config(dict(test_dataloader=dict(dataset=dict(pipeline=[
            dict(type='hrnet_ext.CachedLoadImage')])))))


# --------------------------------------------------------------------------- inference

COCO = TEST_DATA / 'coco'


def keypoints(result):
    return np.array([p['keypoints'] for p in result['predictions'][0]])


def test_mmpose_apis_with_paths_and_arrays(tiny_checkpoint, tmp_path):
    """MMPose's own inferencer (whole image) and ``inference_topdown`` on our config's
    CachedLoadImage + fast test pipeline: the keypoints of the config with MMPose's
    transforms, for an image path and for the image as an array (no path)."""
    import cv2
    from mmpose.apis import MMPoseInferencer, inference_topdown, init_model
    cfg = Config.fromfile(TINY_CONFIG)
    cfg.test_dataloader.dataset.pipeline = with_mmpose_types(cfg.test_dataloader.dataset.pipeline)
    mm_config = tmp_path / 'mmpose_transforms.py'
    cfg.dump(str(mm_config))
    image = str(COCO / '000000196141.jpg')
    boxes = np.array([[240, 100, 400, 400], [10, 20, 200, 380], [240, 100, 400, 400]],
                     np.float32)
    found = []
    for config in (TINY_CONFIG, mm_config):
        inferencer = MMPoseInferencer(pose2d=str(config), pose2d_weights=tiny_checkpoint,
                                      det_model='whole_image', device='cpu')
        model = init_model(str(config), tiny_checkpoint, device='cpu')
        out = [keypoints(next(inferencer(x))) for x in (image, cv2.imread(image))]
        out += [np.stack([s.pred_instances.keypoints for s in inference_topdown(model, x, boxes)])
                for x in (image, cv2.imread(image))]
        found.append(out)
    for ours, theirs in zip(*found):
        np.testing.assert_array_equal(ours, theirs)
    assert found[0][2].shape == (3, 1, 17, 2)
    np.testing.assert_array_equal(found[0][2][0], found[0][2][2])  # a box again: same image


def test_inference_topdown_reads_a_rewritten_file_again(tiny_checkpoint, tmp_path):
    """``inference_topdown`` builds the test pipeline per call: no image cached across calls."""
    import shutil

    from mmpose.apis import inference_topdown, init_model
    model = init_model(TINY_CONFIG, tiny_checkpoint, device='cpu')
    frame, box = tmp_path / 'frame.jpg', np.array([[10, 20, 300, 400]], np.float32)
    for src in ('000000196141.jpg', '000000000785.jpg'):
        shutil.copyfile(COCO / src, frame)
        got = inference_topdown(model, str(frame), box)[0].pred_instances.keypoints
        np.testing.assert_array_equal(
            got, inference_topdown(model, str(COCO / src), box)[0].pred_instances.keypoints)


def test_inferencer_reads_a_rewritten_file_again(tiny_checkpoint, tmp_path):
    """An inferencer keeps its pipeline (and CachedLoadImage's cache) between calls: a file
    rewritten under the same name must be decoded again (the cache key has mtime and size)."""
    import shutil

    from hrnet_ext.apis import MMPoseInferencer
    inferencer = MMPoseInferencer(pose2d=TINY_CONFIG, pose2d_weights=tiny_checkpoint,
                                  det_model='whole_image', device='cpu')
    frame, boxes = tmp_path / 'frame.jpg', [np.array([[10, 20, 300, 400]], np.float32)]
    for src in ('000000196141.jpg', '000000000785.jpg'):
        shutil.copyfile(COCO / src, frame)
        got = keypoints(next(inferencer(str(frame), bboxes=boxes)))
        np.testing.assert_array_equal(
            got, keypoints(next(inferencer(str(COCO / src), bboxes=boxes))))
