# Runtime shared by every hrnet_ext config: MMPose's (hooks, logging, visualiser,
# env), plus the import that registers our classes. Configs keep MMPose's scope
# and name our classes with the prefix: type='hrnet_ext.HRNet'.
_base_ = 'mmpose::_base_/default_runtime.py'

default_scope = 'mmpose'
custom_imports = dict(imports=['hrnet_ext'], allow_failed_imports=False)
