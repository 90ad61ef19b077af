"""HRNetV2-W18 on OneHand10K (21 keypoints) at 256x256: PCK@0.2, AUC, EPE.

The recipe is MMPose's (its model zoo lists the result); no number is claimed here."""
_base_ = ['../_base_/tasks/hand_hrnetv2_w18_256x256.py', '../_base_/data/onehand10k_topdown.py']

model = dict(head=dict(out_channels=21))

train_dataloader = dict(dataset=dict(pipeline=_base_.train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=_base_.val_pipeline))
test_dataloader = dict(dataset=dict(pipeline=_base_.val_pipeline))
