"""The paper's pose head: one 1x1 convolution from the high-resolution branch to K heatmaps."""
from typing import Sequence, Tuple

import torch
from mmengine.structures import PixelData
from mmpose.evaluation.functional import pose_pck_accuracy
from mmpose.models.heads.base_head import BaseHead
from mmpose.models.utils.tta import flip_heatmaps
from mmpose.utils.tensor_utils import to_numpy
from mmpose.utils.typing import Features, OptConfigType, OptMultiConfig, OptSampleList, Predictions
from torch import Tensor, nn

from hrnet_ext.registry import KEYPOINT_CODECS, MODELS
from hrnet_ext.utils.arguments import check_arguments

#: MSE on heatmaps weighted by the target weights, MMPose's ``KeypointMSELoss``.
DEFAULT_LOSS = dict(type='KeypointMSELoss', use_target_weight=True)


@MODELS.register_module()
@check_arguments
class HRNetHeatmapHead(BaseHead):
    """Heatmap head of HRNet for pose (Sun et al., CVPR 2019, section 3).

    A single 1x1 convolution (with bias) regresses K heatmaps from the highest-resolution
    branch, at 1/4 of the input size; no deconvolution, unlike SimpleBaseline's head. The
    weights live at ``final_layer.weight`` / ``final_layer.bias`` (``head.final_layer.*`` in
    an estimator), the keys of MMPose's HRNet model zoo and of the official release.

    It follows MMPose's head contract, so it drops into ``TopdownPoseEstimator``: ``forward``
    gives heatmaps, ``predict`` decodes them with the codec (flip test when the estimator's
    ``test_cfg`` says ``flip_test=True``), ``loss`` compares them with the codec's targets.
    The decoding method is the codec's: ``MSRAHeatmap`` (the paper's quarter-offset),
    ``MSRAHeatmap`` with ``unbiased=True`` (DARK) or ``UDPHeatmap`` (UDP).

    Args:
        in_channels: Channels of the input feature (C of the backbone's branch 0).
        out_channels: Number of keypoints K.
        in_index: Which backbone output to read; 0 is the highest-resolution branch, also
            when the backbone outputs every branch.
        loss: Config of the heatmap loss; ``None``: :data:`DEFAULT_LOSS`, the paper's MSE
            weighted by the target weights (without the official code's factor 0.5).
        decoder: Codec config used by :meth:`predict` (usually the config's top-level
            ``codec``); ``None`` leaves the head unable to decode.
        init_cfg: MMEngine initialisation config. Default: weights normal(std 0.001),
            bias 0, as the official release.

    Example:
        >>> import torch
        >>> head = HRNetHeatmapHead(in_channels=32, out_channels=17)
        >>> tuple(head((torch.rand(2, 32, 64, 48), )).shape)
        (2, 17, 64, 48)
    """

    def __init__(self,
                 in_channels: int,
                 out_channels: int,
                 in_index: int = 0,
                 loss: OptConfigType = None,
                 decoder: OptConfigType = None,
                 init_cfg: OptMultiConfig = None) -> None:
        if init_cfg is None:
            init_cfg = [dict(type='Normal', layer=['Conv2d'], std=0.001, bias=0)]
        super().__init__(init_cfg)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.in_index = in_index
        self.loss_module = MODELS.build(loss or dict(DEFAULT_LOSS))
        self.decoder = KEYPOINT_CODECS.build(decoder) if decoder is not None else None
        self.final_layer = nn.Conv2d(in_channels, out_channels, kernel_size=1)

    def forward(self, feats: Sequence[Tensor]) -> Tensor:
        """Args:
            feats: Backbone (or neck) outputs; ``feats[in_index]`` is (N, C, H/4, W/4).

        Returns:
            Heatmaps (N, K, H/4, W/4).
        """
        return self.final_layer(feats[self.in_index])

    def predict(self,
                feats: Features,
                batch_data_samples: OptSampleList,
                test_cfg: OptConfigType = None) -> Predictions:
        """Decode keypoints, with the flip test when ``test_cfg['flip_test']``.

        Args:
            feats: The features, or with the flip test ``[feats, feats_of_flipped_input]``
                (``TopdownPoseEstimator`` builds that pair).
            batch_data_samples: Data samples; with the flip test the first one's metainfo
                provides ``flip_indices``.
            test_cfg: ``flip_test``; ``flip_mode`` (``'heatmap'``; ``'udp_combined'`` for
                UDP's combined targets); ``shift_heatmap`` (shift the flipped heatmaps one
                pixel right, the official release's alignment, default ``False`` as MMPose);
                ``output_heatmaps`` (also return the heatmaps).

        Returns:
            One ``InstanceData`` per sample with ``keypoints`` (n, K, 2) in the input-image
            coordinates of the crop and ``keypoint_scores`` (n, K); with ``output_heatmaps``
            also one ``PixelData(heatmaps=(K, h, w))`` per sample.
        """
        test_cfg = test_cfg or {}
        if test_cfg.get('flip_test', False):
            assert isinstance(feats, list) and len(feats) == 2, 'flip test needs two feats'
            flip_indices = batch_data_samples[0].metainfo['flip_indices']
            feats_orig, feats_flip = feats
            heatmaps_flip = flip_heatmaps(
                self.forward(feats_flip),
                flip_indices=flip_indices,
                flip_mode=test_cfg.get('flip_mode', 'heatmap'),
                shift_heatmap=test_cfg.get('shift_heatmap', False))
            batch_heatmaps = (self.forward(feats_orig) + heatmaps_flip) * 0.5  # (N, K, h, w)
        else:
            batch_heatmaps = self.forward(feats)  # (N, K, h, w)

        preds = self.decode(batch_heatmaps)
        if test_cfg.get('output_heatmaps', False):
            return preds, [PixelData(heatmaps=hm) for hm in batch_heatmaps.detach()]
        return preds

    def loss(self,
             feats: Tuple[Tensor],
             batch_data_samples: OptSampleList,
             train_cfg: OptConfigType = None) -> dict:
        """Heatmap loss (``loss_kpt``) and, unless ``train_cfg['compute_acc']`` is False,
        the PCK accuracy of the heatmap maxima (``acc_pose``).

        Args:
            feats: The features.
            batch_data_samples: Samples carrying ``gt_fields.heatmaps`` (K, h, w) and
                ``gt_instance_labels.keypoint_weights`` (1, K), as the codec makes them.
            train_cfg: Training options.
        """
        train_cfg = train_cfg or {}
        pred = self.forward(feats)  # (N, K, h, w)
        gt = torch.stack([d.gt_fields.heatmaps for d in batch_data_samples])  # (N, K, h, w)
        weights = torch.cat(
            [d.gt_instance_labels.keypoint_weights for d in batch_data_samples])  # (N, K)
        losses = dict(loss_kpt=self.loss_module(pred, gt, weights))
        if train_cfg.get('compute_acc', True):
            _, avg_acc, _ = pose_pck_accuracy(
                # float(): under bf16 autocast the prediction is bf16, which numpy lacks
                output=to_numpy(pred.float()), target=to_numpy(gt), mask=to_numpy(weights) > 0)
            losses['acc_pose'] = torch.tensor(avg_acc, device=gt.device)
        return losses

    def extra_repr(self) -> str:
        return f'in_index={self.in_index}'

