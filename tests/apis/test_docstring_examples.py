"""The ``Example:`` blocks of the API docstrings run as written (doctest), on our tiny
config with random weights and a bundled image."""
import doctest
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def examples_of(obj):
    import hrnet_ext.apis
    finder = doctest.DocTestFinder(recurse=False)
    return finder.find(obj, name=obj.__name__, globs=dict(vars(hrnet_ext.apis)))


def api_objects():
    import hrnet_ext.apis
    from hrnet_ext.apis.inferencer import MMPoseInferencer
    return [hrnet_ext.apis, MMPoseInferencer]


@pytest.mark.parametrize('index', [0, 1], ids=['hrnet_ext.apis', 'MMPoseInferencer'])
def test_docstring_example_runs(index, tiny_checkpoint):
    import torch
    torch.set_num_threads(1)
    obj = api_objects()[index]
    tests = [t for t in examples_of(obj) if t.examples]
    assert len(tests) == 1 and len(tests[0].examples) >= 3, f'{obj.__name__} lost its example'
    test = tests[0]
    test.globs.update(
        CONFIG=str(REPO / 'configs' / 'sample' / 'hrnet_tiny_coco-sample_128x96.py'),
        CHECKPOINT=tiny_checkpoint, IMAGE=str(REPO / 'tests' / 'data' / 'demo' / 'human-pose.jpeg'))
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    failures = []
    runner.run(test, out=failures.append)
    assert runner.failures == 0, ''.join(failures)
    assert runner.tries == len(test.examples)
