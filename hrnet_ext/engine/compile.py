"""``torch.compile`` for training and evaluation: the network's modules, compiled in place.

MMEngine's own switch (``compile=dict(...)`` in a config) compiles ``model.train_step``:
the data preprocessor, the Python handling of the data samples, the loss and the optimizer
step all pass through TorchDynamo, which breaks the graph at every one of them. What pays
is the network: HRNet runs ~1,000 small kernels per training step (convolutions, batch
norms, ReLUs, the exchange units' additions and upsamplings), and the compiler fuses the
element-wise ones into the convolutions' neighbours. :func:`compile_model` therefore
compiles the backbone, the neck (if any) and the head with ``nn.Module.compile``, which
keeps every parameter name (checkpoints written while training load anywhere, also into an
uncompiled model) and leaves the data handling and the loss in eager mode.

``mode='reduce-overhead'`` adds CUDA graphs: the whole forward (and backward) is replayed
as one graph, which removes the launch cost of the remaining kernels on a host-bound GPU
step. A graph's outputs are overwritten by its next replay; :class:`CudaGraphStepHook`
marks the start of every training iteration for PyTorch (``torch.compiler.
cudagraph_mark_step_begin``) so that it knows when the previous step's outputs are dead.
``tools/train.py --compile MODE`` does both.

The compiled network computes the same function: the compiler reorders floating-point
sums (measured in ``tests/engine/test_compile_model.py``; GPU figures in docs/benchmarks_gpu.md).
"""
from typing import List, Optional

import torch
from mmengine.hooks import Hook
from torch import nn

from ..registry import HOOKS

#: The values ``torch.compile`` accepts for ``mode`` (``None``/``'default'`` included).
COMPILE_MODES = ('default', 'reduce-overhead', 'max-autotune', 'max-autotune-no-cudagraphs')

#: The parts of a pose estimator that hold the network (``TopdownPoseEstimator`` names them so).
PARTS = ('backbone', 'neck', 'head')


def compile_model(model: nn.Module, mode: Optional[str] = None, backend: str = 'inductor',
                  dynamic: Optional[bool] = False, parts=PARTS) -> List[str]:
    """Compile the network parts of ``model`` in place; returns the names compiled.

    Args:
        model: a pose estimator (``backbone``/``neck``/``head`` attributes), possibly wrapped
            by MMEngine's DDP wrapper (its ``.module`` is used), or any module, which is then
            compiled whole.
        mode: one of :data:`COMPILE_MODES` (``None`` = ``'default'``).
        backend: ``torch.compile``'s backend (``'inductor'``; ``'eager'`` checks the tracing
            alone, fast, for tests).
        dynamic: ``False`` (default) compiles for the shapes seen and recompiles for a new
            batch size (the last, smaller batch of an epoch compiles once more); ``None``
            lets PyTorch decide.
    """
    if mode is not None and mode not in COMPILE_MODES:
        raise ValueError(f'compile mode {mode!r} is not one of {COMPILE_MODES}')
    if not hasattr(nn.Module, 'compile'):
        raise RuntimeError(f'torch {torch.__version__} has no nn.Module.compile; '
                           'torch >= 2.2 is needed for --compile')
    mode = None if mode == 'default' else mode
    target = getattr(model, 'module', model)
    names = [p for p in parts if isinstance(getattr(target, p, None), nn.Module)]
    modules = [getattr(target, p) for p in names] if names else [target]
    for m in modules:
        m.compile(mode=mode, backend=backend, dynamic=dynamic)
    return names or [type(target).__name__]


@HOOKS.register_module()
class CudaGraphStepHook(Hook):
    """Marks each training iteration's start for CUDA graphs (``mode='reduce-overhead'``).

    Without the mark, PyTorch cannot tell whether a replay may overwrite the outputs of the
    previous one and falls back to recording new graphs or warns about overwritten outputs.
    """

    priority = 'VERY_HIGH'

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        torch.compiler.cudagraph_mark_step_begin()

    def before_val_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        torch.compiler.cudagraph_mark_step_begin()

    def before_test_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        torch.compiler.cudagraph_mark_step_begin()
