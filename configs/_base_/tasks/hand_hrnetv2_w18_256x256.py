# Hand keypoints with HRNetV2-W18 at 256x256: MMPose's OneHand10K recipe
# (td-hm_hrnetv2-w18_8xb64-210e_onehand10k-256x256.py). Model, codec, pipelines and schedule;
# no data. A config combines it with a data base and sets the number of keypoints.
_base_ = ['../default_runtime.py', '../models/hrnetv2_w18_heatmap.py']

# imported after _base_: MMEngine reads a config that starts with an import as another format
from hrnet_ext.datasets.pipelines import topdown_eval_pipeline, topdown_train_pipeline

codec = dict(type='MSRAHeatmap', input_size=(256, 256), heatmap_size=(64, 64), sigma=2)

model = dict(head=dict(decoder=codec))

# hands turn freely: rotation factor 180 (probability 0.6), scale x [0.7, 1.3]
train_pipeline = topdown_train_pipeline(codec, augmentation=[
    dict(type='RandomFlip', direction='horizontal'),
    dict(type='RandomBBoxTransform', rotate_factor=180, scale_factor=(0.7, 1.3)),
])
val_pipeline = topdown_eval_pipeline(codec)

# Adam, lr 5e-4 for 8 GPUs x 64 images, 500-iteration warm-up, x0.1 at 170 and 200
train_cfg = dict(by_epoch=True, max_epochs=210, val_interval=10)
optim_wrapper = dict(optimizer=dict(type='Adam', lr=5e-4))
param_scheduler = [
    dict(type='LinearLR', begin=0, end=500, start_factor=0.001, by_epoch=False),
    dict(type='MultiStepLR', begin=0, end=210, milestones=[170, 200], gamma=0.1, by_epoch=True),
]
auto_scale_lr = dict(base_batch_size=512)
default_hooks = dict(checkpoint=dict(save_best='AUC', rule='greater'))
