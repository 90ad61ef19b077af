"""One backbone checkpoint for pose and dense tasks (segmentation, HRNetV2).

A pose network's last module fuses into its highest-resolution output only; HRNetV2 and the
segmentation configs fuse into every output. A pose checkpoint loads into such a backbone with
those extra fusion rows at the default initialisation (listed), and a multi-output checkpoint
loads into a pose backbone with them dropped (listed). Needs no MMSegmentation."""
import pytest
import torch

from hrnet_ext.models import HRNet
from hrnet_ext.models.convert import CheckpointMismatchError, convert_state_dict

BILINEAR = dict(upsample=dict(mode='bilinear', align_corners=False))
ROWS = ['stage4.0.fuse_layers.1', 'stage4.0.fuse_layers.2', 'stage4.0.fuse_layers.3']


def pose_checkpoint(path, randomize):
    """An official-layout pose checkpoint (no prefix, head at ``final_layer``) of W18-small."""
    state = dict(randomize(HRNet(arch='w18_small', extra=BILINEAR)).state_dict())
    state['final_layer.weight'] = torch.randn(17, 16, 1, 1)
    state['final_layer.bias'] = torch.randn(17)
    torch.save(state, path)
    return state


def test_pose_checkpoint_initialises_a_segmentation_backbone(tmp_path, randomize):
    state = pose_checkpoint(tmp_path / 'pose.pth', randomize)
    net = HRNet(arch='w18_small', multiscale_output=True, extra=BILINEAR,
                init_cfg=dict(type='Pretrained', checkpoint=str(tmp_path / 'pose.pth')))
    report = net.load_pretrained(str(tmp_path / 'pose.pth'))
    fresh = {k[len('backbone.'):] for k in report['initialised']}
    assert {'.'.join(k.split('.')[:4]) for k in fresh} == set(ROWS)
    assert 'final_layer.weight' in report['dropped'] and not report['head_loaded']

    torch.manual_seed(0)
    net.init_weights()  # what a training run does with the config's init_cfg
    ours = net.state_dict()
    for key, value in state.items():
        if not key.startswith('final_layer'):
            assert torch.equal(ours[key], value), key
    for row in ROWS:  # normal(0.001) convolutions, BN at 1 / 0: the default initialisation
        module = net.get_submodule(row)
        convs = [m for m in module.modules() if isinstance(m, torch.nn.Conv2d)]
        norms = [m for m in module.modules() if isinstance(m, torch.nn.BatchNorm2d)]
        assert convs and all(0.0005 < c.weight.std() < 0.002 for c in convs)
        assert all(torch.equal(n.weight, torch.ones_like(n.weight)) for n in norms)
    outs = net(torch.rand(1, 3, 64, 96))
    assert [tuple(o.shape[1:]) for o in outs] == [(16, 16, 24), (32, 8, 12), (64, 4, 6),
                                                 (128, 2, 3)]


def test_dense_checkpoint_serves_a_pose_backbone(randomize):
    """The rows a pose network does not compute are dropped; its output is the dense
    network's highest-resolution one, to the bit."""
    dense = randomize(HRNet(arch='w18_small', multiscale_output=True, extra=BILINEAR)).eval()
    pose = HRNet(arch='w18_small', extra=BILINEAR).eval()
    reference = {'backbone.' + k: v for k, v in pose.state_dict().items()}
    converted, report = convert_state_dict(dense.state_dict(), reference, backbone_only=True)
    assert {'.'.join(k.split('.')[:4]) for k in report['dropped']} == set(ROWS)
    assert report['initialised'] == []
    pose.load_state_dict({k[len('backbone.'):]: v for k, v in converted.items()}, strict=True)
    x = torch.rand(1, 3, 64, 96)
    with torch.no_grad():
        assert torch.equal(pose(x)[0], dense(x)[0])


def test_a_missing_module_is_still_an_error(randomize):
    dense = HRNet(arch='w18_small', multiscale_output=True, extra=BILINEAR)
    state = {k: v for k, v in randomize(HRNet(arch='w18_small')).state_dict().items()
             if not k.startswith('stage4.0.fuse_layers.0.')}  # row 0 gone too: not a pose file
    reference = {'backbone.' + k: v for k, v in dense.state_dict().items()}
    with pytest.raises(CheckpointMismatchError, match='missing in the checkpoint') as info:
        convert_state_dict(state, reference, backbone_only=True)
    assert any(k.startswith('backbone.stage4.0.fuse_layers.1.') for k in info.value.missing)
