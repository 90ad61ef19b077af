# 300W faces (68 landmarks), top-down, in MMPose's layout:
#   <root>/annotations/face_landmarks_300w_{train,valid,test}.json, images under
#   <root>/images/ (the annotations' file names include their folders)
# <root> is data/300w/ unless the environment variable
# HRNET_EXT_300W_ROOT says otherwise (read when the config is loaded). A recipe adds the pipelines.
_base_ = ['./topdown_loaders.py']

data_root = '{{$HRNET_EXT_300W_ROOT:data/300w/}}'.rstrip('/') + '/'
dataset_type = 'Face300WDataset'
# what the loaders' data sets share (a name that starts with '__' stays out of the config)
__face300w = dict(type=dataset_type, data_root=data_root, data_prefix=dict(img='images/'))

train_dataloader = dict(batch_size=64, dataset=dict(
    ann_file='annotations/face_landmarks_300w_train.json', **__face300w))
val_dataloader = dict(dataset=dict(
    ann_file='annotations/face_landmarks_300w_valid.json', **__face300w))
test_dataloader = dict(dataset=dict(
    ann_file='annotations/face_landmarks_300w_test.json', **__face300w))

# NME: the mean error normalised by the distance between the outer eye corners (MMPose's
# keypoint_distance mode; the indices come from the data set's name in its metainfo)
val_evaluator = dict(type='NME', norm_mode='keypoint_distance')
test_evaluator = val_evaluator
