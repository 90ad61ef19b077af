"""What bf16 inference changes on trained weights: AP/AR with MMPose's CocoMetric and the
keypoint displacement in image pixels, fp32 against bf16, on the bundled COCO sample.

    python -m benchmarks.bf16_accuracy     # the sample checkpoint (trained first if missing)
    python -m benchmarks.bf16_accuracy --config CONFIG --checkpoint CKPT
    python -m benchmarks.bf16_accuracy --quick    # random weights, no compiling: checks the script

**Read the figures for what they are.** By default this is the small HRNet of
``configs/sample/hrnet_tiny_coco-sample_128x96.py`` (0.7 M parameters, 128x96 input) trained
by ``tools/sample_job.py`` on the 12 people of ``tests/data/coco`` and evaluated on the same
12 people: it shows how far bf16 moves the keypoints of a trained network (whose heatmaps have
clear peaks, unlike random weights), not the AP change of HRNet-W32 on COCO val2017, which
needs COCO and its checkpoints (``--config configs/hrnet_w32_coco_256x192.py --checkpoint
...`` evaluates any COCO checkpoint on the same 12 people; the data set is always the bundled
sample, ground-truth boxes).

Without ``--checkpoint`` the script uses ``work_dirs/sample_job/epoch_450.pth`` and, when that
file is missing (or with ``--retrain``), runs ``tools/sample_job.py`` first (75-240 s on 2
cores).

Every variant runs the same test path as ``tools/test.py``: the config's test pipeline and
data preprocessor, the flip test of ``model.test_cfg``, the head's decoding, MMPose's
``CocoMetric``. Only the network (``inputs -> heatmaps``, original and flipped) differs:

* ``fp32``: the checkpoint's model, eager, as loaded (the reference);
* ``fp32-fused-cl``: BN folded + channels_last (``optimize_for_inference``);
* ``fp32-compiled``: ``compile_for_inference`` (TorchInductor, freezing; needs g++);
* ``bf16``: ``fp32-fused-cl`` under ``torch.autocast('cpu', torch.bfloat16)``;
* ``bf16-compiled``: ``compile_for_inference(bf16=True)``.

For each: AP, AP50, AP75, AR, the AP change against ``fp32``; the displacement of the
predicted keypoints against ``fp32`` in pixels of the input image: mean and max over all
people x 17 joints, mean and max over the annotated joints (those the metric scores), and
how many joints moved by more than one heatmap pixel (the box width / heatmap width, e.g. 4
image pixels for a 96-pixel-wide box at 128x96); the max heatmap difference (of the
un-flipped heatmaps). The reference is also run through the model's own ``test_step`` to
check that the harness itself changes nothing (printed). ``--quick`` runs the sample model with
seeded random weights (not trained: its figures say nothing about bf16) and no compiled variant.
"""
import argparse
import copy
import os.path as osp
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from typing import Callable, Dict, List

import numpy as np
import torch

from benchmarks.common import (
    COCO_SAMPLE,
    REPO,
    TINY_CONFIG,
    comma_list,
    markdown_table,
    parse_args,
)

SAMPLE_WORK_DIR = str(REPO / 'work_dirs' / 'sample_job')
VARIANTS = ('fp32', 'fp32-fused-cl', 'fp32-compiled', 'bf16', 'bf16-compiled')
QUICK = dict(variants='fp32,fp32-fused-cl,bf16')


