"""HRNet-W32 at 256x192, the paper's network, fitted to the bundled COCO, MPII and AIC samples.

Trained weights of the real W32 for what needs them on a CPU machine without COCO: the int8 /
bf16 accuracy of CPU deployment (benchmarks/deploy_accuracy.py, docs/deploy.md). Its data are
tests/data/coco_mpii_aic/person_keypoints.json: the 26 people of the three samples with COCO's
17 keypoints (MPII's and AIC's twelve shared joints; written by
tools/dataset_converters/merge_to_coco.py), read by CocoDataset and scored with OKS AP by
CocoMetric, as training and validation set (ground-truth boxes). An accuracy figure on them
says how well the network fits 26 people, not how it generalises.

Everything but the data and the schedule is configs/hrnet_w32_coco_256x192.py: the W32
backbone (random init: no ImageNet weights here), codec, head, flip test, metric. Training
keeps the paper's flip and scale augmentation but drops rotation and half-body (as
configs/sample/hrnet_tiny_coco-sample_128x96.py), all 26 people in one batch, Adam at lr 1e-3
stepped x0.1 for the last tenth.

Measured on 2 cores (tested stack, 2026-12-01; about 6 s an iteration when nothing else runs,
49 min in all while other jobs shared the cores):
    python tools/train.py configs/sample/hrnet_w32_coco-mpii-aic-sample_256x192.py
AP on the 26 people 0.00 / 0.02 / 0.30 / 0.57 after 100 / 200 / 300 / 400 iterations (AP50
1.00 at the end): the network from random weights sits on a plateau for ~150 iterations.
"""
_base_ = ['../hrnet_w32_coco_256x192.py']

from hrnet_ext.datasets.pipelines import topdown_train_pipeline  # after _base_

data_root = '{{ fileDirname }}/../../tests/data/'
ann_file = 'coco_mpii_aic/person_keypoints.json'

model = dict(backbone=dict(init_cfg=None))

train_pipeline = topdown_train_pipeline(_base_.codec, padding=1.25, augmentation=[
    dict(type='RandomFlip', direction='horizontal', prob=0.5),
    dict(type='hrnet_ext.ClippedNormalBBoxTransform', scale_factor=0.35, rotate_factor=45.,
         rotate_prob=0.),
])

epochs = 400
train_cfg = dict(max_epochs=epochs, val_interval=100)
param_scheduler = [dict(type='MultiStepLR', begin=0, end=epochs, by_epoch=True,
                        milestones=[epochs - epochs // 10], gamma=0.1)]
randomness = dict(seed=0)
default_hooks = dict(logger=dict(interval=10), checkpoint=dict(interval=100, max_keep_ckpts=1))

_samples = dict(data_root=data_root, ann_file=ann_file, data_prefix=dict(img=''))
train_dataloader = dict(
    batch_size=26, num_workers=0, persistent_workers=False,
    dataset=dict(pipeline=train_pipeline, **_samples))
val_dataloader = dict(
    batch_size=26, num_workers=0, persistent_workers=False,
    dataset=dict(bbox_file=None, **_samples))
test_dataloader = val_dataloader
val_evaluator = dict(ann_file=data_root + ann_file)
test_evaluator = val_evaluator
