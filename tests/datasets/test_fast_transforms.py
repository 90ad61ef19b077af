"""The fast transforms give MMPose's outputs exactly (hrnet_ext/datasets/fast_transforms.py).

Every test runs MMPose's transform and ours on the same input (the bundled COCO and MPII
samples, random augmentations drawn from the same seed) and compares every key of the
results with ``np.array_equal`` / ``torch.equal`` plus dtype and shape: no tolerance.
Counters check that the cases that matter were met (flipped views, half bodies, rotations,
boxes partly outside the image, keypoints outside the heatmap), so a test cannot pass by
missing them, and :func:`test_comparison_sees_one_changed_value` shows that the comparison
fails on a single changed value.
"""
import copy
import os
from collections import Counter
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from mmcv.transforms import Compose
from mmengine.registry import init_default_scope
from mmengine.structures import BaseDataElement
from mmpose.codecs import MSRAHeatmap, UDPHeatmap
from mmpose.datasets.transforms import (
    GenerateTarget,
    GetBBoxCenterScale,
    LoadImage,
    PackPoseInputs,
    RandomBBoxTransform,
    RandomFlip,
    RandomHalfBody,
    TopdownAffine,
)

from hrnet_ext.codecs import FastHeatmapEncoder, fast_encoder
from hrnet_ext.datasets import (
    CachedLoadImage,
    ClippedNormalBBoxTransform,
    FastGenerateTarget,
    FastPackPoseInputs,
    FastTopdownAffine,
)
from hrnet_ext.datasets import fast_transforms as ft
from hrnet_ext.datasets.transform_names import with_mmpose_types

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / 'tests' / 'data'

CODECS = {
    'msra': dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2),
    'msra-384': dict(type='MSRAHeatmap', input_size=(288, 384), heatmap_size=(72, 96), sigma=3),
    'unbiased': dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2,
                     unbiased=True),
    'udp': dict(type='UDPHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2),
}


# --------------------------------------------------------------------------- comparison

def assert_same(a, b, where='results'):
    """Equal values, types, dtypes and shapes, recursively; no tolerance."""
    if isinstance(a, BaseDataElement):
        assert type(a) is type(b), where
        assert_same(a.to_dict(), b.to_dict(), where)
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), (where, set(a) ^ set(b))
        for k in a:
            assert_same(a[k], b[k], f'{where}[{k!r}]')
    elif isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray), where
        assert a.dtype == b.dtype and a.shape == b.shape, (where, a.dtype, b.dtype, a.shape,
                                                           b.shape)
        assert np.array_equal(a, b, equal_nan=a.dtype.kind == 'f'), where
    elif isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor), where
        assert a.dtype == b.dtype and a.shape == b.shape, where
        assert b.is_contiguous() == a.is_contiguous(), where
        assert torch.equal(a, b) or (a.is_floating_point() and torch.equal(a.isnan(), b.isnan())
                                     and torch.equal(a.nan_to_num(), b.nan_to_num())), where
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f'{where}[{i}]')
    elif isinstance(a, float) and np.isnan(a):
        assert isinstance(b, float) and np.isnan(b), where
    else:
        assert type(a) is type(b) and a == b, (where, a, b)


def test_comparison_sees_one_changed_value():
    img = np.zeros((4, 5, 3), np.uint8)
    a = dict(img=img, heatmaps=np.zeros((2, 3, 3), np.float32), flip=True, size=(3, 4))
    assert_same(a, copy.deepcopy(a))
    for key, change in [('img', lambda v: v.__setitem__((3, 4, 2), 1)),
                        ('heatmaps', lambda v: v.__setitem__((1, 2, 2), 1e-30))]:
        b = copy.deepcopy(a)
        change(b[key])
        with pytest.raises(AssertionError):
            assert_same(a, b)
    for b in (dict(a, heatmaps=a['heatmaps'].astype(np.float64)), dict(a, flip=1),
              dict(a, size=[3, 4]), dict(a, extra=None)):
        with pytest.raises(AssertionError):
            assert_same(a, b)
    t = torch.arange(6).reshape(2, 3)
    with pytest.raises(AssertionError):
        assert_same(t, t.t().contiguous().t())  # same values, not contiguous


