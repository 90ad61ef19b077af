# Face alignment with HRNetV2-W18 at 256x256: MMPose's WFLW/300W/COFW recipe
# (td-hm_hrnetv2-w18_8xb64-60e_*-256x256.py). Model, codec, pipelines and schedule; no data.
# A config combines it with a data base (_base_/data/<set>_topdown.py), sets the number of
# landmarks and puts the pipelines into its loaders (see configs/face/*.py).
_base_ = ['../default_runtime.py', '../models/hrnetv2_w18_heatmap.py']

# imported after _base_: MMEngine reads a config that starts with an import as another format
from hrnet_ext.datasets.pipelines import topdown_eval_pipeline, topdown_train_pipeline

# 64x64 heatmaps, Gaussian sigma 2
codec = dict(type='MSRAHeatmap', input_size=(256, 256), heatmap_size=(64, 64), sigma=2)

model = dict(head=dict(decoder=codec))

# MMPose's transforms made faster, same arguments, equal outputs (hrnet_ext/datasets/pipelines.py)
train_pipeline = topdown_train_pipeline(codec, augmentation=[
    dict(type='RandomFlip', direction='horizontal'),
    # no shift; scale x [0.75, 1.25]; rotation (factor 60) with probability 0.6
    dict(type='RandomBBoxTransform', shift_prob=0, rotate_factor=60, scale_factor=(0.75, 1.25)),
])
val_pipeline = topdown_eval_pipeline(codec)

# Adam, lr 2e-3 for 8 GPUs x 64 images, 500-iteration linear warm-up, x0.1 at 40 and 55
train_cfg = dict(by_epoch=True, max_epochs=60, val_interval=1)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=2e-3))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=500, start_factor=0.001, by_epoch=False),
    dict(type='MultiStepLR', begin=0, end=60, milestones=[40, 55], gamma=0.1, by_epoch=True),
]
auto_scale_lr = dict(base_batch_size=512)
default_hooks = dict(checkpoint=dict(save_best='NME', rule='less', interval=1))
