# WFLW faces (98 landmarks), top-down, in MMPose's layout:
#   <root>/annotations/face_landmarks_wflw_{train,test}.json (test is also val),
#   images under <root>/images/
# <root> is data/wflw/ unless the environment variable
# HRNET_EXT_WFLW_ROOT says otherwise (read when the config is loaded). A recipe adds the pipelines.
_base_ = ['./topdown_loaders.py']

data_root = '{{$HRNET_EXT_WFLW_ROOT:data/wflw/}}'.rstrip('/') + '/'
dataset_type = 'WFLWDataset'
# what the loaders' data sets share (a name that starts with '__' stays out of the config)
__wflw = dict(type=dataset_type, data_root=data_root, data_prefix=dict(img='images/'))

train_dataloader = dict(batch_size=64, dataset=dict(
    ann_file='annotations/face_landmarks_wflw_train.json', **__wflw))
val_dataloader = dict(dataset=dict(
    ann_file='annotations/face_landmarks_wflw_test.json', **__wflw))
test_dataloader = val_dataloader

# NME: the mean error normalised by the distance between the outer eye corners (MMPose's
# keypoint_distance mode; the indices come from the data set's name in its metainfo)
val_evaluator = dict(type='NME', norm_mode='keypoint_distance')
test_evaluator = val_evaluator
