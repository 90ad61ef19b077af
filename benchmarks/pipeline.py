#!/usr/bin/env python
"""Top-down data pipelines on the bundled COCO samples: samples/s in one process, per transform.

    python benchmarks/pipeline.py [--config configs/hrnet_w32_coco_256x192.py] [--rounds 5]

Times, side by side in interleaved rounds, these pipelines over the person instances of
``tests/data/coco/test_coco.json`` (12 people in 4 images, MMPose's own test sample):

* ``ours-train`` / ``ours-test``: the config's ``train_dataloader`` / ``val_dataloader``
  pipelines (the paper's augmentation, ``GenerateTarget`` with the config's codec);
* ``mmpose-train`` / ``mmpose-test``: MMPose's stock W32 COCO recipe
  (``td-hm_hrnet-w32_8xb64-210e_coco-256x192.py``) at the config's input size;
* ``fast-train`` / ``fast-test``: the config's pipelines with our transforms that give
  MMPose's outputs exactly (``hrnet_ext/datasets/fast_transforms.py``):
  ``FastTopdownAffine``, ``FastGenerateTarget``, ``FastPackPoseInputs``; images are still
  decoded for every sample, as in training;
* ``fast-test-cached``: ``fast-test`` with ``CachedLoadImage``, which decodes an image once
  for the people of it that follow one another (3 per image here; COCO val2017: 6352 people
  in 2346 images);

and over the 118 detected boxes of ``tests/data/coco/test_coco_det_AP_H_56.json`` (the same
4 images; the paper evaluates on such boxes, one sample per box, the boxes of an image one
after the other):

* ``mmpose-test-det``: MMPose's test pipeline (an image decoded per box);
* ``fast-test-det``: the config's test pipeline with the fast transforms and
  ``CachedLoadImage`` (an image decoded once per run of boxes).

A round runs every instance through each pipeline once, starting, as a data loader worker
does, from the data set's ``get_data_info`` (counted: its time is the first share). As in a
data loader worker of an MMEngine run, torch uses one thread (PyTorch's worker loop sets it)
and OpenCV none of its own (MMEngine's ``env_cfg.mp_cfg.opencv_num_threads=0``);
``--threads N`` gives both N instead.
The table gives the median samples/s per process, the ratios to MMPose's pipeline and to
the same pipeline with MMPose's transforms, and the median share of each transform, which
shows what limits the throughput. ``--json PATH`` writes it all.
"""
import os

os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')

import argparse  # noqa: E402
import copy  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import os.path as osp  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
if REPO not in sys.path:
    sys.path.insert(0, REPO)
SAMPLES = osp.join(REPO, 'tests', 'data', 'coco')


def mmpose_pipelines(codec: dict):
    """MMPose's stock HRNet-W32 COCO pipelines (its 1.x config), with ``codec``."""
    train = [
        dict(type='LoadImage'),
        dict(type='GetBBoxCenterScale'),
        dict(type='RandomFlip', direction='horizontal'),
        dict(type='RandomHalfBody'),
        dict(type='RandomBBoxTransform'),
        dict(type='TopdownAffine', input_size=codec['input_size']),
        dict(type='GenerateTarget', encoder=codec),
        dict(type='PackPoseInputs'),
    ]
    test = [
        dict(type='LoadImage'),
        dict(type='GetBBoxCenterScale'),
        dict(type='TopdownAffine', input_size=codec['input_size']),
        dict(type='PackPoseInputs'),
    ]
    return train, test


FAST = dict(TopdownAffine='hrnet_ext.FastTopdownAffine',
            GenerateTarget='hrnet_ext.FastGenerateTarget',
            PackPoseInputs='hrnet_ext.FastPackPoseInputs')


def fast(pipeline, cached_load: bool = False):
    """``pipeline`` with our equal-output transforms in place of MMPose's."""
    names = dict(FAST, LoadImage='hrnet_ext.CachedLoadImage') if cached_load else FAST
    return [dict(step, type=names.get(step['type'], step['type'])) for step in pipeline]


def build(pipeline):
    from mmpose.registry import TRANSFORMS
    return [TRANSFORMS.build(copy.deepcopy(t)) for t in pipeline]


