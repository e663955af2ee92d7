"""mg.compare: finds a deliberately perturbed layer in an MLP and a small CNN (vs PyTorch)."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
from minigrad.autograd import Function

torch = pytest.importorskip("torch")


def mlp_pair():
    mg.manual_seed(0)
    mine = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 3))
    theirs = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 8), torch.nn.Tanh(),
                                 torch.nn.Linear(8, 3))
    return mine, theirs


def cnn_pair():
    mg.manual_seed(0)
    mine = nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(48, 2))
    theirs = torch.nn.Sequential(torch.nn.Conv2d(1, 3, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
                                 torch.nn.Flatten(), torch.nn.Linear(48, 2))
    return mine, theirs


X = np.random.default_rng(0).standard_normal((5, 4))
IMAGES = np.random.default_rng(1).standard_normal((2, 1, 8, 8))


def test_identical_models_agree_after_copying_the_weights():
    mine, theirs = mlp_pair()
    report = mg.compare(mine, theirs, X)
    assert report.ok and report.first is None
    assert [r.name for r in report.rows] == ["0", "1", "2", "3", "4", "(model)"]
    assert report.loss[0] == pytest.approx(report.loss[1], rel=1e-5)
    assert "all outputs and gradients agree" in str(report)


def test_a_perturbed_layer_output_in_the_mlp_is_found():
    mine, theirs = mlp_pair()
    mine[2].register_forward_hook(lambda module, inputs, output: output + 1e-2)
    report = mg.compare(mine, theirs, X, loss_fn=nn.CrossEntropyLoss(), target=np.array([0, 1, 2, 0, 1]))
    assert report.first.layer == "2" and report.first.what == "output"
    assert report.first.max_diff == pytest.approx(1e-2, rel=1e-3)
    assert report.row("0").output_ok and not report.row("2").output_ok
    assert "FIRST DIVERGENCE: the output of 2 (Linear)" in str(report)


def test_a_perturbed_weight_is_reported_when_weights_are_only_checked():
    mine, theirs = mlp_pair()
    mg.compare(mine, theirs, X)                              # copies minigrad's weights into torch
    with torch.no_grad():
        theirs[2].weight[0, 0] += 0.05
    report = mg.compare(mine, theirs, X, copy_weights=False)
    assert report.first.layer == "2" and report.first.what == "parameter"
    assert report.params["2.weight"]["weight_diff"] == pytest.approx(0.05, rel=1e-5)


def test_a_perturbed_conv_layer_in_a_cnn_is_found():
    mine, theirs = cnn_pair()
    assert mg.compare(mine, theirs, IMAGES).ok
    mine[0].register_forward_hook(lambda module, inputs, output: output * 1.01)
    report = mg.compare(mine, theirs, IMAGES)
    assert report.first.layer == "0" and report.first.what == "output"


def test_a_wrong_backward_is_found_from_the_gradients():
    class BadTanh(Function):                      # forward right, backward wrong: 1 − y instead of 1 − y²
        @staticmethod
        def forward(ctx, a):
            out = np.tanh(a)
            ctx.save_for_backward(out)
            return out

        @staticmethod
        def backward(ctx, grad):
            (out,) = ctx.saved_tensors
            return grad * (1 - out)

    class Tanh(nn.Module):
        def forward(self, x):
            return BadTanh.apply(x)

    _, theirs = mlp_pair()
    mg.manual_seed(0)
    mine = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), Tanh(), nn.Linear(8, 3))
    report = mg.compare(mine, theirs, X)
    assert all(r.output_ok for r in report.rows)
    assert report.first.layer == "2" and report.first.what == "output gradient"
    assert "backward of 3" in report.first.message
