"""Your own keypoints: HRNet-W32 at 128x96 on 5 body keypoints (nose, shoulders, hips), the
example of docs/custom_keypoints.md. Data: the bundled COCO sample's images with a COCO-format
json cut to 5 keypoints; metainfo: configs/_base_/datasets/body5_keypoints.py. The recipe is the
paper's body recipe; the head's size (5) follows the metainfo.
"""
_base_ = ['../_base_/tasks/body_hrnet_w32_256x192.py', '../_base_/data/topdown_loaders.py']

from hrnet_ext.datasets.pipelines import resize_codec, with_codec  # after _base_

dataset_type = 'CocoDataset'  # any COCO-format json (MMPose's inferencer reads this name)
data_root = '{{ fileDirname }}/../../tests/data/coco/'
metainfo = dict(from_file='{{ fileDirname }}/../_base_/datasets/body5_keypoints.py')
__data = dict(type=dataset_type, data_root=data_root, ann_file='body5_keypoints.json',
              data_prefix=dict(img=''), metainfo=metainfo)

codec = resize_codec(_base_.codec, input_size=(96, 128))  # width, height
model = dict(head=dict(decoder=codec))
# the recipe's half-body augmentation needs 9 visible keypoints: with 5 it never applies
train_pipeline = [step for step in with_codec(_base_.train_pipeline, codec)
                  if step['type'] != 'RandomHalfBody']
val_pipeline = with_codec(_base_.val_pipeline, codec)

train_dataloader = dict(batch_size=12, dataset=dict(pipeline=train_pipeline, **__data))
val_dataloader = dict(batch_size=12, dataset=dict(pipeline=val_pipeline, **__data))
test_dataloader = val_dataloader
val_evaluator = dict(type='CocoMetric', ann_file=data_root + 'body5_keypoints.json')
test_evaluator = val_evaluator