# --------------------------------------------------------------------------- samples

@pytest.fixture(scope='module')
def samples():
    """Data infos of the 12 COCO and 5 MPII people, each with its image decoded once."""
    from mmpose.datasets import CocoDataset, MpiiDataset
    init_default_scope('mmpose')
    coco = CocoDataset(data_root=str(DATA / 'coco'), ann_file='test_coco.json',
                       data_mode='topdown', data_prefix=dict(img=''), pipeline=[])
    mpii = MpiiDataset(data_root=str(DATA / 'mpii'), ann_file='test_mpii.json',
                       data_mode='topdown', data_prefix=dict(img=''), pipeline=[])
    infos = [ds.get_data_info(i) for ds in (coco, mpii) for i in range(len(ds))]
    images = {}
    for info in infos:
        path = info['img_path']
        if path not in images:
            images[path] = cv2.imread(path)
        info['img'] = images[path]
    assert len(infos) == 17 and len(images) == 9
    return infos


def fresh(info):
    out = copy.deepcopy(info)
    out['img'] = info['img'].copy()
    return out


def run(transforms, results):
    for t in transforms:
        results = t(results)
    return results


class CountingHalfBody(RandomHalfBody):
    """MMPose's RandomHalfBody, counting the samples whose box it replaced."""

    applied = 0

    def transform(self, results):
        centre = results['bbox_center'].copy()
        results = super().transform(results)
        self.applied += not np.array_equal(centre, results['bbox_center'])
        return results


def augmentation(kind):
    """The random part of a top-down train pipeline: MMPose's, or the paper's boxes."""
    steps = [RandomFlip(direction='horizontal', prob=0.5),
             CountingHalfBody(min_total_keypoints=8, min_upper_keypoints=2,
                              min_lower_keypoints=2, padding=1.5, prob=0.5,
                              upper_prioritized_prob=0.7)]
    if kind == 'mmpose':  # shifts and scales up to 1.8x: boxes partly outside the image
        steps.append(RandomBBoxTransform(shift_prob=0.5, shift_factor=0.3, scale_factor=(0.5, 1.8),
                                         rotate_factor=80., rotate_prob=0.6))
    else:
        steps.append(ClippedNormalBBoxTransform(scale_factor=0.35, rotate_factor=45.))
    return steps


def outside(results):
    """Whether the crop reaches outside the image: its corners mapped back to the image."""
    from mmpose.structures.bbox import get_warp_matrix
    h, w = results['img_shape']
    out_w, out_h = results['input_size']
    rot = results.get('bbox_rotation', np.zeros(1))[0]
    inv = get_warp_matrix(results['input_center'], results['input_scale'], rot,
                          output_size=(out_w, out_h), inv=True)
    corners = np.array([[0, 0, 1], [out_w, 0, 1], [0, out_h, 1], [out_w, out_h, 1]]) @ inv.T
    return bool((corners < 0).any() or (corners[:, 0] > w).any() or (corners[:, 1] > h).any())


# --------------------------------------------------------------------------- train pipelines

@pytest.mark.parametrize('codec_name, boxes', [('msra', 'mmpose'), ('msra', 'paper'),
                                               ('msra-384', 'paper'), ('unbiased', 'mmpose'),
                                               ('udp', 'mmpose')])
