#!/usr/bin/env python
"""Top-down data pipelines on the bundled COCO samples: samples/s in one process, per transform.

    python benchmarks/pipeline.py [--config configs/hrnet_w32_coco_256x192.py] [--rounds 5]

Times, side by side in interleaved rounds, four pipelines over the person instances of
``tests/data/coco/test_coco.json`` (4 images, MMPose's own test sample):

* ``ours-train`` / ``ours-test``: the config's ``train_dataloader`` / ``val_dataloader``
  pipelines (the paper's augmentation, ``GenerateTarget`` with the config's codec);
* ``mmpose-train`` / ``mmpose-test``: MMPose's stock W32 COCO recipe
  (``td-hm_hrnet-w32_8xb64-210e_coco-256x192.py``) at the config's input size.

A round runs every instance through each pipeline once (image decoding included: nothing is
cached, as in training). The table gives the median samples/s per process and the median
share of each transform, which shows what limits the throughput. ``--json PATH`` writes it all.
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


def build(pipeline):
    from mmpose.registry import TRANSFORMS
    return [TRANSFORMS.build(copy.deepcopy(t)) for t in pipeline]


def run_once(transforms, infos, per_step):
    """Every instance through ``transforms``; adds each transform's seconds to ``per_step``."""
    for info in infos:
        results = copy.deepcopy(info)
        for k, t in enumerate(transforms):
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
    p.add_argument('--json', default=None)
    args = p.parse_args(argv)

    import numpy as np
    from mmengine.config import Config
    from mmengine.registry import DefaultScope, init_default_scope
    from mmpose.datasets import CocoDataset

    import hrnet_ext.datasets  # noqa: F401  (registers our transforms)

    cfg = Config.fromfile(args.config)
    init_default_scope('mmpose')
    with DefaultScope.overwrite_default_scope('mmpose'):
        ds = CocoDataset(data_root=SAMPLES, ann_file='test_coco.json', data_mode='topdown',
                         data_prefix=dict(img=''), pipeline=[], test_mode=False)
        infos = [ds.get_data_info(i) for i in range(len(ds))]
        mm_train, mm_test = mmpose_pipelines(cfg.codec)
        pipelines = {
            'ours-train': build(cfg.train_dataloader.dataset.pipeline),
            'mmpose-train': build(mm_train),
            'ours-test': build(cfg.val_dataloader.dataset.pipeline),
            'mmpose-test': build(mm_test),
        }
    np.random.seed(0)
    for ts in pipelines.values():  # warm-up (imports, first decode)
        run_once(ts, infos, [0.0] * len(ts))
    rates = {name: [] for name in pipelines}
    shares = {name: [] for name in pipelines}
    for _ in range(args.rounds):
        for name, ts in pipelines.items():
            per_step = [0.0] * len(ts)
            t0 = time.perf_counter()
            for _ in range(args.repeat):
                run_once(ts, infos, per_step)
            dt = time.perf_counter() - t0
            rates[name].append(args.repeat * len(infos) / dt)
            shares[name].append([s / dt for s in per_step])
    header = (f'{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}; '
              f'{os.cpu_count()} CPUs; {osp.relpath(args.config, REPO)}; {len(infos)} instances '
              f'in {len({i["img_path"] for i in infos})} images; {args.rounds} rounds x '
              f'{args.repeat} passes, median')
    print(header)
    print('| pipeline | samples/s | vs MMPose | time by transform |')
    print('|---|---:|---:|---|')
    out = dict(header=header, results={})
    for name, ts in pipelines.items():
        rate = statistics.median(rates[name])
        base = statistics.median(rates['mmpose-' + name.split('-')[1]])
        split = [statistics.median(s[k] for s in shares[name]) for k in range(len(ts))]
        steps = ', '.join(f'{type(t).__name__} {100 * s:.0f}%' for t, s in zip(ts, split))
        print(f'| {name} | {rate:.1f} | {rate / base:.2f}x | {steps} |')
        out['results'][name] = dict(samples_per_s=rate, rounds=rates[name],
                                    share_by_transform=dict(
                                        zip([type(t).__name__ for t in ts], split)))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(out, f, indent=1)
    return out


if __name__ == '__main__':
    main()
