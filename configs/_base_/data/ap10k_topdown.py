# AP-10K animals (17 keypoints, COCO format), top-down, in MMPose's layout:
#   <root>/annotations/ap10k-{train,val,test}-split1.json, images under <root>/data/
# <root> is data/ap10k/ unless the environment variable
# HRNET_EXT_AP10K_ROOT says otherwise (read when the config is loaded). A recipe adds the pipelines.
data_root = '{{$HRNET_EXT_AP10K_ROOT:data/ap10k/}}'.rstrip('/') + '/'
dataset_type = 'AP10KDataset'
data_mode = 'topdown'

train_dataloader = dict(
    batch_size=64,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='annotations/ap10k-train-split1.json',
        data_prefix=dict(img='data/')))

val_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='annotations/ap10k-val-split1.json',
        data_prefix=dict(img='data/'),
        test_mode=True))
test_dataloader = dict(
    batch_size=32,
    num_workers=4,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='DefaultSampler', shuffle=False, round_up=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_mode=data_mode,
        ann_file='annotations/ap10k-test-split1.json',
        data_prefix=dict(img='data/'),
        test_mode=True))

# COCO-style OKS AP/AR with AP-10K's sigmas (from the metainfo), ground-truth boxes
val_evaluator = dict(type='CocoMetric', ann_file=data_root + 'annotations/ap10k-val-split1.json')
test_evaluator = dict(type='CocoMetric', ann_file=data_root + 'annotations/ap10k-test-split1.json')
