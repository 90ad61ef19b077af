"""HRNet-W48 on COCO at 384x288: the W32 384x288 config with W48 and 24 images per GPU.

Reported: 76.3 AP / 81.2 AR on COCO val2017 (official release), AP-56.4 person boxes, flip test.
"""
_base_ = ['./hrnet_w32_coco_384x288.py']

model = dict(
    backbone=dict(
        arch='w48',
        init_cfg=dict(checkpoint=_base_.pretrained_dir + 'hrnet_w48-8ef0771d.pth')),
    head=dict(in_channels=48))

# 24 images per GPU on the paper's 4 GPUs: lr 1e-3 belongs to a total batch of 96
train_dataloader = dict(batch_size=24)
auto_scale_lr = dict(base_batch_size=96)