def test_train_pipeline_equals_mmpose(samples, codec_name, boxes):
    """Random flip, half body, scale, shift, rotation: every key after the target, and the
    packed sample, equal MMPose's for every sample and every draw."""
    codec = CODECS[codec_name]
    udp = codec['type'] == 'UDPHeatmap'
    head = [LoadImage(), GetBBoxCenterScale(padding=1.25)] + augmentation(boxes)
    theirs = head + [TopdownAffine(input_size=codec['input_size'], use_udp=udp),
                     GenerateTarget(encoder=codec)]
    ours = head + [FastTopdownAffine(input_size=codec['input_size'], use_udp=udp),
                   FastGenerateTarget(encoder=codec)]
    assert isinstance(ours[-1].encoder, FastHeatmapEncoder)
    pack = PackPoseInputs(pack_transformed=True)
    fast_pack = FastPackPoseInputs(pack_transformed=True)
    seen = Counter()
    rounds = 6
    for r in range(rounds):
        for i, info in enumerate(samples):
            np.random.seed(1000 * r + i)
            a = run(theirs, fresh(info))
            np.random.seed(1000 * r + i)
            b = run(ours, fresh(info))
            assert_same(a, b, f'round {r} sample {i}')
            assert_same(pack(dict(a)), fast_pack(dict(b)), f'packed, round {r} sample {i}')
            seen['flip'] += a['flip']
            seen['rotated'] += bool(a.get('bbox_rotation', [0])[0] != 0)
            seen['outside'] += outside(a)
            seen['keypoint off the heatmap'] += bool(
                ((a['keypoint_weights'] == 0) & (a['keypoints_visible'] > 0.5)).any())
    n = rounds * len(samples)
    assert all(seen[k] >= 0.1 * n for k in ('flip', 'rotated', 'outside')), seen
    assert head[3].applied >= 2 * 5, head[3].applied  # both pipelines count
    assert seen['keypoint off the heatmap'] >= 5, seen


def test_test_pipeline_equals_mmpose(samples):
    """Ground-truth boxes, no augmentation: crops and packed samples equal."""
    for udp in (False, True):
        head = [LoadImage(), GetBBoxCenterScale(padding=1.25)]
        theirs = head + [TopdownAffine(input_size=(192, 256), use_udp=udp), PackPoseInputs()]
        ours = head + [FastTopdownAffine(input_size=(192, 256), use_udp=udp),
                       FastPackPoseInputs()]
        for info in samples:
            assert_same(run(theirs, fresh(info)), run(ours, fresh(info)))


# --------------------------------------------------------------------------- the affine crop

@pytest.mark.parametrize('dtype', [np.uint8, np.float32, np.uint16])
@pytest.mark.parametrize('channels', [None, 1, 3, 4])
def test_flipped_views_are_unflipped_exactly(samples, dtype, channels):
    img = samples[0]['img'][::3, ::2]
    img = img[..., 0] if channels is None else np.ascontiguousarray(
        np.concatenate([img, img[..., :1]], axis=2)[..., :channels])
    img = img.astype(dtype) * (257 if dtype == np.uint16 else 1)
    for view in (np.flip(img, 0), np.flip(img, 1), np.flip(img, (0, 1)),
                 img[10:-20, 30:-5][::-1, ::-1], img[:, :40][:, ::-1]):
        assert not view.flags.c_contiguous
        out = ft.unflip_view(view)
        assert out.flags.c_contiguous and out.dtype == view.dtype
        assert_same(np.ascontiguousarray(view), out)
    # not flipped, or flipped along channels only: left to OpenCV as they are
    for view in (img, img[5:50, 3:70]) + ((img[..., ::-1],) if img.ndim == 3 else ()):
        assert ft.unflip_view(view) is view


def test_affine_crop_equals_mmpose_on_views_and_lists(samples):
    """Flipped, cropped and strided views, a list of images, UDP, tiny and huge boxes."""
    rng = np.random.default_rng(0)
    base = samples[3]['img']
    h, w = base.shape[:2]
    views = [base, np.flip(base, 1), np.flip(base, 0), np.flip(base, (0, 1)),
             base[20:300, 50:600][::-1], base[::2, ::3], base.astype(np.float32)[:, ::-1]]
    for trial in range(60):
        img = views[trial % len(views)]
        ih, iw = img.shape[:2]
        res = dict(img=img, img_shape=(ih, iw),
                   bbox_center=rng.uniform([-0.2 * iw, -0.2 * ih], [1.2 * iw, 1.2 * ih],
                                           (1, 2)).astype(np.float32),
                   bbox_scale=(rng.uniform(2, 1.5 * max(h, w), (1, 2))).astype(np.float32),
                   bbox_rotation=rng.uniform(-180, 180, 1).astype(np.float32) * (trial % 3 > 0),
                   keypoints=rng.uniform(-50, max(h, w), (1, 17, 2)).astype(np.float32),
                   keypoints_visible=np.ones((1, 17), np.float32))
        if trial % 4 == 0:
            res['img'] = [img, np.flip(base, 1)[:ih, :iw].astype(img.dtype)]
        for use_udp in (False, True):
            size = [(192, 256), (288, 384), (64, 64)][trial % 3]
            a = TopdownAffine(size, use_udp=use_udp)(copy.deepcopy(res))
            b = FastTopdownAffine(size, use_udp=use_udp)(copy.deepcopy(res))
            assert_same(a, b, f'trial {trial} udp {use_udp}')
    # no keypoints: MMPose's placeholders
    res = dict(img=np.flip(base, 1), bbox_center=np.array([[100., 100.]], np.float32),
               bbox_scale=np.array([[120., 80.]], np.float32))
    assert_same(TopdownAffine((48, 64))(dict(res)), FastTopdownAffine((48, 64))(dict(res)))


