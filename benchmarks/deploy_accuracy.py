"""Keypoint fidelity of every deployment path on trained weights, and what int8 needs.

    python -m benchmarks.deploy_accuracy                    # trains the sample HRNet first
    python -m benchmarks.deploy_accuracy --checkpoint CKPT [--config CONFIG]
    python -m benchmarks.deploy_accuracy --quick            # 20 training iterations: checks
                                                            # the script, figures mean nothing

Without ``--checkpoint`` it trains configs/sample's HRNet with ``tools/train.py`` on the
bundled COCO sample (the config's 450 iterations, about a minute), then

1. exports it for every backend and precision with ``tools/deploy/export.py``'s code
   (:func:`hrnet_ext.deploy.exporter.export_and_check`): the keypoint displacement against
   PyTorch fp32 (mean, p95, max, image pixels) and the config's AP, on people held out from
   calibration;
2. measures the int8 choices of :func:`hrnet_ext.deploy.quantize_openvino` instead of
   assuming them: its default (``'auto'``: of the min/max ranges and the mean of the
   per-crop extremes, the one that moves the calibration crops' heatmap maxima least) against
   each range estimator alone and NNCF's defaults, calibration on the crops alone (the export's
   default) against the crops and their mirror images (what a model with flip test also
   runs on), and the stem (the first two convolutions) or the head's final convolution kept
   in floating point.

Prints two markdown tables (docs/deploy.md quotes them); ``--json PATH`` writes them.
"""
import argparse
import os.path as osp
import subprocess
import sys
import tempfile

from benchmarks.common import markdown_table, parse_args, write_json

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
SAMPLE = osp.join(REPO, 'configs', 'sample', 'hrnet_tiny_coco-sample_128x96.py')


def arguments(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--config', default=SAMPLE)
    p.add_argument('--checkpoint', help='default: train the sample HRNet first')
    p.add_argument('--train-iters', type=int, default=450,
                   help="without --checkpoint: iterations of the sample's training")
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--json', default=None)
    return parse_args(p, argv, dict(train_iters=20))


def train_sample(work_dir: str, iters: int) -> str:
    """tools/train.py on the sample config (``iters`` iterations of its 12 people, the
    schedule's last ``iters // 9`` at lr x0.1 as in the config); the final checkpoint."""
    cmd = [sys.executable, 'tools/train.py', SAMPLE, '--work-dir', work_dir, '--cfg-options',
           f'train_cfg.max_epochs={iters}', f'train_cfg.val_interval={iters}',
           f'default_hooks.checkpoint.interval={iters}', f'param_scheduler.0.end={iters}',
           f'param_scheduler.0.milestones=[{iters - iters // 9}]']
    subprocess.run(cmd, cwd=REPO, check=True, capture_output=True)
    return osp.join(work_dir, f'epoch_{iters}.pth')


def int8_choices(config: str, checkpoint: str, folder: str, threads: int) -> list:
    """One gate report per int8 variant of :func:`quantize_openvino`."""
    from hrnet_ext.apis.init_model import init_model, load_model_config
    from hrnet_ext.deploy import (
        compare_predictions,
        export_onnx,
        load_deployed_model,
        predict_samples,
        quantize_openvino,
    )
    from hrnet_ext.deploy.quantize import (
        activation_ranges_of,
        calibration_crops,
        calibration_split,
        conv_names,
    )
    cfg = load_model_config(config)
    model = init_model(cfg, checkpoint, device='cpu').eval()
    split = calibration_split(cfg)
    crops = calibration_crops(split, model.data_preprocessor)
    onnx_file = export_onnx(model, osp.join(folder, 'net.onnx'))
    convs = conv_names(onnx_file)
    reference = predict_samples(model, split.dataset, split.held_out_indices)
    auto = 'auto: min/max or mean of extremes, the one that moves calibration crops least'
    variants = [(auto + ' (default)', {}, 'auto'),
                ('min/max ranges, asymmetric', {}, 'minmax'),
                ('mean of per-crop extremes without outliers, asymmetric', {},
                 'mean-no-outliers'),
                ('NNCF default ranges (mean of extremes, symmetric)', {}, 'nncf-default'),
                ('auto, stem kept fp32', dict(keep_fp=convs[:2]), 'auto'),
                ('auto, head kept fp32', dict(keep_fp=convs[-1:]), 'auto'),
                ('auto, stem and head kept fp32', dict(keep_fp=convs[:2] + convs[-1:]), 'auto')]
    if cfg.model.test_cfg.get('flip_test', False):  # flip test also runs mirrored crops
        variants.insert(4, ('auto, calibrated on the crops and their mirror images', dict(
            crops=calibration_crops(split, model.data_preprocessor, mirrored=True)), 'auto'))
    rows = []
    for name, kwargs, ranges in variants:
        kwargs = {'crops': crops, **kwargs}
        xml = quantize_openvino(onnx_file, out_xml=osp.join(folder, 'net.int8.xml'),
                                activation_ranges=ranges, **kwargs)
        deployed = load_deployed_model(cfg, xml, 'openvino', 'int8', threads=threads)
        report = compare_predictions(
            reference, predict_samples(deployed, split.dataset, split.held_out_indices), cfg,
            model.dataset_meta, 'openvino', 'int8')
        rows.append(dict(variant=name, ranges=activation_ranges_of(xml), **report.as_dict()))
    return rows


def main(argv=None) -> dict:
    args = arguments(argv)
    import hrnet_ext  # noqa: F401
    from hrnet_ext.deploy.exporter import export_and_check
    with tempfile.TemporaryDirectory() as folder:
        checkpoint = args.checkpoint or train_sample(osp.join(folder, 'train'), args.train_iters)
        _, reports, _ = export_and_check(args.config, checkpoint, osp.join(folder, 'export'),
                                         threads=args.threads, log=lambda line: None)
        choices = int8_choices(args.config, checkpoint, folder, args.threads)

    def cells(r: dict) -> list:
        metric = '-' if r['metric'] is None else f'{r["metric"]:.4f}'
        drop = '-' if r['drop'] is None else f'{r["drop"]:+.4f}'
        return [str(r['people']), f'{r["mean_px"]:.3f}', f'{r["p95_px"]:.3f}',
                f'{r["max_px"]:.3f}', metric, drop]

    header = ['people', 'mean px', 'p95 px', 'max px', 'AP', 'AP drop']
    ref = reports[0].reference_metric
    print(f'{args.config} {checkpoint if args.checkpoint else "(trained now)"}; held-out AP '
          f'of PyTorch fp32: {ref:.4f}')
    print(markdown_table(['backend', 'precision'] + header,
                         [[r.backend, r.precision] + cells(r.as_dict()) for r in reports],
                         align='ll' + 'r' * 6))
    print()
    print(markdown_table(['OpenVINO int8 variant', 'ranges used'] + header,
                         [[r['variant'], r['ranges']] + cells(r) for r in choices],
                         align='ll' + 'r' * 6))
    results = dict(exports=[r.as_dict() for r in reports], int8_choices=choices)
    write_json(args.json, results)
    return results


if __name__ == '__main__':
    main()
