"""Stack check at import time (``stack_check``) and safe checkpoint loading (``checkpoint``).

Kept free of imports so that the stack check runs before torch or mmcv load.
"""
