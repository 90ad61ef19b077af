# Metainfo of a 5-keypoint body data set (nose, shoulders, hips): MMPose's dataset_info format,
# and the template for your own (docs/custom_keypoints.md). MMPose's files for its data sets
# are in the installed package, mmpose/.mim/configs/_base_/datasets/ (coco.py, mpii.py ...).
#
# keypoint_info: one entry per keypoint, in the order of the annotation file's keypoints
#   name   the keypoint's name (skeleton_info and swap refer to it by name)
#   id     its index (the same as the key)
#   color  RGB colour for drawing
#   type   'upper' or 'lower' body: the half-body augmentation (RandomHalfBody) picks from these
#   swap   the keypoint it becomes when the image is mirrored (RandomFlip, flip test);
#          '' for one on the axis of symmetry (the nose)
# skeleton_info: the lines drawn between keypoints
# joint_weights: per-keypoint loss weights; sigmas: per-keypoint OKS sigmas (COCO AP)
dataset_info = dict(
    dataset_name='body5',
    paper_info=dict(
        author='hrnet_ext', title='5 body keypoints cut from COCO', container='', year='',
        homepage=''),
    keypoint_info={
        0: dict(name='nose', id=0, color=[51, 153, 255], type='upper', swap=''),
        1: dict(name='left_shoulder', id=1, color=[0, 255, 0], type='upper',
                swap='right_shoulder'),
        2: dict(name='right_shoulder', id=2, color=[255, 128, 0], type='upper',
                swap='left_shoulder'),
        3: dict(name='left_hip', id=3, color=[0, 255, 0], type='lower', swap='right_hip'),
        4: dict(name='right_hip', id=4, color=[255, 128, 0], type='lower', swap='left_hip'),
    },
    skeleton_info={
        0: dict(link=('left_shoulder', 'right_shoulder'), id=0, color=[51, 153, 255]),
        1: dict(link=('left_shoulder', 'left_hip'), id=1, color=[0, 255, 0]),
        2: dict(link=('right_shoulder', 'right_hip'), id=2, color=[255, 128, 0]),
        3: dict(link=('left_hip', 'right_hip'), id=3, color=[51, 153, 255]),
        4: dict(link=('nose', 'left_shoulder'), id=4, color=[51, 153, 255]),
        5: dict(link=('nose', 'right_shoulder'), id=5, color=[51, 153, 255]),
    },
    joint_weights=[1., 1., 1., 1.2, 1.2],  # COCO's for these keypoints
    sigmas=[0.026, 0.079, 0.079, 0.107, 0.107])  # COCO's for these keypoints
