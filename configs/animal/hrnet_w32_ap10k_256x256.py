"""HRNet-W32 on AP-10K (17 animal keypoints, COCO format) at 256x256: the paper's COCO recipe
on another data set. COCO-style OKS AP with AP-10K's sigmas, ground-truth boxes.

AP-10K's keypoints are COCO's in number and format, so the body recipe (model, augmentation,
schedule, flip test) and the COCO data base (loaders, CocoMetric) carry over; what changes is
the data and a square input.
"""
_base_ = ['../_base_/tasks/body_hrnet_w32_256x192.py', '../_base_/data/coco_topdown.py']

from hrnet_ext.datasets.pipelines import with_codec  # after _base_ (see the recipe)

codec = dict(type='MSRAHeatmap', input_size=(256, 256), heatmap_size=(64, 64), sigma=2)
model = dict(head=dict(out_channels=17, decoder=codec))  # AP-10K's keypoints

data_root = '{{$HRNET_EXT_AP10K_ROOT:data/ap10k/}}'.rstrip('/') + '/'
_ap10k = dict(type='AP10KDataset', data_root=data_root, data_prefix=dict(img='data/'))
train_dataloader = dict(dataset=dict(
    ann_file='annotations/ap10k-train-split1.json',
    pipeline=with_codec(_base_.train_pipeline, codec), **_ap10k))
val_dataloader = dict(dataset=dict(
    ann_file='annotations/ap10k-val-split1.json', bbox_file=None,
    pipeline=with_codec(_base_.val_pipeline, codec), **_ap10k))
test_dataloader = dict(dataset=dict(
    ann_file='annotations/ap10k-test-split1.json', bbox_file=None,
    pipeline=with_codec(_base_.val_pipeline, codec), **_ap10k))
val_evaluator = dict(ann_file=data_root + 'annotations/ap10k-val-split1.json')
test_evaluator = dict(ann_file=data_root + 'annotations/ap10k-test-split1.json')
