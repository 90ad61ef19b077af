"""The network alone: images in, heatmaps out (backbone, neck if any, head).

MMPose's ``TopdownPoseEstimator.forward`` takes a ``mode`` and data samples. Exporters,
compilers, the complexity count and the comparisons of inference paths need a module whose
``forward`` takes a tensor and returns one; :class:`HeatmapNet` is that module, built from the
parts or from an estimator, with the parts under an estimator's names (``backbone.*``,
``neck.*``, ``head.*``), so state dicts and :data:`hrnet_ext.models.complexity.PARTS` read
the same.
"""
from typing import Optional

from torch import Tensor, nn


class HeatmapNet(nn.Module):
    """``(N, 3, H, W)`` normalised images -> ``(N, K, H/4, W/4)`` heatmaps.

    Args:
        backbone: The backbone (for HRNet, a tuple of branch outputs).
        head: A head whose ``forward`` takes the backbone's (or neck's) outputs.
        neck: Optional module between them (HRNetV2's :class:`HRNetV2Neck`).

    Example:
        >>> import torch
        >>> net = HeatmapNet.from_arch('w18_small', num_keypoints=17).eval()
        >>> tuple(net(torch.rand(1, 3, 64, 32)).shape)
        (1, 17, 16, 8)
        >>> sorted({name.split('.')[0] for name in net.state_dict()})
        ['backbone', 'head']
    """

    def __init__(self, backbone: nn.Module, head: nn.Module,
                 neck: Optional[nn.Module] = None) -> None:
        super().__init__()
        self.backbone = backbone
        if neck is not None:
            self.neck = neck
        self.head = head

    @classmethod
    def of(cls, estimator: nn.Module) -> 'HeatmapNet':
        """The network of an MMPose estimator, sharing its modules (``estimator._forward``:
        ``backbone``, ``neck`` when it has one, ``head.forward``)."""
        return cls(estimator.backbone, estimator.head, getattr(estimator, 'neck', None))

    @classmethod
    def from_arch(cls, arch: str, num_keypoints: int = 17, **backbone_args) -> 'HeatmapNet':
        """``hrnet_ext.HRNet(arch, **backbone_args)`` and the paper's 1x1 head on its first
        output, as the paper's pose network (default initialisation)."""
        from .backbones import HRNet
        from .heads import HRNetHeatmapHead
        backbone = HRNet(arch=arch, **backbone_args)
        return cls(backbone, HRNetHeatmapHead(backbone.out_channels[0], num_keypoints))

    def forward(self, inputs: Tensor) -> Tensor:
        feats = self.backbone(inputs)
        if hasattr(self, 'neck'):
            feats = self.neck(feats)
        heatmaps = self.head(feats)
        if not isinstance(heatmaps, Tensor):
            raise TypeError(f'the head returns {type(heatmaps).__name__}, not one heatmap '
                            'tensor: only heatmap heads make a HeatmapNet')
        return heatmaps


def as_heatmap_net(model: nn.Module) -> nn.Module:
    """:meth:`HeatmapNet.of` ``model`` for an MMPose pose estimator, else ``model`` itself
    (already tensor in, tensor out)."""
    from mmpose.models.pose_estimators.base import BasePoseEstimator
    return HeatmapNet.of(model) if isinstance(model, BasePoseEstimator) else model
