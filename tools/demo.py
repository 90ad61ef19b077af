"""Pose on an image, a folder of images or a video: pictures with the skeleton, and JSON.

    python tools/demo.py INPUT CONFIG CHECKPOINT [--out-dir work_dirs/demo] [--device cpu]
    python tools/demo.py INPUT CONFIG CHECKPOINT --backend openvino --precision int8
    python tools/demo.py INPUT CONFIG --backend onnxruntime --model model.onnx

INPUT is an image, a folder (its images, sorted) or a video. For each image it writes
``<out-dir>/<name>.jpg`` (skeleton drawn) and ``<out-dir>/<name>.json``; for a video,
``<out-dir>/<name>.mp4`` and one ``<name>.json`` with a list per frame. A JSON person is
``{"bbox": [x1, y1, x2, y2], "bbox_score", "keypoints": [[x, y] x K], "keypoint_scores"}``
in image pixels. Folders and videos show a progress bar.

People come from ``--det-model``: ``whole_image`` (default: the image is one person), an
MMDetection config with ``--det-weights`` (boxes of the category MMPose chooses for the
config's data set, 0 = person for COCO/MPII/AIC, unless ``--det-cat-ids``), or
``--bboxes x1 y1 x2 y2 ...`` for every image.

The network runs in ``--backend`` pytorch (default), onnxruntime or openvino, in
``--precision`` fp32 (default), bf16 (pytorch: compiled, openvino) or int8 (onnxruntime,
openvino), always with the config's pipeline, flip test and decoding. A deployment backend runs
``--model`` (a file from tools/deploy/export.py) or, given a CHECKPOINT, exports it first into
``<out-dir>/model/``: int8 through tools/deploy/export.py's quantization and accuracy gate,
calibrated on the config's val set or ``--calib-data`` (docs/deploy.md).
"""
import argparse
import json
import os
import os.path as osp
import sys
from typing import List, Optional

import numpy as np

from hrnet_ext.engine.cli import ToolArgumentParser, ToolError, run_tool

IMAGE_EXTS = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')
VIDEO_EXTS = ('.mp4', '.avi', '.mov', '.mkv', '.webm')


def parse_args(argv=None):
    parser = ToolArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split('\n\n', 1)[1])
    parser.add_argument('input', help='image, folder of images, or video')
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?', help='PyTorch weights')
    parser.add_argument('--backend', default='pytorch',
                        choices=('pytorch', 'onnxruntime', 'openvino'))
    parser.add_argument('--precision', default='fp32', choices=('fp32', 'bf16', 'int8'))
    parser.add_argument('--model', help='an exported model for --backend onnxruntime/openvino')
    parser.add_argument('--onnx', help='the same as --backend onnxruntime --model ONNX')
    parser.add_argument('--calib-data', nargs=2, metavar=('DATA_ROOT', 'ANN_FILE'),
                        help="int8 export's calibration set (default: the config's val set)")
    parser.add_argument('--out-dir', default=osp.join('work_dirs', 'demo'))
    parser.add_argument('--device', default='cpu', help="'cpu', 'cuda' or 'cuda:N'")
    parser.add_argument('--det-model', default='whole_image',
                        help="'whole_image' or an MMDetection config")
    parser.add_argument('--det-weights', help='the detector checkpoint')
    parser.add_argument('--det-cat-ids', type=int, nargs='+',
                        help="default: MMPose's choice for the config's data set")
    parser.add_argument('--bboxes', type=float, nargs='+',
                        help='x1 y1 x2 y2 [x1 y1 x2 y2 ...]: the same people in every image')
    parser.add_argument('--bbox-thr', type=float, default=0.3, help='detector score')
    parser.add_argument('--nms-thr', type=float, default=0.3)
    parser.add_argument('--kpt-thr', type=float, default=0.3, help='draw keypoints above')
    parser.add_argument('--radius', type=int, default=3)
    parser.add_argument('--thickness', type=int, default=2)
    parser.add_argument('--no-progress', action='store_true')
    args = parser.parse_args(argv)
    if args.onnx:
        if args.model or args.backend not in ('pytorch', 'onnxruntime'):
            parser.error('--onnx is --backend onnxruntime --model ONNX; give one of the two')
        args.backend, args.model = 'onnxruntime', args.onnx
    if args.backend == 'pytorch':
        if args.checkpoint is None or args.model:
            parser.error('--backend pytorch runs a CHECKPOINT (not --model)')
    elif (args.checkpoint is None) == (args.model is None):
        parser.error(f'--backend {args.backend} runs --model FILE, or exports a CHECKPOINT '
                     'first: give one of the two')
    from hrnet_ext.deploy.topdown_model import check_backend_precision
    try:
        check_backend_precision(args.backend, args.precision)
    except ValueError as exc:
        parser.error(str(exc))
    if args.bboxes is not None and len(args.bboxes) % 4:
        parser.error('--bboxes takes 4 numbers per box')
    return args


