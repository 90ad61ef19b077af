"""Child registries of MMPose's, under the scope ``hrnet_ext``.

Configs keep ``default_scope='mmpose'`` and name our classes with the scope
prefix (``type='hrnet_ext.HRNet'``): the prefix resolves through these
registries, MMPose's own names still resolve un-prefixed, and our ``HRNet``
does not clash with MMPose's. A plain ``type='HRNet'`` builds MMPose's class,
so our code prefixes its own names everywhere, defaults included.

``locations`` are imported by MMEngine itself the first time a registry of this
scope builds something, so configs need no ``custom_imports`` for models.
"""
from mmengine.registry import Registry
from mmpose.registry import DATASETS as MMPOSE_DATASETS
from mmpose.registry import HOOKS as MMPOSE_HOOKS
from mmpose.registry import KEYPOINT_CODECS as MMPOSE_KEYPOINT_CODECS
from mmpose.registry import MODELS as MMPOSE_MODELS
from mmpose.registry import TRANSFORMS as MMPOSE_TRANSFORMS
from mmpose.registry import VISUALIZERS as MMPOSE_VISUALIZERS

SCOPE = 'hrnet_ext'

MODELS = Registry('model', parent=MMPOSE_MODELS, scope=SCOPE, locations=['hrnet_ext.models'])
TRANSFORMS = Registry(
    'transform', parent=MMPOSE_TRANSFORMS, scope=SCOPE, locations=['hrnet_ext.datasets'])
DATASETS = Registry(
    'dataset', parent=MMPOSE_DATASETS, scope=SCOPE, locations=['hrnet_ext.datasets'])
KEYPOINT_CODECS = Registry(
    'KEYPOINT_CODECS', parent=MMPOSE_KEYPOINT_CODECS, scope=SCOPE, locations=['hrnet_ext.codecs'])
HOOKS = Registry('hook', parent=MMPOSE_HOOKS, scope=SCOPE, locations=['hrnet_ext.engine'])
VISUALIZERS = Registry('visualizer', parent=MMPOSE_VISUALIZERS, scope=SCOPE,
                       locations=['hrnet_ext.visualization'])
