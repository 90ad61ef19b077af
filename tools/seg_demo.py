"""Segmentation and pose from one HRNet family, side by side: the predicted mask next to the
skeleton.

    python tools/seg_demo.py IMAGE SEG_CONFIG SEG_CHECKPOINT \\
        [--pose-config CONFIG --pose-checkpoint CKPT] [--out FILE] [--device cpu]

The left half is the image with the segmentation drawn by MMSegmentation's
``SegLocalVisualizer`` (``mmseg.apis.inference_model`` on a config of configs/seg/); the right
half, with a pose model, the skeleton drawn by :class:`hrnet_ext.visualization.PoseLocalVisualizer`
(the whole image as the person box, as tools/demo.py without a detector). Example with the bundled
samples' models (docs/segmentation.md; needs ``bash tools/install.sh --seg``):

    python tools/train.py configs/seg/hrnetv2_tiny_coco-person-sample.py \\
        --work-dir work_dirs/seg_sample
    python tools/seg_demo.py tests/data/demo/human-pose.jpeg \\
        configs/seg/hrnetv2_tiny_coco-person-sample.py work_dirs/seg_sample/epoch_40.pth \\
        --pose-config configs/sample/hrnet_tiny_coco-sample_128x96.py \\
        --pose-checkpoint work_dirs/sample_job/epoch_450.pth --out work_dirs/seg_demo.jpg
"""
import argparse
import os
import os.path as osp
import sys
from typing import List, Optional

import numpy as np

import hrnet_ext  # noqa: F401  (stack check, safe checkpoint loading)


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('image', help='input image')
    parser.add_argument('seg_config', help='segmentation config (configs/seg/)')
    parser.add_argument('seg_checkpoint', help='segmentation checkpoint')
    parser.add_argument('--pose-config', help='pose config: draw its skeleton on the right')
    parser.add_argument('--pose-checkpoint', help='pose checkpoint (with --pose-config)')
    parser.add_argument('--out', default='seg_demo.jpg', help='output picture')
    parser.add_argument('--opacity', type=float, default=0.5, help='mask opacity')
    parser.add_argument('--device', default='cpu', help="'cpu', 'cuda:0' ...")
    args = parser.parse_args(argv)
    if bool(args.pose_config) != bool(args.pose_checkpoint):
        parser.error('give --pose-config and --pose-checkpoint together')
    return args


def segment(image_bgr: np.ndarray, config: str, checkpoint: str, device: str,
            opacity: float):
    """The mask drawn on the image (RGB) and the predicted label map (H, W)."""
    from mmengine.registry import DefaultScope
    from mmseg.apis import inference_model, init_model
    from mmseg.visualization import SegLocalVisualizer
    model = init_model(config, checkpoint, device=device)
    # MMEngine builds the test pipeline in the current scope: MMSegmentation's here
    with DefaultScope.overwrite_default_scope('mmseg'):
        result = inference_model(model, image_bgr)
    visualizer = SegLocalVisualizer(name='hrnet_ext_seg_demo', alpha=opacity)
    visualizer.set_dataset_meta(**{k: model.dataset_meta[k] for k in ('classes', 'palette')})
    visualizer.add_datasample('seg', image_bgr[..., ::-1].copy(), data_sample=result,
                              draw_gt=False, with_labels=False)
    return visualizer.get_image(), result.pred_sem_seg.data[0].cpu().numpy()


def draw_pose(image_bgr: np.ndarray, config: str, checkpoint: str, device: str):
    """The skeleton drawn on the image (RGB), the whole image as the person box."""
    from mmpose.structures import merge_data_samples

    from hrnet_ext.apis import inference_topdown, init_model
    from hrnet_ext.visualization import PoseLocalVisualizer
    model = init_model(config, checkpoint, device=device)
    results = inference_topdown(model, image_bgr)
    visualizer = PoseLocalVisualizer(name='hrnet_ext_seg_demo_pose')
    visualizer.set_dataset_meta(model.dataset_meta)
    visualizer.add_datasample('pose', image_bgr[..., ::-1].copy(),
                              data_sample=merge_data_samples(results), draw_gt=False)
    return visualizer.get_image()


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    import mmcv
    image = mmcv.imread(args.image)
    if image is None:
        print(f'cannot read the image {args.image}', file=sys.stderr)
        return 1
    seg_rgb, label = segment(image, args.seg_config, args.seg_checkpoint, args.device,
                             args.opacity)
    panels = [seg_rgb]
    if args.pose_config:
        panels.append(draw_pose(image, args.pose_config, args.pose_checkpoint, args.device))
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    mmcv.imwrite(mmcv.rgb2bgr(np.concatenate(panels, axis=1)), args.out)
    shares = np.bincount(label.ravel(), minlength=int(label.max()) + 1) / label.size
    print('[seg_demo] ' + ', '.join(f'class {c}: {100 * s:.1f}% of the pixels'
                                    for c, s in enumerate(shares) if s) + f' -> {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
