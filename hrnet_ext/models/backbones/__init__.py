"""HRNet backbone and its high-resolution module."""
from .hr_module import HRModule

__all__ = ['HRModule']
