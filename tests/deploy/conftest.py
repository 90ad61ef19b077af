"""The deployment tests run as the model tests do, on one exported tiny network."""
import numpy as np
import pytest
from helpers import TINY_CONFIG


@pytest.fixture(autouse=True)
def _one_thread(one_thread):
    """One intra-op thread (``one_thread``, tests/conftest.py)."""


@pytest.fixture(scope='session')
def tiny_exported(tiny_checkpoint, tmp_path_factory):
    """The sample HRNet with seeded random weights (``init_model``) and its ``.onnx`` file."""
    from hrnet_ext.apis import init_model
    from hrnet_ext.deploy import export_onnx
    model = init_model(TINY_CONFIG, tiny_checkpoint, device='cpu')
    onnx_file = str(tmp_path_factory.mktemp('onnx') / 'tiny.onnx')
    assert export_onnx(model, onnx_file) == onnx_file
    return model, onnx_file


@pytest.fixture
def check_heatmaps():
    """``check(model, session)``: the session's heatmaps equal the PyTorch network's to 1e-4
    at batch 1 and 3 (the exported batch is dynamic)."""
    def check(model, session) -> None:
        import torch

        from hrnet_ext.deploy import HeatmapNet
        torch.manual_seed(1)
        for batch in (1, 3):
            x = torch.randn(batch, 3, 128, 96)
            with torch.no_grad():
                expected = HeatmapNet.of(model).eval()(x).numpy()
            got = session(x.numpy())
            assert got.shape == (batch, 17, 32, 24)
            assert np.abs(got - expected).max() < 1e-4
            assert np.abs(expected).max() > 1e-2  # the comparison is not between zeros
    return check
