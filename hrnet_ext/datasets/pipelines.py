"""Top-down pipelines as configs write them: the fixed steps around a recipe's augmentation.

Every top-down recipe loads the image, turns the person box into a centre and scale, crops,
encodes the target heatmaps and packs, with the faster transforms of
:mod:`hrnet_ext.datasets.fast_transforms` (outputs equal to MMPose's); only the augmentation
between differs from one recipe to the next. Configs build their pipelines with these
functions, and a variant with another codec rebuilds its recipe's with :func:`with_codec`::

    >>> codec = dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64), sigma=2)
    >>> steps = topdown_train_pipeline(codec, [dict(type='RandomFlip', direction='horizontal')],
    ...                                padding=1.25)
    >>> [s['type'] for s in steps]  # doctest: +NORMALIZE_WHITESPACE
    ['LoadImage', 'GetBBoxCenterScale', 'RandomFlip', 'hrnet_ext.FastTopdownAffine',
     'hrnet_ext.FastGenerateTarget', 'hrnet_ext.FastPackPoseInputs']
    >>> [s['type'] for s in topdown_eval_pipeline(codec)]  # doctest: +NORMALIZE_WHITESPACE
    ['hrnet_ext.CachedLoadImage', 'GetBBoxCenterScale', 'hrnet_ext.FastTopdownAffine',
     'hrnet_ext.FastPackPoseInputs']
    >>> square = dict(codec, input_size=(256, 256), heatmap_size=(64, 64))
    >>> crop, target = with_codec(steps, square)[3:5]
    >>> crop['input_size'], target['encoder'] == square
    ((256, 256), True)

:func:`resize_codec` gives a recipe's codec another input size (heatmaps at 1/4 of it).

A config imports them *after* its ``_base_`` line: MMEngine reads a config whose first
statement imports a package as a "lazy import" config, another format. The functions are
dropped from the loaded config; only the lists they return stay.
"""
from typing import Dict, List, Mapping, Sequence


def topdown_train_pipeline(codec: Mapping, augmentation: Sequence[Mapping],
                           **center_scale) -> List[Dict]:
    """Load, box to centre and scale, ``augmentation``, crop, target, pack.

    Args:
        codec: The heatmap codec: the crop's ``input_size`` and the target's encoder.
        augmentation: The recipe's random steps (flip, half body, scale and rotation ...),
            applied to the centre and scale before the crop.
        **center_scale: Arguments of ``GetBBoxCenterScale`` (``padding``; none: MMPose's
            default, 1.25, not written out).
    """
    return [
        dict(type='LoadImage'),  # MMPose's: shuffled samples leave a cache nothing to reuse
        dict(type='GetBBoxCenterScale', **center_scale),
        *augmentation,
        dict(type='hrnet_ext.FastTopdownAffine', input_size=codec['input_size']),
        dict(type='hrnet_ext.FastGenerateTarget', encoder=codec),
        dict(type='hrnet_ext.FastPackPoseInputs'),
    ]


def topdown_eval_pipeline(codec: Mapping, **center_scale) -> List[Dict]:
    """Load (each image decoded once for the boxes of it that follow one another), box to
    centre and scale, crop, pack: the val and test pipeline of every top-down recipe."""
    return [
        dict(type='hrnet_ext.CachedLoadImage'),
        dict(type='GetBBoxCenterScale', **center_scale),
        dict(type='hrnet_ext.FastTopdownAffine', input_size=codec['input_size']),
        dict(type='hrnet_ext.FastPackPoseInputs'),
    ]


def with_codec(pipeline: Sequence[Mapping], codec: Mapping) -> List[Dict]:
    """``pipeline`` (copied step by step) with ``codec``: every step that takes an
    ``input_size`` (the crop) or an ``encoder`` (the target) gets the codec's, whichever
    class it is."""
    new = dict(input_size=codec['input_size'], encoder=codec)
    return [dict(step, **{k: v for k, v in new.items() if k in step}) for step in pipeline]


def resize_codec(codec: Mapping, input_size: Sequence[int]) -> Dict:
    """``codec`` for another input size, ``(width, height)``: heatmaps at 1/4 of it (HRNet's
    output stride), everything else (sigma ...) kept. With :func:`with_codec` it makes a body
    recipe's input size one setting::

        >>> codec = dict(type='MSRAHeatmap', input_size=(192, 256), heatmap_size=(48, 64),
        ...              sigma=2)
        >>> resize_codec(codec, (96, 128))
        {'type': 'MSRAHeatmap', 'input_size': (96, 128), 'heatmap_size': (24, 32), 'sigma': 2}

    Input sides should be multiples of 32 (HRNet halves the resolution five times).
    """
    width, height = input_size
    return dict(codec, input_size=(width, height), heatmap_size=(width // 4, height // 4))
