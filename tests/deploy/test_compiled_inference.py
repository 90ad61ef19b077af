"""The compiled inference path (``compile_for_inference``) leaves the heatmaps equal.

Issue 8: max abs heatmap difference <= 1e-4 against the plain model. The model is the small
HRNet of ``configs/sample`` (the whole ``TopdownPoseEstimator``, as configs build it) at its
128x96 input, with realistic weights (:mod:`hrnet_ext.testing`: He-normal convolutions, norm
statistics of a calibration batch, heatmaps scaled to a maximum of ~1, as in
``test_bn_folding.py``): a real TorchInductor compilation with freezing, not a mock, in about
10-30 s on 2 cores.
"""
import pytest
import torch
from helpers import TINY_CONFIG
from mmengine.config import Config
from mmengine.registry import DefaultScope
from torch import nn

from hrnet_ext.deploy import compile_for_inference
from hrnet_ext.testing import calibrate_, randomize_

TOL = 1e-4


@pytest.fixture(scope='module')
def tiny():
    """The sample config's estimator with realistic weights, and a batch of 2 inputs."""
    from mmpose.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmpose'):
        model = MODELS.build(Config.fromfile(TINY_CONFIG).model)
    gen = torch.Generator().manual_seed(1)
    randomize_(model, gen)
    calibration = torch.rand(4, 3, 128, 96, generator=gen)
    x = torch.rand(2, 3, 128, 96, generator=gen)
    calibrate_(model, calibration, probe=x)
    with torch.no_grad():
        ref = model(x, None, mode='tensor')
    assert ref.abs().max() > 0.5  # heatmaps of order 1: the bound means something
    return model, x, ref


def snapshot(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def test_inductor_heatmaps_equal_with_prepacked_convolutions(tiny):
    import torch._inductor.config as inductor_config
    from torch._inductor.utils import run_and_get_code
    model, x, ref = tiny
    before, freezing = snapshot(model), inductor_config.freezing
    fast, codes = run_and_get_code(compile_for_inference, model, x)
    # freezing took effect: the convolutions run as oneDNN's prepacked pointwise-fused
    # convolutions, not as plain aten convolutions
    code = '\n'.join(codes)
    assert 'mkldnn._convolution_pointwise' in code
    assert 'extern_kernels.convolution(' not in code
    out = fast(x)
    assert out.dtype == torch.float32 and out.shape == ref.shape
    assert (out - ref).abs().max() <= TOL
    assert fast.compile_seconds.keys() == {tuple(x.shape)}
    # the model, its weights and mode, and the global inductor config are as they were
    assert inductor_config.freezing == freezing
    assert not model.training
    assert any(isinstance(m, nn.BatchNorm2d) for m in model.modules())
    after = snapshot(model)
    assert after.keys() == before.keys()
    assert all(torch.equal(after[k], before[k]) for k in before)
    # a contiguous and a channels_last input give the same heatmaps
    assert torch.equal(fast(x.contiguous(memory_format=torch.channels_last)), out)


def test_python_wrapper_gives_the_same_heatmaps(tiny):
    """cpp_wrapper=False: the same graph launched by Inductor's Python wrapper."""
    model, x, ref = tiny
    fast = compile_for_inference(model, x, cpp_wrapper=False)
    assert not fast.cpp_wrapper
    assert (fast(x) - ref).abs().max() <= TOL


def test_inductor_bf16_runs_and_returns_float32(tiny):
    """bf16 is not equal (benchmarks/bf16_accuracy.py reports by how much); here: it runs."""
    model, x, ref = tiny
    fast = compile_for_inference(model, x, bf16=True)
    out = fast(x)
    assert out.dtype == torch.float32 and out.shape == ref.shape
    assert torch.isfinite(out).all()
    assert (out - ref).abs().max() < 0.25 * ref.abs().max()


def test_jit_backend_heatmaps_equal(tiny):
    model, x, ref = tiny
    fast = compile_for_inference(model, x, backend='jit')
    assert (fast(x) - ref).abs().max() <= TOL
    assert (fast(x[:1]) - ref[:1]).abs().max() <= TOL  # another batch: traced again


def test_plain_module_and_bad_arguments(tiny):
    model, x, ref = tiny
    backbone_head = nn.Sequential(model.backbone, model.head).eval()
    fast = compile_for_inference(backbone_head, x, backend='jit')
    assert (fast(x) - ref).abs().max() <= TOL  # a plain module: model(x)
    with pytest.raises(ValueError, match='backend must be one of'):
        compile_for_inference(model, x, backend='tensorrt')
    with pytest.raises(ValueError, match='bf16=True needs backend="inductor"'):
        compile_for_inference(model, x, backend='jit', bf16=True)


def test_no_cpp_compiler_is_a_clear_error(tiny, monkeypatch):
    import torch._inductor.cpp_builder as cpp_builder
    from torch._inductor.exc import InvalidCxxCompiler

    def no_compiler():
        raise InvalidCxxCompiler()

    monkeypatch.setattr(cpp_builder, 'get_cpp_compiler', no_compiler)
    model, x, _ = tiny
    with pytest.raises(RuntimeError, match='needs a C\\+\\+ compiler.*backend="jit"'):
        compile_for_inference(model, x)
