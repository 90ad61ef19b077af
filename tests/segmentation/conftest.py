"""The segmentation tests' trained sample model (the helpers: ``seg_sample.py``), and their
default scope.

The modules that need MMSegmentation (the optional "seg" extra) skip without it
(``pytest.importorskip('mmseg')`` at their top); ``test_optional_extra.py`` runs without it.
"""
import pytest
from helpers import load_script
from mmengine.registry import DefaultScope
from seg_sample import SAMPLE_CONFIG


@pytest.fixture(autouse=True)
def _mmseg_scope():
    """Each test runs in MMSegmentation's default scope and leaves the one before it current.

    The default scope is process-wide and a runner of a configs/seg/ config makes 'mmseg'
    current; pose code that builds without a scope of its own (a head building its loss)
    would then look in MMSegmentation's registries in the tests that follow.
    """
    with DefaultScope.overwrite_default_scope('mmseg'):
        yield


@pytest.fixture(scope='session')
def trained_sample(tmp_path_factory):
    """configs/seg/hrnetv2_tiny_coco-person-sample.py trained as the config says (40
    iterations of 4 images) with tools/train.py's settings for ``--show-dir DIR --interval 4``,
    its mIoU measured by IoUMetric before the first step and after the last:
    dict(checkpoint, before, after (the metrics dicts), config, show_dir)."""
    import torch
    from mmengine.config import Config
    from mmengine.hooks import Hook
    from mmengine.runner import Runner

    import hrnet_ext  # noqa: F401  (safe checkpoint loading)

    class ValidateFirst(Hook):
        """Runs the validation loop once on the weights training starts from."""

        def before_train(self, runner) -> None:
            self.metrics = runner.val_loop.run()

    work_dir = tmp_path_factory.mktemp('seg_sample')
    train = load_script('tools/train.py')
    args = train.parse_args([str(SAMPLE_CONFIG), '--work-dir', str(work_dir), '--show-dir',
                             str(work_dir / 'show'), '--interval', '4'])
    cfg = train.merge_args(Config.fromfile(args.config), args)
    cfg.default_hooks.checkpoint.save_best = None  # only epoch_40.pth
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmseg'):  # as _mmseg_scope (session-wide here)
        runner = Runner.from_cfg(cfg)
        first = ValidateFirst()
        runner.register_hook(first, 'LOWEST')
        runner.train()
    after = {k: runner.message_hub.get_scalar(f'val/{k}').current()
             for k in ('mIoU', 'aAcc', 'mAcc')}
    return dict(checkpoint=str(work_dir / 'epoch_40.pth'), before=first.metrics, after=after,
                config=str(SAMPLE_CONFIG), show_dir=work_dir / 'show')
