"""A CPU training step of HRNet-W32 (forward, loss, backward, Adam): ours against MMPose's.

    python -m benchmarks.cpu_train            # W32 256x192, batch 4: fp32, fp32-cl, amp-bf16-cl
    python -m benchmarks.cpu_train --quick    # the sample HRNet, batch 2, 1 round: a check

The CPU presets of :mod:`benchmarks.train_throughput`, which does the work (same weights,
synthetic batch, ``model.train_step`` as MMEngine's Runner runs it, interleaved rounds,
medians, ratios ours / MMPose); any of its options overrides these presets, e.g.
``--batch-size 8 --rounds 7``. ``fp32-cl`` is fp32 with the model in channels_last,
``amp-bf16-cl`` bfloat16 autocast on the CPU with channels_last.
"""
from benchmarks import train_throughput
from benchmarks.common import REPO, TINY_CONFIG

DEFAULTS = dict(device='cpu', config=str(REPO / 'configs' / 'hrnet_w32_coco_256x192.py'),
                batch_size=4, train_modes='fp32,fp32-cl,amp-bf16-cl', infer_modes='none',
                iters=1, rounds=5, warmup=1, mem_iters=0)
QUICK = dict(config=TINY_CONFIG, batch_size=2, rounds=1, train_modes='fp32,fp32-cl')



def main(argv=None) -> dict:
    return train_throughput.main(argv, defaults=DEFAULTS, quick=QUICK)


if __name__ == '__main__':
    main()
