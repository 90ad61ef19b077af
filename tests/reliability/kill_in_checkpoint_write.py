"""Run tools/train.py, SIGKILL-ing itself halfway through writing one checkpoint.

``KILL_IN_WRITE_OF=epoch_2.pth python kill_in_checkpoint_write.py tools/train.py CONFIG ...``:
when
``torch.save`` writes to a file whose name contains that string, half of the bytes are
written and flushed to disk, then the process kills itself (SIGKILL: no handler, no
cleanup), as the OOM killer or a pre-empted job would.
"""
import io
import os
import os.path as osp
import runpy
import signal
import sys

import torch

KILL = os.environ['KILL_IN_WRITE_OF']
_save = torch.save


def save(obj, f, *args, **kwargs):
    name = getattr(f, 'name', '')
    if isinstance(name, str) and KILL in osp.basename(name):
        buf = io.BytesIO()
        _save(obj, buf, *args, **kwargs)
        data = buf.getvalue()
        f.write(data[:len(data) // 2])
        f.flush()
        os.fsync(f.fileno())
        os.kill(os.getpid(), signal.SIGKILL)
    return _save(obj, f, *args, **kwargs)


torch.save = save
sys.argv = sys.argv[1:]  # the script to run, then its arguments
runpy.run_path(sys.argv[0], run_name='__main__')
