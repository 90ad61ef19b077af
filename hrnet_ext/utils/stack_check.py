"""Check the OpenMMLab stack once, at ``import hrnet_ext``.

The stack fails in a few known ways on a modern Python/torch, each of which
otherwise surfaces as a deep traceback from inside mmcv, mmdet or a COCO
extension. :func:`check_stack` turns each into one line that says what is
wrong and what to run. Set ``HRNET_EXT_SKIP_STACK_CHECK=1`` to skip it.
"""
import importlib
import os
from importlib import metadata
from typing import Dict, List, Optional, Tuple

from packaging.version import Version

FIX = 'run `bash tools/install.sh` from the hrnet_ext repository'

# Ranges that import together (from mmdet 3.3.0's and mmpose 1.3.2's own
# checks, narrowed to what this project was tested with; see README).
SUPPORTED: Dict[str, Tuple[str, str]] = {
    'mmengine': ('0.7.1', '1.0.0'),
    'mmcv': ('2.0.0', '2.2.0'),   # mmdet 3.3 refuses mmcv >= 2.2.0
    'mmdet': ('3.0.0', '3.4.0'),
    'mmpose': ('1.1.0', '1.4.0'),
}


class StackError(ImportError):
    """The installed stack cannot work; the message says what to do."""


def _dist_version(name: str) -> Optional[str]:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def version_problems(versions: Dict[str, Optional[str]]) -> List[str]:
    """Return one line per package that is missing or out of range.

    Args:
        versions: distribution name -> installed version (``None`` if absent),
            e.g. ``{'mmcv': '2.2.0', 'mmdet': '3.3.0', ...}``. ``mmcv-lite``
            may be given as a key of its own.
    """
    problems = []
    for name, (low, high) in SUPPORTED.items():
        found = versions.get(name)
        if found is None:
            if name == 'mmcv' and versions.get('mmcv-lite'):
                problems.append(
                    f'mmcv-lite {versions["mmcv-lite"]} is installed, but mmpose and mmdet need '
                    f'mmcv {low}-{high} with its compiled ops: {FIX}')
            else:
                problems.append(f'{name} is not installed (need >={low},<{high}): {FIX}')
        elif not Version(low) <= Version(found) < Version(high):
            problems.append(
                f'{name} {found} is installed, but the stack works with {name}>={low},<{high} '
                f'(tested: see README): `pip install "{name}>={low},<{high}"` or {FIX}')
    return problems


def ops_problem(torch_version: str) -> Optional[str]:
    """Return a line if mmcv's compiled ops are missing or built for another torch."""
    try:
        importlib.import_module('mmcv._ext')
    except ModuleNotFoundError:
        return ('mmcv is installed without its compiled ops (mmcv-lite or MMCV_WITH_OPS=0), '
                f'which mmpose.models and mmdet need: {FIX} (it builds mmcv with ops)')
    except ImportError as exc:  # undefined symbol / wrong ABI
        return (f'mmcv\'s compiled ops do not load with torch {torch_version} ({exc}); they were '
                f'built against another torch: {FIX} (its wheel cache is keyed by torch version)')
    return None


def numpy_problem(numpy_version: str) -> Optional[str]:
    """Return a line if the COCO tools cannot load with this numpy."""
    try:
        importlib.import_module('xtcocotools._mask')
    except ModuleNotFoundError:
        return f'xtcocotools is not installed (MMPose\'s COCO metric needs it): {FIX}'
    except (ImportError, ValueError, AttributeError) as exc:
        if Version(numpy_version).major >= 2:
            return (f'numpy {numpy_version} is installed but xtcocotools was built for numpy 1 '
                    f'({type(exc).__name__}): `pip install "numpy<2"` (or rebuild it with '
                    '`pip install --no-binary xtcocotools xtcocotools`)')
        return f'xtcocotools does not load ({exc}): {FIX}'
    return None


def find_problems() -> List[str]:
    """Run every check and return the problems found, one line each."""
    try:
        import torch
    except ImportError as exc:
        return [f'torch does not import ({exc}): {FIX}']
    names = list(SUPPORTED) + ['mmcv-lite']
    problems = version_problems({name: _dist_version(name) for name in names})
    if _dist_version('mmcv') is not None:
        problem = ops_problem(torch.__version__)
        if problem:
            problems.append(problem)
    import numpy
    problem = numpy_problem(numpy.__version__)
    if problem:
        problems.append(problem)
    return problems


_checked = False


def check_stack() -> None:
    """Raise :class:`StackError` with one line per problem; run once per process."""
    global _checked
    if _checked or os.environ.get('HRNET_EXT_SKIP_STACK_CHECK') == '1':
        return
    problems = find_problems()
    if problems:
        raise StackError(
            'hrnet_ext cannot run on this environment:\n  - ' + '\n  - '.join(problems))
    _checked = True
