# AI Challenger keypoint training set, as extra top-down training data (MMPose's layout):
#   <root>/annotations/aic_train.json,
#   <root>/ai_challenger_keypoint_train_20170902/keypoint_train_images_20170902/
# <root> is data/aic/ unless the environment variable HRNET_EXT_AIC_ROOT says otherwise.
# A config that trains on it maps its 14 keypoints onto its own (KeypointConverter).
aic_data_root = '{{$HRNET_EXT_AIC_ROOT:data/aic/}}'.rstrip('/') + '/'

aic_train_dataset = dict(
    type='AicDataset',
    data_root=aic_data_root,
    data_mode='topdown',
    ann_file='annotations/aic_train.json',
    data_prefix=dict(img='ai_challenger_keypoint_train_20170902/keypoint_train_images_20170902/'))
