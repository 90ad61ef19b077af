#!/usr/bin/env python
"""A CPU training step of HRNet-W32 (forward, loss, backward, Adam): ours against MMPose's.

    python benchmarks/cpu_train.py            # W32 256x192, batch 4: fp32, fp32-cl, amp-bf16-cl
    python benchmarks/cpu_train.py --quick    # 128x96, batch 2, 1 round: checks the script

The CPU defaults of ``benchmarks/gpu_train.py``, which does the work (same weights, synthetic
batch, ``model.train_step`` as MMEngine's Runner runs it, interleaved rounds, medians, ratios
ours / MMPose); any of its options may follow and override these defaults, e.g.
``--batch-size 8 --rounds 7``. ``fp32-cl`` is fp32 with the model in channels_last,
``amp-bf16-cl`` bfloat16 autocast on the CPU with channels_last.
"""
import os
import os.path as osp
import sys

os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')  # before torch loads OpenMP

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from gpu_train import main  # noqa: E402

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
DEFAULTS = ['--device', 'cpu', '--config', osp.join(REPO, 'configs', 'hrnet_w32_coco_256x192.py'),
            '--batch-size', '4', '--train-modes', 'fp32,fp32-cl,amp-bf16-cl',
            '--infer-modes', 'none', '--iters', '1', '--rounds', '5', '--warmup', '1',
            '--mem-iters', '0']
QUICK = ['--input-size', '128x96', '--batch-size', '2', '--rounds', '1', '--train-modes',
         'fp32,fp32-cl']

if __name__ == '__main__':
    argv = sys.argv[1:]
    quick = '--quick' in argv
    argv = [a for a in argv if a != '--quick']
    main(DEFAULTS + (QUICK if quick else []) + argv)
