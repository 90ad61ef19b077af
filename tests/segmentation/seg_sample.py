"""What the segmentation tests share: paths of the bundled person / background sample, and
the ``--cfg-options`` that put a configs/seg/ recipe on it."""
import argparse
from typing import Dict, List

from helpers import CONFIGS, TEST_DATA

SEG_DIR = CONFIGS / 'seg'
SAMPLE_CONFIG = SEG_DIR / 'hrnetv2_tiny_coco-person-sample.py'
CITYSCAPES_W48 = SEG_DIR / 'hrnetv2_w48_cityscapes_512x1024.py'
SAMPLE_IMAGES = TEST_DATA / 'coco'
SAMPLE_LABELS = TEST_DATA / 'coco_person_seg'


def person_sample_options(data_root: str = str(TEST_DATA),
                          crop=(64, 128)) -> List[str]:
    """``--cfg-options`` that put a Cityscapes recipe on the person sample, as a user types
    them: the 4 COCO images and their label maps in both loaders, 2 classes without class
    weights, the small W18 network from scratch, small crops, no workers."""
    dataset = dict(type='BaseSegDataset', data_root=data_root + '/',
                   **{'data_prefix.img_path': 'coco', 'data_prefix.seg_map_path':
                      'coco_person_seg', 'img_suffix': '.jpg', 'seg_map_suffix': '.png',
                      'metainfo.classes': '(background,person)'})
    options = [
        'model.backbone.arch=w18_small', 'model.backbone.init_cfg=None',
        'model.decode_head.in_channels=[16,32,64,128]', 'model.decode_head.channels=240',
        'model.decode_head.num_classes=2', 'model.decode_head.loss_decode.class_weight=None',
        f'model.data_preprocessor.size=({crop[0]},{crop[1]})',
        # RandomChoiceResize: long side 128 or 192 (not 1024-4300); RandomCrop
        'train_dataloader.dataset.pipeline.2.scales=[(128,128),(192,192)]',
        f'train_dataloader.dataset.pipeline.3.crop_size=({crop[0]},{crop[1]})',
        'val_dataloader.dataset.pipeline.1.scale=(192,128)',
        'train_dataloader.batch_size=2',
    ]
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        options += [f'{loader}.num_workers=0', f'{loader}.persistent_workers=False']
        options += [f'{loader}.dataset.{k}={v}' for k, v in dataset.items()]
    options.append('test_dataloader.dataset.pipeline.1.scale=(192,128)')
    return options


def parse_options(options: List[str]) -> Dict:
    """``--cfg-options`` parsed as tools/train.py parses them (MMEngine's DictAction)."""
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    return parser.parse_args(['--cfg-options', *options]).cfg_options


def on_person_sample(cfg, crop=(64, 128)) -> None:
    """Put a loaded configs/seg/ config on the person sample, in place, keeping its network
    and its pipelines (their sizes made small): the sample's data set in every loader, 2
    classes, crops of ``crop`` (H, W), no workers, no pretrained file."""
    sample = dict(type='BaseSegDataset', data_root=str(TEST_DATA) + '/',
                  data_prefix=dict(img_path='coco', seg_map_path='coco_person_seg'),
                  img_suffix='.jpg', seg_map_suffix='.png',
                  metainfo=dict(classes=('background', 'person')))
    for phase in ('train', 'val', 'test'):
        loader = cfg[f'{phase}_dataloader']
        pipeline = loader.dataset.pipeline
        loader.dataset = dict(sample, pipeline=pipeline)
        loader.update(num_workers=0, persistent_workers=False)
        for step in pipeline:
            if step['type'] == 'RandomCrop':
                step['crop_size'] = crop
            elif step['type'] == 'RandomChoiceResize':
                step['scales'] = [(128, 128), (192, 192)]
            elif step['type'] == 'Resize':  # LIP's square resize in training, the test size
                step['scale'] = crop[::-1] if phase == 'train' else (192, 128)
    cfg.model.data_preprocessor.size = crop
    cfg.model.decode_head.num_classes = 2
    cfg.model.decode_head.loss_decode.class_weight = None
    cfg.model.backbone.init_cfg = None
    cfg.sync_bn = None
