# Top-down HRNetV2-W18 (Sun et al., 2019, "High-Resolution Representations for Labeling
# Pixels and Regions"): every branch of stage 4 kept, upsampled to stride 4 and concatenated
# (18+36+72+144 = 270 channels), a 1x1 conv + BN + ReLU (hrnet_ext.HRNetV2Neck), then the 1x1
# heatmap conv. The face-alignment network of HRNetV2 and of MMPose's HRNetV2 face/hand configs.
# The W32 pose model with what differs; a recipe sets the head's decoder;
# out_channels follows the data set (see hrnet_w32_topdown_heatmap.py).
_base_ = ['./hrnet_w32_topdown_heatmap.py']

model = dict(
    backbone=dict(
        arch='w18',
        multiscale_output=True,
        # HRNetV2-W18's ImageNet weights (the official classification release's file)
        init_cfg=dict(checkpoint=_base_.pretrained_dir + 'hrnetv2_w18_imagenet_pretrained.pth'),
    ),
    neck=dict(type='hrnet_ext.HRNetV2Neck', in_channels=(18, 36, 72, 144), out_channels=270),
    # MMPose's MSE without the official pose code's factor 0.5
    head=dict(in_channels=270, loss=dict(_delete_=True, type='KeypointMSELoss',
                                         use_target_weight=True)))
