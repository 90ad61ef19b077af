"""hrnet_ext: HRNet (Sun et al., CVPR 2019) for MMPose.

Importing the package checks the OpenMMLab stack once (one actionable line per
known failure instead of a deep traceback), places it in README's tested matrix
(:data:`STACK_ROW`: ``'tested'``, ``'current'`` or ``None``, with a warning, for an
environment on neither row; ``stack_report()`` says more) and routes every
checkpoint that MMEngine loads through the safe, allowlisted loader.
"""
from .utils.stack_check import StackError, check_stack, stack_report
from .version import __version__

STACK_ROW = check_stack()

from .utils.safe_load import install_safe_loaders  # noqa: E402  (needs a working stack)

install_safe_loaders()

from . import registry  # noqa: E402,F401

__all__ = ['STACK_ROW', 'StackError', '__version__', 'stack_report']
