"""MPII and AI Challenger people in COCO's 17-keypoint format: the joint mappings, the bundled
merged sample (tests/data/coco_mpii_aic/person_keypoints.json) and the W32 sample config that
trains on it, scored by MMPose's CocoMetric."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

from hrnet_ext.datasets.keypoints_to_coco import AIC_TO_COCO, MPII_TO_COCO

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / 'tests' / 'data'
MERGED = DATA / 'coco_mpii_aic' / 'person_keypoints.json'
W32_SAMPLE = REPO / 'configs' / 'sample' / 'hrnet_w32_coco-mpii-aic-sample_256x192.py'


def names(dataset_file: str) -> dict:
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    return parse_pose_metainfo(dict(from_file=f'configs/_base_/datasets/{dataset_file}'))[
        'keypoint_id2name']


@pytest.mark.parametrize('source, mapping', [('mpii.py', MPII_TO_COCO), ('aic.py', AIC_TO_COCO)])
def test_every_pair_joins_joints_of_one_name(source, mapping):
    src, coco = names(source), names('coco.py')
    assert len(mapping) == 12 and len({c for _, c in mapping}) == 12
    for s, c in mapping:
        assert src[s] == coco[c]
    # what is left out has no COCO joint of its name
    assert {src[i] for i in set(src) - {s for s, _ in mapping}}.isdisjoint(coco.values())


def test_the_bundled_file_is_what_the_converter_writes(tmp_path):
    out = tmp_path / 'merged.json'
    subprocess.run([sys.executable, 'tools/dataset_converters/merge_to_coco.py', '--out',
                    str(out)], cwd=REPO, check=True, capture_output=True)
    assert json.loads(out.read_text()) == json.loads(MERGED.read_text())


def test_merged_people_keep_their_joints():
    merged = json.loads(MERGED.read_text())
    files = {i['id']: i['file_name'] for i in merged['images']}
    people = merged['annotations']
    assert len(merged['images']) == 12 and len(people) == 26
    by_folder = {}
    for p in people:
        by_folder.setdefault(files[p['image_id']].split('/')[0], []).append(p)
    assert {k: len(v) for k, v in by_folder.items()} == dict(coco=12, mpii=5, aic=9)
    mpii = json.loads((DATA / 'mpii' / 'test_mpii.json').read_text())
    for person in by_folder['mpii']:
        src = next(m for m in mpii if files[person['image_id']] == 'mpii/' + m['image'])
        kpts = np.asarray(person['keypoints']).reshape(17, 3)
        for s, c in MPII_TO_COCO:
            visible = src['joints_vis'][s] > 0
            assert kpts[c, 2] == (2 if visible else 0)
            if visible:
                np.testing.assert_allclose(kpts[c, :2], src['joints'][s], atol=0.01)
        assert (kpts[:5] == 0).all()  # no face points in MPII
        assert person['num_keypoints'] == int((kpts[:, 2] > 0).sum())
        x, y, w, h = person['bbox']
        assert w == pytest.approx(h) and person['area'] == pytest.approx(0.53 * w * h, rel=1e-4)


def ground_truth_predictions(dataset, shift_px: float = 0.0) -> list:
    """Data samples as a perfect top-down model would give (ground-truth keypoints), MPII's
    people's moved by ``shift_px``."""
    samples = []
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        kpts = info['keypoints'].copy()
        if 'mpii/' in info['img_path']:
            kpts += shift_px
        samples.append(dict(
            id=info['id'], img_id=info['img_id'], category_id=1,
            gt_instances=dict(bbox_scales=info['bbox'][:, 2:] - info['bbox'][:, :2],
                              bbox_scores=np.ones(1)),
            pred_instances=dict(keypoints=kpts, keypoint_scores=np.ones(kpts.shape[:2]))))
    return samples


def test_the_w32_sample_config_reads_and_scores_all_26_people(tmp_path):
    from mmengine.evaluator import Evaluator
    from mmpose.registry import DATASETS
    cfg = Config.fromfile(str(W32_SAMPLE))
    assert cfg.model.backbone.arch == 'w32'  # the paper's network
    assert cfg.model.backbone.init_cfg is None  # no ImageNet file needed
    init_default_scope('mmpose')
    dataset = DATASETS.build(dict(cfg.val_dataloader.dataset, pipeline=[]))
    assert len(dataset) == 26 and dataset.metainfo['num_keypoints'] == 17

    def ap(shift_px: float) -> float:
        evaluator = Evaluator(dict(cfg.val_evaluator, outfile_prefix=str(tmp_path / 'r')))
        evaluator.dataset_meta = dataset.metainfo
        evaluator.process(ground_truth_predictions(dataset, shift_px))
        return evaluator.evaluate(len(dataset))['coco/AP']

    assert ap(0.0) == pytest.approx(1.0)
    # MPII's 5 of 26 people 40 px off: their OKS falls, so does AP (the metric reads them)
    assert ap(40.0) < 0.95
