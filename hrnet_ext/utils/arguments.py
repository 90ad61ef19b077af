"""Unknown constructor arguments named with the nearest valid one.

A config typo (``type='hrnet_ext.HRNet', archs='w48'``) otherwise ends in Python's
``__init__() got an unexpected keyword argument 'archs'``, which names neither the
valid arguments nor the one meant. :func:`check_arguments` wraps a class's ``__init__``
so that the error says ``HRNet: unknown argument 'archs' (did you mean 'arch'?)`` and
lists the valid names.
"""
import difflib
import functools
import inspect
from typing import Iterable, List, Optional, TypeVar

T = TypeVar('T', bound=type)


def nearest(name: str, valid: Iterable[str]) -> Optional[str]:
    """The valid name closest to ``name`` (difflib ratio >= 0.6), or ``None``."""
    match = difflib.get_close_matches(name, list(valid), n=1, cutoff=0.6)
    return match[0] if match else None


def unknown_key_message(owner: str, unknown: Iterable[str], valid: List[str],
                        noun: str = 'argument') -> str:
    """``owner: unknown argument 'x' (did you mean 'y'?); valid: ...``, one per key."""
    parts = []
    for key in unknown:
        guess = nearest(key, valid)
        parts.append(f'{key!r}' + (f' (did you mean {guess!r}?)' if guess else ''))
    noun = noun if len(parts) == 1 else noun + 's'
    return f'{owner}: unknown {noun} {", ".join(parts)}; valid: {", ".join(valid)}'


def check_arguments(cls: T) -> T:
    """Class decorator: unknown keyword arguments of ``cls(...)`` raise a ``TypeError``
    naming each with its nearest valid name (classes taking ``**kwargs`` are left alone)."""
    init = cls.__init__
    params = inspect.signature(init).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return cls
    valid = [name for name, p in params.items() if name != 'self'
             and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]

    @functools.wraps(init)
    def __init__(self, *args, **kwargs):
        unknown = [k for k in kwargs if k not in valid]
        if unknown:
            raise TypeError(unknown_key_message(cls.__name__, unknown, valid))
        init(self, *args, **kwargs)

    cls.__init__ = __init__
    return cls
