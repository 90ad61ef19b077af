"""hrnet_ext.engine.compile: what --compile compiles and what it leaves alone."""
import pytest
import torch
from helpers import TINY_CONFIG
from mmengine.config import Config
from torch import nn

from hrnet_ext.engine.compile import COMPILE_MODES, CudaGraphStepHook, compile_model
from hrnet_ext.registry import HOOKS


def tiny_estimator():
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS
    init_default_scope('mmpose')  # as a config run does
    cfg = Config.fromfile(TINY_CONFIG)
    cfg.model.backbone.init_cfg = None
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    return model.eval()


def test_backbone_and_head_compiled_in_place_names_kept():
    model = tiny_estimator()
    keys = list(model.state_dict())
    x = torch.randn(1, 3, 128, 96)
    with torch.no_grad():
        before = model(x, None, mode='tensor')
    assert compile_model(model, backend='eager') == ['backbone', 'head']
    # nn.Module.compile: the parts stay the same modules, no '_orig_mod.' in any name
    assert list(model.state_dict()) == keys
    assert model.backbone._compiled_call_impl is not None
    assert model.head._compiled_call_impl is not None
    with torch.no_grad():
        after = model(x, None, mode='tensor')
    assert torch.equal(before, after)
    fresh = tiny_estimator()
    fresh.load_state_dict(model.state_dict(), strict=True)


def test_wrapped_model_and_plain_module():
    class Wrapper(nn.Module):  # what MMEngine's DDP wrapper looks like from outside
        def __init__(self, module):
            super().__init__()
            self.module = module

    model = tiny_estimator()
    assert compile_model(Wrapper(model), backend='eager') == ['backbone', 'head']
    assert model.backbone._compiled_call_impl is not None
    conv = nn.Conv2d(3, 4, 3)
    assert compile_model(conv, backend='eager') == ['Conv2d']
    assert conv._compiled_call_impl is not None


def test_unknown_mode_is_named():
    with pytest.raises(ValueError, match='reduce-overheads.*max-autotune'):
        compile_model(nn.Conv2d(3, 4, 3), mode='reduce-overheads')
    assert 'reduce-overhead' in COMPILE_MODES


def test_cuda_graph_hook_is_registered_and_marks_steps(monkeypatch):
    calls = []
    monkeypatch.setattr(torch.compiler, 'cudagraph_mark_step_begin', lambda: calls.append(1))
    hook = HOOKS.build(dict(type='hrnet_ext.CudaGraphStepHook'))
    assert isinstance(hook, CudaGraphStepHook) and hook.priority == 'VERY_HIGH'
    hook.before_train_iter(None, 0)
    hook.before_val_iter(None, 0)
    hook.before_test_iter(None, 0)
    assert len(calls) == 3
