"""HRNet-W32 on COCO at 256x192: the paper's recipe (Sun et al., CVPR 2019).

Settings of the official release (experiments/coco/hrnet/w32_256x192_adam_lr1e-3.yaml);
reported: 74.4 AP / 79.8 AR on COCO val2017 with the AP-56.4 person boxes and flip test.
The recipe is _base_/tasks/body_hrnet_w32_256x192.py; variants (W48, 384x288, + AI
Challenger) inherit this file and change only what differs.
"""
_base_ = ['./_base_/tasks/body_hrnet_w32_256x192.py', './_base_/data/coco_topdown.py']

model = dict(head=dict(out_channels=17))  # COCO's keypoints

# 32 images per GPU on the paper's 4 GPUs (see auto_scale_lr in the schedule)
train_dataloader = dict(batch_size=32, dataset=dict(pipeline=_base_.train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=_base_.val_pipeline))
test_dataloader = val_dataloader
