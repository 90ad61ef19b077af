"""HRNet-W32 on MPII at 256x256: the paper's recipe.

Settings of the official release (experiments/mpii/hrnet/w32_256x256_adam_lr1e-3.yaml);
reported: PCKh@0.5 90.3 on MPII val (official release). The COCO schedule and model; MPII's
own augmentation (scale 0.25, rotation 30, no half-body) and PCKh@0.5 with MPII's head boxes.
"""
_base_ = [
    './_base_/schedules/adam_210e_paper.py',  # includes the runtime
    './_base_/models/hrnet_w32_topdown_heatmap.py',
    './_base_/data/mpii_topdown.py',
]

# 64x64 heatmaps, Gaussian sigma 2
codec = dict(type='MSRAHeatmap', input_size=(256, 256), heatmap_size=(64, 64), sigma=2)

model = dict(head=dict(out_channels=16, decoder=codec))

# hrnet_ext.Fast*: MMPose's transforms made faster, same arguments, equal outputs;
# CachedLoadImage in val / test only (comments in configs/hrnet_w32_coco_256x192.py)
train_pipeline = [
    dict(type='LoadImage'),
    # MpiiDataset has already moved the centre down by 15 px x scale; pad the box x1.25
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='RandomFlip', direction='horizontal', prob=0.5),
    # scale x clip(N(0,1) x 0.25 + 1, 0.75, 1.25); rotation clip(N(0,1) x 30, -60, 60)
    # with probability 0.6; no shift, no half-body
    dict(
        type='hrnet_ext.ClippedNormalBBoxTransform',
        scale_factor=0.25,
        rotate_factor=30.,
        rotate_prob=0.6),
    dict(type='hrnet_ext.FastTopdownAffine', input_size=codec['input_size']),
    dict(type='hrnet_ext.FastGenerateTarget', encoder=codec),
    dict(type='hrnet_ext.FastPackPoseInputs'),
]
val_pipeline = [
    dict(type='hrnet_ext.CachedLoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='hrnet_ext.FastTopdownAffine', input_size=codec['input_size']),
    dict(type='hrnet_ext.FastPackPoseInputs'),
]

# 32 images per GPU on the paper's 4 GPUs (see auto_scale_lr in the schedule)
train_dataloader = dict(batch_size=32, dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader

default_hooks = dict(checkpoint=dict(save_best='PCK', rule='greater'))
