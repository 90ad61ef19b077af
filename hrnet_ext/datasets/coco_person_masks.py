"""Person / background label maps from the instance polygons of a COCO annotation file.

The segmentation sample of this repository (``tests/data/coco_person_seg/``) is made from the
bundled COCO keypoint sample by :func:`write_person_label_maps`; a full COCO
``person_keypoints_*.json`` or ``instances_*.json`` converts the same way
(``tools/dataset_converters/coco_person_masks.py``). One PNG per image, named as the image,
each pixel one of :data:`BACKGROUND`, :data:`PERSON` or :data:`IGNORE` (crowd regions, which
COCO leaves unsegmented per person; MMSegmentation's losses and ``IoUMetric`` skip 255).

No MMSegmentation needed: the masks come from ``xtcocotools``' ``annToMask``.
"""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import cv2
import numpy as np

BACKGROUND, PERSON, IGNORE = 0, 1, 255
#: ``metainfo`` of the two-class data set (MMSegmentation's ``BaseSegDataset`` format)
CLASSES = ('background', 'person')
PALETTE = ([0, 0, 0], [220, 20, 60])


def person_label_map(coco, img_id: int, cat_ids: Optional[Sequence[int]] = None) -> np.ndarray:
    """The label map of one image: persons 1, crowd regions 255, the rest 0.

    Args:
        coco: An ``xtcocotools.coco.COCO`` (or ``pycocotools``) object.
        img_id: The image's id in it.
        cat_ids: Categories that count as "person" (default: the one named ``person``).

    Returns:
        ``uint8`` array (height, width) of the image. A pixel both in a crowd region and in a
        segmented person is a person.
    """
    if cat_ids is None:
        cat_ids = coco.getCatIds(catNms=['person'])
    info = coco.loadImgs([img_id])[0]
    label = np.full((info['height'], info['width']), BACKGROUND, np.uint8)
    anns = coco.loadAnns(coco.getAnnIds(imgIds=[img_id], catIds=list(cat_ids), iscrowd=None))
    for crowd in (True, False):  # persons drawn last win over crowd regions
        for ann in anns:
            if bool(ann.get('iscrowd', 0)) == crowd and ann.get('segmentation'):
                label[coco.annToMask(ann) > 0] = IGNORE if crowd else PERSON
    return label


def write_person_label_maps(ann_file: str, out_dir: str) -> Dict[str, np.ndarray]:
    """One PNG per image of ``ann_file`` into ``out_dir`` (``<image stem>.png``).

    Returns:
        The label maps written, by file name.
    """
    from xtcocotools.coco import COCO
    coco = COCO(ann_file)
    os.makedirs(out_dir, exist_ok=True)
    written = {}
    for img_id in sorted(coco.getImgIds()):
        name = osp.splitext(coco.loadImgs([img_id])[0]['file_name'])[0] + '.png'
        label = person_label_map(coco, img_id)
        if not cv2.imwrite(osp.join(out_dir, name), label):
            raise OSError(f'could not write {osp.join(out_dir, name)}')
        written[name] = label
    return written


def label_counts(label: np.ndarray) -> List[int]:
    """Pixels of background, person and ignore, in that order."""
    return [int((label == v).sum()) for v in (BACKGROUND, PERSON, IGNORE)]
