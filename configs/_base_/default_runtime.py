# Runtime shared by every hrnet_ext config: MMPose's (hooks, logging, visualiser,
# env), plus the import that registers our classes. Configs keep MMPose's scope
# and name our classes with the prefix: type='hrnet_ext.HRNet'.
_base_ = 'mmpose::_base_/default_runtime.py'

default_scope = 'mmpose'
custom_imports = dict(imports=['hrnet_ext'], allow_failed_imports=False)

# MMPose's SyncBuffersHook, plus ours: reseed augmentation every epoch from (seed, epoch,
# rank), so that a run resumed at an epoch boundary equals an uninterrupted one.
custom_hooks = [dict(type='SyncBuffersHook'), dict(type='hrnet_ext.EpochSeedHook')]

# A checkpoint every 10 epochs (MMPose's), the 3 latest kept; the recipes add the best by
# their metric (coco/AP, PCK), kept apart from these. Evaluation: train_cfg.val_interval.
# AtomicCheckpointHook is MMEngine's CheckpointHook (same arguments) writing each file to a
# temporary name + fsync + rename, so a process killed mid-write leaves the previous
# checkpoint and never a truncated file named in last_checkpoint.
default_hooks = dict(
    checkpoint=dict(type='hrnet_ext.AtomicCheckpointHook', interval=10, max_keep_ckpts=3))

# MMPose's visualizer with its numpy-2 failures fixed (hrnet_ext/visualization): what
# --show-dir and the inferencer draw with.
visualizer = dict(type='hrnet_ext.PoseLocalVisualizer')
