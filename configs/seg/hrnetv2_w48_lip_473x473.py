"""HRNetV2-W48 for human parsing on LIP, 473x473: the official HRNet-Semantic-Segmentation recipe.

Source: HRNet/HRNet-Semantic-Segmentation (branch HRNet-OCR, commit 0bbb288), experiment file
experiments/lip/seg_hrnet_w48_473x473_sgd_lr7e-3_wd5e-4_bs_40_epoch150.yaml, with
lib/datasets/{base_dataset,lip}.py:

* model seg_hrnet W48, ALIGN_CORNERS False, ImageNet-pretrained backbone; SyncBN;
* 20 classes (background + 19 parts), IGNORE_LABEL 255, cross-entropy without class weights;
* training sample: horizontal flip (p = 0.5) that also swaps the left/right labels (arms
  14/15, legs 16/17, shoes 18/19), the image resized to 473x473 (aspect ratio not kept), then
  MULTI_SCALE with BASE_SIZE 473 and SCALE_FACTOR 11: resized to 473 x s, s = 0.5 +
  randint(0, 11) / 10 (0.5 ... 1.6), and a random 473x473 crop padded where smaller;
* SGD lr 0.007, momentum 0.9, WD 5e-4, poly decay (power 0.9) per iteration to 0;
  BATCH_SIZE_PER_GPU 10 x 4 GPUs = 40; END_EPOCH 150;
* test (tools/test.py on the val images, list/lip/testvalList.txt): each image resized to
  473x473, the prediction resized back to the label's size; the experiment file sets
  FLIP_TEST false.

Reported (LIP val mIoU): 56.04 (master-branch README), 55.83 (HRNet-OCR branch), 55.8
(pytorch-v1.1), each with flip test, 65.8M parameters, 74.3 GFLOPs at 473x473. This config
tests without flip: MMSegmentation's test-time flip does not swap the left/right channels of
the prediction, as the official LIP flip test does, so it is left out rather than done wrong;
expect a figure slightly below the reported ones.

473 is not a multiple of 32: HRNet with bilinear fusion resizes the one-pixel-off branches as
MMSegmentation's HRNet does (hrnet_ext.models.fusion.ExchangeUnit), so the crops go in as they
are. The crop is padded after normalisation (the mean colour, where the official code pads
black). Data layout: the official release's (README, "Data preparation"), below.
"""
_base_ = ['../_base_/seg_runtime.py', '../_base_/models/hrnetv2_w48_fcn.py',
          '../_base_/schedules/sgd_poly_seg.py', '../_base_/data/seg_loaders.py']

crop_size = (473, 473)
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=20))
sync_bn = 'torch'

# LIP's left/right labels (mmseg LIPDataset classes): Left/Right-arm, -leg, -shoe
flip_pairs = [(14, 15), (16, 17), (18, 19)]
multi_scales = [(int(473 * s / 10 + 0.5), ) * 2 for s in range(5, 17)]  # 0.5 ... 1.6
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomFlip', prob=0.5, swap_seg_labels=flip_pairs),
    dict(type='Resize', scale=crop_size, keep_ratio=False),
    dict(type='RandomChoiceResize', scales=multi_scales, keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=crop_size, keep_ratio=False),
    dict(type='LoadAnnotations'),  # after Resize: scored at the label's own size
    dict(type='PackSegInputs'),
]

# <HRNET_EXT_LIP_ROOT>/TrainVal_images/{train,val}_images/*.jpg and
# TrainVal_parsing_annotations/{train,val}_segmentations/*.png (same file names)
dataset_type = 'LIPDataset'
data_root = '{{$HRNET_EXT_LIP_ROOT:data/lip/}}'.rstrip('/') + '/'
train_dataloader = dict(
    batch_size=10,  # per GPU; 4 GPUs as the official 40 (auto_scale_lr)
    dataset=dict(type=dataset_type, data_root=data_root, pipeline=train_pipeline,
                 data_prefix=dict(img_path='TrainVal_images/train_images',
                                  seg_map_path='TrainVal_parsing_annotations/train_segmentations')))
val_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, pipeline=test_pipeline,
                 data_prefix=dict(img_path='TrainVal_images/val_images',
                                  seg_map_path='TrainVal_parsing_annotations/val_segmentations')))
test_dataloader = val_dataloader

optim_wrapper = dict(optimizer=dict(lr=0.007, weight_decay=5e-4))
param_scheduler = [
    dict(type='PolyLR', power=0.9, eta_min=0, begin=0, end=150, by_epoch=True,
         convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=150, val_interval=10)
auto_scale_lr = dict(enable=False, base_batch_size=40)
