"""HRNet-W32 on AP-10K (17 animal keypoints, COCO format) at 256x256: the paper's COCO recipe
on another data set. COCO-style OKS AP with AP-10K's sigmas, ground-truth boxes.

AP-10K's keypoints are COCO's in number and format, so the COCO recipe (model, augmentation,
schedule, flip test) carries over; what changes is the data and a square input.
"""
_base_ = ['../hrnet_w32_coco_256x192.py']

codec = dict(type='MSRAHeatmap', input_size=(256, 256), heatmap_size=(64, 64), sigma=2)
model = dict(head=dict(decoder=codec))


def with_codec(pipeline):
    """The recipe's pipeline with this codec: the crop's input_size and the target's encoder,
    whichever class takes them (a function: dropped from the config)."""
    new = dict(input_size=codec['input_size'], encoder=codec)
    return [dict(step, **{k: v for k, v in new.items() if k in step}) for step in pipeline]


data_root = '{{$HRNET_EXT_AP10K_ROOT:data/ap10k/}}'.rstrip('/') + '/'
_ap10k = dict(type='AP10KDataset', data_root=data_root, data_prefix=dict(img='data/'))
train_dataloader = dict(dataset=dict(
    ann_file='annotations/ap10k-train-split1.json', pipeline=with_codec(_base_.train_pipeline),
    **_ap10k))
val_dataloader = dict(dataset=dict(
    ann_file='annotations/ap10k-val-split1.json', bbox_file=None,
    pipeline=with_codec(_base_.val_pipeline), **_ap10k))
test_dataloader = dict(dataset=dict(
    ann_file='annotations/ap10k-test-split1.json', bbox_file=None,
    pipeline=with_codec(_base_.val_pipeline), **_ap10k))
val_evaluator = dict(ann_file=data_root + 'annotations/ap10k-val-split1.json')
test_evaluator = dict(ann_file=data_root + 'annotations/ap10k-test-split1.json')
