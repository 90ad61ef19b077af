"""Runner-side pieces: hooks, and what the tools share (``cli``)."""
from .checkpoint import (
                         AtomicCheckpointHook,
                         CheckpointArchitectureError,
                         find_last_complete_checkpoint,
                         strict_checkpoint_loading,
)
from .compile import CudaGraphStepHook, compile_model
from .hooks import EpochSeedHook

__all__ = ['AtomicCheckpointHook', 'CheckpointArchitectureError', 'CudaGraphStepHook',
           'EpochSeedHook', 'compile_model', 'find_last_complete_checkpoint',
           'strict_checkpoint_loading']
