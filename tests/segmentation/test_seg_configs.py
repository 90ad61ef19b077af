"""configs/seg/: every setting of the official experiment files, and every config builds,
trains a step and predicts on the person sample through its own pipelines."""
import math

import numpy as np
import pytest
import torch

pytest.importorskip('mmseg')

from helpers import CONFIGS, SEG_CONFIGS, load_script  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.registry import DefaultScope  # noqa: E402
from mmengine.runner import Runner  # noqa: E402
from seg_sample import SEG_DIR, on_person_sample  # noqa: E402

CITYSCAPES_WEIGHTS = [0.8373, 0.918, 0.866, 1.0345, 1.0166, 0.9969, 0.9754, 1.0489, 0.8786,
                      1.0023, 0.9539, 0.9843, 1.1116, 0.9037, 1.0865, 1.0955, 1.0865, 1.1529,
                      1.0507]


def load(name: str) -> Config:
    return Config.fromfile(str(CONFIGS / name))


def types(pipeline):
    return [step['type'] for step in pipeline]


def test_configs_found():
    assert SEG_CONFIGS == ['seg/hrnetv2_tiny_coco-person-sample.py',
                           'seg/hrnetv2_w18-small-v2_cityscapes_512x1024.py',
                           'seg/hrnetv2_w48_cityscapes_512x1024.py',
                           'seg/hrnetv2_w48_cityscapes_512x1024_from-coco-pose.py',
                           'seg/hrnetv2_w48_lip_473x473.py']


def check_common(cfg: Config, lr: float, epochs: int, batch: int, gpus_batch: int) -> None:
    """seg_hrnet W48 with the official head and schedule (both experiment files)."""
    assert cfg.default_scope == 'mmseg'
    assert cfg.custom_imports.imports == ['hrnet_ext.segmentation']
    backbone, head = cfg.model.backbone, cfg.model.decode_head
    assert (backbone.type, backbone.arch, backbone.multiscale_output) == (
        'hrnet_ext.HRNet', 'w48', True)
    assert backbone.extra.upsample == dict(mode='bilinear', align_corners=False)
    assert backbone.init_cfg.checkpoint.endswith('hrnetv2_w48_imagenet_pretrained.pth')
    assert (head.type, head.in_channels, head.channels, head.kernel_size, head.num_convs) == (
        'FCNHead', [48, 96, 192, 384], 720, 1, 1)
    assert (head.input_transform, head.concat_input, head.dropout_ratio, head.align_corners) == (
        'resize_concat', False, -1, False)
    assert head.loss_decode.type == 'hrnet_ext.WeightedCrossEntropyLoss'
    assert cfg.sync_bn == 'torch'
    pre = cfg.model.data_preprocessor
    assert (pre.mean, pre.std, pre.bgr_to_rgb, pre.seg_pad_val) == (
        [123.675, 116.28, 103.53], [58.395, 57.12, 57.375], True, 255)
    assert cfg.optim_wrapper.optimizer == dict(type='SGD', lr=lr, momentum=0.9,
                                               weight_decay=5e-4, nesterov=False)
    assert cfg.param_scheduler == [dict(type='PolyLR', power=0.9, eta_min=0, begin=0,
                                        end=epochs, by_epoch=True, convert_to_iter_based=True)]
    assert cfg.train_cfg.max_epochs == epochs
    loader = cfg.train_dataloader
    assert (loader.batch_size, loader.drop_last, loader.sampler.shuffle) == (batch, True, True)
    assert cfg.auto_scale_lr.base_batch_size == gpus_batch
    assert cfg.test_cfg == dict(type='TestLoop') and cfg.model.test_cfg == dict(mode='whole')
    assert cfg.val_evaluator == dict(type='IoUMetric', iou_metrics=['mIoU'])
    assert cfg.default_hooks.checkpoint.type == 'hrnet_ext.AtomicCheckpointHook'
    assert cfg.default_hooks.checkpoint.save_best == 'mIoU'


def test_cityscapes_w48_is_the_official_experiment():
    """seg_hrnet_w48_train_512x1024_sgd_lr1e-2_wd5e-4_bs_12_epoch484.yaml"""
    cfg = load('seg/hrnetv2_w48_cityscapes_512x1024.py')
    check_common(cfg, lr=0.01, epochs=484, batch=3, gpus_batch=12)
    head = cfg.model.decode_head
    assert head.num_classes == 19 and head.loss_decode.class_weight == CITYSCAPES_WEIGHTS
    assert cfg.model.data_preprocessor.size == (512, 1024)
    train = cfg.train_dataloader.dataset.pipeline
    assert types(train) == ['LoadImageFromFile', 'LoadAnnotations', 'RandomChoiceResize',
                            'RandomCrop', 'RandomFlip', 'PackSegInputs']
    # long side 2048 x (0.5 + randint(0, 16) / 10), official np.int(2048 * s + 0.5)
    assert train[2].scales == [(int(2048 * (0.5 + k / 10) + 0.5), ) * 2 for k in range(17)]
    assert train[2].scales[0] == (1024, 1024) and train[2].scales[-1] == (4301, 4301)
    assert train[2].keep_ratio and train[3].crop_size == (512, 1024)
    assert 'cat_max_ratio' not in train[3] and train[4].prob == 0.5
    test = cfg.test_dataloader.dataset.pipeline
    assert types(test) == ['LoadImageFromFile', 'Resize', 'LoadAnnotations', 'PackSegInputs']
    assert test[1].scale == (2048, 1024) and test[1].keep_ratio  # full resolution
    assert cfg.train_dataloader.dataset.data_prefix == dict(img_path='leftImg8bit/train',
                                                            seg_map_path='gtFine/train')
    assert cfg.val_dataloader.dataset.data_prefix.seg_map_path == 'gtFine/val'


