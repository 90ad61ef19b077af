"""An RTMDet-tiny detector checkpoint made here, seeded random weights (the tiny HRNet
checkpoint, ``tiny_checkpoint``, is in tests/conftest.py).

Wiring needs no trained weights. The detector's head is set so that it reports people
(category 0) of a fixed size, so that the pose path after detection has boxes to run on.
"""
from pathlib import Path

import pytest


def mmdet_config(relative: str) -> str:
    """A config shipped inside the mmdet package (``mmdet/.mim/configs``)."""
    import mmdet
    path = Path(mmdet.__file__).parent / '.mim' / 'configs' / relative
    assert path.is_file(), path
    return str(path)


@pytest.fixture(scope='session')
def person_detector(tmp_path_factory):
    """``(config, checkpoint)``: RTMDet-tiny, random init, whose head calls 256-px boxes
    on the stride-32 grid people (score ~0.98) and everything else below 0.01."""
    import torch
    from mmdet.registry import MODELS
    from mmengine.config import Config
    from mmengine.registry import DefaultScope

    config = mmdet_config('rtmdet/rtmdet_tiny_8xb32-300e_coco.py')
    cfg = Config.fromfile(config)
    cfg.model.backbone.init_cfg = None  # an ImageNet download otherwise
    with DefaultScope.overwrite_default_scope('mmdet'):
        torch.manual_seed(0)
        model = MODELS.build(cfg.model)
        model.init_weights()  # classification bias: prior 0.01 for every class
    head = model.bbox_head
    with torch.no_grad():
        head.rtm_cls[2].bias[0] = 4.0            # person on the stride-32 level only
        head.rtm_reg[2].weight.zero_()
        head.rtm_reg[2].bias.fill_(4.0)          # 4 strides each side: 256 px boxes
    path = tmp_path_factory.mktemp('det') / 'rtmdet_tiny_person_stub.pth'
    torch.save(dict(state_dict=model.state_dict(), meta={}), path)
    return config, str(path)