def run_once(transforms, dataset, per_step):
    """Every instance of ``dataset`` through ``transforms``; adds the seconds of
    ``get_data_info`` and then of each transform to ``per_step``.

    A pass starts with empty image caches, as if its images had not been seen before.
    """
    for t in transforms:
        if hasattr(t, 'clear_cache'):
            t.clear_cache()
    for i in range(len(dataset)):
        t0 = time.perf_counter()
        results = dataset.get_data_info(i)
        per_step[0] += time.perf_counter() - t0
        for k, t in enumerate(transforms, 1):
            t0 = time.perf_counter()
            results = t(results)
            per_step[k] += time.perf_counter() - t0
            if results is None:
                break


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--config', default=osp.join(REPO, 'configs', 'hrnet_w32_coco_256x192.py'))
    p.add_argument('--rounds', type=int, default=5)
    p.add_argument('--repeat', type=int, default=5, help='passes over the samples per round')
    p.add_argument('--threads', type=int, default=1,
                   help='torch and OpenCV threads (default 1: a data loader worker)')
    p.add_argument('--no-det', action='store_true', help='skip the detected-boxes rows')
    p.add_argument('--json', default=None)
    args = p.parse_args(argv)

    import cv2
    import numpy as np
    import torch
    from mmengine.config import Config
    from mmengine.registry import DefaultScope, init_default_scope
    from mmpose.datasets import CocoDataset

    import hrnet_ext.datasets  # noqa: F401  (registers our transforms)

    torch.set_num_threads(args.threads)
    cv2.setNumThreads(0 if args.threads == 1 else args.threads)
    cfg = Config.fromfile(args.config)
    init_default_scope('mmpose')
    with DefaultScope.overwrite_default_scope('mmpose'):
        ds = CocoDataset(data_root=SAMPLES, ann_file='test_coco.json', data_mode='topdown',
                         data_prefix=dict(img=''), pipeline=[], test_mode=False)
        ours_train = cfg.train_dataloader.dataset.pipeline
        ours_test = cfg.val_dataloader.dataset.pipeline
        mm_train, mm_test = mmpose_pipelines(cfg.codec)
        # name: (transforms, instances, MMPose's row, the row with MMPose's transforms)
        rows = {
            'ours-train': (build(ours_train), ds, 'mmpose-train', 'ours-train'),
            'mmpose-train': (build(mm_train), ds, 'mmpose-train', 'mmpose-train'),
            'fast-train': (build(fast(ours_train)), ds, 'mmpose-train', 'ours-train'),
            'ours-test': (build(ours_test), ds, 'mmpose-test', 'ours-test'),
            'mmpose-test': (build(mm_test), ds, 'mmpose-test', 'mmpose-test'),
            'fast-test': (build(fast(ours_test)), ds, 'mmpose-test', 'ours-test'),
            'fast-test-cached': (build(fast(ours_test, cached_load=True)), ds, 'mmpose-test',
                                 'ours-test'),
        }
        if not args.no_det:
            det = CocoDataset(data_root=SAMPLES, ann_file='test_coco.json', data_mode='topdown',
                              bbox_file=osp.join(SAMPLES, 'test_coco_det_AP_H_56.json'),
                              data_prefix=dict(img=''), pipeline=[], test_mode=True)
            rows['mmpose-test-det'] = (build(mm_test), det, 'mmpose-test-det',
                                       'mmpose-test-det')
            rows['fast-test-det'] = (build(fast(ours_test, cached_load=True)), det,
                                     'mmpose-test-det', 'mmpose-test-det')
    np.random.seed(0)
    for ts, insts, _, _ in rows.values():  # warm-up (imports, first decode)
        run_once(ts, insts, [0.0] * (len(ts) + 1))
    rates = {name: [] for name in rows}
    shares = {name: [] for name in rows}
    for _ in range(args.rounds):
        for name, (ts, insts, _, _) in rows.items():
            per_step = [0.0] * (len(ts) + 1)
            t0 = time.perf_counter()
            for _ in range(args.repeat):
                run_once(ts, insts, per_step)
            dt = time.perf_counter() - t0
            rates[name].append(args.repeat * len(insts) / dt)
            shares[name].append([s / dt for s in per_step])
    n_img = len({ds.get_data_info(i)['img_path'] for i in range(len(ds))})
    n_det = '' if args.no_det else f' (+ {len(det)} detected boxes)'
    header = (f'{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}; '
              f'{os.cpu_count()} CPUs, {args.threads} thread(s); '
              f'{osp.relpath(args.config, REPO)}; {len(ds)} instances{n_det} '
              f'in {n_img} images; {args.rounds} rounds x '
              f'{args.repeat} passes, median')
    print(header)
    print('| pipeline | samples/s | vs MMPose | vs MMPose\'s transforms | time by step |')
    print('|---|---:|---:|---:|---|')
    out = dict(header=header, results={})
    for name, (ts, _, base_name, same_name) in rows.items():
        rate = statistics.median(rates[name])
        base = statistics.median(rates[base_name])
        same = statistics.median(rates[same_name])
        split = [statistics.median(s[k] for s in shares[name]) for k in range(len(ts) + 1)]
        names = ['get_data_info'] + [type(t).__name__ for t in ts]
        steps = ', '.join(f'{n} {100 * s:.0f}%' for n, s in zip(names, split))
        print(f'| {name} | {rate:.1f} | {rate / base:.2f}x | {rate / same:.2f}x | {steps} |')
        out['results'][name] = dict(samples_per_s=rate, rounds=rates[name],
                                    vs_mmpose=rate / base, vs_mmpose_transforms=rate / same,
                                    share_by_step=dict(zip(names, split)))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(out, f, indent=1)
    return out


if __name__ == '__main__':
    main()
