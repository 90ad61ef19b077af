"""Body keypoint data sets with other skeletons, written as one COCO person-keypoints file.

MPII (16 joints) and AI Challenger (14) share twelve joints with COCO's 17: shoulders,
elbows, wrists, hips, knees and ankles. :data:`MPII_TO_COCO` and :data:`AIC_TO_COCO` are
those joints as ``(source index, COCO index)`` pairs, the form of MMPose's
``KeypointConverter`` (configs/hrnet_w48_coco-aic_384x288.py trains on COCO + AIC with it).
COCO's five face points stay unlabelled (v = 0) on the other sets' people.

:func:`merge_to_coco` goes one step further than the converter: it writes the people of
several data sets as one ``person_keypoints`` file, so that the whole set is read by
``CocoDataset`` and scored by ``CocoMetric`` with OKS (the converter maps a sample's keypoints
but leaves its raw annotation, which ``CocoMetric`` reads, in the source's format). Each
person's box, keypoints and area are what MMPose's own loader of the source set gives
(MPII's box from its centre and scale, its area 0.53 x the box, as MMPose).
``tools/dataset_converters/merge_to_coco.py`` made the bundled
``tests/data/coco_mpii_aic/person_keypoints.json`` with it.
"""
import os.path as osp
from typing import Dict, List, Mapping, Sequence, Tuple

import cv2
import numpy as np

Mapping_ = Sequence[Tuple[int, int]]

#: (AIC index, COCO index): shoulders, elbows, wrists, hips, knees, ankles. AIC's head top
#: and neck have no COCO joint.
AIC_TO_COCO: List[Tuple[int, int]] = [
    (0, 6), (1, 8), (2, 10), (3, 5), (4, 7), (5, 9),
    (6, 12), (7, 14), (8, 16), (9, 11), (10, 13), (11, 15)]

#: (MPII index, COCO index): ankles, knees, hips, wrists, elbows, shoulders. MPII's pelvis,
#: thorax, upper neck and head top have no COCO joint.
MPII_TO_COCO: List[Tuple[int, int]] = [
    (0, 16), (1, 14), (2, 12), (3, 11), (4, 13), (5, 15),
    (10, 10), (11, 8), (12, 6), (13, 5), (14, 7), (15, 9)]

COCO_NUM_KEYPOINTS = 17


def coco_keypoints(keypoints: np.ndarray, visible: np.ndarray,
                   mapping: Mapping_ = None) -> List[float]:
    """COCO's flat ``[x, y, v] * 17`` of one person: ``v`` 2 where the source marks the
    joint visible (``visible > 0``), else 0 with ``x = y = 0``; ``mapping`` ``None`` means the
    source is COCO's own order."""
    out = np.zeros((COCO_NUM_KEYPOINTS, 3))
    pairs = mapping if mapping is not None else [(k, k) for k in range(COCO_NUM_KEYPOINTS)]
    for src, dst in pairs:
        if visible[src] > 0:
            out[dst] = (keypoints[src][0], keypoints[src][1], 2)
    return [round(float(v), 2) for v in out.reshape(-1)]


def merge_to_coco(sources: Sequence[Tuple[Mapping, Mapping_]], root: str) -> Dict:
    """One COCO ``person_keypoints`` dict of the people of ``sources``.

    Args:
        sources: ``(dataset config, mapping)`` pairs: an MMPose top-down data set (built with
            MMPose's registry, without a pipeline) and its :data:`AIC_TO_COCO`-style mapping
            (``None`` for a COCO-format set).
        root: The folder image ``file_name`` s are relative to (the merged file's
            ``data_root``).

    People with no joint in COCO's skeleton are left out. Image and annotation ids are
    renumbered from 1 in the order of ``sources``.
    """
    from mmengine.registry import init_default_scope
    from mmpose.registry import DATASETS
    init_default_scope('mmpose')
    images: List[Dict] = []
    annotations: List[Dict] = []
    image_ids: Dict[str, int] = {}
    for ds_cfg, mapping in sources:
        dataset = DATASETS.build(dict(ds_cfg, pipeline=[], test_mode=True))
        for index in range(len(dataset)):
            info = dataset.get_data_info(index)
            keypoints = coco_keypoints(info['keypoints'][0], info['keypoints_visible'][0],
                                       mapping)
            labelled = sum(v > 0 for v in keypoints[2::3])
            if labelled == 0:
                continue
            path = info['img_path']
            if path not in image_ids:
                height, width = cv2.imread(path).shape[:2]
                image_ids[path] = len(images) + 1
                images.append(dict(id=image_ids[path], file_name=osp.relpath(path, root),
                                   width=int(width), height=int(height)))
            x1, y1, x2, y2 = (float(v) for v in np.asarray(info['bbox']).reshape(-1))
            annotations.append(dict(
                id=len(annotations) + 1, image_id=image_ids[path], category_id=1, iscrowd=0,
                bbox=[round(v, 2) for v in (x1, y1, x2 - x1, y2 - y1)],
                area=round(float(np.asarray(info['area']).reshape(-1)[0]), 2),
                keypoints=keypoints, num_keypoints=int(labelled)))
    return dict(images=images, annotations=annotations, categories=[coco_person_category()])


def coco_person_category() -> Dict:
    """COCO's ``person`` category with its keypoint names and skeleton (MMPose's metainfo)."""
    from mmpose.datasets import CocoDataset
    from mmpose.datasets.datasets.utils import parse_pose_metainfo
    meta = parse_pose_metainfo(CocoDataset.METAINFO)
    names = [meta['keypoint_id2name'][i] for i in range(COCO_NUM_KEYPOINTS)]
    skeleton = [[a + 1, b + 1] for a, b in meta['skeleton_links']]
    return dict(id=1, name='person', supercategory='person', keypoints=names, skeleton=skeleton)
