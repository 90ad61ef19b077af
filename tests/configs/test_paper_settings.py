"""Every paper config carries every setting of the recipe in docs/PAPER_SETTINGS.md.

The settings are read from the loaded configs (bases merged), so a change in any base
file that breaks the paper's recipe fails here, with the setting named.
"""
import pytest
from helpers import CONFIGS
from mmengine.config import Config
from scipy.stats import norm

# PAPER_SETTINGS.md, "COCO training recipe": input (w, h), heatmap (w, h), sigma, batch per GPU

def row(arch, input, heatmap, sigma, batch):
    return dict(arch=arch, input=input, heatmap=heatmap, sigma=sigma, batch=batch)


COCO = {
    'hrnet_w32_coco_256x192.py': row('w32', (192, 256), (48, 64), 2, 32),
    'hrnet_w32_coco_384x288.py': row('w32', (288, 384), (72, 96), 3, 32),
    'hrnet_w48_coco_256x192.py': row('w48', (192, 256), (48, 64), 2, 32),
    'hrnet_w48_coco_384x288.py': row('w48', (288, 384), (72, 96), 3, 24),
    # the "+ extra data" row: W48 384x288 trained on COCO + AI Challenger
    'hrnet_w48_coco-aic_384x288.py': row('w48', (288, 384), (72, 96), 3, 24),
}
MPII = {
    'hrnet_w32_mpii_256x256.py': row('w32', (256, 256), (64, 64), 2, 32),
    'hrnet_w48_mpii_256x256.py': row('w48', (256, 256), (64, 64), 2, 32),
}
PAPER_GPUS = 4
WIDTH = dict(w32=32, w48=48)
PRETRAINED = dict(w32='hrnet_w32-36af842e.pth', w48='hrnet_w48-8ef0771d.pth')


@pytest.fixture(scope='module')
def configs():
    return {name: Config.fromfile(str(CONFIGS / name)) for name in {**COCO, **MPII}}


def steps(pipeline, type_name):
    return [s for s in pipeline if s['type'] == type_name]


def one_step(pipeline, type_name):
    found = steps(pipeline, type_name)
    assert len(found) == 1, f'{type_name}: expected once in the pipeline, found {len(found)}'
    return found[0]


def train_pipeline(cfg):
    dataset = cfg.train_dataloader.dataset
    return dataset.pipeline


@pytest.mark.parametrize('name', sorted({**COCO, **MPII}))
def test_schedule_and_optimizer(configs, name):
    cfg = configs[name]
    opt = cfg.optim_wrapper.optimizer
    assert opt.type == 'Adam' and opt.lr == 1e-3
    assert opt.get('weight_decay', 0) == 0, 'Adam with weight decay is not the paper recipe'
    assert cfg.optim_wrapper.get('paramwise_cfg') is None
    assert cfg.train_cfg.max_epochs == 210
    [sched] = cfg.param_scheduler  # no warm-up scheduler beside it
    assert sched.type == 'MultiStepLR' and sched.by_epoch
    assert list(sched.milestones) == [170, 200] and sched.gamma == 0.1
    assert sched.begin == 0 and sched.end == 210


@pytest.mark.parametrize('name', sorted({**COCO, **MPII}))
def test_batch_and_lr_scaling(configs, name):
    cfg, setting = configs[name], {**COCO, **MPII}[name]
    assert cfg.train_dataloader.batch_size == setting['batch']
    # lr 1e-3 belongs to the paper's 4 GPUs; scaling is opt-in (--auto-scale-lr)
    assert cfg.auto_scale_lr.base_batch_size == setting['batch'] * PAPER_GPUS
    assert cfg.auto_scale_lr.enable is False


