"""ONNX export of a top-down estimator's network: backbone (+ neck) + head, heatmaps out.

Only the network goes into the graph. Preprocessing (the config's test pipeline and
normalisation), the flip test and decoding stay in Python
(:mod:`hrnet_ext.deploy.topdown_model`), as in MMPose, so that the exported file does not
depend on the codec.
"""
from typing import Optional, Tuple, Union

import torch
from mmengine.config import Config, ConfigDict
from torch import nn

from hrnet_ext.models.heatmap_net import HeatmapNet

INPUT_NAME = 'input'
OUTPUT_NAME = 'heatmaps'


def input_size_of(cfg: Union[Config, ConfigDict]) -> Tuple[int, int]:
    """The network input ``(w, h)``: the test pipeline's ``TopdownAffine`` size (MMPose's
    class or ours, ``hrnet_ext.FastTopdownAffine``)."""
    from hrnet_ext.datasets.transform_names import find_steps
    for step in find_steps(cfg.test_dataloader.dataset.pipeline, 'TopdownAffine'):
        w, h = step['input_size']
        return int(w), int(h)
    raise ValueError('the test pipeline has no TopdownAffine: not a top-down config')


def export_onnx(model: nn.Module, out_file: str, opset: int = 17,
                batch_size: int = 1, input_size: Optional[Tuple[int, int]] = None) -> str:
    """Write the network of ``model`` (from :func:`hrnet_ext.apis.init_model`) as ONNX.

    The batch dimension is dynamic (axis 0 of ``input`` and ``heatmaps``); height and width
    are the config's input size. Uses torch's TorchScript exporter (``dynamo=False``): the
    dynamo exporter needs ``onnxscript``, which the ``onnx`` extra does not install.

    Args:
        model: A top-down estimator whose ``cfg`` is set (as ``init_model`` does).
        out_file: Where to write the ``.onnx`` file.
        opset: ONNX opset.
        batch_size: Batch of the dummy input used for tracing (any value works).
        input_size: ``(w, h)``; default: the config's (``model.cfg``), which then must be set.

    Returns:
        ``out_file``.
    """
    import warnings
    w, h = input_size or input_size_of(model.cfg)
    net = HeatmapNet.of(model).eval()
    dummy = torch.zeros(batch_size, 3, h, w, device=next(model.parameters()).device)
    with warnings.catch_warnings():
        # torch >= 2.9 warns that the TorchScript exporter is deprecated; it still works
        warnings.simplefilter('ignore')
        torch.onnx.export(
            net, (dummy, ), out_file, input_names=[INPUT_NAME], output_names=[OUTPUT_NAME],
            dynamic_axes={INPUT_NAME: {0: 'batch'}, OUTPUT_NAME: {0: 'batch'}},
            opset_version=opset, do_constant_folding=True, dynamo=False)
    return out_file
