"""Runner-side pieces: hooks, and what the tools share (``cli``)."""
from .checkpoint import (
                         AtomicCheckpointHook,
                         CheckpointArchitectureError,
                         find_last_complete_checkpoint,
                         strict_checkpoint_loading,
)
from .hooks import EpochSeedHook

__all__ = ['AtomicCheckpointHook', 'CheckpointArchitectureError', 'EpochSeedHook',
           'find_last_complete_checkpoint', 'strict_checkpoint_loading']
