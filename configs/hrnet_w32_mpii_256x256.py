"""HRNet-W32 on MPII at 256x256: the paper's recipe.

Settings of the official release (experiments/mpii/hrnet/w32_256x256_adam_lr1e-3.yaml);
reported: PCKh@0.5 90.3 on MPII val (official release). The COCO recipe's schedule and model;
MPII's own augmentation (scale 0.25, rotation 30, no half-body) and PCKh@0.5 with MPII's head
boxes.
"""
_base_ = ['./_base_/tasks/body_hrnet_w32_256x192.py', './_base_/data/mpii_topdown.py']

from hrnet_ext.datasets.pipelines import topdown_train_pipeline, with_codec  # after _base_

# 64x64 heatmaps, Gaussian sigma 2
codec = dict(type='MSRAHeatmap', input_size=(256, 256), heatmap_size=(64, 64), sigma=2)

model = dict(head=dict(out_channels=16, decoder=codec))

# MpiiDataset has already moved the centre down by 15 px x scale; pad the box x1.25
train_pipeline = topdown_train_pipeline(codec, padding=1.25, augmentation=[
    dict(type='RandomFlip', direction='horizontal', prob=0.5),
    # scale x clip(N(0,1) x 0.25 + 1, 0.75, 1.25); rotation clip(N(0,1) x 30, -60, 60)
    # with probability 0.6; no shift, no half-body
    dict(type='hrnet_ext.ClippedNormalBBoxTransform', scale_factor=0.25, rotate_factor=30.,
         rotate_prob=0.6),
])
val_pipeline = with_codec(_base_.val_pipeline, codec)

# 32 images per GPU on the paper's 4 GPUs (see auto_scale_lr in the schedule)
train_dataloader = dict(batch_size=32, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader

default_hooks = dict(checkpoint=dict(save_best='PCK', rule='greater'))
