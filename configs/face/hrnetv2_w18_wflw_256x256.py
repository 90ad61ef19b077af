"""HRNetV2-W18 on WFLW (98 landmarks) at 256x256, NME normalised by the outer eye corners.

Reported: NME 4.60 on the WFLW test set (HRNetV2 paper and its official face release)."""
_base_ = ['../_base_/tasks/face_hrnetv2_w18_256x256.py', '../_base_/data/wflw_topdown.py']

model = dict(head=dict(out_channels=98))

train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=_base_.val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=_base_.val_pipeline))
