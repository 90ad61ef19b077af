# HRNetV2-W48 for semantic segmentation (Sun et al., 2019, "High-Resolution Representations
# for Labeling Pixels and Regions"; the official HRNet-Semantic-Segmentation `seg_hrnet`):
# our HRNet with every branch of stage 4 as output and bilinear fusion, then MMSegmentation's
# FCNHead on the four branches upsampled to stride 4 and concatenated (48+96+192+384 = 720
# channels): 1x1 conv + BN + ReLU, then the 1x1 classifier. This is the official `last_layer`
# and MMSegmentation's fcn_hr48, whose state-dict keys and outputs this model has
# (tests/segmentation/test_mmseg_parity.py). A recipe sets num_classes and the crop size.
#
# The ImageNet-pretrained backbone is the official HRNet-Image-Classification file, read from
# HRNET_EXT_PRETRAINED_DIR (default checkpoints/); its classification head is dropped and the
# fusion rows of the last module, which pose networks leave out, are kept (hrnet_ext.models.
# convert). Any pose checkpoint of the same width loads too (configs/seg/*from-coco-pose*).
pretrained_dir = '{{$HRNET_EXT_PRETRAINED_DIR:checkpoints/}}'.rstrip('/') + '/'
norm_cfg = dict(type='BN', requires_grad=True)  # SyncBN by the recipe's sync_bn='torch'

model = dict(
    type='EncoderDecoder',
    # RGB, ImageNet mean and std as the pose models (official: BGR -> RGB, /255, mean/std);
    # crops padded with 0 (after normalisation) and the label with the ignore index 255
    data_preprocessor=dict(type='SegDataPreProcessor', mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], bgr_to_rgb=True, pad_val=0,
                           seg_pad_val=255),
    backbone=dict(
        type='hrnet_ext.HRNet',
        arch='w48',
        multiscale_output=True,
        # the official seg_hrnet fuses with bilinear upsampling (align_corners False in the
        # Cityscapes and LIP experiment files), as MMSegmentation's HRNet
        extra=dict(upsample=dict(mode='bilinear', align_corners=False)),
        norm_cfg=norm_cfg,
        init_cfg=dict(
            type='Pretrained', checkpoint=pretrained_dir + 'hrnetv2_w48_imagenet_pretrained.pth'),
    ),
    decode_head=dict(
        type='FCNHead',
        in_channels=[48, 96, 192, 384],
        in_index=(0, 1, 2, 3),
        channels=720,
        input_transform='resize_concat',
        kernel_size=1,
        num_convs=1,
        concat_input=False,
        dropout_ratio=-1,
        num_classes=19,
        norm_cfg=norm_cfg,
        align_corners=False,
        # the official loss: nn.CrossEntropyLoss(weight, ignore_index=255), the mean over the
        # labelled pixels (MMSegmentation 1.2.2's CrossEntropyLoss fails with class weights)
        loss_decode=dict(type='hrnet_ext.WeightedCrossEntropyLoss', loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