@pytest.mark.parametrize('name', sorted({**COCO, **MPII}))
def test_model(configs, name):
    cfg, setting = configs[name], {**COCO, **MPII}[name]
    model = cfg.model
    assert model.type == 'TopdownPoseEstimator'
    assert model.backbone.type == 'hrnet_ext.HRNet' and model.backbone.arch == setting['arch']
    assert 'extra' not in model.backbone  # the arch table, not a pasted stage schema
    init = model.backbone.init_cfg
    assert init.type == 'Pretrained'
    assert init.checkpoint.endswith(PRETRAINED[setting['arch']]) and '://' not in init.checkpoint
    assert model.head.type == 'hrnet_ext.HRNetHeatmapHead'
    assert model.head.in_channels == WIDTH[setting['arch']]
    assert model.head.out_channels == (17 if name in COCO else 16)
    loss = model.head.loss
    assert loss.type == 'KeypointMSELoss' and loss.use_target_weight
    assert loss.loss_weight == 0.5  # the official code's 0.5
    pre = model.data_preprocessor
    assert pre.bgr_to_rgb
    assert list(pre.mean) == [123.675, 116.28, 103.53] and list(pre.std) == [58.395, 57.12, 57.375]


@pytest.mark.parametrize('name', sorted({**COCO, **MPII}))
def test_codec_and_test_time(configs, name):
    cfg, setting = configs[name], {**COCO, **MPII}[name]
    codec = cfg.model.head.decoder
    assert codec == cfg.codec
    assert codec.type == 'MSRAHeatmap' and not codec.get('unbiased', False)  # quarter offset
    assert tuple(codec.input_size) == setting['input']
    assert tuple(codec.heatmap_size) == setting['heatmap']
    assert codec.sigma == setting['sigma']
    assert cfg.model.test_cfg == dict(flip_test=True, flip_mode='heatmap', shift_heatmap=True)
    for pipeline in (train_pipeline(cfg), cfg.val_dataloader.dataset.pipeline,
                     cfg.test_dataloader.dataset.pipeline):
        affine = one_step(pipeline, 'hrnet_ext.FastTopdownAffine')  # MMPose's, faster
        assert tuple(affine.input_size) == setting['input'] and not affine.get('use_udp')
    assert one_step(train_pipeline(cfg), 'hrnet_ext.FastGenerateTarget').encoder == codec


@pytest.mark.parametrize('name', sorted({**COCO, **MPII}))
def test_augmentation(configs, name):
    cfg = configs[name]
    pipeline = train_pipeline(cfg)
    assert one_step(pipeline, 'GetBBoxCenterScale').padding == 1.25
    flip = one_step(pipeline, 'RandomFlip')
    assert flip.direction == 'horizontal' and flip.prob == 0.5
    assert not steps(pipeline, 'RandomBBoxTransform'), "MMPose's distribution, not the paper's"
    bbox = one_step(pipeline, 'hrnet_ext.ClippedNormalBBoxTransform')
    if name in COCO:
        assert (bbox.scale_factor, bbox.rotate_factor, bbox.rotate_prob) == (0.35, 45., 0.6)
        half = one_step(pipeline, 'RandomHalfBody')
        assert half.prob == 0.3 and half.padding == 1.5
        assert half.min_total_keypoints == 9  # "more than 8 visible"
        assert (half.min_upper_keypoints, half.min_lower_keypoints) == (2, 3)
        # official: upper body first when np.random.randn() < 0.5
        assert half.upper_prioritized_prob == pytest.approx(norm.cdf(0.5), abs=1e-4)
        # order of the official loader: half-body box, then scale and rotation
        names = [s['type'] for s in pipeline]
        assert names.index('RandomHalfBody') < names.index('hrnet_ext.ClippedNormalBBoxTransform')
    else:
        assert (bbox.scale_factor, bbox.rotate_factor, bbox.rotate_prob) == (0.25, 30., 0.6)
        assert not steps(pipeline, 'RandomHalfBody')
    # the whole train pipeline, in order: MMPose's LoadImage (no image cache in training),
    # the augmentation, then the faster equal-output crop, target and packing
    half_body = ['RandomHalfBody'] if name in COCO else []
    assert [s['type'] for s in pipeline] == [
        'LoadImage', 'GetBBoxCenterScale', 'RandomFlip', *half_body,
        'hrnet_ext.ClippedNormalBBoxTransform', 'hrnet_ext.FastTopdownAffine',
        'hrnet_ext.FastGenerateTarget', 'hrnet_ext.FastPackPoseInputs']
    for loader in (cfg.val_dataloader, cfg.test_dataloader):
        pipeline = loader.dataset.pipeline
        assert one_step(pipeline, 'GetBBoxCenterScale').padding == 1.25
        assert [s['type'] for s in pipeline] == [
            'hrnet_ext.CachedLoadImage', 'GetBBoxCenterScale', 'hrnet_ext.FastTopdownAffine',
            'hrnet_ext.FastPackPoseInputs']
        assert one_step(pipeline, 'hrnet_ext.CachedLoadImage') == dict(
            type='hrnet_ext.CachedLoadImage')  # LoadImage's defaults, a copy per sample


