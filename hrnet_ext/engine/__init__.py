"""Runner-side pieces: atomic checkpoints and strict loading (``atomic_checkpoint``),
compiled training (``compile``), hooks, and what the tools share (``cli``)."""
from .atomic_checkpoint import (
    AtomicCheckpointHook,
    CheckpointArchitectureError,
    DiskFullError,
    find_last_complete_checkpoint,
    strict_checkpoint_loading,
)
from .compile import CudaGraphStepHook, compile_model
from .hooks import EpochSeedHook

__all__ = ['AtomicCheckpointHook', 'CheckpointArchitectureError', 'CudaGraphStepHook',
           'DiskFullError', 'EpochSeedHook', 'compile_model', 'find_last_complete_checkpoint',
           'strict_checkpoint_loading']
