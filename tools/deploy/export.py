"""Export a top-down HRNet for CPU deployment, quantize it to int8 and check every model.

    python tools/deploy/export.py CONFIG CHECKPOINT [--out-dir DIR]
        [--targets openvino:int8 openvino:bf16 ...] [--calib-data DATA_ROOT ANN_FILE]
        [--calib-size 300] [--held-out-size 500] [--max-ap-drop 0.01] [--force]

Writes into DIR (default: beside the checkpoint, ``<name>_deploy/``) the fp32 ``.onnx``
(ONNX Runtime fp32, OpenVINO fp32 and bf16 run it), the OpenVINO int8 model
(``.int8.xml``/``.bin``, NNCF) and the ONNX Runtime int8 model (``.int8.onnx``, QDQ), and
``<name>.export.json``: for each model, the keypoint displacement against the PyTorch fp32
model (mean, 95th percentile and max, in image pixels) and the config's metric (AP, PCKh)
with its drop, on people held out from calibration.

Calibration and the gate use real images through the config's val pipeline: the config's
val set by default, or ``--calib-data`` (same format). The images are split by image:
calibration takes up to ``--calib-size`` people (at most half the images), the gate the rest
(up to ``--held-out-size`` people). A model whose metric drops by more than
``--max-ap-drop`` is refused: not written, exit status 1, unless ``--force``.
Needs ``bash tools/install.sh --openvino`` (OpenVINO, NNCF, ONNX Runtime).
"""
import os.path as osp

from hrnet_ext.engine.cli import ToolArgumentParser, ToolError, run_tool


def parse_args(argv=None):
    import argparse

    from hrnet_ext.deploy.exporter import ALL_TARGETS
    parser = ToolArgumentParser(
        description=__doc__.split('\n\n')[0],
        formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split('\n\n', 1)[1])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out-dir', help='default: <checkpoint name>_deploy beside it')
    parser.add_argument('--targets', nargs='+', metavar='BACKEND:PRECISION',
                        default=[f'{b}:{p}' for b, p in ALL_TARGETS],
                        help='default: ' + ' '.join(f'{b}:{p}' for b, p in ALL_TARGETS))
    parser.add_argument('--calib-data', nargs=2, metavar=('DATA_ROOT', 'ANN_FILE'),
                        help="default: the config's val set")
    parser.add_argument('--calib-size', type=int, default=300, help='people (crops)')
    parser.add_argument('--held-out-size', type=int, default=500, help='people (crops)')
    parser.add_argument('--max-ap-drop', type=float, default=0.01)
    parser.add_argument('--force', action='store_true', help='keep refused models')
    parser.add_argument('--keep-fp', nargs='+', default=[], metavar='NODE',
                        help='operations left in floating point by the int8 quantizers')
    parser.add_argument('--threads', type=int, help="backends' threads (default: theirs)")
    args = parser.parse_args(argv)
    targets = []
    for target in args.targets:
        backend, _, precision = target.partition(':')
        if (backend, precision) not in ALL_TARGETS:
            parser.error(f'unknown target {target!r}: use BACKEND:PRECISION, one of '
                         + ', '.join(f'{b}:{p}' for b, p in ALL_TARGETS))
        targets.append((backend, precision))
    args.targets = targets
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if not osp.isfile(args.checkpoint):
        raise ToolError(f'no such checkpoint: {args.checkpoint}.')
    if any(b == 'openvino' for b, _ in args.targets):  # before the export: say it now
        from hrnet_ext.deploy.openvino_runtime import import_openvino
        import_openvino(with_nncf=True)
    import hrnet_ext  # noqa: F401  (safe checkpoint loading)
    from hrnet_ext.deploy.accuracy_gate import summary_table
    from hrnet_ext.deploy.exporter import export_and_check
    out_dir = args.out_dir or osp.splitext(args.checkpoint)[0] + '_deploy'
    files, reports, _ = export_and_check(
        args.config, args.checkpoint, out_dir, args.targets, args.calib_data, args.calib_size,
        args.held_out_size, args.max_ap_drop, args.force, args.keep_fp, args.threads)
    print(summary_table(reports))
    refused = [r for r in reports if not r.passed]
    if refused and not args.force:
        print(f'[export] refused: {", ".join(f"{r.backend} {r.precision}" for r in refused)} '
              f'(metric drop above --max-ap-drop {args.max_ap_drop}); not written. '
              'Calibrate on more images (--calib-data, --calib-size), keep sensitive layers '
              'in floating point (--keep-fp), or --force.')
        return 1
    return 0


if __name__ == '__main__':
    run_tool(main)
