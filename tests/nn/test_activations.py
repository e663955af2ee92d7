"""Activations: values and gradients against PyTorch (float32 and float64), gradcheck in float64,
and stability at |x| = 1000 with warnings turned into errors."""
from __future__ import annotations

import warnings

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from nn_oracle import DTYPES, compare, torch_or_skip

torch = torch_or_skip()
TF = torch.nn.functional

# name: (minigrad module, matching torch callable)
ACTIVATIONS = {
    "identity": (lambda: nn.Identity(), lambda: torch.nn.Identity()),
    "sigmoid": (lambda: nn.Sigmoid(), lambda: torch.nn.Sigmoid()),
    "tanh": (lambda: nn.Tanh(), lambda: torch.nn.Tanh()),
    "arctan": (lambda: nn.ArcTan(), lambda: torch.atan),
    "relu": (lambda: nn.ReLU(), lambda: torch.nn.ReLU()),
    "leaky_relu": (lambda: nn.LeakyReLU(), lambda: torch.nn.LeakyReLU()),
    "leaky_relu_0.2": (lambda: nn.LeakyReLU(0.2), lambda: torch.nn.LeakyReLU(0.2)),
    "elu": (lambda: nn.ELU(), lambda: torch.nn.ELU()),
    "elu_0.5": (lambda: nn.ELU(alpha=0.5), lambda: torch.nn.ELU(alpha=0.5)),
    "selu": (lambda: nn.SELU(), lambda: torch.nn.SELU()),
    "softplus": (lambda: nn.Softplus(), lambda: torch.nn.Softplus()),
    "softplus_beta2_thr5": (lambda: nn.Softplus(beta=2, threshold=5), lambda: torch.nn.Softplus(2, 5)),
    "gelu": (lambda: nn.GELU(), lambda: torch.nn.GELU()),
    "gelu_tanh": (lambda: nn.GELU("tanh"), lambda: torch.nn.GELU("tanh")),
    "softmax_dim1": (lambda: nn.Softmax(dim=1), lambda: torch.nn.Softmax(dim=1)),
    "softmax_dim-1": (lambda: nn.Softmax(dim=-1), lambda: torch.nn.Softmax(dim=-1)),
    "log_softmax_dim1": (lambda: nn.LogSoftmax(dim=1), lambda: torch.nn.LogSoftmax(dim=1)),
    "log_softmax_dim0": (lambda: nn.LogSoftmax(dim=0), lambda: torch.nn.LogSoftmax(dim=0)),
}


