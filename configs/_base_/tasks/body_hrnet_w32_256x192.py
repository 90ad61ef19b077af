# Top-down body keypoints with HRNet-W32 at 256x192: the paper's COCO recipe (Sun et al., CVPR
# 2019; the official release's experiments/coco/hrnet/w32_256x192_adam_lr1e-3.yaml). Model,
# codec, pipelines, schedule and the best checkpoint by COCO-style AP; no data. A config adds a
# data base (_base_/data/<set>_topdown.py) and puts the pipelines into its loaders
# (configs/hrnet_w32_coco_256x192.py); another input size is one setting,
# resize_codec(_base_.codec, (w, h)), whose codec goes to the head and, through with_codec, to
# the pipelines (configs/custom/hrnet_w32_body5_128x96.py, configs/hrnet_w32_coco_384x288.py).
# The head's out_channels follows the data set's metainfo (set by the configs of named data
# sets, checked against it; filled in for one's own data).
_base_ = ['../schedules/adam_210e_paper.py', '../models/hrnet_w32_topdown_heatmap.py']

# imported after _base_: MMEngine reads a config that starts with an import as another format
from hrnet_ext.datasets.pipelines import topdown_eval_pipeline, topdown_train_pipeline

# Heatmaps at 1/4 of the input; Gaussian sigma 2. Decoding: the maximum moved a quarter
# pixel toward the higher neighbour (MSRAHeatmap with unbiased=False).
codec = dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2)

model = dict(head=dict(decoder=codec))

# Crop, target and packing are hrnet_ext's faster versions of MMPose's TopdownAffine,
# GenerateTarget and PackPoseInputs: MMPose's arguments, outputs equal bit for bit
# (hrnet_ext/datasets/pipelines.py; train pipeline 1.4x). The val / test pipeline's
# CachedLoadImage decodes an image once for the boxes of it that follow one another (4x on
# detected boxes). Boxes padded x1.25 (half-body x1.5).
train_pipeline = topdown_train_pipeline(codec, padding=1.25, augmentation=[
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
])
val_pipeline = topdown_eval_pipeline(codec, padding=1.25)

# the metric of the COCO-format data bases (OKS AP); MPII keeps the best by PCK instead
default_hooks = dict(checkpoint=dict(save_best='coco/AP', rule='greater'))