# --------------------------------------------------------------------------- targets

@pytest.mark.parametrize('name', ['msra', 'msra-384', 'unbiased', 'udp', 'udp-sigma-2.5',
                                  'msra-sigma-1.5'])
def test_heatmap_encoders_equal_mmpose(name):
    """Random keypoints in and around the input, every visibility case, 2000 draws."""
    cfg = dict(CODECS.get(name.split('-sigma')[0]) or CODECS['msra'])
    if '-sigma-' in name:
        cfg['sigma'] = float(name.split('-sigma-')[1])
    cfg.pop('type')
    codec = (UDPHeatmap if name.startswith('udp') else MSRAHeatmap)(**cfg)
    fast = fast_encoder(codec)
    assert isinstance(fast, FastHeatmapEncoder)
    rng = np.random.default_rng(1)
    w, h = codec.input_size
    zeroed = partial = 0
    for trial in range(2000 if name in ('msra', 'udp') else 500):
        kpts = rng.uniform(-0.25, 1.25, (1, 17, 2)) * [w, h]
        if trial % 7 == 0:
            kpts = np.round(kpts)  # on the pixel grid: the rounding ties
        kpts = kpts.astype(np.float32)
        vis = rng.choice(np.array([0., 1., 0.49, 0.5, 2.], np.float32), (1, 17))
        if trial % 11 == 0:
            vis = None
        a, b = codec.encode(kpts, vis), fast.encode(kpts, vis)
        assert_same(a, b, f'trial {trial}')
        zeroed += int((a['keypoint_weights'] == 0).sum())
        partial += int(((kpts < 0) | (kpts >= [w, h])).any(-1).sum())
    assert zeroed > 100 and partial > 100


def test_other_codecs_are_mmposes_own():
    udp_combined = dict(type='UDPHeatmap', input_size=(192, 256), heatmap_size=(48, 64),
                        heatmap_type='combined')
    regression = dict(type='RegressionLabel', input_size=(192, 256))
    init_default_scope('mmpose')
    t = FastGenerateTarget(encoder=[udp_combined, regression, CODECS['msra']])
    assert [type(e).__name__ for e in t.encoder] == ['UDPHeatmap', 'RegressionLabel',
                                                    'FastHeatmapEncoder']
    # a list of encoders (combined targets) packs like MMPose's
    kpts = np.random.default_rng(0).uniform(0, 190, (1, 17, 2)).astype(np.float32)
    res = dict(keypoints=kpts, keypoints_visible=np.ones((1, 17, 2), np.float32))
    two = [CODECS['udp'], regression]
    assert_same(GenerateTarget(encoder=two)(copy.deepcopy(res)),
                FastGenerateTarget(encoder=two)(copy.deepcopy(res)))
    multi = [CODECS['msra'], dict(CODECS['msra'], sigma=3)]
    assert_same(GenerateTarget(encoder=multi, multilevel=True)(copy.deepcopy(res)),
                FastGenerateTarget(encoder=multi, multilevel=True)(copy.deepcopy(res)))


