# The data loaders every top-down data base shares (MMPose's layout): train / val / test
# loaders of one top-down data set each. A data base (<set>_topdown.py) inherits this file
# and fills in only what is its own: dataset type, root, annotation files, image folders,
# box or head-box files, the evaluator, and a batch size where it differs.
data_mode = 'topdown'

train_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(data_mode=data_mode))

val_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(data_mode=data_mode, test_mode=True))
test_dataloader = val_dataloader
