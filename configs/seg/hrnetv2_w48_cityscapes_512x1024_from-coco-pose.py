"""HRNetV2-W48 on Cityscapes started from a COCO *pose* checkpoint instead of ImageNet.

One backbone checkpoint serves both tasks: the pose network's HRNet-W48 (the official
release's pose_hrnet_w48_384x288.pth, an MMPose model-zoo file, or a checkpoint of
configs/hrnet_w48_coco_384x288.py) loads into the segmentation backbone through the same
converter. Its heatmap head is left out; the fusion rows that compute stage 4's three
lower-resolution outputs, which the pose network never had, start from the usual
initialisation, and the log lists them. Everything else is the W48 Cityscapes recipe; no
figure is reported for this start.
"""
_base_ = ['./hrnetv2_w48_cityscapes_512x1024.py']

model = dict(backbone=dict(
    init_cfg=dict(checkpoint=_base_.pretrained_dir + 'pose_hrnet_w48_384x288.pth')))
