"""HRNet models: fusion units, high-resolution modules, backbone, neck and head.

Importing this package registers every class in :data:`hrnet_ext.registry.MODELS`
(MMEngine imports it by itself when a config names ``hrnet_ext.<Class>``).
:class:`HeatmapNet` is the network alone (images in, heatmaps out); the deployment paths
(BN folding, compiled inference, ONNX) are in :mod:`hrnet_ext.deploy`.
"""
from .backbones import ARCH_SETTINGS, HRModule, HRNet, get_arch_settings
from .fusion import FUSION_UNITS, ExchangeUnit, LightExchangeUnit
from .heads import HRNetHeatmapHead
from .heatmap_net import HeatmapNet
from .necks import HRNetV2Neck

__all__ = [
    'ARCH_SETTINGS', 'ExchangeUnit', 'FUSION_UNITS', 'HRModule', 'HRNet', 'HRNetHeatmapHead',
    'HRNetV2Neck', 'HeatmapNet', 'LightExchangeUnit', 'get_arch_settings'
]
