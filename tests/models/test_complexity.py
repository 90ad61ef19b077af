"""Counting: the measured plain multiply-adds, and the paper's GFLOPs from the same count."""
import pytest
import torch
from helpers import load_script

from hrnet_ext.models import HRNet, HRNetHeatmapHead, complexity

# (arch, H, W): plain GMACs measured with torch's FlopCounterMode, the paper's GFLOPs (Table 1)
FIGURES = [('w32', 256, 192, 7.65, 7.1), ('w32', 384, 288, 17.20, 16.0),
           ('w48', 256, 192, 15.69, 14.6), ('w48', 384, 288, 35.31, 32.9)]


def get_flops_tool():
    return load_script('tools/analysis/get_flops.py')


@pytest.mark.parametrize('arch, h, w, gmacs, paper', FIGURES)
def test_plain_count_and_paper_convention(arch, h, w, gmacs, paper):
    with torch.device('meta'):
        backbone = HRNet(arch=arch).eval()
        head = HRNetHeatmapHead(backbone.out_channels[0], 17)
        x = torch.empty(1, 3, h, w)

    def run():
        return head(backbone(x))

    model = torch.nn.ModuleDict(dict(backbone=backbone, head=head))  # estimator names
    per_module = complexity.count_conv_linear_macs(model, run)
    macs = sum(per_module.values())
    assert round(macs / complexity.GIGA, 2) == gmacs
    assert round(macs / complexity.PAPER_GIGA, 1) == paper  # the paper divides by 2^30
    assert complexity.count_torch_flops(run) == 2 * macs  # torch: convolutions only, 2 per MAC
    parts = complexity.group_by_part(per_module)
    assert sum(parts.values()) == macs and 'other' not in parts
    assert 0.04 < parts['fusion (exchange units)'] / macs < 0.06


def test_parameter_count_and_meta_device():
    net = HRNet(arch='w32')
    assert complexity.count_parameters(net) == dict(total=28_535_552, trainable=28_535_552)
    net = HRNet(arch='w32', frozen_stages=1)
    assert complexity.count_parameters(net)['trainable'] < 28_535_552
    assert next(complexity.to_meta(net).parameters()).device.type == 'meta'


def test_tool_with_arch(capsys):
    result = get_flops_tool().main(['--arch', 'w48', '--breakdown'])
    out = capsys.readouterr().out
    assert result['params']['total'] == 63_595_745 and result['shape'] == (256, 192)
    assert '15.69 GMACs (10^9)' in out and '14.61 GFLOPs as the HRNet paper' in out
    assert 'not counted' in out and 'fusion (exchange units)' in out


def test_tool_with_config(tmp_path, capsys):
    config = tmp_path / 'cfg.py'
    config.write_text(
        "default_scope = 'mmpose'\n"
        "codec = dict(type='MSRAHeatmap', input_size=(288, 384), heatmap_size=(72, 96), sigma=3)\n"
        "model = dict(type='TopdownPoseEstimator',\n"
        "    data_preprocessor=dict(type='PoseDataPreprocessor'),\n"
        "    backbone=dict(type='hrnet_ext.HRNet', arch='w32'),\n"
        "    head=dict(type='hrnet_ext.HRNetHeatmapHead', in_channels=32, out_channels=17,\n"
        "              decoder=codec))\n")
    result = get_flops_tool().main([str(config), '--torch'])
    out = capsys.readouterr().out
    assert result['shape'] == (384, 288) and result['params']['total'] == 28_536_113
    assert '17.20 GMACs' in out and '16.02 GFLOPs as the HRNet paper' in out
    assert result['torch_flops'] == 2 * result['macs']
    assert 'TopdownPoseEstimator (hrnet_ext.HRNet + hrnet_ext.HRNetHeatmapHead)' in out
