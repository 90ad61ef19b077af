"""Top-down data pipelines on the bundled COCO samples: samples/s in one process, per transform.

    python -m benchmarks.data_pipeline [--config configs/hrnet_w32_coco_256x192.py] [--rounds 5]

Times, side by side in interleaved rounds, these pipelines over the person instances of
``tests/data/coco/test_coco.json`` (12 people in 4 images, MMPose's own test sample):

* ``ours-train`` / ``ours-test``: the config's ``train_dataloader`` / ``val_dataloader``
  pipelines as they are (the paper's augmentation, the config's codec). The configs name our
  transforms that give MMPose's outputs exactly (``hrnet_ext/datasets/fast_transforms.py``):
  ``FastTopdownAffine``, ``FastGenerateTarget``, ``FastPackPoseInputs``, and in val / test
  ``CachedLoadImage``, which decodes an image once for the people of it that follow one
  another (3 per image here; COCO val2017: 6352 people in 2346 images); training decodes
  every sample (MMPose's ``LoadImage``);
* ``ours-train-mmpose-transforms`` / ``ours-test-mmpose-transforms``: the same pipelines with
  MMPose's transforms in their place (``with_mmpose_types``: ``LoadImage``,
  ``TopdownAffine``, ``GenerateTarget``, ``PackPoseInputs``), the baseline of the fast
  transforms (the same augmentation, equal outputs);
* ``ours-test-no-cache``: ``ours-test`` with MMPose's ``LoadImage`` (an image decoded per
  sample): the fast transforms alone, without the image cache;
* ``mmpose-train`` / ``mmpose-test``: MMPose's stock W32 COCO recipe
  (``td-hm_hrnet-w32_8xb64-210e_coco-256x192.py``) at the config's input size;

and over the 118 detected boxes of ``tests/data/coco/test_coco_det_AP_H_56.json`` (the same
4 images; the paper evaluates on such boxes, one sample per box, the boxes of an image one
after the other):

* ``mmpose-test-det``: MMPose's test pipeline (an image decoded per box);
* ``ours-test-det``: the config's test pipeline (fast transforms and ``CachedLoadImage``: an
  image decoded once per run of boxes).

(Before the configs named the fast transforms, ``ours-*`` were MMPose's transforms and the
fast ones were rows ``fast-train``, ``fast-test``, ``fast-test-cached`` and ``fast-test-det``:
now ``ours-train``, ``ours-test-no-cache``, ``ours-test`` and ``ours-test-det``.)

A round runs every instance through each pipeline once, starting, as a data loader worker
does, from the data set's ``get_data_info`` (counted: its time is the first share). As in a
data loader worker of an MMEngine run, torch uses one thread (PyTorch's worker loop sets it)
and OpenCV none of its own (MMEngine's ``env_cfg.mp_cfg.opencv_num_threads=0``);
``--threads N`` gives both N instead.

The table gives the median samples/s per process, the ratios to MMPose's pipeline (with the
range of the ratios within a round) and to the same pipeline with MMPose's transforms, and
the median share of each step, which shows what limits the throughput. ``--components``
adds the milliseconds of the operations behind those shares (decoding, the warp from a
flipped view, encoding, packing). ``--json PATH`` writes it all; ``--quick`` runs one round of
one pass.
"""
import argparse
import copy
import datetime
import os
import os.path as osp
import statistics
import time
from typing import Dict, List

from benchmarks.common import (
    COCO_SAMPLE,
    REPO,
    interleaved_times,
    markdown_table,
    parse_args,
    write_json,
)

SAMPLES = COCO_SAMPLE
QUICK = dict(rounds=1, repeat=1)


