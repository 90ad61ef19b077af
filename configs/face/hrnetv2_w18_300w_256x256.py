"""HRNetV2-W18 on 300W (68 landmarks) at 256x256, NME normalised by the outer eye corners.

Reported: NME 3.32 on the full 300W validation set (HRNetV2 paper and its official face release)."""
_base_ = ['../_base_/tasks/face_hrnetv2_w18_256x256.py', '../_base_/data/300w_topdown.py']

model = dict(head=dict(out_channels=68))

train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=_base_.val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=_base_.val_pipeline))
