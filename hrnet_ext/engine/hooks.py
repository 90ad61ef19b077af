"""Training hooks of ours (registered as ``hrnet_ext.<Name>``)."""
import random

import numpy as np
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook

from ..registry import HOOKS


@HOOKS.register_module()
class EpochSeedHook(Hook):
    """Reseed the augmentation RNGs at the start of every training epoch.

    MMEngine seeds ``random``, ``numpy`` and ``torch`` once per run, so after a
    resume the augmentation draws of the following epochs differ from those of
    an uninterrupted run. Reseeding from ``(seed, epoch, rank)`` makes every
    epoch's draws a function of its index alone, so a run resumed at an epoch
    boundary reproduces the uninterrupted run exactly (on the CPU, and with
    data loaded in the main process or by non-persistent workers, which MMEngine
    seeds from the same run seed each time they start).
    """

    priority = 'VERY_HIGH'

    def before_train_epoch(self, runner) -> None:
        seed = runner.seed if runner.seed is not None else 0
        epoch_seed = (seed + 1_000_003 * runner.epoch + 7919 * get_rank()) % 2**31
        random.seed(epoch_seed)
        np.random.seed(epoch_seed)
        torch.manual_seed(epoch_seed)
