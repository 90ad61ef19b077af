"""Export a top-down HRNet (backbone + head) to ONNX and check it with ONNX Runtime.

    python tools/deploy/export_onnx.py CONFIG CHECKPOINT [--out model.onnx]

Writes the network with a dynamic batch (input ``(N, 3, H, W)`` normalised crops, output
``(N, K, H/4, W/4)`` heatmaps), then checks on the bundled COCO sample (tests/data/coco:
4 images, each annotated person's ground-truth box) that

1. ONNX Runtime's heatmaps match PyTorch's to ``--atol`` (1e-4) max abs, for the whole
   batch at once and for one crop (the batch is dynamic), and
2. the decoded keypoints (the config's pipeline, flip test and codec) are equal,

prints both, and exits with 1 if either fails. Needs the ``onnx`` extra
(``tools/install.sh --onnx``). Run the file with ``hrnet_ext.deploy.OnnxTopdownModel``.
"""
import json
import os.path as osp
from collections import defaultdict

import numpy as np

from hrnet_ext.engine.cli import ToolArgumentParser, run_tool

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
SAMPLE = osp.join(REPO, 'tests', 'data', 'coco')


def sample_boxes(ann_file: str = osp.join(SAMPLE, 'test_coco.json')) -> dict:
    """``{image path: (n, 4) xyxy boxes}`` of the annotated people of the COCO sample."""
    with open(ann_file) as f:
        coco = json.load(f)
    files = {im['id']: osp.join(osp.dirname(ann_file), im['file_name']) for im in coco['images']}
    boxes = defaultdict(list)
    for ann in coco['annotations']:
        if ann.get('num_keypoints', 0) > 0:
            x, y, w, h = ann['bbox']
            boxes[files[ann['image_id']]].append([x, y, x + w, y + h])
    return {k: np.asarray(v, dtype=np.float32) for k, v in sorted(boxes.items())}


def parse_args(argv=None):
    parser = ToolArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out', help='default: the checkpoint with .onnx')
    parser.add_argument('--opset', type=int, default=17)
    parser.add_argument('--atol', type=float, default=1e-4, help='heatmaps, max abs')
    parser.add_argument('--device', default='cpu')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    import torch

    import hrnet_ext  # noqa: F401  (safe checkpoint loading)
    from hrnet_ext.apis import inference_topdown, init_model
    from hrnet_ext.deploy import HeatmapNet, OnnxTopdownModel, export_onnx

    out = args.out or osp.splitext(args.checkpoint)[0] + '.onnx'
    model = init_model(args.config, args.checkpoint, device=args.device)
    export_onnx(model, out, opset=args.opset)
    print(f'[export_onnx] wrote {out} (dynamic batch)')
    ort_model = OnnxTopdownModel(args.config, out, device=args.device)

    # 1. heatmaps of the same crops: the whole sample as one batch, and one crop alone
    images = sample_boxes()
    batches = []
    pt_results, ort_results = [], []
    for img, boxes in images.items():
        pt_results += inference_topdown(model, img, bboxes=boxes)
        ort_results += inference_topdown(ort_model, img, bboxes=boxes)
    # the crops as the pipeline and data preprocessor make them (flip test aside)
    from mmengine.dataset import Compose, pseudo_collate
    pipeline = Compose(model.cfg.test_dataloader.dataset.pipeline)
    for img, boxes in images.items():
        for box in boxes:
            info = dict(img_path=img, bbox=box[None], bbox_score=np.ones(1, np.float32))
            info.update(model.dataset_meta)
            batches.append(pipeline(info))
    inputs = model.data_preprocessor(pseudo_collate(batches), False)['inputs']
    with torch.no_grad():
        pt_heatmaps = HeatmapNet.of(model).eval()(inputs).cpu().numpy()
    ort_heatmaps = ort_model.session(inputs.cpu().numpy())
    one = ort_model.session(inputs[:1].cpu().numpy())
    err = float(np.abs(pt_heatmaps - ort_heatmaps).max())
    err_one = float(np.abs(pt_heatmaps[:1] - one).max())
    heatmaps_ok = max(err, err_one) <= args.atol
    print(f'[export_onnx] heatmaps, {len(inputs)} crops {tuple(inputs.shape[1:])} from '
          f'{len(images)} images: max abs diff {err:.2e} (batch of {len(inputs)}), '
          f'{err_one:.2e} (batch of 1), tolerance {args.atol:g}: '
          f'{"OK" if heatmaps_ok else "FAILED"}')

    # 2. decoded keypoints, end to end (pipeline, flip test, codec, back to the image)
    pt_kpts = np.concatenate([r.pred_instances.keypoints for r in pt_results])
    ort_kpts = np.concatenate([r.pred_instances.keypoints for r in ort_results])
    pt_scores = np.concatenate([r.pred_instances.keypoint_scores for r in pt_results])
    ort_scores = np.concatenate([r.pred_instances.keypoint_scores for r in ort_results])
    kpt_err = float(np.abs(pt_kpts - ort_kpts).max())
    score_err = float(np.abs(pt_scores - ort_scores).max())
    # equal up to float32 rounding of the affine map back to the image; a different
    # heatmap maximum or refinement step would move a keypoint by >= 1/4 heatmap pixel
    kpts_ok = kpt_err <= 1e-3
    flip = ort_model.test_cfg.get('flip_test', False)
    print(f'[export_onnx] keypoints of {pt_kpts.shape[0]} people x {pt_kpts.shape[1]} joints '
          f'(flip test {"on" if flip else "off"}): max abs diff {kpt_err:.2e} px, scores '
          f'{score_err:.2e}: {"equal" if kpts_ok else "DIFFERENT"}')
    return 0 if heatmaps_ok and kpts_ok else 1


if __name__ == '__main__':
    run_tool(main)
