"""The paper's COCO recipe shrunk to a CPU run on the bundled sample (tests/data/coco).

Everything but the size comes from hrnet_w32_coco_256x192.py: the pipeline with the
paper's augmentation, the codec family, flip test, the metric and the hooks. Changed: a
small HRNet (one module per stage, one block per branch, widths 16-128, random init), a
128x96 input, a higher lr, and the 4-image / 12-person COCO sample as both training and
validation set (ground-truth boxes). Used by tools/sample_job.py and the training tests;
with it, `tools/train.py` runs in about a minute on 2 cores.
"""
_base_ = ['../hrnet_w32_coco_256x192.py']

sample_root = '{{ fileDirname }}/../../tests/data/coco/'

codec = dict(type='MSRAHeatmap', input_size=(96, 128), heatmap_size=(24, 32), sigma=2)

model = dict(
    backbone=dict(
        _delete_=True,
        type='hrnet_ext.HRNet',
        extra=dict(
            stage1=dict(num_modules=1, num_branches=1, block='BOTTLENECK', num_blocks=(1, ),
                        num_channels=(16, )),
            stage2=dict(num_modules=1, num_branches=2, block='BASIC', num_blocks=(1, 1),
                        num_channels=(16, 32)),
            stage3=dict(num_modules=1, num_branches=3, block='BASIC', num_blocks=(1, 1, 1),
                        num_channels=(16, 32, 64)),
            stage4=dict(num_modules=1, num_branches=4, block='BASIC',
                        num_blocks=(1, 1, 1, 1), num_channels=(16, 32, 64, 128)))),
    head=dict(in_channels=16, decoder=codec))

train_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='RandomFlip', direction='horizontal', prob=0.5),
    dict(type='RandomHalfBody', min_total_keypoints=9, min_upper_keypoints=2,
         min_lower_keypoints=3, padding=1.5, prob=0.3, upper_prioritized_prob=0.6915),
    dict(type='hrnet_ext.ClippedNormalBBoxTransform', scale_factor=0.35, rotate_factor=45.,
         rotate_prob=0.6),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='GenerateTarget', encoder=codec),
    dict(type='PackPoseInputs'),
]
val_pipeline = [
    dict(type='LoadImage'),
    dict(type='GetBBoxCenterScale', padding=1.25),
    dict(type='TopdownAffine', input_size=codec['input_size']),
    dict(type='PackPoseInputs'),
]

train_cfg = dict(max_epochs=40, val_interval=10)
optim_wrapper = dict(optimizer=dict(lr=5e-3))
param_scheduler = [dict(type='MultiStepLR', begin=0, end=40, by_epoch=True, milestones=[30],
                        gamma=0.1)]
randomness = dict(seed=0)
default_hooks = dict(logger=dict(interval=3), checkpoint=dict(interval=10, max_keep_ckpts=2))

_sample = dict(
    data_root=sample_root, ann_file='test_coco.json', data_prefix=dict(img=''))
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(pipeline=train_pipeline, **_sample))
val_dataloader = dict(
    batch_size=12, num_workers=0, persistent_workers=False,
    dataset=dict(pipeline=val_pipeline, bbox_file=None, **_sample))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=sample_root + 'test_coco.json')
test_evaluator = val_evaluator
