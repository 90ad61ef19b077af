# Runtime of the segmentation configs (configs/seg/): MMSegmentation's scope, visualiser and
# loops, plus the import that makes our classes resolvable there (hrnet_ext.segmentation:
# type='hrnet_ext.HRNet' under default_scope='mmseg'; needs `bash tools/install.sh --seg`).
_base_ = 'mmseg::_base_/default_runtime.py'

default_scope = 'mmseg'
custom_imports = dict(imports=['hrnet_ext.segmentation'], allow_failed_imports=False)

# Epoch-based, as the official release counts its schedules. AtomicCheckpointHook is
# MMEngine's CheckpointHook writing each file atomically (configs/_base_/default_runtime.py);
# the best checkpoint by mIoU is kept apart from the 3 latest.
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='hrnet_ext.AtomicCheckpointHook', interval=10, max_keep_ckpts=3,
                    save_best='mIoU', rule='greater'),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
custom_hooks = [dict(type='hrnet_ext.EpochSeedHook')]
# MMSegmentation's visualiser without its fixed name='visualizer': MMEngine keeps one
# visualiser per name in a process, so a second runner (tools/test.py after tools/train.py,
# called in one process) drew with the first one, into the first run's folder. Unnamed, each
# runner names its own after its run (what --show-dir writes through).
visualizer = dict(_delete_=True, type='SegLocalVisualizer',
                  vis_backends=[dict(type='LocalVisBackend')])
log_processor = dict(by_epoch=True)
