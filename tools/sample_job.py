"""The main job on the bundled sample: train, evaluate, predict, draw.

    .venv/bin/python tools/sample_job.py [--work-dir work_dirs/sample_job] [--epochs 40]

1. trains configs/sample/hrnet_tiny_coco-sample_128x96.py (the paper's COCO recipe and
   pipeline, shrunk to a small HRNet at 128x96) on the 12 people of tests/data/coco, with
   MMEngine's Runner, evaluating with MMPose's CocoMetric as it goes;
2. tests the last checkpoint on the same people (ground-truth boxes) and prints AP/AR;
3. runs the trained model on tests/data/demo/human-pose.jpeg through MMPose's
   inference API and writes the picture with the skeleton drawn and a JSON of keypoints.

A sample of 4 images proves the wiring, not accuracy. The real thing, on COCO:
    tools/dist_train.sh configs/hrnet_w32_coco_256x192.py 8
    tools/dist_test.sh configs/hrnet_w32_coco_256x192.py work_dirs/.../best_coco_AP_*.pth 8
"""
import json
import os.path as osp
import time

import hrnet_ext  # noqa: F401  (stack check, safe checkpoint loading)
from hrnet_ext.engine.cli import ToolArgumentParser, run_tool

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIG = osp.join(REPO, 'configs', 'sample', 'hrnet_tiny_coco-sample_128x96.py')
DEMO_IMAGE = osp.join(REPO, 'tests', 'data', 'demo', 'human-pose.jpeg')


def main(argv=None) -> None:
    parser = ToolArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--work-dir', default=osp.join('work_dirs', 'sample_job'))
    parser.add_argument('--epochs', type=int, default=None, help='default: the config\'s')
    parser.add_argument('--verbose', action='store_true',
                        help="MMEngine's start-up log in full (default: a summary)")
    args = parser.parse_args(argv)

    from mmengine.config import Config

    from hrnet_ext.engine.config_check import prepare_config
    from hrnet_ext.engine.runner import build_runner

    start = time.time()
    cfg = Config.fromfile(CONFIG)
    cfg.work_dir = args.work_dir
    if args.epochs is not None:
        cfg.train_cfg.max_epochs = args.epochs
    prepare_config(cfg)
    runner = build_runner(cfg, verbose=args.verbose)
    n_params = sum(p.numel() for p in runner.model.parameters())
    print(f'[sample_job] model: HRNet ({n_params:,} parameters) from {osp.relpath(CONFIG, REPO)}')
    runner.train()
    metrics = runner.test()
    print('[sample_job] test on the bundled COCO sample (ground-truth boxes): ' +
          ', '.join(f'{k}={v:.3f}' for k, v in metrics.items()))

    from mmpose.apis import inference_topdown, init_model
    from mmpose.structures import merge_data_samples

    from hrnet_ext.visualization import PoseLocalVisualizer

    checkpoint = osp.join(args.work_dir, f'epoch_{cfg.train_cfg.max_epochs}.pth')
    model = init_model(cfg, checkpoint, device='cpu')
    results = inference_topdown(model, DEMO_IMAGE)  # the whole image as the person box
    sample = merge_data_samples(results)
    visualizer = PoseLocalVisualizer(name='sample_job', radius=3, line_width=2)
    visualizer.set_dataset_meta(model.dataset_meta)
    import mmcv
    image = mmcv.imread(DEMO_IMAGE, channel_order='rgb')
    out_image = osp.join(args.work_dir, 'human-pose_pred.jpg')
    visualizer.add_datasample('pred', image, data_sample=sample, draw_gt=False,
                              kpt_thr=0.0, out_file=out_image)
    instances = sample.pred_instances
    out_json = osp.join(args.work_dir, 'human-pose_pred.json')
    with open(out_json, 'w') as f:
        json.dump(dict(image=osp.relpath(DEMO_IMAGE, REPO),
                       keypoints=instances.keypoints.tolist(),
                       keypoint_scores=instances.keypoint_scores.tolist()), f)
    print(f'[sample_job] wrote {out_image} and {out_json} ({time.time() - start:.0f} s in all)')


if __name__ == '__main__':
    run_tool(main)
