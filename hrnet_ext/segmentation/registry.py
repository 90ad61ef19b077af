"""Our registries seen from MMSegmentation's: children of ``mmseg``'s, scope ``hrnet_ext``.

MMEngine resolves ``type='hrnet_ext.HRNet'`` by looking for a child with scope ``hrnet_ext``
under the registry of the *current default scope*. Our own registries
(:mod:`hrnet_ext.registry`) are children of MMPose's, so under ``default_scope='mmseg'`` they
are not found; nor is any name our code builds inside (``hrnet_ext.ExchangeUnit`` in every
high-resolution module, ``hrnet_ext.SkipBadSamples`` that the tools wrap data sets in,
``hrnet_ext.AtomicCheckpointHook``), because MMEngine builds every nested config with the
registry of the current scope too.

So each of our registries gets a twin under MMSegmentation's registry of the same kind, with
the same scope name and *the same class table* (one dict object): a class registered in
either is found through both, and a config writes ``hrnet_ext.<Name>`` under either scope.
"""
from mmengine.registry import Registry
from mmseg.registry import DATASETS as MMSEG_DATASETS
from mmseg.registry import HOOKS as MMSEG_HOOKS
from mmseg.registry import MODELS as MMSEG_MODELS
from mmseg.registry import TRANSFORMS as MMSEG_TRANSFORMS

from hrnet_ext import registry as pose


class SharedTableRegistry(Registry):
    """A registry under ``parent`` holding the very class table of ``source``.

    Args:
        source: One of our registries (:mod:`hrnet_ext.registry`).
        parent: The registry of the same kind in another OpenMMLab scope.
    """

    def __init__(self, source: Registry, parent: Registry) -> None:
        super().__init__(source.name, parent=parent, scope=source.scope)
        self.source = source
        self._module_dict = source.module_dict  # shared, not copied: later registrations too

    def import_from_location(self) -> None:
        """Import what registers into the shared table (the source's ``locations``)."""
        self.source.import_from_location()


MODELS = SharedTableRegistry(pose.MODELS, MMSEG_MODELS)
DATASETS = SharedTableRegistry(pose.DATASETS, MMSEG_DATASETS)
TRANSFORMS = SharedTableRegistry(pose.TRANSFORMS, MMSEG_TRANSFORMS)
HOOKS = SharedTableRegistry(pose.HOOKS, MMSEG_HOOKS)
