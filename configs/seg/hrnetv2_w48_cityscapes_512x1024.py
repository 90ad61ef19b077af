"""HRNetV2-W48 on Cityscapes, 512x1024 crops: the official HRNet-Semantic-Segmentation recipe.

Source: HRNet/HRNet-Semantic-Segmentation (branch HRNet-OCR, commit 0bbb288), experiment file
experiments/cityscapes/seg_hrnet_w48_train_512x1024_sgd_lr1e-2_wd5e-4_bs_12_epoch484.yaml,
with lib/datasets/{base_dataset,cityscapes}.py, lib/core/criterion.py and tools/train.py:

* model seg_hrnet W48 (STAGE2-4 widths 48/96/192/384, FINAL_CONV_KERNEL 1), ALIGN_CORNERS
  False; ImageNet-pretrained backbone (hrnetv2_w48_imagenet_pretrained.pth); SyncBN;
* train set `train` (2975 images), 19 classes, IGNORE_LABEL 255, class-weighted cross-entropy
  (Cityscapes.class_weights below);
* IMAGE_SIZE 1024x512 crops, BASE_SIZE 2048, MULTI_SCALE with SCALE_FACTOR 16: the long side
  resized to 2048 x s, s = 0.5 + randint(0, 16) / 10 (0.5, 0.6, ..., 2.1), then a random crop
  padded where smaller (image 0, label 255); FLIP (p = 0.5); no other augmentation;
* SGD lr 0.01, momentum 0.9, WD 5e-4, no Nesterov, poly decay (power 0.9) per iteration to 0;
  BATCH_SIZE_PER_GPU 3 x 4 GPUs = 12; END_EPOCH 484 (247 iterations an epoch: 119,548);
* test on `val` at full resolution (1024x2048), single scale, no flip.

Reported (Cityscapes val mIoU, single scale, no flip): 80.9 (README of the master branch,
PyTorch 0.4.1, and of the HRNet-OCR branch), 81.1 (pytorch-v1.1 branch), 65.8M parameters,
696.2 GFLOPs at 1024x2048. MMSegmentation's own fcn_hr48 recipe (160k iterations, batch 8,
its augmentation) reports 80.65 (its metafile): another recipe, the same network.

Where MMSegmentation's pieces differ from the official code (kept, and small): the crop is
padded after normalisation (a pad of the mean colour, not black); the head's 1x1 conv has no
bias before its BN (a bias there is absorbed by the BN); multi-scale testing, OHEM and the
official `test` list are not configured. Cityscapes label maps are MMSegmentation's
*_gtFine_labelTrainIds.png (its tools/dataset_converters/cityscapes.py; the official code maps
label ids to the same 19 train ids when loading).
"""
_base_ = ['../_base_/seg_runtime.py', '../_base_/models/hrnetv2_w48_fcn.py',
          '../_base_/schedules/sgd_poly_seg.py', '../_base_/data/seg_loaders.py']

crop_size = (512, 1024)  # (H, W)
# official Cityscapes.class_weights (lib/datasets/cityscapes.py), in train-id order
class_weight = [0.8373, 0.918, 0.866, 1.0345, 1.0166, 0.9969, 0.9754, 1.0489, 0.8786, 1.0023,
                0.9539, 0.9843, 1.1116, 0.9037, 1.0865, 1.0955, 1.0865, 1.1529, 1.0507]

model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=19, loss_decode=dict(class_weight=class_weight)))
sync_bn = 'torch'  # the official BatchNorm2d is torch.nn.SyncBatchNorm (on GPUs)

# long side 2048 x s, s in 0.5 ... 2.1 (official: np.int(base_size * s + 0.5)); a scale
# (L, L) with keep_ratio resizes the long side to L and the short one in proportion
multi_scales = [(int(2048 * s / 10 + 0.5), ) * 2 for s in range(5, 22)]
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomChoiceResize', scales=multi_scales, keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(2048, 1024), keep_ratio=True),  # Cityscapes: unchanged
    dict(type='LoadAnnotations'),  # after Resize: scored at the original resolution
    dict(type='PackSegInputs'),
]

dataset_type = 'CityscapesDataset'
data_root = '{{$HRNET_EXT_CITYSCAPES_ROOT:data/cityscapes/}}'.rstrip('/') + '/'
train_dataloader = dict(
    batch_size=3,  # per GPU; 4 GPUs as the official 12 (auto_scale_lr)
    dataset=dict(type=dataset_type, data_root=data_root,
                 data_prefix=dict(img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
                 pipeline=train_pipeline))
val_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root,
                 data_prefix=dict(img_path='leftImg8bit/val', seg_map_path='gtFine/val'),
                 pipeline=test_pipeline))
test_dataloader = val_dataloader

train_cfg = dict(max_epochs=484, val_interval=20)
default_hooks = dict(checkpoint=dict(interval=20))
auto_scale_lr = dict(enable=False, base_batch_size=12)
