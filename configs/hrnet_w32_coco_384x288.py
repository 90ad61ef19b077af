"""HRNet-W32 on COCO at 384x288: the 256x192 recipe with a larger input.

Reported: 75.8 AP / 81.0 AR on COCO val2017 (paper), AP-56.4 person boxes, flip test.
"""
_base_ = ['./hrnet_w32_coco_256x192.py']

from hrnet_ext.datasets.pipelines import with_codec  # after _base_ (see the recipe)

# 72x96 heatmaps, Gaussian sigma 3
codec = dict(type='MSRAHeatmap', input_size=(288, 384), heatmap_size=(72, 96), sigma=3)

model = dict(head=dict(decoder=codec))

train_pipeline = with_codec(_base_.train_pipeline, codec)
val_pipeline = with_codec(_base_.val_pipeline, codec)
train_dataloader = dict(dataset=dict(pipeline=train_pipeline))
val_dataloader = dict(dataset=dict(pipeline=val_pipeline))
test_dataloader = val_dataloader
