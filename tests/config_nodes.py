"""Walking a loaded config: every dict under a node, with its path (for the config tests)."""
from typing import Any, Iterator, Tuple


def dicts_in(node: Any, path: str = 'cfg') -> Iterator[Tuple[str, dict]]:
    """``(path, d)`` for every dict ``d`` under ``node`` (itself included), depth first, in
    order; lists and tuples are walked through. The dicts are the config's own (edit them in
    place to change the config)."""
    if isinstance(node, dict):
        yield path, node
        for k, v in node.items():
            yield from dicts_in(v, f'{path}.{k}')
    elif isinstance(node, (list, tuple)):
        for i, v in enumerate(node):
            yield from dicts_in(v, f'{path}[{i}]')
