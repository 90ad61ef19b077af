"""Runner-side pieces: hooks, and what the tools share (``cli``)."""
from .checkpoint import AtomicCheckpointHook, find_last_complete_checkpoint
from .hooks import EpochSeedHook

__all__ = ['AtomicCheckpointHook', 'EpochSeedHook', 'find_last_complete_checkpoint']
