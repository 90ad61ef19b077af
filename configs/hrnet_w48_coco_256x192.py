"""HRNet-W48 on COCO at 256x192: the W32 recipe with widths 48/96/192/384.

Reported: 75.1 AP / 80.4 AR on COCO val2017 (official release), AP-56.4 person boxes, flip test.
"""
_base_ = ['./hrnet_w32_coco_256x192.py']

model = dict(
    backbone=dict(
        arch='w48',
        init_cfg=dict(checkpoint=_base_.pretrained_dir + 'hrnet_w48-8ef0771d.pth')),
    head=dict(in_channels=48))