@pytest.mark.parametrize('name', sorted(COCO))
def test_coco_evaluation(configs, name):
    cfg = configs[name]
    dataset = cfg.test_dataloader.dataset
    assert dataset.type == 'CocoDataset' and dataset.test_mode
    assert dataset.ann_file == 'annotations/person_keypoints_val2017.json'
    assert dataset.bbox_file.endswith(
        'person_detection_results/COCO_val2017_detections_AP_H_56_person.json')
    assert cfg.val_dataloader.dataset.bbox_file == dataset.bbox_file
    metric = cfg.test_evaluator
    assert metric.type == 'CocoMetric'
    assert metric.ann_file.endswith('annotations/person_keypoints_val2017.json')
    assert metric.score_mode == 'bbox_keypoint' and metric.keypoint_score_thr == 0.2
    assert metric.nms_mode == 'oks_nms' and metric.nms_thr == 0.9
    assert cfg.val_evaluator == metric
    assert cfg.default_hooks.checkpoint.save_best == 'coco/AP'


@pytest.mark.parametrize('name', sorted(MPII))
def test_mpii_evaluation(configs, name):
    cfg = configs[name]
    dataset = cfg.test_dataloader.dataset
    # MpiiDataset moves the centre by +15 px x scale (tests/datasets/test_data_loading.py)
    assert dataset.type == 'MpiiDataset' and dataset.test_mode
    assert dataset.headbox_file.endswith('annotations/mpii_gt_val.mat')
    metric = cfg.test_evaluator
    assert metric.type == 'MpiiPCKAccuracy' and metric.thr == 0.5 and metric.norm_item == 'head'
    assert cfg.default_hooks.checkpoint.save_best == 'PCK'


def test_extra_data_row(configs):
    """COCO + AI Challenger: only the training set differs from W48 384x288."""
    cfg = configs['hrnet_w48_coco-aic_384x288.py']
    base = configs['hrnet_w48_coco_384x288.py']
    combined = cfg.train_dataloader.dataset
    assert combined.type == 'CombinedDataset'
    assert combined.metainfo.from_file.endswith('_base_/datasets/coco.py')
    coco, aic = combined.datasets
    assert coco == dict(base.train_dataloader.dataset, pipeline=[])
    assert aic.type == 'AicDataset' and aic.ann_file == 'annotations/aic_train.json'
    [convert] = aic.pipeline
    assert convert.type == 'KeypointConverter' and convert.num_keypoints == 17
    assert combined.pipeline == base.train_dataloader.dataset.pipeline
    for key in ('model', 'codec', 'optim_wrapper', 'param_scheduler', 'train_cfg',
                'auto_scale_lr', 'test_dataloader', 'test_evaluator'):
        assert cfg[key] == base[key], key


def test_variants_change_only_what_differs(configs):
    """W48 is W32 with the arch, its pretrained file and the head width changed."""
    w32, w48 = configs['hrnet_w32_coco_256x192.py'], configs['hrnet_w48_coco_256x192.py']
    assert w48.model.backbone.arch == 'w48' and w48.model.head.in_channels == 48
    w48_model = w48.model.to_dict()
    w48_model['backbone'].update(arch='w32', init_cfg=w32.model.backbone.init_cfg.to_dict())
    w48_model['head']['in_channels'] = 32
    assert w48_model == w32.model.to_dict()
    for key in ('train_dataloader', 'test_dataloader', 'test_evaluator', 'optim_wrapper'):
        assert w48[key] == w32[key], key
