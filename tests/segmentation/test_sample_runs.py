"""The person / background sample end to end: HRNetV2 learns it (IoUMetric before and after),
tools/test.py evaluates it, a corrupt label map is skipped and named, MMSegmentation's
inference APIs and tools/seg_demo.py run our config and checkpoint, get_flops counts it."""
import shutil
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip('mmseg')

from helpers import TEST_DATA, TINY_CONFIG, load_script  # noqa: E402
from seg_sample import SAMPLE_IMAGES, SAMPLE_LABELS, SEG_DIR  # noqa: E402

DEMO_IMAGE = TEST_DATA / 'demo' / 'human-pose.jpeg'
TEST_PY = load_script('tools/test.py')


def test_learning_on_the_sample(trained_sample):
    """40 SGD steps of 4 images: from predicting all background (the untrained head) to
    finding the people. Measured (seed 0, 2 cores): mIoU 42.64 -> 65.98 (aAcc 85.27 -> 90.32);
    all background gives mIoU = aAcc / 2 = 42.6, so 55 needs the person class found: a
    wrong label map, class order, ignore index or lost gradient stays near 42.6."""
    before, after = trained_sample['before'], trained_sample['after']
    assert before['mIoU'] < 50
    assert after['mIoU'] >= 55 and after['mIoU'] >= before['mIoU'] + 10


def test_tools_test_py_evaluates_the_checkpoint(trained_sample, tmp_path, capsys):
    """The same weights and images as the last validation of training: the same mIoU. With
    --show-dir, MMSegmentation's hook draws (label map | prediction) into it."""
    import json

    import cv2
    out, show = tmp_path / 'metrics.json', tmp_path / 'show'
    code = TEST_PY.main([trained_sample['config'], trained_sample['checkpoint'],
                         '--work-dir', str(tmp_path), '--out', str(out), '--show-dir', str(show),
                         '--interval', '4'])
    assert code == 0
    printed = capsys.readouterr().out
    metrics = json.loads(out.read_text())
    assert metrics['mIoU'] == pytest.approx(trained_sample['after']['mIoU'], abs=0.011)
    assert f'mIoU: {metrics["mIoU"]:.4f}' in printed and 'person boxes' not in printed

    (drawn, ) = (show / 'vis_data' / 'vis_image').iterdir()  # the 4th of 4 (--interval 4)
    assert drawn.name == 'test_000000197388.jpg_0.png'
    # the left half: the image blended with the palette of its label map (alpha 0.8, the
    # visualizer's), apart from the class names written on it
    image = cv2.imread(str(SAMPLE_IMAGES / '000000197388.jpg')).astype(float)
    label = cv2.imread(str(SAMPLE_LABELS / '000000197388.png'), cv2.IMREAD_UNCHANGED)
    palette_bgr = np.array([[0, 0, 0], [60, 20, 220]], float)
    picture = cv2.imread(str(drawn))
    h, w = label.shape
    assert picture.shape == (h, 2 * w, 3)
    expected = 0.2 * image + 0.8 * palette_bgr[label]
    assert (np.abs(picture[:, :w] - expected).max(-1) <= 2).mean() > 0.95


def test_train_py_show_dir_draws_with_mmsegmentations_hook(trained_sample):
    """--show-dir of tools/train.py on a segmentation config: MMSegmentation's hook (draw=,
    not MMPose's enable= / out_dir=) draws every --interval-th validation sample into DIR,
    at both validations of the training run (before the first step and after the 40th)."""
    drawn = sorted(p.name for p in (trained_sample['show_dir'] / 'vis_data' / 'vis_image')
                   .iterdir())
    # the 4th of 4 samples (--interval 4; a drawing costs ~0.8 s of CPU), at iterations 0, 40
    assert drawn == ['val_000000197388.jpg_0.png', 'val_000000197388.jpg_40.png']


def copy_sample(root: Path) -> Path:
    shutil.copytree(SAMPLE_IMAGES, root / 'coco')
    shutil.copytree(SAMPLE_LABELS, root / 'coco_person_seg')
    return root


