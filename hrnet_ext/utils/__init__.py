"""Stack check at import time (``stack_check``), safe checkpoint loading (``safe_load``) and
unknown-argument messages (``arguments``).

Kept free of imports so that the stack check runs before torch or mmcv load.
"""
