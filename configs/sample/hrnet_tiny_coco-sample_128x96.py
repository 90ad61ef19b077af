"""The paper's COCO recipe shrunk to a CPU run on the bundled sample (tests/data/coco).

Everything but the size comes from the paper's COCO recipe
(_base_/tasks/body_hrnet_w32_256x192.py, _base_/data/coco_topdown.py): the pipelines, the codec
family, flip test, the metric and the hooks. Changed: a small HRNet (one module per stage, one
block per branch, widths 16-128, random init), a 128x96 input, lr 5e-3 for 400 iterations
then 5e-4 for 50 (the recipe's step decay, shortened), the paper's flip and scale
augmentation but no rotation and no half-body (with them, 12 people take far more than a few
minutes to learn), and the 4-image / 12-person COCO sample as both training and validation
set (ground-truth boxes), all 12 in one batch.

Measured on 2 cores (one thread, about 0.2 s an iteration), AP on the tested / current stack
(README, "Tested matrix"): 0.28 / 0.11 after 150 iterations, 0.72 / 0.64 after 300 and
0.80 / 0.79 after 450. Rounding differs between the two stacks' torch and numpy, and training
12 people at a constant lr amplifies it (0.726 / 0.691 after 300 iterations of the former
constant-lr schedule); the final lr step brings both to the same AP. Used by
tools/sample_job.py and the training tests.
"""
_base_ = ['../_base_/tasks/body_hrnet_w32_256x192.py', '../_base_/data/coco_topdown.py']

from hrnet_ext.datasets.pipelines import topdown_train_pipeline, with_codec  # after _base_

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
    head=dict(in_channels=16, out_channels=17, decoder=codec))

train_pipeline = topdown_train_pipeline(codec, padding=1.25, augmentation=[
    dict(type='RandomFlip', direction='horizontal', prob=0.5),
    dict(type='hrnet_ext.ClippedNormalBBoxTransform', scale_factor=0.35, rotate_factor=45.,
         rotate_prob=0.),
])
val_pipeline = with_codec(_base_.val_pipeline, codec)

train_cfg = dict(max_epochs=450, val_interval=150)
optim_wrapper = dict(optimizer=dict(lr=5e-3))
param_scheduler = [
    dict(type='MultiStepLR', begin=0, end=450, by_epoch=True, milestones=[400], gamma=0.1)]
randomness = dict(seed=0)
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=50, max_keep_ckpts=2))

_sample = dict(
    data_root=sample_root, ann_file='test_coco.json', data_prefix=dict(img=''))
train_dataloader = dict(
    batch_size=12, num_workers=0, persistent_workers=False,
    dataset=dict(pipeline=train_pipeline, **_sample))
val_dataloader = dict(
    batch_size=12, num_workers=0, persistent_workers=False,
    dataset=dict(pipeline=val_pipeline, bbox_file=None, **_sample))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=sample_root + 'test_coco.json')
test_evaluator = val_evaluator
