"""Same weights, same outputs as MMPose's HRNet (max abs difference <= 1e-5)."""
import pytest
import torch
from mmpose.models.backbones import HRNet as MMPoseHRNet

from hrnet_ext.models import HRNet

TOL = 1e-5


@pytest.mark.parametrize('width', [18, 32, 48])
def test_equal_to_mmpose(width, randomize, extra_for):
    ours = randomize(HRNet(arch=f'w{width}'), seed=width)
    ref = MMPoseHRNet(extra=extra_for(width))
    ref.load_state_dict(ours.state_dict(), strict=True)
    x = torch.randn(2, 3, 64, 64, generator=torch.Generator().manual_seed(width))

    ours.eval(), ref.eval()
    with torch.no_grad():
        out, ref_out = ours(x), ref(x)
    assert len(out) == len(ref_out) == 1 and out[0].shape == (2, width, 16, 16)
    assert (out[0] - ref_out[0]).abs().max() <= TOL

    # train mode: batch statistics, and the running statistics move identically
    ours.train(), ref.train()
    with torch.no_grad():
        out, ref_out = ours(x), ref(x)
    assert (out[0] - ref_out[0]).abs().max() <= TOL
    ref_state = ref.state_dict()
    for key, value in ours.state_dict().items():
        if 'running' in key:
            assert (value - ref_state[key]).abs().max() <= TOL, key


def test_equal_to_mmpose_with_every_branch_out(randomize, extra_for):
    ours = randomize(HRNet(arch='w18', multiscale_output=True)).eval()
    ref = MMPoseHRNet(extra=extra_for(18, multiscale_output=True))
    ref.load_state_dict(ours.state_dict(), strict=True)
    ref.eval()  # MMPose's train()/eval() return None, so no chaining
    x = torch.randn(1, 3, 64, 96, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        outs, ref_outs = ours(x), ref(x)
    assert len(outs) == len(ref_outs) == 4
    for o, r in zip(outs, ref_outs):
        assert o.shape == r.shape and (o - r).abs().max() <= TOL


def test_mmpose_signature_extra_first(randomize, extra_for):
    """Code written against MMPose's ``HRNet(extra, in_channels=3)`` runs unchanged."""
    extra = extra_for(32)
    ours = randomize(HRNet(extra, in_channels=3)).eval()
    ref = MMPoseHRNet(extra, in_channels=3)
    assert sum(p.numel() for p in ours.parameters()) == 28_535_552
    ref.load_state_dict(ours.state_dict(), strict=True)
    ref.eval()
    x = torch.randn(1, 3, 64, 64, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        assert (ours(x)[0] - ref(x)[0]).abs().max() <= TOL
    with pytest.raises(TypeError, match='give the others by name'):
        HRNet(extra, extra)
