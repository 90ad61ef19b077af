"""What many test files need: the repository's paths, the tiny sample config, a tool script
loaded as a module, and MMPose's own ``extra`` of the HRNet family (the reference our variant
table is checked against). Test files import it by name (``from helpers import ...``; pytest
puts tests/ on the path with the root conftest). Fixtures are in the conftest files.
"""
import copy
import doctest
import importlib.util
import os
import socket
import sys
from pathlib import Path
from types import ModuleType
from typing import List, Sequence

REPO = Path(__file__).resolve().parents[1]
CONFIGS = REPO / 'configs'
TEST_DATA = REPO / 'tests' / 'data'
#: The paper's COCO recipe shrunk to a small HRNet at 128x96 (tools/sample_job.py trains it).
TINY_CONFIG = str(CONFIGS / 'sample' / 'hrnet_tiny_coco-sample_128x96.py')
#: Every pose config a user runs (``configs/`` without the ``_base_`` files and without
#: ``seg/``, MMSegmentation's scope, see :data:`SEG_CONFIGS`), relative to configs/.
ALL_CONFIGS = sorted(str(p.relative_to(CONFIGS)) for p in CONFIGS.rglob('*.py')
                     if not {'_base_', 'seg'} & set(p.relative_to(CONFIGS).parts))
#: The segmentation configs (configs/seg/, the optional extra; tested in tests/segmentation/).
SEG_CONFIGS = sorted(str(p.relative_to(CONFIGS)) for p in (CONFIGS / 'seg').glob('*.py'))


def run_doctest(test: doctest.DocTest, **globs) -> None:
    """Run one docstring's examples (``globs`` added to their namespace); fails with doctest's
    report of every example that did not give its printed output."""
    test.globs.update(globs)
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    failures = []
    runner.run(test, out=failures.append)
    assert runner.failures == 0, ''.join(failures)
    assert runner.tries == len(test.examples)


def launcher_env() -> dict:
    """The environment for tools/dist_*.sh in a test: a free port, one OpenMP thread per
    process, unbuffered output, and ``PYTHON`` = this interpreter (the launchers run it, so
    each CI row's distributed tests run on that row's environment)."""
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    return dict(os.environ, PYTHONUNBUFFERED='1', OMP_NUM_THREADS='1', PORT=str(port),
                PYTHON=sys.executable)


def load_script(relpath: str) -> ModuleType:
    """A script of the repository (``tools/train.py`` ...) as a module, to call its functions
    in this process. Its own folder is not put on ``sys.path``."""
    path = REPO / relpath
    name = 'script_' + relpath[:-len('.py')].replace('/', '_')
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# MMPose's own W32 config (td-hm_hrnet-w32_8xb64-210e_coco-256x192.py), stage by stage, written
# out here rather than taken from our variant table, so that the table is checked against it.
_STAGE_KEYS = ('num_modules', 'num_branches', 'block', 'num_blocks', 'num_channels')
MMPOSE_W32_EXTRA = {f'stage{s}': dict(zip(_STAGE_KEYS, stage)) for s, stage in enumerate([
    (1, 1, 'BOTTLENECK', (4, ), (64, )),
    (1, 2, 'BASIC', (4, 4), (32, 64)),
    (4, 3, 'BASIC', (4, 4, 4), (32, 64, 128)),
    (3, 4, 'BASIC', (4, 4, 4, 4), (32, 64, 128, 256)),
], start=1)}


def mmpose_extra(width: int, multiscale_output: bool = False) -> dict:
    """MMPose's ``extra`` for the standard family (W18, W32, W48...)."""
    extra = copy.deepcopy(MMPOSE_W32_EXTRA)
    for s in (2, 3, 4):
        extra[f'stage{s}']['num_channels'] = tuple(width * 2**b for b in range(s))
    extra['stage4']['multiscale_output'] = multiscale_output
    return extra


def branch_inputs(widths: Sequence[int], n: int = 2, h: int = 16, w: int = 8, seed: int = 0,
                  memory_format=None) -> List:
    """Random inputs of a fusion unit or high-resolution module: branch ``b`` is
    ``(n, widths[b], h / 2^b, w / 2^b)``."""
    import torch
    gen = torch.Generator().manual_seed(seed)
    xs = [torch.randn(n, c, h >> b, w >> b, generator=gen) for b, c in enumerate(widths)]
    return [x.contiguous(memory_format=memory_format) for x in xs] if memory_format else xs


def batch_norm_eval(x, bn):
    """``bn`` (eval mode) applied by hand: the formulas of the fusion tests."""
    import torch.nn.functional as F
    return F.batch_norm(x, bn.running_mean, bn.running_var, bn.weight, bn.bias, False, 0.,
                        bn.eps)
