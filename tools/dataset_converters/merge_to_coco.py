"""Write the bundled COCO, MPII and AI Challenger samples as one COCO keypoint file.

    python tools/dataset_converters/merge_to_coco.py [--out FILE]

MPII's and AI Challenger's people get COCO's 17 keypoints (their twelve shared joints;
hrnet_ext.datasets.keypoints_to_coco), so that one ``CocoDataset`` reads all 26 people and
``CocoMetric`` scores them (configs/sample/hrnet_w32_coco-mpii-aic-sample_256x192.py).
Image file names are relative to tests/data/. The default output is the bundled
tests/data/coco_mpii_aic/person_keypoints.json; tests check that this command rewrites it
unchanged.
"""
import argparse
import json
import os.path as osp

from hrnet_ext.datasets.keypoints_to_coco import AIC_TO_COCO, MPII_TO_COCO, merge_to_coco

DATA = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))), 'tests', 'data')
OUT = osp.join(DATA, 'coco_mpii_aic', 'person_keypoints.json')

SAMPLES = [
    (dict(type='CocoDataset', data_root=osp.join(DATA, 'coco'), ann_file='test_coco.json',
          data_prefix=dict(img='')), None),
    (dict(type='MpiiDataset', data_root=osp.join(DATA, 'mpii'), ann_file='test_mpii.json',
          data_prefix=dict(img='')), MPII_TO_COCO),
    (dict(type='AicDataset', data_root=osp.join(DATA, 'aic'), ann_file='test_aic.json',
          data_prefix=dict(img='')), AIC_TO_COCO),
]


def merged_samples() -> dict:
    """The bundled samples as one COCO keypoint dict."""
    return merge_to_coco(SAMPLES, DATA)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--out', default=OUT, help=f'default: {osp.relpath(OUT)}')
    args = parser.parse_args(argv)
    merged = merged_samples()
    with open(args.out, 'w') as f:
        json.dump(merged, f, indent=1)
        f.write('\n')
    print(f"{len(merged['images'])} images, {len(merged['annotations'])} people written to "
          f'{args.out}')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
