# COCO person keypoints, top-down, in MMPose's layout:
#   <root>/annotations/person_keypoints_{train,val}2017.json, <root>/{train,val}2017/,
#   <root>/person_detection_results/COCO_val2017_detections_AP_H_56_person.json
# <root> is data/coco/ unless the environment variable HRNET_EXT_COCO_ROOT says otherwise
# (read when the config is loaded). Single paths: --cfg-options, e.g.
# test_dataloader.dataset.bbox_file=None evaluates with ground-truth boxes.
# tools/test.py checks these paths first and says what is missing.
# A recipe adds the pipelines.
_base_ = ['./topdown_loaders.py']

data_root = '{{$HRNET_EXT_COCO_ROOT:data/coco/}}'.rstrip('/') + '/'
dataset_type = 'CocoDataset'
# what the loaders' data sets share (a name that starts with '__' stays out of the config)
__coco = dict(type=dataset_type, data_root=data_root)

train_dataloader = dict(dataset=dict(
    ann_file='annotations/person_keypoints_train2017.json', data_prefix=dict(img='train2017/'),
    **__coco))
val_dataloader = dict(dataset=dict(
    ann_file='annotations/person_keypoints_val2017.json', data_prefix=dict(img='val2017/'),
    # the person detector the paper evaluates with (AP 56.4 on val2017)
    bbox_file=data_root + 'person_detection_results/COCO_val2017_detections_AP_H_56_person.json',
    **__coco))
test_dataloader = val_dataloader

# OKS AP/AR. Instance score = box score x mean of the keypoint scores above 0.2,
# then OKS-NMS at 0.9 (the official release's IN_VIS_THRE, OKS_THRE).
val_evaluator = dict(
    type='CocoMetric',
    ann_file=data_root + 'annotations/person_keypoints_val2017.json',
    score_mode='bbox_keypoint',
    keypoint_score_thr=0.2,
    nms_mode='oks_nms',
    nms_thr=0.9)
test_evaluator = val_evaluator
