# OneHand10K hands (21 keypoints), top-down, in MMPose's layout:
#   <root>/annotations/onehand10k_{train,test}.json (test is also val), images under
#   <root>/ (the annotations' file names include their folders)
# <root> is data/onehand10k/ unless the environment variable
# HRNET_EXT_ONEHAND10K_ROOT says otherwise (read when the config is loaded). A recipe adds the pipelines.
_base_ = ['./topdown_loaders.py']

data_root = '{{$HRNET_EXT_ONEHAND10K_ROOT:data/onehand10k/}}'.rstrip('/') + '/'
dataset_type = 'OneHand10KDataset'
# what the loaders' data sets share (a name that starts with '__' stays out of the config)
__onehand10k = dict(type=dataset_type, data_root=data_root, data_prefix=dict(img=''))

train_dataloader = dict(batch_size=64, dataset=dict(
    ann_file='annotations/onehand10k_train.json', **__onehand10k))
val_dataloader = dict(dataset=dict(
    ann_file='annotations/onehand10k_test.json', **__onehand10k))
test_dataloader = val_dataloader

# PCK@0.2 (errors normalised by the box size), AUC of PCK over thresholds 0-30 px, EPE (px)
val_evaluator = [
    dict(type='PCKAccuracy', thr=0.2),
    dict(type='AUC'),
    dict(type='EPE'),
]
test_evaluator = val_evaluator
