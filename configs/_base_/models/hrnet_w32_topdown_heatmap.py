# Top-down HRNet-W32 with the paper's 1x1-conv heatmap head. A recipe adds its codec as the
# head's decoder. The head's out_channels (one heatmap per keypoint) follows the data set's
# metainfo: our tools and hrnet_ext.apis fill it in when they load the config; a config that
# sets it must agree with the metainfo (checked before a run starts).

# ImageNet-pretrained backbone from a local file (the official release's ImageNet weights,
# also MMPose's pretrain_models/hrnet_w32-36af842e.pth). The directory can be set with the
# environment variable HRNET_EXT_PRETRAINED_DIR or per file with --cfg-options
# model.backbone.init_cfg.checkpoint=/path/to/file.pth. Only training reads it.
pretrained_dir = '{{$HRNET_EXT_PRETRAINED_DIR:checkpoints/}}'.rstrip('/') + '/'

model = dict(
    type='TopdownPoseEstimator',
    # RGB, ImageNet mean and std
    data_preprocessor=dict(
        type='PoseDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True),
    backbone=dict(
        type='hrnet_ext.HRNet',
        arch='w32',
        init_cfg=dict(type='Pretrained', checkpoint=pretrained_dir + 'hrnet_w32-36af842e.pth'),
    ),
    head=dict(
        type='hrnet_ext.HRNetHeatmapHead',
        in_channels=32,
        # MSE weighted by the target weights, x0.5 as in the official code, so logged losses
        # compare with the official logs (Adam's steps do not depend on a constant factor)
        loss=dict(type='KeypointMSELoss', use_target_weight=True, loss_weight=0.5)),
    # flip test; the flipped heatmap is shifted by one pixel before averaging
    test_cfg=dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True))
