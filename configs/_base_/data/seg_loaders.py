# The data loaders and metric every segmentation recipe shares (configs/seg/): the official
# loaders (4 workers, training batches shuffled with the last incomplete one dropped; one
# image per batch in evaluation, at its own size) and MMSegmentation's IoUMetric. A recipe
# fills in its data set (type, root, folders, pipeline) and its batch size.
train_dataloader = dict(
    num_workers=4,
    persistent_workers=True,
    drop_last=True,
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False))
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
