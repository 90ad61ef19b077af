"""The Cityscapes recipe shrunk to a CPU run on the bundled sample: person vs background on the
4 COCO images of tests/data/coco, label maps tests/data/coco_person_seg/ (made from the
annotation polygons by tools/dataset_converters/coco_person_masks.py).

Everything but the size comes from hrnetv2_w48_cityscapes_512x1024.py: the model layout
(HRNet with bilinear fusion and every branch out, FCNHead on the concatenation), the
official augmentation (long side x 0.5 ... 2.1, random crop, flip), SGD with poly decay,
IoUMetric and the hooks. Changed: a small HRNetV2 (one module per stage, one block per
branch, widths 16-128, random init; FCNHead 240 channels), 2 classes without class weights,
long side 256 before scaling, 128x128 crops, 4 images a batch, lr 0.05, plain BN, the sample
as both training and validation set. Used by the segmentation tests, tools/seg_demo.py's
example and docs/segmentation.md.
"""
_base_ = ['./hrnetv2_w48_cityscapes_512x1024.py']

sample_root = '{{ fileDirname }}/../../tests/data/'
crop_size = (128, 128)
widths = (16, 32, 64, 128)

model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(
        _delete_=True,
        type='hrnet_ext.HRNet',
        multiscale_output=True,
        extra=dict(
            stage1=dict(num_modules=1, num_branches=1, block='BOTTLENECK', num_blocks=(1, ),
                        num_channels=(16, )),
            stage2=dict(num_modules=1, num_branches=2, block='BASIC', num_blocks=(1, 1),
                        num_channels=widths[:2]),
            stage3=dict(num_modules=1, num_branches=3, block='BASIC', num_blocks=(1, 1, 1),
                        num_channels=widths[:3]),
            stage4=dict(num_modules=1, num_branches=4, block='BASIC', num_blocks=(1, 1, 1, 1),
                        num_channels=widths),
            upsample=dict(mode='bilinear', align_corners=False))),
    decode_head=dict(in_channels=list(widths), channels=sum(widths), num_classes=2,
                     loss_decode=dict(class_weight=None)))
sync_bn = None

# the recipe's pipelines with smaller sizes: long side 256 x 0.5 ... 2.1, 128x128 crops
multi_scales = [(int(256 * s / 10 + 0.5), ) * 2 for s in range(5, 22)]
_sizes = dict(RandomChoiceResize=dict(scales=multi_scales), RandomCrop=dict(crop_size=crop_size),
              Resize=dict(scale=(256, 256)))
train_pipeline = [dict(step, **_sizes.get(step['type'], {})) for step in _base_.train_pipeline]
test_pipeline = [dict(step, **_sizes.get(step['type'], {})) for step in _base_.test_pipeline]

_sample = dict(
    type='BaseSegDataset', data_root=sample_root,
    data_prefix=dict(img_path='coco', seg_map_path='coco_person_seg'),
    img_suffix='.jpg', seg_map_suffix='.png',
    metainfo=dict(classes=('background', 'person'), palette=[[0, 0, 0], [220, 20, 60]]))
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(_delete_=True, pipeline=train_pipeline, **_sample))
val_dataloader = dict(
    num_workers=0, persistent_workers=False,
    dataset=dict(_delete_=True, pipeline=test_pipeline, **_sample))
test_dataloader = val_dataloader

optim_wrapper = dict(optimizer=dict(lr=0.05))
param_scheduler = [
    dict(type='PolyLR', power=0.9, eta_min=0, begin=0, end=40, by_epoch=True,
         convert_to_iter_based=True),
]
train_cfg = dict(max_epochs=40, val_interval=40)
randomness = dict(seed=0)
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=40, max_keep_ckpts=1))
