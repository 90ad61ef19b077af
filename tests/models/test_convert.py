"""Checkpoint conversion (hrnet_ext.models.convert and tools/convert_checkpoint.py).

No file can be downloaded here, so the tests write the foreign layouts themselves from MMPose's
own model: the official release's names are MMPose's without ``backbone.`` / ``head.``, and the
ImageNet classification files add the classification head and the lower-resolution fusion rows
of the last module (their stage 4 outputs every branch)."""
import os.path as osp

import pytest
import torch
from helpers import load_script
from mmpose.models.backbones import HRNet as MMPoseHRNet

from hrnet_ext.models import HRNet, HRNetHeatmapHead
from hrnet_ext.models.convert import (
    CheckpointMismatchError,
    convert_state_dict,
    detect_format,
    unwrap_state_dict,
)
from hrnet_ext.utils.safe_load import load_checkpoint_file


def official_pose_state(randomize, extra_for):
    """``pose_hrnet_w18`` naming: backbone keys without prefix, head at ``final_layer``."""
    backbone = randomize(MMPoseHRNet(extra=extra_for(18)))
    state = dict(backbone.state_dict())
    state['final_layer.weight'] = torch.randn(17, 18, 1, 1)
    state['final_layer.bias'] = torch.randn(17)
    return state


def imagenet_cls_state(randomize, extra_for):
    """``hrnet_w18-*.pth`` naming: multi-scale stage 4 plus the classification head."""
    state = dict(randomize(MMPoseHRNet(extra=extra_for(18, multiscale_output=True))).state_dict())
    state['incre_modules.0.0.conv1.weight'] = torch.randn(32, 18, 1, 1)
    state['downsamp_modules.0.0.weight'] = torch.randn(256, 128, 3, 3)
    state['final_layer.0.weight'] = torch.randn(2048, 1024, 1, 1)
    state['final_layer.1.running_mean'] = torch.randn(2048)
    state['classifier.weight'] = torch.randn(1000, 2048)
    state['classifier.bias'] = torch.randn(1000)
    return state


def our_reference(width=18):
    ref = {'backbone.' + k: v for k, v in HRNet(arch=f'w{width}').state_dict().items()}
    ref.update({'head.' + k: v for k, v in HRNetHeatmapHead(width, 17).state_dict().items()})
    return ref


def test_detect_format_and_unwrap(randomize, extra_for):
    pose = official_pose_state(randomize, extra_for)
    assert detect_format(pose) == 'official-pose'
    assert detect_format(imagenet_cls_state(randomize, extra_for)) == 'imagenet-cls'
    assert detect_format({'backbone.' + k: v for k, v in pose.items()}) == 'mmpose'
    assert detect_format({k: v for k, v in pose.items() if 'final' not in k}) == 'backbone'
    wrapped = dict(state_dict={'module.' + k: v for k, v in pose.items()}, meta={})
    assert unwrap_state_dict(wrapped).keys() == pose.keys()
    with pytest.raises(ValueError, match='not an HRNet checkpoint'):
        detect_format({'weight': torch.zeros(1)})


def test_official_pose_checkpoint_through_the_tool(tmp_path, randomize, extra_for):
    state = official_pose_state(randomize, extra_for)
    torch.save(state, tmp_path / 'pose_hrnet_w18_256x192.pth')
    report = load_script('tools/convert_checkpoint.py').main(
        [str(tmp_path / 'pose_hrnet_w18_256x192.pth'), str(tmp_path / 'ours.pth')])
    assert report['source_format'] == 'official-pose' and report['head_loaded']
    assert report['dropped'] == [] and report['num_keys'] == len(state)

    converted = load_checkpoint_file(tmp_path / 'ours.pth')
    assert converted['meta']['source_format'] == 'official-pose'
    backbone, head = HRNet(arch='w18'), HRNetHeatmapHead(18, 17)
    backbone.load_state_dict({k[9:]: v for k, v in converted['state_dict'].items()
                              if k.startswith('backbone.')}, strict=True)
    head.load_state_dict({'final_layer.weight': state['final_layer.weight'],
                          'final_layer.bias': state['final_layer.bias']}, strict=True)
    assert torch.equal(converted['state_dict']['head.final_layer.bias'], state['final_layer.bias'])
    assert torch.equal(backbone.stage4[2].fuse_layers[0][3][0].weight,
                       state['stage4.2.fuse_layers.0.3.0.weight'])


