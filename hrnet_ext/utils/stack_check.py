"""Check the OpenMMLab stack once, at ``import hrnet_ext``, and say which tested row it is.

The stack fails in a few known ways on a modern Python/torch, each of which
otherwise surfaces as a deep traceback from inside mmcv, mmdet or a COCO
extension. :func:`check_stack` turns each into one line that says what is
wrong and what to run. Set ``HRNET_EXT_SKIP_STACK_CHECK=1`` to skip it.

It also places the environment in README's tested matrix (:data:`STACK_ROWS`):
``hrnet_ext.STACK_ROW`` is ``'tested'``, ``'current'`` or ``None``, and
:func:`stack_report` is the one-line summary ``tools/install.sh`` prints. An
environment on no row works as far as the checks above see, and says so once
(:class:`UntestedStackWarning`).
"""
import importlib
import os
import sys
import warnings
from importlib import metadata
from typing import Dict, List, NamedTuple, Optional, Tuple

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


class UntestedStackWarning(UserWarning):
    """The environment works but is on no row of the tested matrix."""


class StackRow(NamedTuple):
    """One row of README's tested matrix (``requirements/constraints-<name>.txt``)."""
    name: str
    pythons: Tuple[Tuple[int, int], ...]
    numpy_major: int
    torch: str  # major.minor


#: README's tested matrix; tests/utils/test_stack_check.py holds it equal to the
#: constraints files that tools/install.sh installs from.
STACK_ROWS = (
    StackRow('tested', ((3, 10), (3, 11), (3, 12)), numpy_major=1, torch='2.14'),
    StackRow('current', ((3, 13), ), numpy_major=2, torch='2.15'),
)


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
                    f'({type(exc).__name__}): {FIX} (on Python 3.13 it builds xtcocotools for '
                    'numpy 2), or `pip install "numpy<2"` on Python <= 3.12')
        return f'xtcocotools does not load ({exc}): {FIX}'
    try:  # an unpatched source build imports, then fails in its first call
        import numpy as np
        mask = importlib.import_module('xtcocotools.mask')
        mask.area(mask.encode(np.ones((2, 2), np.uint8, order='F')))
    except AttributeError as exc:
        return (f'xtcocotools was built from its unpatched source archive and fails under numpy '
                f'{numpy_version} ({exc}): {FIX} (it builds xtcocotools with the fix)')
    return None


def _major_minor(version: str) -> str:
    return '.'.join(version.split('+')[0].split('.')[:2])


def stack_row(python: Tuple[int, int], numpy_version: str, torch_version: str
              ) -> Tuple[Optional[str], str]:
    """The row of :data:`STACK_ROWS` an environment is on (or ``None``) and why not.

    The row is the one of the environment's numpy major version; it is that row when
    Python and torch (major.minor) are the row's too.
    """
    numpy_major = Version(numpy_version).major
    for row in STACK_ROWS:
        if row.numpy_major != numpy_major:
            continue
        differs = []
        if tuple(python) not in row.pythons:
            differs.append(f'Python {python[0]}.{python[1]}')
        if _major_minor(torch_version) != row.torch:
            differs.append(f'torch {torch_version} (the row has {row.torch})')
        if not differs:
            return row.name, ''
        return None, f'numpy {numpy_version} is the {row.name} row\'s, but ' + ', '.join(differs)
    return None, f'numpy {numpy_version} is on no row'


def stack_report() -> str:
    """One line: the versions that matter and the row of the tested matrix they are on."""
    import numpy
    import torch
    row, why = stack_row(sys.version_info[:2], numpy.__version__, torch.__version__)
    versions = ', '.join(f'{name} {_dist_version(name)}' for name in SUPPORTED)
    where = (f'the {row} stack of the tested matrix' if row else
             f'no row of the tested matrix ({why}; see README, "Tested matrix")')
    return (f'Python {sys.version.split()[0]}, numpy {numpy.__version__}, torch '
            f'{torch.__version__}, {versions}: {where}')


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


def check_stack() -> Optional[str]:
    """Raise :class:`StackError` with one line per problem; run once per process.

    Returns:
        The row of the tested matrix the environment is on (``None``: none, warned once).
    """
    global _checked
    if os.environ.get('HRNET_EXT_SKIP_STACK_CHECK') == '1':
        return None
    if not _checked:
        problems = find_problems()
        if problems:
            raise StackError(
                'hrnet_ext cannot run on this environment:\n  - ' + '\n  - '.join(problems))
        _checked = True
    import numpy
    import torch
    row, why = stack_row(sys.version_info[:2], numpy.__version__, torch.__version__)
    if row is None:
        warnings.warn(f'hrnet_ext: this environment is on no row of the tested matrix ({why}); '
                      'see README, "Tested matrix"', UntestedStackWarning, stacklevel=3)
    return row