def test_lip_w48_is_the_official_experiment():
    """seg_hrnet_w48_473x473_sgd_lr7e-3_wd5e-4_bs_40_epoch150.yaml"""
    cfg = load('seg/hrnetv2_w48_lip_473x473.py')
    check_common(cfg, lr=0.007, epochs=150, batch=10, gpus_batch=40)
    head = cfg.model.decode_head
    assert head.num_classes == 20 and head.loss_decode.get('class_weight') is None
    train = cfg.train_dataloader.dataset.pipeline
    assert types(train) == ['LoadImageFromFile', 'LoadAnnotations', 'RandomFlip', 'Resize',
                            'RandomChoiceResize', 'RandomCrop', 'PackSegInputs']
    assert train[2].prob == 0.5 and train[2].swap_seg_labels == [(14, 15), (16, 17), (18, 19)]
    assert train[3].scale == (473, 473) and not train[3].keep_ratio
    assert train[4].scales == [(int(473 * (0.5 + k / 10) + 0.5), ) * 2 for k in range(12)]
    assert train[5].crop_size == (473, 473)
    test = cfg.test_dataloader.dataset.pipeline
    assert test[1] == dict(type='Resize', scale=(473, 473), keep_ratio=False)
    assert types(test)[2] == 'LoadAnnotations'  # the label at its own size
    assert cfg.train_dataloader.dataset.type == 'LIPDataset'


def test_variants_change_only_what_differs():
    base = load('seg/hrnetv2_w48_cityscapes_512x1024.py')
    small = load('seg/hrnetv2_w18-small-v2_cityscapes_512x1024.py')
    assert small.model.backbone.arch == 'w18_small_v2'
    assert small.model.backbone.init_cfg.checkpoint.endswith('hrnet_w18_small_model_v2.pth')
    assert (small.model.decode_head.in_channels, small.model.decode_head.channels) == (
        [18, 36, 72, 144], 270)
    pose = load('seg/hrnetv2_w48_cityscapes_512x1024_from-coco-pose.py')
    assert pose.model.backbone.init_cfg == dict(
        type='Pretrained', checkpoint=base.pretrained_dir + 'pose_hrnet_w48_384x288.pth')
    for variant, changed in ((small, {'model'}), (pose, {'model'})):
        differ = {k for k in set(base) | set(variant) if base.get(k) != variant.get(k)}
        assert differ == changed
    pose.model.backbone.init_cfg = base.model.backbone.init_cfg
    assert pose.model == base.model  # the start only: it trains as the recipe
    for variant in ('hrnetv2_w18-small-v2_cityscapes_512x1024.py',
                    'hrnetv2_w48_cityscapes_512x1024_from-coco-pose.py'):  # short: inherit
        assert len((SEG_DIR / variant).read_text().splitlines()) <= 25


def test_config_preparation_checks_in_mmsegmentations_scope():
    """The tools' key and type check (hrnet_ext.engine.config_check) on default_scope='mmseg':
    every config passes; typos in MMSegmentation's classes and ours are named."""
    from hrnet_ext.engine.config_check import find_key_problems
    assert {name: find_key_problems(load(name)) for name in SEG_CONFIGS} == {
        name: [] for name in SEG_CONFIGS}
    cfg = load('seg/hrnetv2_w48_lip_473x473.py')
    cfg.model['auxilary_head'] = dict(type='FCNHead')
    cfg.model.decode_head.loss_decode.type = 'hrnet_ext.WeightedCrossEntropyLos'
    cfg.train_dataloader.dataset.pipeline[3]['scael'] = (473, 473)  # Resize
    problems = find_key_problems(cfg)
    assert len(problems) == 3
    assert problems[0].startswith("model (EncoderDecoder): unknown argument 'auxilary_head' "
                                  "(did you mean 'auxiliary_head'?)")
    assert problems[1] == ("model.decode_head.loss_decode.type: unknown model "
                           "'hrnet_ext.WeightedCrossEntropyLos' (did you mean "
                           "'hrnet_ext.WeightedCrossEntropyLoss'?)")
    assert problems[2].startswith('train_dataloader.dataset.pipeline.3 (Resize): unknown '
                                  "argument 'scael' (did you mean 'scale'?)")


