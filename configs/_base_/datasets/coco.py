# COCO's 17 person keypoints: names, drawing colours, upper/lower body, flip pairs (swap),
# skeleton, joint weights and OKS sigmas. MMPose 1.3.2's configs/_base_/datasets/coco.py
# (Apache-2.0, https://github.com/open-mmlab/mmpose) written as tables; the resulting
# dataset_info is equal to MMPose's (tests/configs/test_coco_metainfo.py). A data set's
# metainfo=dict(from_file='configs/_base_/datasets/coco.py') reads it: tools run from the
# repository root, where that relative path resolves.
_blue, _green, _orange = [51, 153, 255], [0, 255, 0], [255, 128, 0]
# name, colour, type, swap (the keypoint it becomes in a mirrored image)
_keypoints = [
    ('nose', _blue, 'upper', ''),
    ('left_eye', _blue, 'upper', 'right_eye'),
    ('right_eye', _blue, 'upper', 'left_eye'),
    ('left_ear', _blue, 'upper', 'right_ear'),
    ('right_ear', _blue, 'upper', 'left_ear'),
    ('left_shoulder', _green, 'upper', 'right_shoulder'),
    ('right_shoulder', _orange, 'upper', 'left_shoulder'),
    ('left_elbow', _green, 'upper', 'right_elbow'),
    ('right_elbow', _orange, 'upper', 'left_elbow'),
    ('left_wrist', _green, 'upper', 'right_wrist'),
    ('right_wrist', _orange, 'upper', 'left_wrist'),
    ('left_hip', _green, 'lower', 'right_hip'),
    ('right_hip', _orange, 'lower', 'left_hip'),
    ('left_knee', _green, 'lower', 'right_knee'),
    ('right_knee', _orange, 'lower', 'left_knee'),
    ('left_ankle', _green, 'lower', 'right_ankle'),
    ('right_ankle', _orange, 'lower', 'left_ankle'),
]
# the two ends of a link, its colour
_links = [
    ('left_ankle', 'left_knee', _green), ('left_knee', 'left_hip', _green),
    ('right_ankle', 'right_knee', _orange), ('right_knee', 'right_hip', _orange),
    ('left_hip', 'right_hip', _blue), ('left_shoulder', 'left_hip', _blue),
    ('right_shoulder', 'right_hip', _blue), ('left_shoulder', 'right_shoulder', _blue),
    ('left_shoulder', 'left_elbow', _green), ('right_shoulder', 'right_elbow', _orange),
    ('left_elbow', 'left_wrist', _green), ('right_elbow', 'right_wrist', _orange),
    ('left_eye', 'right_eye', _blue), ('nose', 'left_eye', _blue), ('nose', 'right_eye', _blue),
    ('left_eye', 'left_ear', _blue), ('right_eye', 'right_ear', _blue),
    ('left_ear', 'left_shoulder', _blue), ('right_ear', 'right_shoulder', _blue),
]

dataset_info = dict(
    dataset_name='coco',
    paper_info=dict(
        author='Lin, Tsung-Yi and Maire, Michael and '
        'Belongie, Serge and Hays, James and '
        'Perona, Pietro and Ramanan, Deva and '
        r'Doll{\'a}r, Piotr and Zitnick, C Lawrence',
        title='Microsoft coco: Common objects in context',
        container='European conference on computer vision',
        year='2014',
        homepage='http://cocodataset.org/',
    ),
    keypoint_info={i: dict(name=name, id=i, color=list(color), type=kind, swap=swap)
                   for i, (name, color, kind, swap) in enumerate(_keypoints)},
    skeleton_info={i: dict(link=(a, b), id=i, color=list(color))
                   for i, (a, b, color) in enumerate(_links)},
    joint_weights=[
        1., 1., 1., 1., 1., 1., 1., 1.2, 1.2, 1.5, 1.5, 1., 1., 1.2, 1.2, 1.5, 1.5
    ],
    sigmas=[
        0.026, 0.025, 0.025, 0.035, 0.035, 0.079, 0.079, 0.072, 0.072, 0.062, 0.062, 0.107,
        0.107, 0.087, 0.087, 0.089, 0.089
    ])
