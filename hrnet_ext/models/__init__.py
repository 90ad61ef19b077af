"""HRNet models: exchange units, high-resolution modules, backbone and heads.

Importing this package registers every class in :data:`hrnet_ext.registry.MODELS`
(MMEngine imports it by itself when a config names ``hrnet_ext.<Class>``).
"""
from .backbones import ARCH_SETTINGS, HRModule, HRNet, get_arch_settings
from .fuse_bn import compile_for_inference, fuse_conv_bn, optimize_for_inference
from .fusion import ExchangeUnit
from .fusion_light import LightExchangeUnit
from .heads import HRNetHeatmapHead
from .necks import HRNetV2Neck

__all__ = [
    'ARCH_SETTINGS', 'ExchangeUnit', 'HRModule', 'HRNet', 'HRNetHeatmapHead', 'HRNetV2Neck',
    'LightExchangeUnit', 'compile_for_inference', 'fuse_conv_bn', 'get_arch_settings',
    'optimize_for_inference'
]
