"""A tiny HRNet with seeded random weights: wiring and parity need no training."""
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TINY_CONFIG = str(REPO / 'configs' / 'sample' / 'hrnet_tiny_coco-sample_128x96.py')


@pytest.fixture(scope='session')
def tiny_checkpoint(tmp_path_factory) -> str:
    """The sample config's model, ``torch.manual_seed(0)`` init, as a checkpoint file."""
    import torch
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS

    import hrnet_ext  # noqa: F401  (registers our classes)
    cfg = Config.fromfile(TINY_CONFIG)
    init_default_scope('mmpose')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    path = tmp_path_factory.mktemp('tiny') / 'tiny_random.pth'
    torch.save(dict(state_dict=model.state_dict()), path)
    return str(path)
