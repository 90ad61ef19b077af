"""HRNet backbone and its high-resolution module."""
from .hr_module import HRModule
from .hrnet import ARCH_SETTINGS, HRNet, get_arch_settings

__all__ = ['ARCH_SETTINGS', 'HRModule', 'HRNet', 'get_arch_settings']