def arguments(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--config', default=str(REPO / 'configs' / 'hrnet_w32_coco_256x192.py'))
    p.add_argument('--rounds', type=int, default=5)
    p.add_argument('--repeat', type=int, default=5, help='passes over the samples per round')
    p.add_argument('--threads', type=int, default=1,
                   help='torch and OpenCV threads (default 1: a data loader worker)')
    p.add_argument('--no-det', action='store_true', help='skip the detected-boxes rows')
    p.add_argument('--components', action='store_true',
                   help='also time the operations the train pipeline spends its time on')
    p.add_argument('--json', default=None)
    return parse_args(p, argv, QUICK)


def mmpose_pipelines(codec: dict):
    """MMPose's stock HRNet-W32 COCO pipelines (its 1.x config), with ``codec``: MMPose's
    augmentation, with MMPose's transforms, in the frame every top-down recipe shares."""
    from hrnet_ext.datasets import with_mmpose_types
    from hrnet_ext.datasets.pipelines import topdown_eval_pipeline, topdown_train_pipeline
    train = topdown_train_pipeline(codec, augmentation=[
        dict(type='RandomFlip', direction='horizontal'),
        dict(type='RandomHalfBody'),
        dict(type='RandomBBoxTransform'),
    ])
    return with_mmpose_types(train), with_mmpose_types(topdown_eval_pipeline(codec))


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


def components(cfg, number: int = 200, repeat: int = 7) -> dict:
    """Milliseconds per call of the operations that the train pipeline's time goes to (median
    of ``repeat`` timings of ``number`` calls, each pair of ours / MMPose's interleaved)."""
    import cv2
    import numpy as np
    from mmpose.codecs import MSRAHeatmap
    from mmpose.datasets.transforms import PackPoseInputs
    from mmpose.datasets.transforms.formatting import image_to_tensor
    from mmpose.structures import PoseDataSample
    from mmpose.structures.bbox import get_warp_matrix

    from hrnet_ext.codecs import fast_encoder
    from hrnet_ext.datasets import fast_transforms as ft

    path = str(SAMPLES / '000000000785.jpg')
    data = np.fromfile(path, np.uint8)
    img = cv2.imdecode(data, cv2.IMREAD_COLOR)
    flipped = np.flip(img, axis=1)
    w, h = cfg.codec['input_size']
    mat = get_warp_matrix(np.array([320., 210.]), np.array([240., 320.]), 30., (w, h))
    codec = MSRAHeatmap(**{k: v for k, v in cfg.codec.items() if k != 'type'})
    fast_codec = fast_encoder(codec)
    rng = np.random.default_rng(0)
    kpts = (rng.uniform(0, 1, (1, 17, 2)) * [w, h]).astype(np.float32)
    vis = (rng.uniform(0, 1, (1, 17)) < 0.8).astype(np.float32)
    crop = cv2.warpAffine(img, mat, (w, h), flags=cv2.INTER_LINEAR)
    encoded = codec.encode(kpts, vis)
    sample = dict(img=crop, keypoints=kpts, keypoints_visible=vis, transformed_keypoints=kpts,
                  bbox=np.zeros((1, 4), np.float32), bbox_score=np.ones(1, np.float32),
                  bbox_scale=np.ones((1, 2), np.float32), heatmaps=encoded['heatmaps'],
                  keypoint_weights=encoded['keypoint_weights'], id=1, img_id=1, img_path=path,
                  flip=True, flip_direction='horizontal', flip_indices=list(range(17)),
                  raw_ann_info=dict(segmentation=[rng.uniform(0, 600, 130).tolist()], area=1.),
                  input_size=(w, h), input_center=np.zeros(2), input_scale=np.ones(2))
    meta = {k: sample[k] for k in PackPoseInputs().meta_keys if k in sample}
    ops = {
        'cv2.imdecode, 640x425 JPEG': lambda: cv2.imdecode(data, cv2.IMREAD_COLOR),
        f'cv2.warpAffine to {w}x{h}, C-contiguous image': lambda: cv2.warpAffine(
            img, mat, (w, h), flags=cv2.INTER_LINEAR),
        f'cv2.warpAffine to {w}x{h}, np.flip view (MMPose after RandomFlip)':
            lambda: cv2.warpAffine(flipped, mat, (w, h), flags=cv2.INTER_LINEAR),
        'np.ascontiguousarray of the np.flip view': lambda: np.ascontiguousarray(flipped),
        'cv2.flip of the unflipped view (FastTopdownAffine)': lambda: ft.unflip_view(flipped),
        'MSRAHeatmap.encode, MMPose': lambda: codec.encode(kpts, vis),
        'MSRAHeatmap.encode, ours': lambda: fast_codec.encode(kpts, vis),
        'image_to_tensor, MMPose': lambda: image_to_tensor(crop),
        'image_to_tensor, ours': lambda: ft.image_to_chw_tensor(crop),
        'PackPoseInputs, MMPose': lambda: PackPoseInputs()(dict(sample)),
        'PackPoseInputs, ours': lambda: ft.FastPackPoseInputs()(dict(sample)),
        '  of which PoseDataSample.set_metainfo (deep copy)': lambda: PoseDataSample(
            ).set_metainfo(meta),
    }
    times = {name: [] for name in ops}
    for _ in range(repeat):
        for name, op in ops.items():
            t0 = time.perf_counter()
            for _ in range(number):
                op()
            times[name].append((time.perf_counter() - t0) / number * 1e3)
    out = {name: statistics.median(times[name]) for name in ops}
    print(markdown_table(['operation', 'ms per call'],
                         [[name, f'{ms:.3f}'] for name, ms in out.items()], align='lr'))
    return out


def pipelines(cfg, no_det: bool) -> dict:
    """name: (transforms, instances, MMPose's row, the row with MMPose's transforms)."""
    from mmengine.registry import DefaultScope
    from mmpose.datasets import CocoDataset

    from hrnet_ext.datasets import with_fast_types, with_mmpose_types  # registers ours too
    with DefaultScope.overwrite_default_scope('mmpose'):
        ds = CocoDataset(data_root=str(SAMPLES), ann_file='test_coco.json', data_mode='topdown',
                         data_prefix=dict(img=''), pipeline=[], test_mode=False)
        ours_train = cfg.train_dataloader.dataset.pipeline
        ours_test = cfg.val_dataloader.dataset.pipeline
        # the same pipelines with MMPose's transforms; the test one without the image cache
        mmt_train, mmt_test = with_mmpose_types(ours_train), with_mmpose_types(ours_test)
        no_cache_test = with_fast_types(mmt_test)
        mm_train, mm_test = mmpose_pipelines(cfg.codec)
        mmt = '-mmpose-transforms'
        rows = {
            'ours-train': (build(ours_train), ds, 'mmpose-train', 'ours-train' + mmt),
            'ours-train' + mmt: (build(mmt_train), ds, 'mmpose-train', 'ours-train' + mmt),
            'mmpose-train': (build(mm_train), ds, 'mmpose-train', 'mmpose-train'),
            'ours-test': (build(ours_test), ds, 'mmpose-test', 'ours-test' + mmt),
            'ours-test-no-cache': (build(no_cache_test), ds, 'mmpose-test', 'ours-test' + mmt),
            'ours-test' + mmt: (build(mmt_test), ds, 'mmpose-test', 'ours-test' + mmt),
            'mmpose-test': (build(mm_test), ds, 'mmpose-test', 'mmpose-test'),
        }
        if not no_det:
            det = CocoDataset(data_root=str(SAMPLES), ann_file='test_coco.json',
                              data_mode='topdown',
                              bbox_file=str(SAMPLES / 'test_coco_det_AP_H_56.json'),
                              data_prefix=dict(img=''), pipeline=[], test_mode=True)
            rows['ours-test-det'] = (build(ours_test), det, 'mmpose-test-det',
                                     'mmpose-test-det')
            rows['mmpose-test-det'] = (build(mm_test), det, 'mmpose-test-det',
                                       'mmpose-test-det')
    return rows


def time_rows(rows: dict, rounds: int, repeat: int) -> tuple:
    """Samples/s per round of every row, and the share of each step in each round."""
    per_steps: Dict[str, List[List[float]]] = {name: [] for name in rows}

    def passes(name):
        transforms, instances, _, _ = rows[name]
        per_step = [0.0] * (len(transforms) + 1)
        for _ in range(repeat):
            run_once(transforms, instances, per_step)
        per_steps[name].append(per_step)

    for ts, insts, _, _ in rows.values():  # warm-up (imports, first decode)
        run_once(ts, insts, [0.0] * (len(ts) + 1))
    times = interleaved_times({name: (lambda name=name: passes(name)) for name in rows}, rounds)
    rates = {name: [repeat * len(rows[name][1]) / t for t in ts] for name, ts in times.items()}
    shares = {name: [[s / t for s in per_step] for per_step, t in zip(per_steps[name], ts)]
              for name, ts in times.items()}
    return rates, shares


def report(rows: dict, rates: dict, shares: dict) -> dict:
    """The table, and the results by row."""
    table, results = [], {}
    for name, (ts, _, base_name, same_name) in rows.items():
        rate = statistics.median(rates[name])
        base = statistics.median(rates[base_name])
        same = statistics.median(rates[same_name])
        split = [statistics.median(s[k] for s in shares[name]) for k in range(len(ts) + 1)]
        names = ['get_data_info'] + [type(t).__name__ for t in ts]
        steps = ', '.join(f'{n} {100 * s:.0f}%' for n, s in zip(names, split))
        per_round = [r / b for r, b in zip(rates[name], rates[base_name])]
        span = '' if name == base_name else f' ({min(per_round):.2f}-{max(per_round):.2f})'
        table.append([name, f'{rate:.1f}', f'{rate / base:.2f}x{span}', f'{rate / same:.2f}x',
                      steps])
        results[name] = dict(samples_per_s=rate, rounds=rates[name], vs_mmpose=rate / base,
                             vs_mmpose_transforms=rate / same,
                             share_by_step=dict(zip(names, split)))
    print(markdown_table(['pipeline', 'samples/s', 'vs MMPose', "vs MMPose's transforms",
                          'time by step'], table, align='lrrrl'))
    return results


def main(argv=None) -> dict:
    args = arguments(argv)
    import cv2
    import numpy as np
    import torch
    from mmengine.config import Config
    from mmengine.registry import init_default_scope

    torch.set_num_threads(args.threads)
    cv2.setNumThreads(0 if args.threads == 1 else args.threads)
    cfg = Config.fromfile(args.config)
    init_default_scope('mmpose')
    rows = pipelines(cfg, args.no_det)
    np.random.seed(0)
    rates, shares = time_rows(rows, args.rounds, args.repeat)
    ds = rows['ours-train'][1]
    n_img = len({ds.get_data_info(i)['img_path'] for i in range(len(ds))})
    n_det = '' if args.no_det else f' (+ {len(rows["ours-test-det"][1])} detected boxes)'
    header = (f'{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}; '
              f'{os.cpu_count()} CPUs, {args.threads} thread(s); '
              f'{osp.relpath(args.config, REPO)}; {len(ds)} instances{n_det} '
              f'in {n_img} images; {args.rounds} rounds x '
              f'{args.repeat} passes, median')
    print(header)
    out = dict(header=header, results=report(rows, rates, shares))
    if args.components:
        print()
        out['components_ms'] = components(cfg)
    write_json(args.json, out)
    return out


if __name__ == '__main__':
    main()
