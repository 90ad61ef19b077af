"""The one default of every ``norm_cfg`` argument of the models: BatchNorm."""
import copy

from mmpose.utils.typing import ConfigType, OptConfigType

#: What ``norm_cfg=None`` means in every model class of the package.
DEFAULT_NORM_CFG = dict(type='BN')


def norm_cfg_or_bn(norm_cfg: OptConfigType) -> ConfigType:
    """A copy of ``norm_cfg`` (the caller's dict is never changed), or BN when it is empty."""
    return copy.deepcopy(norm_cfg) if norm_cfg else dict(DEFAULT_NORM_CFG)
