"""Every benchmark runs end to end in its ``--quick`` mode and prints its table.

A smoke test: what a benchmark measures is not asserted here (the figures of a quick run mean
nothing); what the library computes is tested against the library. The quick runs share one
Python process apart from the tests' (one start-up instead of one per benchmark; the
benchmarks' global settings, thread counts or loggers, stay out of the test process), each
``main(['--quick'])`` as ``python -m benchmarks.<name> --quick`` calls it. A benchmark added
without a row here fails test_every_benchmark_is_listed.
"""
import subprocess
import sys

import pytest
from helpers import REPO

# benchmark: lines its quick run must print (the table's header, its rows)
EXPECTED = {
    'bf16_accuracy': ['| variant ', '| fp32 ', '| fp32-fused-cl ', '| bf16 ',
                      'metrics equal: True'],
    'compiled_profile': ['| batch ', '| compiled-bf16 ', '| ov-bf16 ', '| ort '],
    'compile_equality': ['| model ', '| ours   | compiled ', '| mmpose | compiled '],
    'cpu_inference': ['| model ', '| TINY 128x96 | 2     | mmpose ', '| ours-fused-cl ',
                      '| ours-bf16 ', '| ours-ov-bf16 ', '| ours-ov-int8 ', '| ours-ort-int8 '],
    'cpu_train': ['## Training step', '| ours   | fp32-cl ', '| mmpose | fp32-cl '],
    'deploy_accuracy': ['| backend ', '| openvino    | int8 ', '| OpenVINO int8 variant ',
                        '| auto, stem and head kept fp32 '],
    'data_pipeline': ['| pipeline ', '| ours-train ', '| mmpose-test-det '],
    'fusion_accumulation': ['| layout ', '| contiguous ', '| channels_last '],
    'fusion_cost': ['| parameters, network ', '| CPU latency, median of 1 (ms) '],
    'train_throughput': ['## Training step', '## Inference', '| ours   | fp32 '],
}
RUN_ALL = '''
import importlib, sys, traceback
for name in sys.argv[1:]:
    print(f'=== {name}', flush=True)
    try:
        importlib.import_module(f'benchmarks.{name}').main(['--quick'])
        print(f'=== {name}: done', flush=True)
    except BaseException:
        traceback.print_exc(file=sys.stdout)
'''


@pytest.fixture(scope='module')
def quick_outputs():
    """What each benchmark's quick run printed, by name (``=== name: done`` when it ended)."""
    proc = subprocess.run([sys.executable, '-c', RUN_ALL, *sorted(EXPECTED)], cwd=REPO,
                          capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, proc.stderr[-3000:]
    sections = proc.stdout.split('\n=== ')
    return {s.split('\n', 1)[0].strip('= '): s for s in sections if s.strip()}


def test_every_benchmark_is_listed():
    found = {p.stem for p in (REPO / 'benchmarks').glob('*.py')} - {'__init__', 'common'}
    assert found == set(EXPECTED)


@pytest.mark.parametrize('name', sorted(EXPECTED))
def test_quick_run(name, quick_outputs):
    out = quick_outputs.get(name, '')
    assert f'{name}: done' in quick_outputs, f'{name} --quick did not finish:\n{out[-3000:]}'
    lines = out.splitlines()
    for expected in EXPECTED[name]:
        assert any(line.startswith(expected) or expected in line for line in lines), \
            f'{expected!r} not in the output of {name} --quick:\n{out[-3000:]}'
