"""Every ``Example:`` in the library's docstrings runs as written (doctest), the model classes'
among them, so an example cannot drift from the code. Those of :mod:`hrnet_ext.apis` run on
the tiny sample config with random weights and a bundled image.
"""
import doctest
import importlib
import importlib.util
import pkgutil

import pytest
from helpers import TEST_DATA, TINY_CONFIG, run_doctest

import hrnet_ext

NEEDS_FILES = 'hrnet_ext.apis'  # CONFIG, CHECKPOINT and IMAGE: test_api_example_runs
# the segmentation extra's package imports MMSegmentation: its examples run where it is installed
NOT_HERE = () if importlib.util.find_spec('mmseg') else ('hrnet_ext.segmentation', )


def library_examples():
    """Every docstring with examples in hrnet_ext (each object in the module defining it)."""
    finder = doctest.DocTestFinder()
    found = []
    for info in pkgutil.walk_packages(hrnet_ext.__path__, 'hrnet_ext.'):
        if not info.name.startswith((NEEDS_FILES, *NOT_HERE)):
            module = importlib.import_module(info.name)
            found += [t for t in finder.find(module, info.name) if t.examples]
    return sorted(found, key=lambda t: t.name)


EXAMPLES = library_examples()


def test_the_model_classes_have_examples():
    names = {t.name.rsplit('.', 1)[-1] for t in EXAMPLES}
    assert {'HRNet', 'ExchangeUnit', 'LightExchangeUnit', 'HRNetHeatmapHead', 'HRNetV2Neck',
            'HeatmapNet', 'fuse_conv_bn', 'compile_for_inference'} <= names


@pytest.mark.parametrize('test', EXAMPLES, ids=lambda t: t.name)
def test_docstring_example_runs(test, one_thread):
    run_doctest(test)


def api_objects():
    import hrnet_ext.apis
    from hrnet_ext.apis.inferencer import MMPoseInferencer
    return [hrnet_ext.apis, MMPoseInferencer]


@pytest.mark.parametrize('index', [0, 1], ids=['hrnet_ext.apis', 'MMPoseInferencer'])
def test_api_example_runs(index, tiny_checkpoint, one_thread):
    import hrnet_ext.apis
    obj = api_objects()[index]
    finder = doctest.DocTestFinder(recurse=False)
    tests = [t for t in finder.find(obj, name=obj.__name__, globs=dict(vars(hrnet_ext.apis)))
             if t.examples]
    assert len(tests) == 1 and len(tests[0].examples) >= 3, f'{obj.__name__} lost its example'
    run_doctest(tests[0], CONFIG=TINY_CONFIG, CHECKPOINT=tiny_checkpoint,
                IMAGE=str(TEST_DATA / 'demo' / 'human-pose.jpeg'))