def arguments(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--config', default=TINY_CONFIG)
    p.add_argument('--checkpoint', default=None,
                   help='default: work_dirs/sample_job/epoch_450.pth, trained if missing')
    p.add_argument('--retrain', action='store_true',
                   help='run tools/sample_job.py even if its checkpoint exists')
    p.add_argument('--variants', default=','.join(VARIANTS), help=f'comma list of {VARIANTS}')
    p.add_argument('--threads', type=int, default=None, help='torch intra-op threads')
    return parse_args(p, argv, QUICK)


def random_sample_checkpoint(path: str) -> str:
    """The sample config's model with seeded random weights, saved to ``path`` (``--quick``:
    checks the script, says nothing about bf16)."""
    from mmengine.registry import DefaultScope
    from mmpose.registry import MODELS

    from benchmarks.common import load_config
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmpose'):
        model = MODELS.build(load_config(TINY_CONFIG).model)
    torch.save(dict(state_dict=model.state_dict()), path)
    return path


def sample_checkpoint(retrain: bool) -> str:
    """``tools/sample_job.py``'s checkpoint, trained first if missing (or ``retrain``)."""
    from mmengine.config import Config
    epochs = Config.fromfile(TINY_CONFIG).train_cfg.max_epochs
    path = osp.join(SAMPLE_WORK_DIR, f'epoch_{epochs}.pth')
    if retrain or not osp.isfile(path):
        print(f'[bf16_accuracy] training the sample checkpoint: tools/sample_job.py '
              f'--work-dir {osp.relpath(SAMPLE_WORK_DIR, REPO)} (75-240 s on 2 cores)',
              flush=True)
        subprocess.run([sys.executable, str(REPO / 'tools' / 'sample_job.py'), '--work-dir',
                        SAMPLE_WORK_DIR], check=True, cwd=REPO)
    return path


def sample_test_config(cfg):
    """The config's test loader and metric pointed at the bundled COCO sample (GT boxes)."""
    ds = cfg.test_dataloader.dataset
    ds.data_root = str(COCO_SAMPLE) + '/'
    ds.ann_file = 'test_coco.json'
    ds.data_prefix = dict(img='')
    ds.bbox_file = None
    cfg.test_dataloader.num_workers = 0
    cfg.test_dataloader.persistent_workers = False
    cfg.test_dataloader.batch_size = 12  # all 12 people in one batch
    cfg.test_evaluator = dict(type='CocoMetric',
                              ann_file=str(COCO_SAMPLE / 'test_coco.json'))
    return cfg


@contextmanager
def network_replaced(model, net: Callable[[torch.Tensor], torch.Tensor]):
    """``model.test_step`` with ``net`` as the whole network: ``extract_feat`` returns the
    heatmaps, the head's ``forward`` passes them through; preprocessing, flip test and
    decoding stay the model's own."""
    model.extract_feat = net
    model.head.forward = lambda feats: feats
    try:
        yield model
    finally:
        del model.extract_feat
        del model.head.forward


def annotations(batches: List[dict], heatmap_width: int) -> tuple:
    """Which keypoints are annotated ``(people, K)``, and the image pixels of one heatmap
    pixel per person ``(people, 1)`` (box width / heatmap width)."""
    visible, px = [], []
    for batch in batches:
        for s in batch['data_samples']:
            visible.append(np.asarray(s.gt_instances.keypoints_visible).reshape(1, -1) > 0)
            px.append(float(np.asarray(s.metainfo['input_scale']).reshape(-1)[0])
                      / heatmap_width)
    return np.concatenate(visible), np.array(px)[:, None]


def evaluate(model, batches: List[dict], dataset_meta: dict, n: int, cfg) -> tuple:
    """Metrics of ``model.test_step`` over ``batches``, and the predicted keypoints."""
    from mmengine.evaluator import Evaluator
    evaluator = Evaluator(copy.deepcopy(cfg.test_evaluator))
    evaluator.dataset_meta = dataset_meta
    keypoints = []
    with torch.no_grad():
        for batch in batches:
            samples = model.test_step(batch)
            keypoints += [s.pred_instances.keypoints for s in samples]
            evaluator.process(data_samples=samples, data_batch=batch)
    metrics = evaluator.evaluate(n)
    return metrics, np.concatenate(keypoints)  # (people, K, 2)


def networks(model, example: torch.Tensor, variants: List[str]) -> tuple:
    """``x -> heatmaps`` of every variant (each on a copy of ``model``), and the seconds each
    compiled one took to compile."""
    from hrnet_ext.deploy import compile_for_inference, optimize_for_inference
    cl = torch.channels_last
    reference = copy.deepcopy(model)
    nets, compile_s = {'fp32': reference._forward}, {}
    if 'fp32-fused-cl' in variants or 'bf16' in variants:
        fused = optimize_for_inference(model)
        nets['fp32-fused-cl'] = lambda x: fused._forward(x.contiguous(memory_format=cl))

        def bf16(x):
            with torch.autocast('cpu', dtype=torch.bfloat16):
                return fused._forward(x.contiguous(memory_format=cl)).float()
        nets['bf16'] = bf16
    for name, use_bf16 in (('fp32-compiled', False), ('bf16-compiled', True)):
        if name in variants:
            start = time.perf_counter()
            nets[name] = compile_for_inference(model, example, bf16=use_bf16)
            compile_s[name] = time.perf_counter() - start
            print(f'[bf16_accuracy] {name}: compiled in {compile_s[name]:.1f} s', flush=True)
    return nets, compile_s


def evaluate_variants(model, nets: dict, variants: List[str], batches, meta, n, cfg) -> dict:
    """Metrics, keypoints and un-flipped heatmaps of every variant through the model's own
    test path, and the check that the harness itself changes nothing (printed)."""
    own_metrics, own_kpts = evaluate(model, batches, meta, n, cfg)
    results = {}
    for name in ['fp32'] + [v for v in variants if v != 'fp32']:
        heatmaps: List[torch.Tensor] = []

        def net(x, _net=nets[name], _out=heatmaps):
            out = _net(x)
            _out.append(out.detach().float().contiguous())
            return out
        with network_replaced(model, net):
            metrics, kpts = evaluate(model, batches, meta, n, cfg)
        results[name] = dict(metrics=metrics, keypoints=kpts, heatmaps=heatmaps[::2])
    ref = results['fp32']
    harness = float(np.abs(ref['keypoints'] - own_kpts).max())
    same_metrics = all(abs(own_metrics[k] - ref['metrics'][k]) < 1e-9 for k in own_metrics)
    print(f'[bf16_accuracy] check: fp32 through the harness vs the model\'s own test_step: '
          f'max keypoint difference {harness:.2g} px, metrics equal: {same_metrics}')
    return results


def report(results: dict, visible: np.ndarray, heatmap_px: np.ndarray,
           compile_s: dict, n: int) -> None:
    """Changes against fp32 into ``results``, and the table."""
    ref = results['fp32']
    rows = []
    for name, r in results.items():
        m = r['metrics']
        shift = np.linalg.norm(r['keypoints'] - ref['keypoints'], axis=-1)  # (people, K)
        hm = max(float((a - b).abs().max()) for a, b in zip(r['heatmaps'], ref['heatmaps']))
        moved = int((shift > heatmap_px).sum())
        r.update(ap_change=m['coco/AP'] - ref['metrics']['coco/AP'],
                 shift_mean_px=float(shift.mean()), shift_max_px=float(shift.max()),
                 shift_annotated_mean_px=float(shift[visible].mean()),
                 shift_annotated_max_px=float(shift[visible].max()),
                 moved_over_one_heatmap_px=moved, heatmap_max_diff=hm,
                 compile_s=compile_s.get(name))
        rows.append([name, f'{m["coco/AP"]:.3f}', f'{m["coco/AP .5"]:.3f}',
                     f'{m["coco/AP .75"]:.3f}', f'{m["coco/AR"]:.3f}', f'{r["ap_change"]:+.3f}',
                     f'{r["shift_mean_px"]:.2f} / {r["shift_max_px"]:.1f}',
                     f'{r["shift_annotated_mean_px"]:.2f} / {r["shift_annotated_max_px"]:.1f}',
                     f'{moved} of {shift.size}', f'{hm:.1e}'])
    heatmap_max = max(float(h.abs().max()) for h in ref['heatmaps'])
    headers = ['variant', 'AP', 'AP50', 'AP75', 'AR', 'AP change',
               'keypoint shift mean / max (px)', 'annotated joints: mean / max (px)',
               'moved > 1 heatmap px', 'max |heatmap diff|']
    print()
    print(markdown_table(headers, rows, align='l' + 'r' * (len(headers) - 1)))
    print(f'\n{n} people x {ref["keypoints"].shape[1]} keypoints ({int(visible.sum())} '
          f'annotated); shifts in pixels of the input image, against fp32; one heatmap pixel '
          f'is {heatmap_px.min():.1f}-{heatmap_px.max():.1f} image pixels here; heatmaps of '
          f'max {heatmap_max:.2f} (fp32).')


def main(argv=None) -> Dict[str, dict]:
    args = arguments(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    variants = comma_list(args.variants, VARIANTS, 'variants')
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmengine.runner import Runner

    import hrnet_ext  # noqa: F401  (registries, safe checkpoint loading)
    from hrnet_ext.apis import init_model
    from hrnet_ext.deploy import check_cpp_compiler

    with tempfile.TemporaryDirectory() as tmp:
        if args.quick and not args.checkpoint:
            checkpoint = random_sample_checkpoint(osp.join(tmp, 'random.pth'))
        else:
            checkpoint = args.checkpoint or sample_checkpoint(args.retrain)
        cfg = sample_test_config(Config.fromfile(args.config))
        init_default_scope(cfg.get('default_scope', 'mmpose'))
        model = init_model(cfg, checkpoint, device='cpu').eval()
    loader = Runner.build_dataloader(cfg.test_dataloader)
    batches = list(loader)
    n = len(loader.dataset)
    n_params = sum(p.numel() for p in model.parameters())
    print(f'[bf16_accuracy] {osp.relpath(args.config, REPO)} + {osp.relpath(checkpoint, REPO)} '
          f'({n_params / 1e6:.2f} M parameters), {n} people of the bundled COCO sample '
          f'(tests/data/coco, ground-truth boxes), flip test {model.test_cfg.get("flip_test")}, '
          f'torch {torch.__version__}, {torch.get_num_threads()} threads', flush=True)
    if args.quick and not args.checkpoint:
        print('[bf16_accuracy] NOTE: --quick: random weights, the figures mean nothing',
              flush=True)
    elif osp.abspath(args.config) == TINY_CONFIG:
        print('[bf16_accuracy] NOTE: a tiny HRNet trained and evaluated on the same 12 people: '
              'the keypoint change of bf16 on trained weights, not a COCO val2017 AP change',
              flush=True)
    if any(v.endswith('compiled') for v in variants):
        try:
            check_cpp_compiler()
        except RuntimeError as exc:
            print(f'[bf16_accuracy] skipping the compiled variants: {exc}')
            variants = [v for v in variants if not v.endswith('compiled')]

    # The networks (x -> heatmaps), built before the model is patched: each is a copy.
    example = model.data_preprocessor(batches[0], False)['inputs']
    nets, compile_s = networks(model, example, variants)
    results = evaluate_variants(model, nets, variants, batches, loader.dataset.metainfo, n, cfg)
    visible, heatmap_px = annotations(batches, int(model.head.decoder.heatmap_size[0]))
    report(results, visible, heatmap_px, compile_s, n)
    return results


if __name__ == '__main__':
    main()
