"""HRNet-W48 at 384x288 trained on COCO + AI Challenger, evaluated on COCO.

The paper's "+ extra data" row (77.0 AP on COCO test-dev). The AI Challenger training set
joins COCO train2017; its 14 keypoints are mapped onto COCO's 17 with MMPose's own
machinery (KeypointConverter in a CombinedDataset with COCO's metainfo). Everything else is
hrnet_w48_coco_384x288.py. Evaluation stays on COCO val2017; a test-dev figure needs
test-dev's image info and person boxes (--cfg-options on test_dataloader / test_evaluator).
"""
_base_ = ['./hrnet_w48_coco_384x288.py', './_base_/data/aic_topdown.py']

from hrnet_ext.datasets.keypoints_to_coco import AIC_TO_COCO as __aic_pairs  # after _base_

# (AIC index, COCO index): shoulders, elbows, wrists, hips, knees, ankles. AIC's head top
# and neck have no COCO joint; COCO's five face points stay invisible on AIC images.
aic_to_coco = [list(pair) for pair in __aic_pairs]

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='CombinedDataset',
        # COCO's keypoint names, flip pairs and upper/lower body ids: MMPose's file, copied to
        # configs/_base_/datasets/coco.py (a path relative to the repository root)
        metainfo=dict(from_file='configs/_base_/datasets/coco.py'),
        datasets=[
            dict(_base_.train_dataloader.dataset, pipeline=[]),
            dict(
                _base_.aic_train_dataset,
                pipeline=[dict(type='KeypointConverter', num_keypoints=17, mapping=aic_to_coco)]),
        ],
        pipeline=_base_.train_pipeline,
        test_mode=False))