def test_transforms_survive_pickling_and_copying():
    """Data loader workers started with spawn get pickled pipelines."""
    import pickle
    init_default_scope('mmpose')
    kpts = np.random.default_rng(0).uniform(0, 190, (1, 17, 2)).astype(np.float32)
    res = dict(keypoints=kpts, keypoints_visible=np.ones((1, 17), np.float32))
    for name in ('msra', 'unbiased', 'udp'):
        t = FastGenerateTarget(encoder=CODECS[name])
        for t2 in (pickle.loads(pickle.dumps(t)), copy.deepcopy(t)):
            assert isinstance(t2.encoder, FastHeatmapEncoder)
            assert_same(t(copy.deepcopy(res)), t2(copy.deepcopy(res)))
    load = CachedLoadImage(cache_size=3)
    load(dict(img_path=str(DATA / 'coco' / '000000000785.jpg')))
    assert pickle.loads(pickle.dumps(load)).cache_size == 3


# --------------------------------------------------------------------------- packing

def test_image_to_tensor_equals_mmpose():
    from mmpose.datasets.transforms.formatting import image_to_tensor
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (37, 29, 4), dtype=np.uint8)
    for x in (img[..., :3], img, img[..., :2], img[..., :1], img[..., 0], np.flip(img[..., :3], 1),
              img[..., :3].astype(np.float32), img[:, ::2, :3], img[:0]):
        assert_same(image_to_tensor(x), ft.image_to_chw_tensor(x))


class Opaque:
    def __init__(self, v):
        self.v = v

    def __eq__(self, other):
        return type(other) is Opaque and other.v == self.v


def test_deepcopy_builtin_is_copy_deepcopy():
    """Same values and types, same sharing and cycles, nothing shared with the original."""
    shared = [1.5, 2.5]
    arr_f = np.asfortranarray(np.arange(12.).reshape(3, 4))
    value = dict(seg=[[0.5, 1.25, 3.0], shared], again=shared, t=(1, 'a', None),
                 t2=(shared, 2), arr=arr_f, arr_view=np.arange(10)[::2], obj=np.array([shared, 1],
                                                                                    dtype=object),
                 scalar=np.float32(2.5), other=Opaque([1]), nested={(1, 2): {'x': [True]}})
    value['self'] = value
    loop = [1]
    loop.append(loop)
    value['loop'] = loop
    for v in (value, [value, value], (value, 1), 'plain', 3):
        a, b = copy.deepcopy(v), ft.deepcopy_builtin(v)
        assert type(a) is type(b)
    a, b = copy.deepcopy(value), ft.deepcopy_builtin(value)
    for key in ('seg', 'again', 't', 't2', 'arr', 'arr_view', 'scalar', 'nested'):
        assert_same(a[key], b[key], key)
        assert type(a[key]) is type(b[key])
    assert b['arr'].flags.f_contiguous and b['arr'] is not value['arr']
    assert b['obj'][0] == shared and b['obj'][0] is not shared and b['other'] == Opaque([1])
    assert b['seg'] is not value['seg'] and b['seg'][0] is not value['seg'][0]
    assert b['again'] is b['t2'][0] and b['again'] is not shared  # sharing kept, not the original
    assert b['self'] is b and b['loop'][1] is b['loop']  # cycles
    assert b['t'] is value['t']  # a tuple of atoms is kept, as copy.deepcopy does
    b['seg'][0][0] = 99.
    assert value['seg'][0][0] == 0.5


