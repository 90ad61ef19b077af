"""HRNet-W32 on COCO at 256x192: the paper's recipe (Sun et al., CVPR 2019).

Settings of the official release (experiments/coco/hrnet/w32_256x192_adam_lr1e-3.yaml);
reported: 74.4 AP / 79.8 AR on COCO val2017 with the AP-56.4 person boxes and flip test.
Variants (W48, 384x288, + AI Challenger) inherit this file and change only what differs.
"""
_base_ = [
    './_base_/schedules/adam_210e_paper.py',  # includes the runtime
    './_base_/models/hrnet_w32_topdown_heatmap.py',
    './_base_/data/coco_topdown.py',
]

# Heatmaps at 1/4 of the input; Gaussian sigma 2. Decoding: the maximum moved a quarter
# pixel toward the higher neighbour (MSRAHeatmap with unbiased=False).
codec = dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2)

model = dict(head=dict(out_channels=17, decoder=codec))

# The crop, target and packing steps are hrnet_ext's faster versions of MMPose's TopdownAffine,
# GenerateTarget and PackPoseInputs: MMPose's arguments, outputs equal bit for bit
# (hrnet_ext/datasets/fast_transforms.py; train pipeline 1.4x). The val / test pipeline's
# CachedLoadImage decodes an image once for the boxes of it that follow one another (4x on
# detected boxes); training keeps MMPose's LoadImage (shuffled samples: nothing to reuse).
train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='RandomFlip', direction='horizontal', prob=0.5),
    # Half-body with probability 0.3 when more than 8 joints are visible, box padded x1.5.
    # The official code keeps the upper body when randn() < 0.5, i.e. with probability
    # Phi(0.5) = 0.6915, and needs 3 upper (else 3 lower) joints; with 9 or more visible
    # joints MMPose's rule below picks the same half with the same probabilities.
    dict(
        type='RandomHalfBody',
        min_total_keypoints=9,
        min_upper_keypoints=2,
        min_lower_keypoints=3,
        padding=1.5,
        prob=0.3,
        upper_prioritized_prob=0.6915),
    # scale x clip(N(0,1) x 0.35 + 1, 0.65, 1.35); rotation clip(N(0,1) x 45, -90, 90)
    # with probability 0.6; no shift
    dict(
        type='hrnet_ext.ClippedNormalBBoxTransform',
        scale_factor=0.35,
        rotate_factor=45.,
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

default_hooks = dict(checkpoint=dict(save_best='coco/AP', rule='greater'))
