"""Benchmarks: scripts that print their figures, side by side with MMPose's HRNet in one run.

Run each from the repository root as a module; ``--quick`` checks a script in seconds (the
test suite runs every one that way, tests/benchmarks/test_quick_runs.py)::

    python -m benchmarks.cpu_inference        # CPU inference: eager, folded, compiled, ONNX,
                                              # OpenVINO; fp32, bf16, int8
    python -m benchmarks.compiled_profile     # where the compiled path's time goes, vs OpenVINO
    python -m benchmarks.deploy_accuracy      # int8 / bf16 deployment accuracy on trained weights
    python -m benchmarks.bf16_accuracy        # what bf16 changes on trained weights (AP, pixels)
    python -m benchmarks.train_throughput     # training (and inference) throughput, GPU or CPU
    python -m benchmarks.cpu_train            # the CPU presets of train_throughput
    python -m benchmarks.compile_equality     # torch.compile against eager float64
    python -m benchmarks.data_pipeline        # data pipelines, samples/s per process
    python -m benchmarks.fusion_cost          # standard vs light exchange unit in a whole HRNet
    python -m benchmarks.fusion_accumulation  # the exchange unit's in-place sums vs the plain sum

What they share (the two models on the same weights, interleaved timing, the table, the
JSON file) is in :mod:`benchmarks.common`. Figures and the commands that made them:
docs/benchmarks.md (CPU) and docs/benchmarks_gpu.md.
"""
import os

# Before torch loads OpenMP: on a shared machine spinning waiters slow every operator down
# (tests/conftest.py says by how much); an explicit setting wins.
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')