def test_packing_with_meta_keys_and_image_lists(samples):
    res = run([LoadImage(), GetBBoxCenterScale(), TopdownAffine((48, 64)),
               GenerateTarget(CODECS['msra'] | dict(input_size=(48, 64), heatmap_size=(12, 16)))],
              fresh(samples[0]))
    for kwargs in (dict(), dict(meta_keys=('img_path', 'flip_indices', 'input_size')),
                   dict(meta_keys=('img', 'id')), dict(meta_keys=('keypoints', 'id')),
                   dict(meta_keys=('bbox', 'heatmaps', 'raw_ann_info')),
                   dict(pack_transformed=True)):
        a = PackPoseInputs(**kwargs)(dict(res))
        b = FastPackPoseInputs(**kwargs)(dict(res))
        assert_same(a, b)
        assert set(a['data_samples'].metainfo_keys()) == set(b['data_samples'].metainfo_keys())
        # the packed metainfo is a copy: writing into it leaves the results as they were
        if 'raw_ann_info' in b['data_samples'].metainfo:
            b['data_samples'].raw_ann_info['segmentation'][0][0] = -1.
            assert res['raw_ann_info']['segmentation'][0][0] != -1.
    listed = dict(res, img=[res['img'], res['img'][::-1]])
    assert_same(PackPoseInputs()(dict(listed)), FastPackPoseInputs()(dict(listed)))


# --------------------------------------------------------------------------- cached decoding

@pytest.fixture(scope='module')
def det_infos():
    """The 118 detected boxes of the COCO sample (4 images), in the data set's order."""
    from mmpose.datasets import CocoDataset
    init_default_scope('mmpose')
    ds = CocoDataset(data_root=str(DATA / 'coco'), ann_file='test_coco.json',
                     bbox_file=str(DATA / 'coco' / 'test_coco_det_AP_H_56.json'),
                     data_mode='topdown', data_prefix=dict(img=''), pipeline=[],
                     test_mode=True)
    return [ds.get_data_info(i) for i in range(len(ds))]


def test_cached_load_equals_load_image_on_detected_boxes(det_infos):
    assert len(det_infos) == 118
    load, cached = LoadImage(), CachedLoadImage(cache_size=2)
    crop_a = Compose([GetBBoxCenterScale(padding=1.25), TopdownAffine((192, 256))])
    crop_b = Compose([GetBBoxCenterScale(padding=1.25), FastTopdownAffine((192, 256))])
    for i, info in enumerate(det_infos):
        a, b = load(copy.deepcopy(info)), cached(copy.deepcopy(info))
        assert_same(a, b, f'box {i}')
        assert b['img'].flags.writeable and b['img'].flags.c_contiguous
        b['img'][:] = 0  # a sample that writes into its image does not change the next one
        if i % 10 == 0:
            assert_same(crop_a(load(copy.deepcopy(info))), crop_b(cached(copy.deepcopy(info))))
    runs = 1 + sum(p['img_path'] != q['img_path'] for p, q in zip(det_infos, det_infos[1:]))
    assert runs == 4
    calls = 118 + len(range(0, 118, 10))
    assert cached.misses == 4 and cached.hits == calls - 4


def test_cached_load_read_only_eviction_and_passthrough(det_infos):
    paths = sorted({i['img_path'] for i in det_infos})
    shared = CachedLoadImage(cache_size=1, copy=False)
    first = shared(dict(img_path=paths[0]))['img']
    assert not first.flags.writeable
    with pytest.raises(ValueError):
        first[0, 0, 0] = 1
    assert shared(dict(img_path=paths[0]))['img'] is first
    shared(dict(img_path=paths[1]))   # evicts paths[0]
    again = shared(dict(img_path=paths[0]))['img']
    assert again is not first and shared.misses == 3 and shared.hits == 1
    assert_same(again, LoadImage()(dict(img_path=paths[0]))['img'])
    shared.clear_cache()
    assert shared(dict(img_path=paths[0]))['img'] is not again and shared.misses == 4
    # float images, a grey decoder flag: LoadImage's arguments are passed on
    for kwargs in (dict(to_float32=True), dict(color_type='grayscale')):
        t = CachedLoadImage(**kwargs)
        for _ in range(2):
            assert_same(LoadImage(**kwargs)(dict(img_path=paths[2])),
                        t(dict(img_path=paths[2])))
        assert t.misses == 1 and t.hits == 1
    # a sample that brings its own image is LoadImage's business
    img = np.zeros((5, 6, 3), np.uint8)
    assert_same(LoadImage()(dict(img=img)), CachedLoadImage()(dict(img=img)))
    # missing files: None with ignore_empty, else LoadImage's error
    assert CachedLoadImage(ignore_empty=True)(dict(img_path='/nonexistent.jpg')) is None
    with pytest.raises(Exception, match='nonexistent'):
        CachedLoadImage()(dict(img_path='/nonexistent.jpg'))
    with pytest.raises(ValueError):
        CachedLoadImage(cache_size=0)


