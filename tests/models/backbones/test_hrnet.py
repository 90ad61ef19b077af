"""The HRNet backbone: every variant, exact sizes, MMPose's switches, settings handling."""
import copy

import pytest
import torch
from mmpose.models.backbones import HRNet as MMPoseHRNet
from mmpose.models.backbones.resnet import BasicBlock, Bottleneck
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from hrnet_ext.models import ARCH_SETTINGS, HRNet, get_arch_settings
from hrnet_ext.models.convert import CheckpointMismatchError
from hrnet_ext.registry import MODELS

X = (2, 3, 32, 32)  # the 4-branch fusion needs multiples of 32; the lowest branch is 1x1


def image(shape=X, seed=0):
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed))


def n_params(model):
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize('arch', list(ARCH_SETTINGS))
def test_every_variant_forward_backward(arch):
    """Build, forward, backward; every parameter gets a finite gradient; shapes and strides."""
    torch.manual_seed(0)
    net = HRNet(arch=arch, multiscale_output=True).train()
    outs = net(image())
    settings = ARCH_SETTINGS[arch]['stage4']['num_channels']
    assert net.out_channels == list(settings) and net.out_strides == [4, 8, 16, 32]
    assert [o.shape for o in outs] == [(2, c, 32 // s, 32 // s)
                                       for c, s in zip(net.out_channels, net.out_strides)]
    assert [f['num_chs'] for f in net.feature_info] == net.out_channels
    assert [f['reduction'] for f in net.feature_info] == net.out_strides
    sum(o.square().mean() for o in outs).backward()
    for name, p in net.named_parameters():
        assert p.grad is not None, f'{arch}: no gradient for {name}'
        assert torch.isfinite(p.grad).all(), f'{arch}: non-finite gradient for {name}'
    assert all(torch.isfinite(o).all() for o in outs)


@pytest.mark.parametrize('arch', list(ARCH_SETTINGS))
def test_keys_equal_mmpose_for_every_variant(arch):
    with torch.device('meta'):
        ours = HRNet(arch=arch)
        ref = MMPoseHRNet(extra=get_arch_settings(arch))
    assert {k: v.shape for k, v in ours.state_dict().items()} == \
        {k: v.shape for k, v in ref.state_dict().items()}


def test_exact_parameter_counts(extra_for):
    assert n_params(HRNet(arch='w32')) == 28_535_552
    assert n_params(HRNet(arch='w48')) == 63_594_912
    # the table agrees with MMPose's own W32 config, not only with itself
    mmpose_w32 = extra_for(32)
    del mmpose_w32['stage4']['multiscale_output']
    assert get_arch_settings('w32') == mmpose_w32


def test_single_output_is_the_high_resolution_branch():
    net = HRNet(arch='w18_small').eval()
    outs = net(image((1, 3, 96, 64)))
    assert len(outs) == 1 and outs[0].shape == (1, 16, 24, 16)
    assert net.out_channels == [16] and net.out_strides == [4]
    # the last module computes only fusion row 0
    assert not any('stage4.0.fuse_layers.1' in k for k in net.state_dict())


def test_table_is_never_mutated():
    before = copy.deepcopy(dict(ARCH_SETTINGS))
    net = HRNet(arch='w32', extra=dict(stage4=dict(multiscale_output=True, num_modules=1)))
    assert len(net.stage4) == 1 and net.multiscale_output
    settings = get_arch_settings('w32')
    settings['stage2']['num_modules'] = 99
    assert dict(ARCH_SETTINGS) == before
    with pytest.raises(TypeError):
        ARCH_SETTINGS['w99'] = {}


def test_full_mmpose_extra_and_validation(extra_for):
    net = HRNet(arch='w18_small', extra=extra_for(32))  # a full extra wins over arch
    assert n_params(net) == 28_535_552
    with pytest.raises(KeyError, match='unknown key'):
        HRNet(extra=dict(stage5={}))
    with pytest.raises(KeyError, match="unknown key 'num_chanels' \\(did you mean 'num_channels'"):
        HRNet(extra=dict(stage2=dict(num_chanels=(32, 64))))
    with pytest.raises(ValueError, match='num_branches'):
        HRNet(extra=dict(stage2=dict(num_channels=(32, 64, 128))))
    with pytest.raises(KeyError, match='unknown HRNet arch'):
        HRNet(arch='w33')
    with pytest.raises(ValueError, match='divisible by 32'):
        HRNet(arch='w18_small')(image((1, 3, 64, 48)))


def test_upsample_setting_reaches_every_fusion():
    net = HRNet(arch='w18_small', extra=dict(upsample=dict(mode='bilinear', align_corners=False)))
    units = [m.fuse_layers for s in (net.stage2, net.stage3, net.stage4) for m in s]
    assert all(u.upsample_mode == 'bilinear' for u in units)


@pytest.mark.parametrize('frozen_stages', [0, 1, 2, 4])
def test_frozen_stages(frozen_stages):
    net = HRNet(arch='w18_small', frozen_stages=frozen_stages)
    assert net.train() is net  # MMPose's train() returns None
    frozen = ['conv1', 'bn1', 'conv2', 'bn2']
    for i in range(1, frozen_stages + 1):
        frozen += ['layer1' if i == 1 else f'stage{i}'] + ([f'transition{i}'] if i < 4 else [])
    for name, module in net.named_children():
        is_frozen = name in frozen
        assert all(p.requires_grad != is_frozen for p in module.parameters()), name
        assert all(m.training != is_frozen for m in module.modules()), name
    # statistics of frozen norms stay, the others move
    bn1_mean = net.bn1.running_mean.clone()
    last_bn = net.stage4[-1].branches[0][0].bn1
    last_mean = last_bn.running_mean.clone()
    net(image())
    assert torch.equal(net.bn1.running_mean, bn1_mean)
    assert torch.equal(last_bn.running_mean, last_mean) == (frozen_stages == 4)


def test_norm_eval_keeps_batchnorm_statistics():
    net = HRNet(arch='w18_small', norm_eval=True).train()
    assert all(not m.training for m in net.modules() if isinstance(m, _BatchNorm))
    assert net.training and net.layer1.training
    before = {k: v.clone() for k, v in net.state_dict().items() if 'running' in k}
    net(image())
    assert all(torch.equal(v, net.state_dict()[k]) for k, v in before.items())
    gn = HRNet(arch='w18_small', norm_eval=True, norm_cfg=dict(type='GN', num_groups=8)).train()
    assert all(m.training for m in gn.modules() if isinstance(m, nn.GroupNorm))


def test_with_cp_equals_plain_path():
    torch.manual_seed(0)
    plain = HRNet(arch='w18_small').train()
    cp = HRNet(arch='w18_small', with_cp=True).train()
    cp.load_state_dict(plain.state_dict())
    assert all(m.with_cp for m in cp.modules() if isinstance(m, (BasicBlock, Bottleneck)))
    out_plain, out_cp = plain(image())[0], cp(image())[0]
    torch.testing.assert_close(out_cp, out_plain, rtol=0, atol=1e-6)
    out_plain.square().mean().backward()
    out_cp.square().mean().backward()
    grads = dict(plain.named_parameters())
    for name, p in cp.named_parameters():
        torch.testing.assert_close(p.grad, grads[name].grad, rtol=1e-5, atol=1e-7)


def test_norm_cfg_variants():
    gn = HRNet(arch='w18_small', norm_cfg=dict(type='GN', num_groups=8)).eval()
    assert 'gn1.weight' in gn.state_dict() and not any(
        isinstance(m, _BatchNorm) for m in gn.modules())
    assert gn(image((1, 3, 64, 32)))[0].shape == (1, 16, 16, 8)
    sync = HRNet(arch='w18_small', norm_cfg=dict(type='SyncBN'))
    assert isinstance(sync.bn1, nn.SyncBatchNorm)
    assert isinstance(sync.stage4[0].fuse_layers[0][1][1], nn.SyncBatchNorm)
    assert HRNet(arch='w18_small', in_channels=1).conv1.weight.shape[1] == 1


def test_state_dict_round_trip(tmp_path, randomize):
    from hrnet_ext.utils.safe_load import load_checkpoint_file
    net = randomize(HRNet(arch='w18_small')).eval()
    torch.save(net.state_dict(), tmp_path / 'net.pth')
    fresh = HRNet(arch='w18_small').eval()
    fresh.load_state_dict(load_checkpoint_file(tmp_path / 'net.pth'), strict=True)
    torch.testing.assert_close(fresh(image())[0], net(image())[0], rtol=0, atol=0)


def test_default_init_and_zero_init_residual():
    net = HRNet(arch='w18_small', zero_init_residual=True)
    net.init_weights()
    assert net.conv1.weight.std() < 0.002  # normal(std=0.001)
    for m in net.modules():
        if isinstance(m, BasicBlock):
            assert not m.norm2.weight.any()
        elif isinstance(m, Bottleneck):
            assert not m.norm3.weight.any()
    assert net.bn1.weight.eq(1).all()


def test_init_cfg_pretrained_from_local_files(tmp_path, randomize):
    src = randomize(HRNet(arch='w18_small'))
    # an MMPose estimator checkpoint: backbone.* plus a head, which the backbone ignores
    state = {'backbone.' + k: v for k, v in src.state_dict().items()}
    state['head.final_layer.weight'] = torch.zeros(17, 16, 1, 1)
    torch.save(dict(state_dict=state, meta=dict(epoch=210)), tmp_path / 'mmpose.pth')
    net = HRNet(arch='w18_small', init_cfg=dict(type='Pretrained',
                                                checkpoint=str(tmp_path / 'mmpose.pth')))
    net.init_weights()
    assert all(torch.equal(v, src.state_dict()[k]) for k, v in net.state_dict().items())
    # a file of another variant fails loudly, naming the keys
    torch.save(HRNet(arch='w18').state_dict(), tmp_path / 'w18.pth')
    wrong = HRNet(arch='w18_small', init_cfg=dict(type='Pretrained',
                                                  checkpoint=str(tmp_path / 'w18.pth')))
    with pytest.raises(CheckpointMismatchError, match='backbone.transition1.0.0.weight'):
        wrong.init_weights()


def test_built_from_registry_with_prefix(mmpose_scope):
    net = MODELS.build(dict(type='hrnet_ext.HRNet', arch='w18_small'))
    assert isinstance(net, HRNet)
    from mmpose.registry import MODELS as MMPOSE_MODELS
    assert isinstance(MMPOSE_MODELS.build(dict(type='hrnet_ext.HRNet', arch='w18_small')), HRNet)
    assert not isinstance(MMPOSE_MODELS.build(dict(type='HRNet', extra=get_arch_settings(
        'w18_small'))), HRNet)  # the un-prefixed name is MMPose's class