def inputs(shape=(3, 4, 5), seed=0):
    """Normal values kept away from the kinks at 0 (and from softplus's switch at 5/2)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shape) * 3
    x[np.abs(x) < 0.05] = 0.3
    x[np.abs(x - 2.5) < 0.05] = 2.0
    return x


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_matches_torch(name, dtype):
    make, make_torch = ACTIVATIONS[name]
    compare(make(), make_torch(), inputs(), dtype=dtype)


@pytest.mark.parametrize("name", [n for n in ACTIVATIONS if n != "identity"])
def test_activation_gradcheck(name):
    module = ACTIVATIONS[name][0]()
    x = mg.tensor(inputs((2, 3, 2), seed=1), dtype=mg.float64, requires_grad=True)
    assert mg.autograd.gradcheck(module, (x,))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_activation_stable_at_large_inputs(name, dtype):
    """±1000 (and ±1e4) give finite values and gradients equal to torch's, with no warning."""
    make, make_torch = ACTIVATIONS[name]
    x = np.array([[-1e4, -1000.0, -30.0, -1.0, 1.0, 30.0, 1000.0, 1e4]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = compare(make(), make_torch(), x, dtype=dtype, scale=10)
    assert np.all(np.isfinite(out.numpy()))


@pytest.mark.parametrize("dtype", DTYPES)
def test_prelu_shared_and_per_channel(dtype):
    for num, shape in [(1, (4, 3)), (3, (4, 3)), (3, (2, 3, 5, 2)), (1, (5,))]:
        module, reference = nn.PReLU(num, init=0.1), torch.nn.PReLU(num, init=0.1)
        if dtype == "float64":
            module.double()
        reference = reference.to(getattr(torch, dtype))
        x = mg.tensor(inputs(shape), dtype=dtype, requires_grad=True)
        xt = torch.tensor(x.numpy(), requires_grad=True)
        out, out_t = module(x), reference(xt)
        cot = np.random.default_rng(2).standard_normal(out.shape)
        (out * mg.tensor(cot, dtype=dtype)).sum().backward()
        (out_t * torch.tensor(cot, dtype=xt.dtype)).sum().backward()
        tol = dict(rtol=1e-5, atol=1e-5) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(out.numpy(), out_t.detach().numpy(), **tol)
        np.testing.assert_allclose(x.grad.numpy(), xt.grad.numpy(), **tol)
        np.testing.assert_allclose(module.weight.grad.numpy(), reference.weight.grad.numpy(), **tol)


def test_prelu_gradcheck_and_errors():
    module = nn.PReLU(3).double()
    x = mg.tensor(inputs((2, 3, 4)), dtype=mg.float64, requires_grad=True)
    assert mg.autograd.gradcheck(lambda x, w: F.prelu(x, w), (x, module.weight))
    with pytest.raises(ValueError, match=r"weight has 3 parameters but the input of shape \(2, 4\) has 4 "):
        module(mg.randn(2, 4))
    assert repr(nn.PReLU(3)) == "PReLU(num_parameters=3)"
    assert [n for n, _ in nn.PReLU(3).named_parameters()] == ["weight"]


def test_binary_step_values_and_gradients():
    x = mg.tensor([-2.0, -1e-8, 0.0, 0.5, 1000.0], requires_grad=True)
    out = nn.BinaryStep()(x)
    assert out.tolist() == [0.0, 0.0, 1.0, 1.0, 1.0]
    assert out.dtype == mg.float32
    (out * mg.tensor([1.0, 2.0, 3.0, 4.0, 5.0])).sum().backward()
    assert x.grad.tolist() == [0.0] * 5  # the true derivative: zero (undefined at 0)


def test_binary_step_straight_through_passes_the_gradient():
    x = mg.tensor([-2.0, 0.0, 3.0], dtype=mg.float64, requires_grad=True)
    out = nn.BinaryStep(straight_through=True)(x)
    assert out.tolist() == [0.0, 1.0, 1.0]
    (out * mg.tensor([1.0, 2.0, 3.0], dtype=mg.float64)).sum().backward()
    assert x.grad.tolist() == [1.0, 2.0, 3.0]  # identity surrogate: upstream gradient unchanged
    assert repr(nn.BinaryStep(straight_through=True)) == "BinaryStep(straight_through=True)"
    assert repr(nn.BinaryStep()) == "BinaryStep()"


def test_functional_forms_match_modules():
    x = mg.tensor(inputs((3, 4)), dtype=mg.float64)
    pairs = [(F.relu(x), nn.ReLU()(x)), (F.sigmoid(x), nn.Sigmoid()(x)), (F.tanh(x), nn.Tanh()(x)),
             (F.arctan(x), nn.ArcTan()(x)), (F.leaky_relu(x, 0.2), nn.LeakyReLU(0.2)(x)),
             (F.elu(x, 0.5), nn.ELU(0.5)(x)), (F.selu(x), nn.SELU()(x)),
             (F.softplus(x, 2, 5), nn.Softplus(2, 5)(x)), (F.gelu(x, "tanh"), nn.GELU("tanh")(x)),
             (F.softmax(x, 1), nn.Softmax(1)(x)), (F.log_softmax(x, 0), nn.LogSoftmax(0)(x)),
             (F.binary_step(x), nn.BinaryStep()(x)), (F.softmax(x, dim=1), x.softmax(1)),
             (F.log_softmax(x, dim=1), x.log_softmax(1))]
    for a, b in pairs:
        np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_softmax_without_dim_warns_and_uses_pytorchs_legacy_choice():
    x = mg.tensor(inputs((3, 4)))
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        out = nn.Softmax()(x)
    np.testing.assert_allclose(out.numpy().sum(axis=1), np.ones(3), rtol=1e-6)


def test_gelu_rejects_unknown_approximation():
    with pytest.raises(ValueError, match="approximate must be 'none' or 'tanh', got 'fast'"):
        nn.GELU("fast")
    with pytest.raises(ValueError, match="got 'fast'"):
        F.gelu(mg.randn(2), approximate="fast")


def test_activation_reprs_match_pytorch():
    pairs = [(nn.ReLU(), torch.nn.ReLU()), (nn.LeakyReLU(0.2), torch.nn.LeakyReLU(0.2)),
             (nn.ELU(), torch.nn.ELU()), (nn.Softplus(), torch.nn.Softplus()), (nn.GELU(), torch.nn.GELU()),
             (nn.Softmax(dim=1), torch.nn.Softmax(dim=1)), (nn.LogSoftmax(dim=-1), torch.nn.LogSoftmax(dim=-1)),
             (nn.Sigmoid(), torch.nn.Sigmoid()), (nn.Tanh(), torch.nn.Tanh()), (nn.SELU(), torch.nn.SELU()),
             (nn.PReLU(), torch.nn.PReLU()), (nn.Identity(), torch.nn.Identity()),
             (nn.ReLU(inplace=True), torch.nn.ReLU(inplace=True))]
    for ours, theirs in pairs:
        assert repr(ours) == repr(theirs)
