"""Runner-side pieces: hooks, and what the tools share (``cli``)."""
from .hooks import EpochSeedHook

__all__ = ['EpochSeedHook']
