"""hrnet_ext: HRNet (Sun et al., CVPR 2019) for MMPose.

Importing the package checks the OpenMMLab stack once (one actionable line per
known failure instead of a deep traceback) and routes every checkpoint that
MMEngine loads through the safe, allowlisted loader.
"""
from .utils.stack_check import StackError, check_stack
from .version import __version__

check_stack()

from .utils.checkpoint import install_safe_loaders  # noqa: E402  (needs a working stack)

install_safe_loaders()

from . import registry  # noqa: E402,F401

__all__ = ['StackError', '__version__']