# every config but the ones that differ from another only in where the backbone starts
# (init_cfg, which on_person_sample clears; test_variants_change_only_what_differs)
STARTS_ONLY = ['seg/hrnetv2_w48_cityscapes_512x1024_from-coco-pose.py']


@pytest.mark.parametrize('name', sorted(set(SEG_CONFIGS) - set(STARTS_ONLY)))
def test_config_builds_trains_and_predicts(name):
    """The config's own network and pipelines on the person sample, at 64x128 crops."""
    from mmseg.registry import MODELS

    import hrnet_ext.segmentation  # noqa: F401
    cfg = load(name)
    on_person_sample(cfg)
    torch.manual_seed(0)
    np.random.seed(0)
    with DefaultScope.overwrite_default_scope('mmseg'):
        model = MODELS.build(cfg.model)
        assert type(model.backbone).__module__.startswith('hrnet_ext.')
        loader = dict(cfg.train_dataloader, batch_size=2,
                      sampler=dict(type='DefaultSampler', shuffle=False))
        batch = next(iter(Runner.build_dataloader(loader, seed=0)))
        model.train()
        data = model.data_preprocessor(batch, training=True)
        assert data['inputs'].shape == (2, 3, 64, 128)
        losses = model(**data, mode='loss')
        loss = losses['decode.loss_ce']
        assert math.isfinite(loss.item()) and loss.item() > 0 and loss.requires_grad
        model.eval()
        loader = dict(cfg.test_dataloader, sampler=dict(type='DefaultSampler', shuffle=False))
        batch = next(iter(Runner.build_dataloader(loader, seed=0)))
        with torch.no_grad():
            (result, ) = model.test_step(batch)
    h, w = result.ori_shape
    assert (h, w) == (425, 640)  # the first sample image: predicted at its own size
    assert result.pred_sem_seg.data.shape == (1, h, w)
    assert set(result.pred_sem_seg.data.unique().tolist()) <= {0, 1}
    assert result.gt_sem_seg.data.shape == (1, h, w)


def test_train_py_names_missing_data_then_a_missing_pretrained_file(tmp_path, capsys,
                                                                     monkeypatch):
    tool = load_script('tools/train.py')
    monkeypatch.setenv('HRNET_EXT_CITYSCAPES_ROOT', str(tmp_path / 'cityscapes'))
    monkeypatch.setenv('HRNET_EXT_PRETRAINED_DIR', str(tmp_path / 'no_weights'))
    args = [str(SEG_DIR / 'hrnetv2_w48_cityscapes_512x1024.py'), '--work-dir', str(tmp_path)]
    assert tool.main(args) == 1
    err = capsys.readouterr().err
    assert 'train_dataloader.dataset.data_root' in err and f'{tmp_path}/cityscapes' in err
    assert 'HRNET_EXT_CITYSCAPES_ROOT' in err and 'gtFine/{train,val}' in err
    assert 'as in MMSegmentation' in err
    for folder in LAYOUT_FOLDERS['cityscapes']:  # the data there: the weights are next
        (tmp_path / 'cityscapes' / folder).mkdir(parents=True)
    assert tool.main(args) == 1
    err = capsys.readouterr().err
    assert 'hrnetv2_w48_imagenet_pretrained.pth' in err and 'model.backbone.init_cfg' in err


LAYOUT_FOLDERS = {'cityscapes': ['leftImg8bit/train', 'leftImg8bit/val', 'gtFine/train',
                                 'gtFine/val'],
                  'lip': ['TrainVal_images/train_images', 'TrainVal_images/val_images',
                          'TrainVal_parsing_annotations/train_segmentations',
                          'TrainVal_parsing_annotations/val_segmentations']}


@pytest.mark.parametrize('name', ['seg/hrnetv2_w48_cityscapes_512x1024.py',
                                  'seg/hrnetv2_w48_lip_473x473.py'])
def test_data_check_finds_a_complete_layout(name, tmp_path, monkeypatch):
    """The layout the docstrings and the missing-data message describe is what the configs
    read: every folder made, nothing reported missing; one folder removed, it is named."""
    from hrnet_ext.datasets import find_missing
    folders = LAYOUT_FOLDERS
    data = 'lip' if 'lip' in name else 'cityscapes'
    for folder in folders[data]:
        (tmp_path / folder).mkdir(parents=True)
    monkeypatch.setenv(f'HRNET_EXT_{data.upper()}_ROOT', str(tmp_path))
    assert find_missing(load(name), ('train', 'val', 'test')) == []
    (tmp_path / folders[data][-1]).rmdir()
    (missing, ) = find_missing(load(name), ('val', ))
    assert missing.key == 'val_dataloader.dataset.data_prefix.seg_map_path'
    assert missing.path == f'{tmp_path}/{folders[data][-1]}'