def test_corrupt_label_map_is_skipped_and_named_by_the_tools(trained_sample, tmp_path, capsys):
    root = copy_sample(tmp_path / 'data')
    bad = root / 'coco_person_seg' / '000000040083.png'
    bad.write_bytes(bad.read_bytes()[:1000])  # truncated: no IEND chunk
    args = [trained_sample['config'], trained_sample['checkpoint'], '--work-dir',
            str(tmp_path / 'w'), '--cfg-options', f'test_dataloader.dataset.data_root={root}/']
    # more than the default 5 % bad: the run stops, listing the file
    assert TEST_PY.main(args) == 1
    err = capsys.readouterr().err
    assert '1 of 4 samples are bad' in err
    assert f'{bad}: truncated or corrupt PNG (no IEND chunk)' in err
    # allowed: the other 3 images are evaluated
    assert TEST_PY.main(args + ['--max-bad-share', '0.3']) == 0
    captured = capsys.readouterr()
    assert 'Epoch(test) [3/3]' in captured.out + captured.err
    assert 'mIoU:' in captured.out


def test_label_map_that_fails_to_decode_is_replaced_and_named(tmp_path):
    """Whole files that fail only when decoded: caught when loaded, named with the label map."""
    from mmengine.config import Config
    from mmengine.registry import DefaultScope
    from mmseg.registry import DATASETS

    import hrnet_ext.segmentation  # noqa: F401
    from hrnet_ext.datasets import wrap_datasets
    root = copy_sample(tmp_path / 'data')
    bad = root / 'coco_person_seg' / '000000196141.png'
    data = bytearray(bad.read_bytes())
    data[40:-20] = bytes(len(data) - 60)  # IEND kept, the image data zeroed
    bad.write_bytes(bytes(data))
    cfg = Config.fromfile(str(SEG_DIR / 'hrnetv2_tiny_coco-person-sample.py'))
    cfg.val_dataloader.dataset.data_root = f'{root}/'
    wrap_datasets(cfg, ('val', ), max_bad_share=0.3)
    with DefaultScope.overwrite_default_scope('mmseg'):
        dataset = DATASETS.build(cfg.val_dataloader.dataset)
        assert len(dataset) == 4 and dataset.skipped == []  # whole at build time
        names = [Path(dataset[i]['data_samples'].seg_map_path).name for i in range(4)]
    assert names == ['000000000785.png', '000000040083.png', '000000197388.png',
                     '000000197388.png']  # the bad one replaced by the next good sample
    (where, reason), = dataset.skipped
    assert where.endswith(f'(label map {bad})')
    assert reason.startswith('UnidentifiedImageError')  # MMSegmentation decodes with Pillow


def test_mmseg_inferencer_and_inference_model_run_our_config(trained_sample):
    import mmcv
    from mmengine.registry import DefaultScope
    from mmseg.apis import MMSegInferencer, inference_model, init_model
    image = mmcv.imread(str(DEMO_IMAGE))
    inferencer = MMSegInferencer(model=trained_sample['config'],
                                 weights=trained_sample['checkpoint'], device='cpu')
    assert inferencer.model.dataset_meta['classes'] == ('background', 'person')
    predicted = inferencer(str(DEMO_IMAGE))['predictions']
    assert predicted.shape == image.shape[:2]
    model = init_model(trained_sample['config'], trained_sample['checkpoint'], device='cpu')
    with DefaultScope.overwrite_default_scope('mmseg'):
        result = inference_model(model, image)
    np.testing.assert_array_equal(result.pred_sem_seg.data[0].numpy(), predicted)
    assert 0.02 < (predicted == 1).mean() < 0.9  # the skier found, not the whole picture


def test_seg_demo_draws_the_mask_next_to_the_skeleton(trained_sample, tiny_checkpoint,
                                                     tmp_path, capsys):
    import mmcv
    out = tmp_path / 'demo.jpg'
    code = load_script('tools/seg_demo.py').main([
        str(DEMO_IMAGE), trained_sample['config'], trained_sample['checkpoint'],
        '--pose-config', TINY_CONFIG,
        '--pose-checkpoint', tiny_checkpoint, '--out', str(out)])
    assert code == 0
    image, drawn = mmcv.imread(str(DEMO_IMAGE)), mmcv.imread(str(out))
    h, w = image.shape[:2]
    assert drawn.shape == (h, 2 * w, 3)
    assert np.abs(drawn[:, :w].astype(int) - image).mean() > 1  # the mask is drawn
    assert np.abs(drawn[:, w:].astype(int) - image).mean() > 0.1  # the skeleton is drawn
    assert 'class 1:' in capsys.readouterr().out


def test_get_flops_counts_a_segmentation_config():
    result = load_script('tools/analysis/get_flops.py').main(
        [str(SEG_DIR / 'hrnetv2_w48_cityscapes_512x1024.py')])
    assert result['shape'] == (512, 1024)  # the config's crop size
    assert result['params']['total'] == 65_858_659
    assert round(result['macs'] / 2**30, 2) == 174.04  # x4 = 696.2 at 1024x2048 (official)
