"""Write person / background label maps (PNG) from a COCO annotation file's polygons.

    python tools/dataset_converters/coco_person_masks.py ANN_FILE OUT_DIR

One ``<image stem>.png`` per image: 0 background, 1 person, 255 crowd regions (ignored by
MMSegmentation's losses and IoUMetric). The bundled segmentation sample was made with
    python tools/dataset_converters/coco_person_masks.py tests/data/coco/test_coco.json \\
        tests/data/coco_person_seg
"""
import argparse

from hrnet_ext.datasets.coco_person_masks import label_counts, write_person_label_maps


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('ann_file', help='COCO annotation file (instances or person_keypoints)')
    parser.add_argument('out_dir', help='where the PNG label maps go')
    args = parser.parse_args(argv)
    written = write_person_label_maps(args.ann_file, args.out_dir)
    for name, label in written.items():
        background, person, ignore = label_counts(label)
        print(f'{name}: {label.shape[1]}x{label.shape[0]}, person {person} px, '
              f'background {background} px, ignored {ignore} px')
    print(f'{len(written)} label maps written to {args.out_dir}')
    return 0


if __name__ == '__main__':
    raise SystemExit(main())
