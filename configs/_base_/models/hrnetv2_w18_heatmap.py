# Top-down HRNetV2-W18 (Sun et al., 2019, "High-Resolution Representations for Labeling
# Pixels and Regions"): every branch of stage 4 kept, upsampled to stride 4 and concatenated
# (18+36+72+144 = 270 channels), a 1x1 conv + BN + ReLU (hrnet_ext.HRNetV2Neck), then the 1x1
# heatmap conv. The face-alignment network of HRNetV2 and of MMPose's HRNetV2 face/hand configs.
# A recipe sets the head's out_channels and its decoder.
pretrained_dir = '{{$HRNET_EXT_PRETRAINED_DIR:checkpoints/}}'.rstrip('/') + '/'

model = dict(
    type='TopdownPoseEstimator',
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='hrnet_ext.HRNet',
        arch='w18',
        multiscale_output=True,
        # HRNetV2-W18's ImageNet weights (the official classification release's file)
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained_dir + 'hrnetv2_w18_imagenet_pretrained.pth'),
    ),
    neck=dict(type='hrnet_ext.HRNetV2Neck', in_channels=(18, 36, 72, 144), out_channels=270),
    head=dict(
        type='hrnet_ext.HRNetHeatmapHead',
        in_channels=270,
        out_channels=17,
        loss=dict(type='KeypointMSELoss', use_target_weight=True)),
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True))