def list_inputs(path: str):
    """``('images', [paths])`` or ``('video', path)``."""
    if osp.isdir(path):
        images = sorted(osp.join(path, f) for f in os.listdir(path)
                        if f.lower().endswith(IMAGE_EXTS))
        if not images:
            raise ToolError(f'no images ({", ".join(IMAGE_EXTS)}) in {path}.')
        return 'images', images
    if not osp.isfile(path):
        raise ToolError(f'no such file or folder: {path}.')
    if path.lower().endswith(VIDEO_EXTS):
        return 'video', path
    return 'images', [path]


class PersonBoxes:
    """Boxes for a frame: given, from an MMDetection detector, or the whole image."""

    def __init__(self, args, pose_config) -> None:
        self.fixed = None if args.bboxes is None else \
            np.asarray(args.bboxes, np.float32).reshape(-1, 4)
        self.detector = None
        self.bbox_thr, self.nms_thr = args.bbox_thr, args.nms_thr
        self.best_score = None  # the detector's highest score for the categories, any frame
        if self.fixed is None and args.det_model not in ('whole_image', 'whole-image'):
            from mmdet.apis import init_detector

            from hrnet_ext.apis import default_det_cat_ids
            self.detector = init_detector(args.det_model, args.det_weights, device=args.device)
            self.cat_ids = tuple(args.det_cat_ids or default_det_cat_ids(pose_config))

    def __call__(self, image: np.ndarray) -> Optional[np.ndarray]:
        """``(n, 5)`` boxes with scores, or ``None`` for the whole image."""
        if self.fixed is not None:
            return np.concatenate([self.fixed, np.ones((len(self.fixed), 1), np.float32)], 1)
        if self.detector is None:
            return None
        from mmdet.apis import inference_detector
        from mmengine.registry import DefaultScope
        from mmpose.evaluation.functional import nms
        with DefaultScope.overwrite_default_scope('mmdet'):
            det = inference_detector(self.detector, image).pred_instances.cpu().numpy()
        mine = np.isin(det.labels, self.cat_ids)
        if mine.any():
            self.best_score = max(self.best_score or 0., float(det.scores[mine].max()))
        keep = mine & (det.scores > self.bbox_thr)
        boxes = np.concatenate([det.bboxes, det.scores[:, None]], axis=1)[keep]
        return boxes[nms(boxes, self.nms_thr)] if len(boxes) else boxes


def people_of(results) -> List[dict]:
    """JSON-ready people of ``inference_topdown`` results."""
    people = []
    for sample in results:
        inst = sample.pred_instances
        people.append(dict(bbox=np.asarray(inst.bboxes[0], float).round(2).tolist(),
                           bbox_score=float(np.asarray(inst.bbox_scores).reshape(-1)[0]),
                           keypoints=np.asarray(inst.keypoints[0], float).round(2).tolist(),
                           keypoint_scores=np.asarray(inst.keypoint_scores[0],
                                                      float).round(4).tolist()))
    return people


def nothing_drawn(people_seen: int, best_kpt: Optional[float], boxes_of: PersonBoxes,
                  args) -> Optional[str]:
    """Why no skeleton was drawn on any picture, with the flag to change; ``None`` if one was."""
    if people_seen == 0 and boxes_of.detector is not None:
        best = 'no detection of the categories at all' if boxes_of.best_score is None else \
            f'the highest was {boxes_of.best_score:.3f}'
        return (f'nothing drawn: no person box scored above --bbox-thr {args.bbox_thr} '
                f'({best}); lower --bbox-thr, or check --det-model / --det-cat-ids.')
    if best_kpt is not None and best_kpt <= args.kpt_thr:
        return (f'nothing drawn: no keypoint scored above --kpt-thr {args.kpt_thr} (the '
                f'highest was {best_kpt:.3f}); lower --kpt-thr (e.g. --kpt-thr '
                f'{max(best_kpt / 2, 0.0):.2g}), or train longer.')
    return None


def load_model(args):
    """The estimator of ``--backend``/``--precision``: PyTorch, or an exported model (given,
    or exported from the checkpoint into ``<out-dir>/model/``)."""
    from hrnet_ext.apis import init_model
    if args.backend == 'pytorch':
        model = init_model(args.config, args.checkpoint, device=args.device)
        if args.precision == 'fp32':
            return model
        from hrnet_ext.deploy import DeployedTopdownModel, TorchSession
        return DeployedTopdownModel(model.cfg, TorchSession(model, args.precision))
    from hrnet_ext.deploy import load_deployed_model
    if args.backend == 'openvino':  # before any export: say it now
        from hrnet_ext.deploy.openvino_runtime import import_openvino
        import_openvino(with_nncf=args.model is None and args.precision == 'int8')
    path = args.model
    if path is None:
        path = export_for_demo(args)
    elif not osp.isfile(path):
        raise ToolError(f'no such model file: {path}.')
    return load_deployed_model(args.config, path, args.backend, args.precision, args.device)


