# The official segmentation schedule (HRNet-Semantic-Segmentation, tools/train.py and
# lib/utils/utils.py adjust_learning_rate): SGD, momentum 0.9, no Nesterov, weight decay on
# every parameter; lr = base_lr * (1 - iter / max_iter)^0.9 updated every iteration, down
# to 0. A recipe sets base_lr, weight decay and the number of epochs (train_cfg and the
# scheduler's end together).
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=5e-4, nesterov=False))
param_scheduler = [
    dict(type='PolyLR', power=0.9, eta_min=0, begin=0, end=484, by_epoch=True,
         convert_to_iter_based=True),
]
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=484, val_interval=10)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
