"""Pipeline step names: ours for MMPose's transforms, and MMPose's for ours.

The configs name the faster transforms of :mod:`hrnet_ext.datasets.fast_transforms`
(``hrnet_ext.FastTopdownAffine`` ..., outputs equal to MMPose's). Code that looks a step up by
what it does (the crop's input size, the target's codec) asks for MMPose's name and finds
either class::

    >>> mmpose_type('hrnet_ext.FastTopdownAffine'), mmpose_type('TopdownAffine')
    ('TopdownAffine', 'TopdownAffine')
    >>> mmpose_type('hrnet_ext.CachedLoadImage'), mmpose_type('RandomFlip')
    ('LoadImage', 'RandomFlip')
    >>> steps = [dict(type='hrnet_ext.CachedLoadImage'),
    ...          dict(type='hrnet_ext.FastTopdownAffine', input_size=(192, 256))]
    >>> find_steps(steps, 'TopdownAffine')[0]['input_size']
    (192, 256)
    >>> [s['type'] for s in with_mmpose_types(steps)]
    ['LoadImage', 'TopdownAffine']

The module itself imports nothing (only its package, :mod:`hrnet_ext.datasets`, does).
"""
from typing import Any, Dict, List, Sequence

# MMPose's transform -> ours with the same arguments and equal outputs. CachedLoadImage is
# for val / test pipelines only (consecutive samples share an image), never for training.
FAST_TYPES: Dict[str, str] = {
    'LoadImage': 'hrnet_ext.CachedLoadImage',
    'TopdownAffine': 'hrnet_ext.FastTopdownAffine',
    'GenerateTarget': 'hrnet_ext.FastGenerateTarget',
    'PackPoseInputs': 'hrnet_ext.FastPackPoseInputs',
}
_MMPOSE_OF = {ours.split('.', 1)[1]: theirs for theirs, ours in FAST_TYPES.items()}


def _replaced(type_: Any):
    """The MMPose transform that ``type_`` (one of ours) replaces, else None."""
    name = type_.__name__ if isinstance(type_, type) else str(type_)
    scope, _, short = name.rpartition('.')
    return _MMPOSE_OF.get(short) if scope in ('', 'hrnet_ext') else None


def mmpose_type(type_: Any) -> str:
    """MMPose's name for a step's ``type`` (a name or a class).

    Our fast transforms (prefixed, unprefixed or as classes) give the MMPose transform they
    replace; ``'mmpose.X'`` gives ``'X'``; any other name is returned as it is (so
    ``'hrnet_ext.ClippedNormalBBoxTransform'`` stays prefixed), a class as its name.
    """
    name = type_.__name__ if isinstance(type_, type) else str(type_)
    return _replaced(name) or (name[len('mmpose.'):] if name.startswith('mmpose.') else name)


def find_steps(pipeline: Sequence[dict], mmpose_name: str) -> List[dict]:
    """The steps of ``pipeline`` that are MMPose's ``mmpose_name`` or our version of it."""
    return [step for step in pipeline if mmpose_type(step['type']) == mmpose_name]


def with_mmpose_types(pipeline: Sequence[dict]) -> List[dict]:
    """``pipeline`` (copied step by step) with MMPose's transforms in place of ours; every
    other step as it is."""
    return [dict(step, type=_replaced(step['type']) or step['type']) for step in pipeline]


def with_fast_types(pipeline: Sequence[dict], cached_load: bool = False) -> List[dict]:
    """``pipeline`` (copied step by step) with our transforms in place of MMPose's. ``LoadImage``
    becomes ``CachedLoadImage`` only with ``cached_load`` (val / test pipelines, never
    training); every other step (ours already, given as a class ...) stays as it is."""
    names = dict(FAST_TYPES)
    if not cached_load:
        del names['LoadImage']
    out = []
    for step in pipeline:
        t = step['type']
        if isinstance(t, str):  # MMPose's name, with or without its scope
            t = names.get(t[len('mmpose.'):] if t.startswith('mmpose.') else t, t)
        out.append(dict(step, type=t))
    return out
