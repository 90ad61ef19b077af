"""The paper's box augmentation: sampled statistics against the clipped normals it claims.

Also checks that MMPose's RandomBBoxTransform cannot stand in for it, and that MMPose's
RandomHalfBody with our parameters selects halves exactly as the official code does.
"""
import numpy as np
import pytest
from mmcv.transforms import Compose
from mmengine.registry import init_default_scope
from mmpose.datasets.transforms import RandomBBoxTransform, RandomHalfBody
from scipy.stats import norm

from hrnet_ext.datasets import ClippedNormalBBoxTransform

N = 200_000  # boxes per draw: standard errors of a fraction are below 0.0012


def draw(transform, n=N, seed=0):
    np.random.seed(seed)
    scale = np.tile(np.array([[100., 200.]], dtype=np.float32), (n, 1))
    out = transform(dict(bbox_scale=scale, bbox_center=np.zeros((n, 2), np.float32)))
    return out['bbox_scale'][:, 0] / 100., out['bbox_rotation'], out


@pytest.mark.parametrize('sf, rf', [(0.35, 45.), (0.25, 30.)])  # COCO, MPII
def test_scale_is_a_clipped_normal(sf, rf):
    s, _, out = draw(ClippedNormalBBoxTransform(scale_factor=sf, rotate_factor=rf))
    # aspect ratio is kept: one factor per box
    assert np.allclose(out['bbox_scale'][:, 1] / 200., s, atol=1e-6)
    assert s.min() == pytest.approx(1 - sf, abs=1e-6) and s.max() == pytest.approx(1 + sf, abs=1e-6)
    tail = norm.sf(1)  # P(z > 1) = 0.1587 lands exactly on each bound
    assert np.mean(np.isclose(s, 1 - sf, atol=1e-6)) == pytest.approx(tail, abs=0.005)
    assert np.mean(np.isclose(s, 1 + sf, atol=1e-6)) == pytest.approx(tail, abs=0.005)
    # between the bounds the CDF is the normal's
    for q in (-0.8, -0.3, 0., 0.4, 0.9):
        assert np.mean(s <= 1 + q * sf) == pytest.approx(norm.cdf(q), abs=0.005)
    # std of clip(z, -1, 1) is 0.7183: sf x 0.7183, not sf
    expected_std = sf * np.sqrt(norm.cdf(1) - norm.cdf(-1) - 2 * norm.pdf(1) + 2 * tail)
    assert s.mean() == pytest.approx(1, abs=0.002)
    assert s.std() == pytest.approx(expected_std, rel=0.01)
    assert (out['bbox_center'] == 0).all()  # no shift


@pytest.mark.parametrize('sf, rf', [(0.35, 45.), (0.25, 30.)])
def test_rotation_is_a_clipped_normal_applied_with_probability_06(sf, rf):
    _, r, _ = draw(ClippedNormalBBoxTransform(scale_factor=sf, rotate_factor=rf, rotate_prob=0.6))
    rotated = r[r != 0]
    assert len(rotated) / N == pytest.approx(0.6, abs=0.005)
    assert rotated.min() == pytest.approx(-2 * rf) and rotated.max() == pytest.approx(2 * rf)
    at_bound = np.mean(np.isclose(np.abs(rotated), 2 * rf))
    assert at_bound == pytest.approx(2 * norm.sf(2), abs=0.003)  # 4.55% clipped
    for q in (-1.5, -0.5, 0.5, 1.5):
        assert np.mean(rotated <= q * rf) == pytest.approx(norm.cdf(q), abs=0.005)


def test_boxes_are_independent_and_seeded():
    t = ClippedNormalBBoxTransform()
    s1, r1, _ = draw(t, n=1000, seed=3)
    s2, r2, _ = draw(t, n=1000, seed=3)
    assert np.array_equal(s1, s2) and np.array_equal(r1, r2)
    assert abs(np.corrcoef(s1, r1)[0, 1]) < 0.1
    assert len(np.unique(s1)) > 500


def test_mmpose_random_bbox_transform_is_a_different_distribution():
    """The reason for our transform: truncation leaves no mass on the bounds."""
    mm = RandomBBoxTransform(shift_prob=0., scale_factor=(0.65, 1.35), rotate_factor=45.,
                             rotate_prob=0.6)
    s, r, _ = draw(mm, n=20_000)
    assert np.mean(np.isclose(s, 0.65, atol=1e-4)) < 0.01  # ours: 15.9%
    assert np.abs(r).max() <= 45.  # ours reaches 90


def test_registered_and_runs_in_a_pipeline():
    init_default_scope('mmpose')
    pipeline = Compose([
        dict(type='hrnet_ext.ClippedNormalBBoxTransform', scale_factor=0.35, rotate_factor=45.),
        dict(type='TopdownAffine', input_size=(48, 64)),
    ])
    assert isinstance(pipeline.transforms[0], ClippedNormalBBoxTransform)
    np.random.seed(1)
    out = pipeline(dict(img=np.zeros((100, 80, 3), np.uint8), img_shape=(100, 80),
                        bbox_center=np.array([[40., 50.]], np.float32),
                        bbox_scale=np.array([[60., 80.]], np.float32)))
    assert out['img'].shape == (64, 48, 3) and out['bbox_rotation'].shape == (1, )


def test_arguments_are_checked():
    with pytest.raises(ValueError):
        ClippedNormalBBoxTransform(scale_factor=1.2)
    with pytest.raises(ValueError):
        ClippedNormalBBoxTransform(rotate_prob=1.5)


def official_half(visible, upper_ids, coin_upper):
    """The official release's choice (JointsDataset.half_body_transform), with its
    ``np.random.randn() < 0.5`` drawn as ``coin_upper``; None: no half-body box."""
    upper = [i for i in np.flatnonzero(visible) if i in upper_ids]
    lower = [i for i in np.flatnonzero(visible) if i not in upper_ids]
    if coin_upper and len(upper) > 2:
        chosen = upper
    else:
        chosen = lower if len(lower) > 2 else upper
    return None if len(chosen) < 2 else sorted(chosen)


def test_half_body_choice_equals_the_official_one(monkeypatch):
    """COCO: with more than 8 visible joints, MMPose's RandomHalfBody (our parameters)
    keeps the same half as the official code for either outcome of the coin."""
    upper_ids, lower_ids = list(range(11)), list(range(11, 17))
    half = RandomHalfBody(min_total_keypoints=9, min_upper_keypoints=2, min_lower_keypoints=3,
                          padding=1.5, prob=0.3, upper_prioritized_prob=0.6915)
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(400):
        visible = (rng.random(17) < rng.uniform(0.3, 1.0)).astype(np.float32)
        for coin_upper in (True, False):
            # RandomHalfBody draws rand() for "apply" (< prob) then for "prefer upper"
            draws = iter([0.0, 0.0 if coin_upper else 0.99])
            monkeypatch.setattr(np.random, 'rand', lambda draws=draws: next(draws))
            [chosen] = half._random_select_half_body(visible[None], upper_ids, lower_ids)
            expected = official_half(visible, upper_ids, coin_upper) if visible.sum() > 8 else None
            assert (sorted(chosen) if chosen is not None else None) == expected, visible
            seen.add('none' if expected is None else 'upper' if expected[0] < 11 else 'lower')
    assert seen == {'none', 'upper', 'lower'}
