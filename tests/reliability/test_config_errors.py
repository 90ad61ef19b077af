"""Config and checkpoint errors name what is wrong (issue 9, part 3).

A misspelled argument of our modules names the key and the nearest valid one; a
checkpoint of another architecture (other widths, another number of joints) stops
``load_from`` / ``tools/test.py`` with every mismatched key and shape, unless a partial
load is asked for with ``--partial-load``.
"""

import pytest
import torch
from helpers import TINY_CONFIG, load_script
from mmengine.config import Config
from mmengine.registry import init_default_scope

import hrnet_ext  # noqa: F401
from hrnet_ext.engine import CheckpointArchitectureError
from hrnet_ext.engine.config_check import ConfigError
from hrnet_ext.models import HRNet


def build_model(cfg_model):
    from mmpose.registry import MODELS
    init_default_scope('mmpose')
    return MODELS.build(cfg_model)


@pytest.mark.parametrize('kwargs, key, guess', [
    (dict(archs='w48'), 'archs', 'arch'),
    (dict(frozen_stage=1), 'frozen_stage', 'frozen_stages'),
    (dict(norm_evel=True), 'norm_evel', 'norm_eval'),
])
def test_backbone_argument_typo_names_the_nearest(kwargs, key, guess):
    with pytest.raises(TypeError) as info:
        build_model(dict(type='hrnet_ext.HRNet', **kwargs))
    assert f"unknown argument '{key}' (did you mean '{guess}'?)" in str(info.value)
    assert 'valid: arch, extra,' in str(info.value)


def test_extra_and_arch_typos_name_the_nearest():
    with pytest.raises(KeyError, match=r"extra\['stage2'\]: unknown key 'num_module' "
                                       r"\(did you mean 'num_modules'\?\)"):
        HRNet(extra=dict(stage2=dict(num_module=1)))
    with pytest.raises(KeyError, match=r"unknown key 'stage5' \(did you mean 'stage4'\?\)"):
        HRNet(extra=dict(stage5={}))
    with pytest.raises(KeyError, match=r"unknown HRNet arch 'w33' \(did you mean 'w32'\?\)"):
        HRNet(arch='w33')


def test_head_argument_typo_names_the_nearest():
    with pytest.raises(TypeError, match=r"HRNetHeatmapHead: unknown argument 'in_channel' "
                                        r"\(did you mean 'in_channels'\?\)"):
        build_model(dict(type='hrnet_ext.HRNetHeatmapHead', in_channel=32, out_channels=17))


def test_a_config_with_a_typo_stops_in_the_train_tool(tmp_path, capsys):
    """Named before anything is built (the work dir stays empty), as one line."""
    train = load_script('tools/train.py')
    args = [TINY_CONFIG, '--work-dir', str(tmp_path / 'w'),
            '--cfg-options', 'model.backbone.with_cpp=True']
    assert train.main(args) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: model.backbone (HRNet): unknown argument 'with_cpp' "
                          "(did you mean 'with_cp'?); valid: arch, extra,"), err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / 'w').exists()
    with pytest.raises(ConfigError, match=r"'with_cpp' \(did you mean 'with_cp'\?\)"):
        train.main(args + ['--debug'])  # the exception itself, traceback and all


@pytest.fixture(scope='module')
def other_architecture_checkpoint(tmp_path_factory):
    """The sample model with wider branches (as W48 is to W32) and 16 joints (MPII)."""
    cfg = Config.fromfile(TINY_CONFIG)
    cfg.model.backbone.init_cfg = None
    cfg.model.backbone.extra.stage4.num_channels = (24, 48, 96, 192)
    cfg.model.backbone.extra.stage3.num_channels = (24, 48, 96)
    cfg.model.backbone.extra.stage2.num_channels = (24, 48)
    cfg.model.head.in_channels = 24
    cfg.model.head.out_channels = 16
    path = tmp_path_factory.mktemp('ckpt') / 'other.pth'
    torch.save(dict(state_dict=build_model(cfg.model).state_dict(), meta=dict()), path)
    return str(path)


def test_other_architecture_stops_test_py_with_the_list(other_architecture_checkpoint, tmp_path):
    test = load_script('tools/test.py')
    with pytest.raises(CheckpointArchitectureError) as info:
        test.main([TINY_CONFIG, other_architecture_checkpoint, '--work-dir', str(tmp_path),
                   '--debug'])
    text = str(info.value)
    assert other_architecture_checkpoint in text
    # every mis-shaped key, with both shapes: the head's joints and the wider branches
    assert 'head.final_layer.weight' in text and 'torch.Size([16, 24, 1, 1])' in text
    assert 'torch.Size([17, 16, 1, 1])' in text
    assert 'backbone.stage4.0.branches.3.0.conv1.weight' in text
    assert '--partial-load' in text


def test_other_architecture_stops_load_from_and_partial_load_goes_on(
        other_architecture_checkpoint, tmp_path):
    train = load_script('tools/train.py')
    args = [TINY_CONFIG, '--cfg-options', f'load_from={other_architecture_checkpoint}',
            'train_cfg.max_epochs=1', 'train_dataloader.batch_size=12',
            'train_cfg.val_interval=1000']
    with pytest.raises(CheckpointArchitectureError, match='head.final_layer.weight'):
        train.main(args[:1] + ['--work-dir', str(tmp_path / 'strict'), '--debug'] + args[1:])
    assert not (tmp_path / 'strict' / 'epoch_1.pth').exists()
    # asked for explicitly: what fits is loaded (the stem), the rest initialised; it trains
    assert train.main(args[:1] + ['--work-dir', str(tmp_path / 'partial'), '--partial-load']
                      + args[1:]) == 0
    assert (tmp_path / 'partial' / 'epoch_1.pth').exists()