def export_for_demo(args) -> str:
    """Export (and for int8 quantize and gate) the checkpoint; reuse a newer export."""
    from hrnet_ext.deploy.exporter import export_and_check, model_file_of
    out_dir = osp.join(args.out_dir, 'model')
    name = osp.splitext(osp.basename(args.checkpoint))[0]
    path = model_file_of(out_dir, name, args.backend, args.precision)
    if osp.isfile(path) and osp.getmtime(path) > osp.getmtime(args.checkpoint):
        print(f'[demo] using {path} (exported before; delete it to export again)')
        return path
    if args.precision != 'int8':
        from hrnet_ext.apis import init_model
        from hrnet_ext.deploy import export_onnx
        os.makedirs(out_dir, exist_ok=True)
        export_onnx(init_model(args.config, args.checkpoint, device='cpu'), path)
        print(f'[demo] exported {path}')
        return path
    files, reports, report_file = export_and_check(
        args.config, args.checkpoint, out_dir, [(args.backend, 'int8')], args.calib_data,
        log=lambda line: print(line.replace('[export]', '[demo]'), flush=True))
    if (args.backend, 'int8') not in files:
        raise ToolError(f'the int8 model failed its accuracy gate ({reports[0].line()}); see '
                        f'{report_file}, and tools/deploy/export.py --help for what to change.')
    return files[(args.backend, 'int8')]


def main(argv=None) -> int:
    args = parse_args(argv)
    kind, inputs = list_inputs(args.input)

    import mmcv
    from mmengine.utils import ProgressBar
    from mmpose.structures import merge_data_samples

    from hrnet_ext.apis import inference_topdown
    from hrnet_ext.visualization import PoseLocalVisualizer
    model = load_model(args)
    boxes_of = PersonBoxes(args, model.cfg)
    visualizer = PoseLocalVisualizer(name='hrnet_ext_demo', radius=args.radius,
                                     line_width=args.thickness)
    visualizer.set_dataset_meta(model.dataset_meta)
    os.makedirs(args.out_dir, exist_ok=True)
    seen = dict(people=0, best_kpt=None)  # for the "nothing drawn" message

    def predict(image_bgr: np.ndarray):
        """Returns the drawn picture (BGR) and the people."""
        boxes = boxes_of(image_bgr)
        if boxes is not None and not len(boxes):
            results = []  # the detector found nobody
        else:
            results = inference_topdown(model, image_bgr,
                                        bboxes=None if boxes is None else boxes[:, :4])
        for sample, box in zip(results, boxes if boxes is not None else []):
            sample.pred_instances.bbox_scores = box[None, 4]
        rgb = mmcv.bgr2rgb(image_bgr)
        for sample in results:
            seen['people'] += 1
            best = float(np.max(sample.pred_instances.keypoint_scores))
            seen['best_kpt'] = best if seen['best_kpt'] is None else max(seen['best_kpt'], best)
        if results:
            visualizer.add_datasample('pred', rgb, data_sample=merge_data_samples(results),
                                      draw_gt=False, draw_bbox=boxes is not None,
                                      kpt_thr=args.kpt_thr)
            rgb = visualizer.get_image()
        return mmcv.rgb2bgr(rgb), people_of(results)

    progress = None if args.no_progress or (kind == 'images' and len(inputs) == 1) else True
    if kind == 'images':
        bar = ProgressBar(len(inputs), file=sys.stdout) if progress else None
        for path in inputs:
            drawn, people = predict(mmcv.imread(path))
            stem = osp.splitext(osp.basename(path))[0]
            mmcv.imwrite(drawn, osp.join(args.out_dir, stem + '.jpg'))
            with open(osp.join(args.out_dir, stem + '.json'), 'w') as f:
                json.dump(dict(image=path, people=people), f)
            if bar:
                bar.update()
        written = len(inputs)
    else:
        import cv2
        video = mmcv.VideoReader(inputs)
        stem = osp.splitext(osp.basename(inputs))[0]
        out_video = osp.join(args.out_dir, stem + '.mp4')
        writer = cv2.VideoWriter(out_video, cv2.VideoWriter_fourcc(*'mp4v'), video.fps,
                                 (video.width, video.height))
        frames = []
        bar = ProgressBar(len(video), file=sys.stdout) if progress else None
        for index, frame in enumerate(video):
            drawn, people = predict(frame)
            writer.write(drawn)
            frames.append(dict(frame=index, people=people))
            if bar:
                bar.update()
        writer.release()
        with open(osp.join(args.out_dir, stem + '.json'), 'w') as f:
            json.dump(dict(video=inputs, fps=video.fps, frames=frames), f)
        written = len(frames)
    if bar:
        print()
    print(f'[demo] {written} {"frames" if kind == "video" else "images"} -> {args.out_dir}')
    empty = nothing_drawn(seen['people'], seen['best_kpt'], boxes_of, args)
    if empty:
        print(f'[demo] {empty}', flush=True)
    return 0


if __name__ == '__main__':
    run_tool(main)
