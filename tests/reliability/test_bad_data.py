"""Bad data never kills a run silently or late (issue 9, part 1).

Each case corrupts a copy of the bundled COCO sample (4 images, 12 people) in tmp_path
and builds the sample config's data set wrapped in ``hrnet_ext.SkipBadSamples``, as the
tools do: the bad sample is handled (loaded correctly) or skipped and listed with its
file and reason; past ``max_bad_share`` the error lists every skipped file. Two runs of
tools/train.py and tools/test.py on a corrupted copy close the loop.
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from helpers import REPO, TEST_DATA, TINY_CONFIG
from mmengine.config import Config
from mmengine.registry import init_default_scope

from hrnet_ext.datasets import BadDataError
from hrnet_ext.registry import DATASETS

COCO = TEST_DATA / 'coco'
ANN = 'test_coco.json'
ONE_PERSON = '000000000785.jpg'      # image 785: 1 person
THREE_PEOPLE = '000000040083.jpg'    # image 40083: 2 people with keypoints (+1 without)


@pytest.fixture
def coco(tmp_path) -> Path:
    root = tmp_path / 'coco'
    shutil.copytree(COCO, root)
    return root


def read_ann(root: Path) -> dict:
    return json.loads((root / ANN).read_text())


def write_ann(root: Path, ann: dict) -> None:
    (root / ANN).write_text(json.dumps(ann))


def build(root: Path, phase: str = 'train', max_bad_share: float = 0.5, **dataset):
    init_default_scope('mmpose')
    cfg = Config.fromfile(TINY_CONFIG)
    ds = cfg[f'{phase}_dataloader'].dataset.to_dict()
    ds.update(data_root=str(root) + '/', **dataset)
    return DATASETS.build(dict(type='hrnet_ext.SkipBadSamples', dataset=ds,
                               max_bad_share=max_bad_share))


def load_all(ds) -> list:
    samples = [ds[i] for i in range(len(ds))]
    for s in samples:
        assert tuple(s['inputs'].shape) == (3, 128, 96)
        assert s['inputs'].dtype.is_floating_point is False  # uint8 image, as MMPose packs it
    return samples


def test_clean_sample_loads_everything(coco):
    ds = build(coco)
    assert len(ds) == 12 and ds.skipped == []
    load_all(ds)


def test_truncated_jpeg_is_skipped_and_named(coco):
    data = (coco / THREE_PEOPLE).read_bytes()
    (coco / THREE_PEOPLE).write_bytes(data[:len(data) // 2])
    ds = build(coco)
    assert len(ds) == 10
    assert [r for f, r in ds.skipped] == ['truncated or corrupt JPEG (no end-of-image marker)'] * 2
    assert all(THREE_PEOPLE in f for f, _ in ds.skipped)
    load_all(ds)


def test_missing_image_is_skipped(coco):
    os.remove(coco / ONE_PERSON)
    ds = build(coco)
    assert len(ds) == 11
    assert len(ds.skipped) == 1 and ONE_PERSON in ds.skipped[0][0]
    assert ds.skipped[0][1] == 'missing file'


def test_failure_at_load_time_is_substituted_logged_and_counted(coco):
    """A file that disappears after the data set was built, and a JPEG that is whole by
    its markers but does not decode: caught in __getitem__, another sample returned."""
    ds = build(coco)
    os.remove(coco / ONE_PERSON)
    data = bytearray((coco / THREE_PEOPLE).read_bytes())
    data[2:len(data) - 2] = b'\x00' * (len(data) - 4)  # SOI ... zeros ... EOI
    (coco / THREE_PEOPLE).write_bytes(bytes(data))
    samples = load_all(ds)
    assert len(samples) == 12  # every index returned something
    files = sorted({Path(f).name for f, _ in ds.skipped})
    assert files == [ONE_PERSON, THREE_PEOPLE]
    assert len(ds.skipped) == 3  # 1 + 2 instances, each counted once
    # a second pass goes straight past the known bad ones: nothing counted twice
    load_all(ds)
    assert len(ds.skipped) == 3


@pytest.mark.parametrize('kind', ['gray', 'rgba', 'png16'])
def test_grayscale_rgba_16bit_images_load_as_8bit_bgr(coco, kind):
    ann = read_ann(coco)
    for img in ann['images']:
        bgr = cv2.imread(str(coco / img['file_name']))
        if kind == 'gray':
            out = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
        elif kind == 'rgba':
            out = cv2.cvtColor(bgr, cv2.COLOR_BGR2BGRA)
        else:
            out = bgr.astype(np.uint16) * 257
        name = img['file_name'].replace('.jpg', '.png')
        assert cv2.imwrite(str(coco / name), out)
        img['file_name'] = name
    write_ann(coco, ann)
    ds = build(coco)
    assert len(ds) == 12 and ds.skipped == []
    samples = load_all(ds)
    assert all(s['inputs'].float().mean() > 1 for s in samples)  # not blank


def _edit_first_person(coco, edit):
    ann = read_ann(coco)
    person = next(a for a in ann['annotations'] if a['image_id'] == 785)
    edit(person)
    write_ann(coco, ann)
    return person


def test_nan_keypoint_skips_the_instance(coco):
    def edit(p):
        p['keypoints'][15 * 3] = float('nan')  # a visible joint of image 785
        assert p['keypoints'][15 * 3 + 2] > 0
    _edit_first_person(coco, edit)
    ds = build(coco)
    assert len(ds) == 11
    assert len(ds.skipped) == 1
    where, reason = ds.skipped[0]
    assert where.startswith(str(coco / ONE_PERSON)) and '(instance ' in where
    assert reason == 'visible keypoint with NaN/inf coordinates'
    load_all(ds)


def test_negative_and_outside_keypoints_are_marked_invisible(coco):
    visible = []

    def edit(p):
        visible.extend(j for j in range(17) if p['keypoints'][3 * j + 2] > 0)
        p['keypoints'][3 * visible[0]] = -5.0        # negative x
        p['keypoints'][3 * visible[1] + 1] = 10000.0  # below the image (425 high)
    _edit_first_person(coco, edit)
    ds = build(coco)
    assert len(ds) == 12 and ds.skipped == []  # kept: handled, not skipped
    info = next(ds.get_data_info(i) for i in range(len(ds))
                if ds.get_data_info(i)['img_id'] == 785)
    vis = info['keypoints_visible'].reshape(-1)
    assert vis[visible[0]] == 0 and vis[visible[1]] == 0
    assert all(vis[j] > 0 for j in visible[2:])
    load_all(ds)


@pytest.mark.parametrize('box', [[280.0, 44.0, 0.0, 346.0], [280.0, 44.0, -50.0, 346.0],
                                 [700.0, 44.0, 20.0, 30.0]],
                         ids=['zero-width', 'negative-width', 'outside-the-image'])
def test_zero_area_or_negative_box_is_skipped(coco, box):
    _edit_first_person(coco, lambda p: p.update(bbox=box))
    ds = build(coco)
    assert len(ds) == 11
    assert len(ds.skipped) == 1 and ds.skipped[0][1].startswith('zero-area or negative box')
    load_all(ds)


def test_image_with_no_person_gives_no_sample(coco):
    ann = read_ann(coco)
    ann['annotations'] = [a for a in ann['annotations'] if a['image_id'] != 785]
    write_ann(coco, ann)
    ds = build(coco)
    assert len(ds) == 11 and ds.skipped == []
    load_all(ds)


@pytest.mark.parametrize('content, message', [
    ('', 'is empty'),
    ('{"images": [', 'is not valid JSON'),
    ('[{"image_id": 785, "joints": []}]', 'is not in COCO format: the top level is a list'),
    ('{"images": [], "categories": []}', "no list 'annotations'"),
    ('{"images": [{"id": 1}], "annotations": []}', 'image entry lacks'),
], ids=['empty', 'not-json', 'mpii-style-list', 'no-annotations', 'bad-image-entry'])
def test_bad_annotation_file_stops_naming_it(coco, content, message):
    (coco / ANN).write_text(content)
    with pytest.raises(BadDataError, match=message) as info:
        build(coco)
    assert str(coco / ANN) in str(info.value)


def test_detection_boxes_of_unknown_images_are_dropped(coco):
    dets = json.loads((coco / 'test_coco_det_AP_H_56.json').read_text())
    n_known = sum(d['category_id'] == 1 for d in dets)
    dets += [dict(bbox=[10, 10, 50, 80], category_id=1, image_id=999999, score=0.9)] * 2
    (coco / 'dets.json').write_text(json.dumps(dets))
    ds = build(coco, phase='test', bbox_file=str(coco / 'dets.json'))
    assert len(ds) == n_known
    assert [r for _, r in ds.skipped] == [
        "box for image_id 999999, which the annotation file does not have"] * 2
    ds[0]


def test_past_the_share_the_run_stops_listing_every_file(coco):
    os.remove(coco / ONE_PERSON)
    data = (coco / THREE_PEOPLE).read_bytes()
    (coco / THREE_PEOPLE).write_bytes(data[:1000])
    with pytest.raises(BadDataError) as info:
        build(coco, max_bad_share=0.2)  # 3 of 12 bad = 25%
    text = str(info.value)
    assert '3 of 12 samples are bad, more than the 20.0% allowed' in text
    assert f'{ONE_PERSON}' in text and 'missing file' in text
    assert text.count(THREE_PEOPLE) == 2 and 'truncated or corrupt JPEG' in text


def _tool(script, root, *args):
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHONUNBUFFERED='1')
    cmd = [sys.executable, f'tools/{script}', TINY_CONFIG, *args, '--cfg-options',
           f'sample_root={root}/', f'train_dataloader.dataset.data_root={root}/',
           f'val_dataloader.dataset.data_root={root}/',
           f'test_dataloader.dataset.data_root={root}/',
           f'val_evaluator.ann_file={root}/{ANN}', f'test_evaluator.ann_file={root}/{ANN}',
           'train_dataloader.batch_size=4', 'train_cfg.max_epochs=1', 'train_cfg.val_interval=1']
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


def test_train_and_test_tools_skip_and_stop(coco, tmp_path):
    """tools/train.py trains and validates past a truncated JPEG, logging it; with
    --max-bad-share 0 tools/test.py stops before evaluating and lists it."""
    data = (coco / ONE_PERSON).read_bytes()
    (coco / ONE_PERSON).write_bytes(data[:len(data) // 3])
    result = _tool('train.py', coco, '--work-dir', str(tmp_path / 'w'), '--max-bad-share', '0.1')
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-3000:]
    assert f'skipping {coco / ONE_PERSON} (instance' in out
    assert 'truncated or corrupt JPEG' in out
    assert 'Epoch(train) [1][3/3]' in out  # 11 people, batch 4
    assert 'coco/AP' in out

    result = _tool('test.py', coco, str(tmp_path / 'w' / 'epoch_1.pth'), '--work-dir',
                   str(tmp_path / 't'), '--max-bad-share', '0')
    assert result.returncode == 1
    assert 'error: 1 of 12 samples are bad' in result.stderr
    assert f'{coco / ONE_PERSON}' in result.stderr


@pytest.mark.parametrize('config', ['hrnet_w48_coco-aic_384x288.py', 'hrnet_w32_mpii_256x256.py'])
def test_the_tools_wrapping_builds_combined_and_mpii_datasets(load_sample_config, config):
    """What the tools do to every recipe: AI Challenger + COCO (a CombinedDataset) and
    MPII (its own JSON layout) build wrapped and load samples."""
    from hrnet_ext.datasets import wrap_datasets
    cfg = load_sample_config(config)
    wrap_datasets(cfg, ('train', 'val'))
    init_default_scope('mmpose')
    for phase in ('train', 'val'):
        ds = DATASETS.build(cfg[f'{phase}_dataloader'].dataset)
        assert len(ds) > 0 and ds.skipped == []
        assert ds[0]['inputs'].shape[0] == 3