def test_cached_load_reads_a_rewritten_file_again(tmp_path):
    """Same name, same byte size (uncompressed BMPs of one shape), another modification
    time: the new pixels, not the cached ones."""
    import cv2
    path = str(tmp_path / 'frame.bmp')
    t = CachedLoadImage()
    for i, value in enumerate((10, 200)):
        cv2.imwrite(path, np.full((8, 6, 3), value, np.uint8))
        os.utime(path, ns=(10**18 + i, 10**18 + i))  # distinct whatever the clock's grain
        assert t(dict(img_path=path))['img'][0, 0, 0] == value
    assert t.misses == 2 and t.hits == 0
    assert t(dict(img_path=path))['img'][0, 0, 0] == 200 and t.hits == 1


def test_docstring_examples_run():
    import doctest
    init_default_scope('mmpose')
    result = doctest.testmod(ft)
    assert result.failed == 0 and result.attempted >= 10


# --------------------------------------------------------------------------- configs

def test_paper_config_pipelines_build_and_equal(samples):
    """The paper's COCO recipe, which names our transforms, built by MMEngine under MMPose's
    scope, against the same pipelines with MMPose's transforms (``with_mmpose_types``)."""
    from mmengine.config import Config
    cfg = Config.fromfile(str(REPO / 'configs' / 'hrnet_w32_coco_256x192.py'))
    init_default_scope(cfg.default_scope)
    for phase in ('train', 'val'):
        pipeline = cfg[f'{phase}_dataloader'].dataset.pipeline
        theirs, ours = Compose(with_mmpose_types(pipeline)), Compose(pipeline)
        names = [type(t).__name__ for t in ours.transforms]
        fast = {'FastTopdownAffine', 'FastPackPoseInputs'} | (
            {'FastGenerateTarget'} if phase == 'train' else {'CachedLoadImage'})
        assert fast <= set(names), names
        assert not fast & {type(t).__name__ for t in theirs.transforms}
        for i, info in enumerate(samples[:12]):
            info = {k: v for k, v in info.items() if k != 'img'}  # decoded by the pipelines
            np.random.seed(i)
            a = theirs(copy.deepcopy(info))
            np.random.seed(i)
            assert_same(a, ours(copy.deepcopy(info)), f'{phase} sample {i}')


def test_inferencer_with_fast_test_pipeline(tiny_checkpoint, tmp_path):
    """MMPose's inferencer builds our names from a config's test pipeline and predicts the
    same keypoints as with MMPose's transforms (caller boxes, image path and array)."""
    from mmengine.config import Config

    from hrnet_ext.apis import MMPoseInferencer
    config = REPO / 'configs' / 'sample' / 'hrnet_tiny_coco-sample_128x96.py'
    cfg = Config.fromfile(str(config))
    cfg.test_dataloader.dataset.pipeline = with_mmpose_types(cfg.test_dataloader.dataset.pipeline)
    mmpose_config = tmp_path / 'mmpose_transforms.py'
    cfg.dump(str(mmpose_config))
    image = str(DATA / 'coco' / '000000196141.jpg')
    boxes = [np.array([[240, 100, 400, 400], [10, 20, 200, 380], [100, 50, 330, 420]],
                      np.float32)]
    results = []
    for c in (mmpose_config, config):
        inferencer = MMPoseInferencer(pose2d=str(c), pose2d_weights=tiny_checkpoint,
                                      det_model='whole_image', device='cpu')
        names = [type(t).__name__ for t in inferencer.inferencer.pipeline.transforms]
        assert ('FastTopdownAffine' in names) == (c == config), names
        assert ('CachedLoadImage' in names) == (c == config), names
        results.append([next(inferencer(x, bboxes=boxes))['predictions'][0]
                        for x in (image, cv2.imread(image))])
    assert_same(results[0], results[1])
    assert len(results[0][0]) == 3
