"""HRNetV2-W18 on COFW (29 landmarks) at 256x256, NME normalised by the outer eye corners.

Reported: NME 3.45 on the COFW test set (HRNetV2 paper and its official face release)."""
_base_ = ['../_base_/tasks/face_hrnetv2_w18_256x256.py', '../_base_/data/cofw_topdown.py']

model = dict(head=dict(out_channels=29))

train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=_base_.val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=_base_.val_pipeline))
