"""tools/dist_train.sh with a Cityscapes recipe, on two CPU processes (torchrun, gloo, DDP),
put on the person sample by --cfg-options alone: a checkpoint and an mIoU come out."""
import re
import subprocess

import pytest

pytest.importorskip('mmseg')

from helpers import REPO, launcher_env  # noqa: E402
from seg_sample import CITYSCAPES_W48, person_sample_options  # noqa: E402

from hrnet_ext.utils.safe_load import load_checkpoint_file  # noqa: E402


def test_dist_train_cityscapes_recipe_on_two_cpu_processes(tmp_path):
    options = person_sample_options() + [
        'train_cfg.max_epochs=1', 'train_cfg.val_interval=1', 'param_scheduler.0.end=1',
        'default_hooks.checkpoint.interval=1', 'default_hooks.logger.interval=1']
    result = subprocess.run(
        ['bash', 'tools/dist_train.sh', str(CITYSCAPES_W48), '2', '--work-dir', str(tmp_path),
         '--verbose', '--cfg-options', *options], cwd=REPO, env=launcher_env(), capture_output=True,
        text=True, timeout=600)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out[-4000:]
    assert 'Distributed launcher: pytorch' in out and 'GPU number: 2' in out
    assert re.search(r"'backend': 'gloo'", out)
    assert "sync_bn='torch' needs GPUs" in out  # the recipe's SyncBN, plain BN on CPUs
    # 4 images over 2 ranks, 2 per batch: 1 iteration per epoch and rank
    assert re.search(r'Epoch\(train\) \[1\]\[1/1\]', out)
    miou = re.search(r'Epoch\(val\) \[1\]\[2/2\].*mIoU: ([0-9.]+)', out)
    assert miou is not None and 0.0 <= float(miou.group(1)) <= 100.0, out[-3000:]
    ckpt = load_checkpoint_file(tmp_path / 'epoch_1.pth')
    assert ckpt['meta']['epoch'] == 1 and ckpt['meta']['iter'] == 1
    assert ckpt['meta']['dataset_meta']['classes'] == ('background', 'person')
    assert ckpt['state_dict']['decode_head.conv_seg.weight'].shape == (2, 240, 1, 1)
    assert not any(k.startswith('module.') for k in ckpt['state_dict'])
