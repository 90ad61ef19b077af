"""The official segmentation loss: PyTorch's cross-entropy with class weights and an ignore
label, averaged over the labelled pixels.

The official HRNet-Semantic-Segmentation code trains with ``nn.CrossEntropyLoss(weight=
class_weights, ignore_index=255)`` (``lib/core/criterion.py``; Cityscapes with 19 class
weights, LIP without): the mean over the pixels that are not ignored, each weighted by its
class. MMSegmentation 1.2.2's ``CrossEntropyLoss`` cannot give that for Cityscapes: with
``class_weight`` set it looks up the weight of every label *including* the ignored 255 and
raises ``IndexError: index 255 is out of bounds`` on any crop with an ignored pixel; and
without class weights its default (``avg_non_ignore=False``) divides by all pixels, padding
included. :class:`WeightedCrossEntropyLoss` is MMSegmentation's class (same arguments, same
``loss_ce`` name) computing the official loss instead.
"""
from typing import Optional

import torch.nn.functional as F
from mmseg.models.losses import CrossEntropyLoss
from torch import Tensor

from .registry import MODELS


@MODELS.register_module()
class WeightedCrossEntropyLoss(CrossEntropyLoss):
    """Softmax cross-entropy, mean over the labelled pixels weighted by ``class_weight``.

    Equals ``loss_weight * torch.nn.CrossEntropyLoss(weight=class_weight,
    ignore_index=ignore_index)(cls_score, label)``. Takes the arguments of MMSegmentation's
    ``CrossEntropyLoss``; sigmoid and mask modes, per-pixel weights and other reductions are
    not this loss (use MMSegmentation's).

    Example:
        >>> import torch
        >>> loss = WeightedCrossEntropyLoss(class_weight=[1.0, 2.0])
        >>> logits, label = torch.zeros(1, 2, 2, 2), torch.tensor([[[0, 1], [1, 255]]])
        >>> round(loss(logits, label, ignore_index=255).item(), 4)  # log(2) for every pixel
        0.6931
    """

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault('avg_non_ignore', True)  # what this loss computes, with or without
        super().__init__(**kwargs)                 # class weights (and no warning about it)
        if self.use_sigmoid or self.use_mask:
            raise ValueError('WeightedCrossEntropyLoss is the softmax cross-entropy; for '
                             'use_sigmoid / use_mask use MMSegmentation\'s CrossEntropyLoss')

    def forward(self,
                cls_score: Tensor,
                label: Tensor,
                weight: Optional[Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None,
                ignore_index: int = -100,
                **kwargs) -> Tensor:
        """Args:
            cls_score: Logits (N, C, H, W) at the label's size.
            label: Class indices (N, H, W); ``ignore_index`` marks unlabelled pixels.

        Returns:
            A scalar: ``loss_weight`` x the weighted mean (0 when no pixel is labelled,
            where PyTorch would give NaN).
        """
        if weight is not None or avg_factor is not None or reduction_override not in (
                None, 'mean') or self.reduction != 'mean':
            raise ValueError('WeightedCrossEntropyLoss computes the weighted mean only (no '
                             'per-pixel weight, avg_factor or other reduction)')
        class_weight = None if self.class_weight is None else cls_score.new_tensor(
            self.class_weight)
        labelled = label != ignore_index
        if not labelled.any():  # keep the graph, give no gradient
            return cls_score.sum() * 0
        loss = F.cross_entropy(cls_score, label, weight=class_weight, ignore_index=ignore_index,
                               reduction='mean')
        return self.loss_weight * loss


__all__ = ['WeightedCrossEntropyLoss']