def test_imagenet_classification_file_drops_the_classifier(tmp_path, randomize, extra_for):
    state = imagenet_cls_state(randomize, extra_for)
    torch.save(state, tmp_path / 'hrnet_w18-cls.pth')
    report = load_script('tools/convert_checkpoint.py').main(
        [str(tmp_path / 'hrnet_w18-cls.pth'), str(tmp_path / 'w18_init.pth')])
    assert report['source_format'] == 'imagenet-cls' and not report['head_loaded']
    dropped = set(report['dropped'])
    assert {'classifier.weight', 'final_layer.0.weight', 'incre_modules.0.0.conv1.weight',
            'downsamp_modules.0.0.weight'} <= dropped
    assert 'stage4.2.fuse_layers.1.0.0.0.weight' in dropped  # rows a pose model never computes
    assert not any(k.startswith('stage4.2.fuse_layers.0.') for k in dropped)
    assert not any(k.startswith('stage3') for k in dropped)  # all modules before stay whole

    # the converted file initialises the backbone, and so does the raw file, directly
    for path in ('w18_init.pth', 'hrnet_w18-cls.pth'):
        net = HRNet(arch='w18', init_cfg=dict(type='Pretrained', checkpoint=str(tmp_path / path)))
        net.init_weights()
        assert torch.equal(net.stage4[2].fuse_layers[0][1][0].weight,
                           state['stage4.2.fuse_layers.0.1.0.weight'])


def test_estimator_init_with_pretrained_backbone(tmp_path, randomize, extra_for, mmpose_scope):
    """What a training config does: the backbone's init_cfg names the raw ImageNet file."""
    from mmpose.registry import MODELS
    state = imagenet_cls_state(randomize, extra_for)
    torch.save(state, tmp_path / 'hrnet_w18-cls.pth')
    model = MODELS.build(dict(
        type='TopdownPoseEstimator', data_preprocessor=dict(type='PoseDataPreprocessor'),
        backbone=dict(type='hrnet_ext.HRNet', arch='w18', init_cfg=dict(
            type='Pretrained', checkpoint=str(tmp_path / 'hrnet_w18-cls.pth'))),
        head=dict(type='hrnet_ext.HRNetHeatmapHead', in_channels=18, out_channels=17)))
    model.init_weights()
    assert torch.equal(model.backbone.conv1.weight, state['conv1.weight'])
    assert torch.equal(model.backbone.stage3[3].branches[2][3].bn2.running_var,
                       state['stage3.3.branches.2.3.bn2.running_var'])
    assert model.head.final_layer.weight.std() < 0.002  # the head keeps its own init


def test_mismatches_are_all_listed(tmp_path, randomize, extra_for):
    state = official_pose_state(randomize, extra_for)
    broken = dict(state)
    del broken['stage2.0.branches.0.0.conv1.weight']
    broken['stage9.extra.weight'] = torch.zeros(1)
    with pytest.raises(CheckpointMismatchError) as info:
        convert_state_dict(broken, our_reference())
    err = info.value
    assert err.missing == ['backbone.stage2.0.branches.0.0.conv1.weight']
    assert err.unexpected == ['backbone.stage9.extra.weight']
    assert 'backbone.stage2.0.branches.0.0.conv1.weight' in str(err)

    torch.save(state, tmp_path / 'w18.pth')
    with pytest.raises(SystemExit, match=r'shape mismatch') as info:
        load_script('tools/convert_checkpoint.py').main(
            [str(tmp_path / 'w18.pth'), str(tmp_path / 'out.pth'), '--arch', 'w32'])
    assert 'backbone.conv1.weight' not in str(info.value)  # the stem does not depend on width
    assert 'backbone.transition1.0.0.weight: (18, 256, 3, 3) vs (32, 256, 3, 3)' in str(
        info.value)
    assert not osp.exists(tmp_path / 'out.pth')


def test_missing_batch_counters_are_filled(randomize, extra_for):
    state = {k: v for k, v in official_pose_state(randomize, extra_for).items()
             if not k.endswith('num_batches_tracked')}
    converted, report = convert_state_dict(state, our_reference())
    assert report['filled'] and all(k.endswith('num_batches_tracked') for k in report['filled'])
    assert len(converted) == len(our_reference())
