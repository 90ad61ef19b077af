# MPII, top-down, in MMPose's layout:
#   <root>/annotations/mpii_{train,val}.json, <root>/annotations/mpii_gt_val.mat, <root>/images/
# <root> is data/mpii/ unless the environment variable HRNET_EXT_MPII_ROOT says otherwise.
# MpiiDataset moves each box centre down by 15 px x scale (as the official loader);
# the recipe's GetBBoxCenterScale pads the box by 1.25.
# PCKh needs MPII's official head boxes, mpii_gt_val.mat, which hrnet_ext does not bundle:
# tools/test.py stops with a message naming it when it is absent.
# A recipe adds the pipelines.
_base_ = ['./topdown_loaders.py']

data_root = '{{$HRNET_EXT_MPII_ROOT:data/mpii/}}'.rstrip('/') + '/'
dataset_type = 'MpiiDataset'
# what the loaders' data sets share (a name that starts with '__' stays out of the config)
__mpii = dict(type=dataset_type, data_root=data_root, data_prefix=dict(img='images/'))

train_dataloader = dict(dataset=dict(
    ann_file='annotations/mpii_train.json', **__mpii))
val_dataloader = dict(dataset=dict(
    ann_file='annotations/mpii_val.json',
    # MMPose opens this path as given (not under data_root)
    headbox_file=data_root + 'annotations/mpii_gt_val.mat',
    **__mpii))
test_dataloader = val_dataloader

# PCKh@0.5: errors normalised by 0.6 x the head-box diagonal
val_evaluator = dict(type='MpiiPCKAccuracy', thr=0.5, norm_item='head')
test_evaluator = val_evaluator
