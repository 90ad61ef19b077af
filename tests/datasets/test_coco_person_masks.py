"""The person / background label maps of the segmentation sample come from the COCO sample's
polygons (hrnet_ext.datasets.coco_person_masks; no MMSegmentation needed)."""
import json

import cv2
import numpy as np
from helpers import TEST_DATA

from hrnet_ext.datasets.coco_person_masks import (
    IGNORE,
    PERSON,
    label_counts,
    write_person_label_maps,
)


def test_bundled_label_maps_are_what_the_converter_writes(tmp_path):
    written = write_person_label_maps(str(TEST_DATA / 'coco' / 'test_coco.json'), str(tmp_path))
    bundled = sorted(p.name for p in (TEST_DATA / 'coco_person_seg').glob('*.png'))
    assert sorted(written) == bundled == [
        '000000000785.png', '000000040083.png', '000000196141.png', '000000197388.png']
    coco = json.loads((TEST_DATA / 'coco' / 'test_coco.json').read_text())
    areas = {}
    for ann in coco['annotations']:
        areas[ann['image_id']] = areas.get(ann['image_id'], 0) + ann['area']
    for img in coco['images']:
        name = img['file_name'].replace('.jpg', '.png')
        label = cv2.imread(str(TEST_DATA / 'coco_person_seg' / name), cv2.IMREAD_UNCHANGED)
        assert label.dtype == np.uint8 and label.shape == (img['height'], img['width'])
        np.testing.assert_array_equal(label, written[name])
        assert set(np.unique(label)) == {0, PERSON}  # the sample has no crowd region
        # the union of the polygons: at most the sum of the areas (people overlap), close to it
        person = label_counts(label)[1]
        assert 0.85 * areas[img['id']] < person <= areas[img['id']] + 0.01 * label.size


def test_crowd_regions_are_ignored_where_no_person_is(tmp_path):
    coco = json.loads((TEST_DATA / 'coco' / 'test_coco.json').read_text())
    image = coco['images'][0]
    ann = dict(id=1, image_id=image['id'], category_id=1, iscrowd=0, area=100.0,
               bbox=[10, 10, 10, 10], segmentation=[[10, 10, 20, 10, 20, 20, 10, 20]])
    crowd = dict(ann, id=2, iscrowd=1, bbox=[0, 0, 40, 40],
                 segmentation=[[0, 0, 40, 0, 40, 40, 0, 40]])
    coco['images'], coco['annotations'] = [image], [crowd, ann]
    (tmp_path / 'ann.json').write_text(json.dumps(coco))
    label = write_person_label_maps(str(tmp_path / 'ann.json'), str(tmp_path / 'out'))[
        image['file_name'].replace('.jpg', '.png')]
    assert label[15, 15] == PERSON and label[35, 35] == IGNORE and label[60, 60] == 0
