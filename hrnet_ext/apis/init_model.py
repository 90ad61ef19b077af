"""``init_model``: MMPose's, with the head's size taken from the data set's metainfo.

Our configs may leave ``model.head.out_channels`` out: it is the number of keypoints of the
data set (:func:`hrnet_ext.engine.config_check.resolve_num_keypoints`), which MMPose's own
``init_model`` does not know. Everything else is MMPose's function.
"""
from pathlib import Path
from typing import Optional, Union

from mmengine.config import Config
from mmpose.apis import init_model as _mmpose_init_model
from torch import nn

from ..engine.config_check import resolve_num_keypoints


def load_model_config(config: Union[str, Path, Config],
                      cfg_options: Optional[dict] = None) -> Config:
    """The config (a path or a loaded one, copied), options merged, head size resolved."""
    cfg = Config.fromfile(str(config)) if isinstance(config, (str, Path)) else config.copy()
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    resolve_num_keypoints(cfg)
    return cfg


def init_model(config: Union[str, Path, Config], checkpoint: Optional[str] = None,
               device: str = 'cuda:0', cfg_options: Optional[dict] = None) -> nn.Module:
    """``mmpose.apis.init_model`` (same arguments) for configs whose head size follows the
    data set's metainfo."""
    return _mmpose_init_model(load_model_config(config, cfg_options), checkpoint, device)
