"""HRNetV2-W18-Small-v2 on Cityscapes: the W48 recipe with the small network.

Source: HRNet/HRNet-Semantic-Segmentation (branch pytorch-v1.1), experiments/cityscapes/
seg_hrnet_w18_small_v2_512x1024_sgd_lr1e-2_wd5e-4_bs_12_epoch484.yaml: the same schedule,
data and augmentation as W48 (hrnetv2_w48_cityscapes_512x1024.py); the network has
stage 1 with 2 Bottlenecks, 2 blocks per branch, stage 3 with 3 modules and stage 4 with 2
(our arch 'w18_small_v2', timm's and MMSegmentation's hr18s), ImageNet weights
hrnet_w18_small_model_v2.pth.

Reported (pytorch-v1.1 README, "Small models"): 76.2 mIoU on Cityscapes val (single scale,
no flip), 3.9M parameters, 71.6 GFLOPs at 1024x2048. MMSegmentation's fcn_hr18s (160k
iterations, its recipe): 76.31.
"""
_base_ = ['./hrnetv2_w48_cityscapes_512x1024.py']

model = dict(
    backbone=dict(
        arch='w18_small_v2',
        init_cfg=dict(checkpoint=_base_.pretrained_dir + 'hrnet_w18_small_model_v2.pth')),
    decode_head=dict(in_channels=[18, 36, 72, 144], channels=270))
