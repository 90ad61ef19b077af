"""HRNet-W48 on MPII at 256x256: the W32 recipe with widths 48/96/192/384.

Reported: PCKh@0.5 90.1 on MPII val (MMPose zoo, MMPose's recipe).
"""
_base_ = ['./hrnet_w32_mpii_256x256.py']

model = dict(
    backbone=dict(
        arch='w48',
        init_cfg=dict(checkpoint=_base_.pretrained_dir + 'hrnet_w48-8ef0771d.pth')),
    head=dict(in_channels=48))
