"""Every entry point that reads a checkpoint refuses one whose unpickling would run a
command, and the command never runs (issue 9, part 4).

Each test feeds the same hostile file (a real state dict of the sample model plus one
object whose unpickling calls ``os.system('touch MARKER')``) to one entry point and
asserts that :class:`UnsafeCheckpointError` (or the tool's non-zero exit naming it) comes
back and MARKER does not exist. ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1`` is set throughout:
it is the "fix" often given for MMEngine's ``UnpicklingError`` under torch >= 2.6, and
it turns off the safety of every ``torch.load`` that does not pass ``weights_only``
itself; ours pass it explicitly, so the variable changes nothing.
"""
import os
import os.path as osp
import shutil

import pytest
import torch
from helpers import REPO, TEST_DATA, TINY_CONFIG, load_script
from mmengine.config import Config

import hrnet_ext  # noqa: F401  (installs the safe loaders)
from hrnet_ext.utils.safe_load import UnsafeCheckpointError

IMAGE = str(TEST_DATA / 'coco' / '000000000785.jpg')


class RunsCommand:
    """Unpickling this calls os.system: what a hostile checkpoint does."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f'touch {self.marker}', ))


@pytest.fixture(scope='module')
def sample_state_dict():
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS
    init_default_scope('mmpose')
    cfg = Config.fromfile(TINY_CONFIG)
    cfg.model.backbone.init_cfg = None
    return MODELS.build(cfg.model).state_dict()


@pytest.fixture
def hostile(tmp_path, sample_state_dict, monkeypatch):
    """(path of the hostile checkpoint, marker path the command would create)."""
    monkeypatch.setenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', '1')
    monkeypatch.setenv('OMP_NUM_THREADS', '1')
    monkeypatch.chdir(tmp_path)  # tools writing relative paths (work_dirs/) write here
    marker = tmp_path / 'MARKER'
    path = tmp_path / 'hostile.pth'
    torch.save(dict(state_dict=sample_state_dict, meta=dict(epoch=1, iter=3),
                    payload=RunsCommand(marker)), path)
    yield str(path), marker
    assert not marker.exists(), 'the pickled command ran'


def test_train_resume(hostile, tmp_path):
    path, _ = hostile
    train = load_script('tools/train.py')
    with pytest.raises(UnsafeCheckpointError, match='refusing to load'):
        train.main([TINY_CONFIG, '--work-dir', str(tmp_path / 'w'), '--resume', path,
                    '--debug'])  # --debug: the exception itself, not its message


def test_train_resume_auto_from_work_dir(hostile, tmp_path):
    """A hostile epoch_N.pth placed in the work dir is not run by --resume (auto)."""
    path, _ = hostile
    work = tmp_path / 'w'
    work.mkdir()
    shutil.copy(path, work / 'epoch_1.pth')
    train = load_script('tools/train.py')
    with pytest.raises(UnsafeCheckpointError):
        train.main([TINY_CONFIG, '--work-dir', str(work), '--resume', '--debug'])


def test_train_load_from(hostile, tmp_path):
    path, _ = hostile
    train = load_script('tools/train.py')
    with pytest.raises(UnsafeCheckpointError):
        train.main([TINY_CONFIG, '--work-dir', str(tmp_path / 'w'), '--debug',
                    '--cfg-options', f'load_from={path}', 'train_cfg.max_epochs=1'])


def test_test_py(hostile, tmp_path):
    path, _ = hostile
    test = load_script('tools/test.py')
    with pytest.raises(UnsafeCheckpointError):
        test.main([TINY_CONFIG, path, '--work-dir', str(tmp_path / 'w'), '--debug'])


def test_init_cfg_pretrained(hostile):
    from mmengine.registry import init_default_scope
    from mmpose.registry import MODELS
    init_default_scope('mmpose')
    path, _ = hostile
    cfg = Config.fromfile(TINY_CONFIG)
    cfg.model.backbone.init_cfg = dict(type='Pretrained', checkpoint=path)
    model = MODELS.build(cfg.model)
    with pytest.raises(UnsafeCheckpointError):
        model.init_weights()


def test_mmengine_load_checkpoint_and_load_from_local(hostile):
    from mmengine.runner import load_checkpoint
    from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint
    path, _ = hostile
    with pytest.raises(UnsafeCheckpointError):
        load_checkpoint(torch.nn.Linear(1, 1), path)
    with pytest.raises(UnsafeCheckpointError):
        _load_checkpoint(path)
    with pytest.raises(UnsafeCheckpointError):
        CheckpointLoader.load_checkpoint(path)


def test_convert_checkpoint(hostile, tmp_path, capsys):
    path, _ = hostile
    convert = load_script('tools/convert_checkpoint.py')
    with pytest.raises((UnsafeCheckpointError, SystemExit)) as info:
        convert.main([path, str(tmp_path / 'out.pth')])
    if info.type is SystemExit:
        assert 'refusing to load' in str(info.value.code) + capsys.readouterr().err
    assert not (tmp_path / 'out.pth').exists()


def test_init_model_mmpose_and_ours(hostile):
    import mmpose.apis

    import hrnet_ext.apis
    path, _ = hostile
    for init_model in (mmpose.apis.init_model, hrnet_ext.apis.init_model):
        with pytest.raises(UnsafeCheckpointError):
            init_model(TINY_CONFIG, path, device='cpu')


def test_mmpose_inferencer(hostile):
    from mmpose.apis import MMPoseInferencer
    path, _ = hostile
    with pytest.raises(UnsafeCheckpointError):
        MMPoseInferencer(pose2d=TINY_CONFIG, pose2d_weights=path, device='cpu')


def test_our_inferencer(hostile):
    apis = pytest.importorskip('hrnet_ext.apis')
    inferencer = getattr(apis, 'MMPoseInferencer', None)
    if inferencer is None:
        pytest.skip('hrnet_ext.apis has no MMPoseInferencer')
    path, _ = hostile
    with pytest.raises(UnsafeCheckpointError):
        inferencer(pose2d=TINY_CONFIG, pose2d_weights=path, device='cpu')


def test_demo(hostile, tmp_path):
    if not osp.isfile(REPO / 'tools' / 'demo.py'):
        pytest.skip('tools/demo.py not in this checkout')
    path, _ = hostile
    demo = load_script('tools/demo.py')
    with pytest.raises(UnsafeCheckpointError):
        demo.main([IMAGE, TINY_CONFIG, path, '--out-dir', str(tmp_path / 'demo'),
                   '--no-progress'])


def test_export_onnx(hostile, tmp_path):
    if not osp.isfile(REPO / 'tools' / 'deploy' / 'export_onnx.py'):
        pytest.skip('tools/deploy/export_onnx.py not in this checkout')
    path, _ = hostile
    export = load_script('tools/deploy/export_onnx.py')
    out = tmp_path / 'model.onnx'
    with pytest.raises(UnsafeCheckpointError):
        export.main([TINY_CONFIG, path, '--out', str(out)])
    assert not out.exists()


def test_trusted_file_is_the_only_way_in(hostile, monkeypatch):
    """The control: the same file under the explicit per-file opt-in does run its code,
    so the tests above would have seen MARKER had a loader been unsafe."""
    from hrnet_ext.utils.safe_load import TRUST_ENV, load_checkpoint_file
    path, marker = hostile
    monkeypatch.setenv(TRUST_ENV, path)
    load_checkpoint_file(path)
    assert marker.exists()
    marker.unlink()  # the fixture's check is for the untrusted loads

