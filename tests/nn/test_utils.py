"""Gradient utilities: clip_grad_norm_ (vs PyTorch, non-finite norms), clip_grad_value_, l1_penalty."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import utils

torch = pytest.importorskip("torch")


def params_with_grads(dtype=np.float64, seed=0):
    rng = np.random.default_rng(seed)
    shapes = [(4, 3), (3,), (2, 2, 2)]
    values = [rng.normal(size=s) for s in shapes]
    grads = [rng.normal(size=s) * 3 for s in shapes]
    ours = []
    for v, g in zip(values, grads):
        p = mg.tensor(v.astype(dtype), dtype=dtype, requires_grad=True)
        p.grad = mg.tensor(g.astype(dtype), dtype=dtype)
        ours.append(p)
    theirs = []
    for v, g in zip(values, grads):
        p = torch.tensor(v.astype(dtype), requires_grad=True)
        p.grad = torch.tensor(g.astype(dtype))
        theirs.append(p)
    return ours, theirs


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_clip_grad_norm_matches_torch(norm_type, max_norm, dtype):
    ours, theirs = params_with_grads(dtype)
    total = utils.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    assert isinstance(total, mg.Tensor) and total.shape == ()
    assert total.dtype == dtype
    np.testing.assert_allclose(total.item(), ttotal.item(), rtol=rtol)
    for p, tp in zip(ours, theirs):
        np.testing.assert_allclose(p.grad.data, tp.grad.numpy(), rtol=rtol, atol=1e-7)
        assert p.grad.dtype == dtype
    if max_norm < 1:  # clipped: the new total norm is max_norm
        clipped = np.linalg.norm(np.concatenate([p.grad.data.ravel() for p in ours]),
                                 ord=norm_type if norm_type != math.inf else np.inf)
        assert clipped == pytest.approx(max_norm, rel=1e-4)


def test_clip_grad_norm_accepts_a_single_tensor_and_skips_missing_grads():
    ours, theirs = params_with_grads()
    ours[1].grad, theirs[1].grad = None, None
    np.testing.assert_allclose(utils.clip_grad_norm_(ours[0], 1.0).item(),
                               torch.nn.utils.clip_grad_norm_(theirs[0], 1.0).item())
    np.testing.assert_allclose(utils.clip_grad_norm_(ours, 1.0).item(),
                               torch.nn.utils.clip_grad_norm_(theirs, 1.0).item())
    assert utils.clip_grad_norm_([mg.zeros(2, requires_grad=True)], 1.0).item() == 0.0


@pytest.mark.parametrize("bad", [math.inf, math.nan])
def test_clip_grad_norm_raises_on_non_finite(bad):
    ours, _ = params_with_grads()
    ours[2].grad.data[0, 1, 0] = bad
    before = [p.grad.data.copy() for p in ours]
    with pytest.raises(RuntimeError, match=r"non-finite \((inf|nan)\)"):
        utils.clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)
    for p, b in zip(ours, before):  # nothing was scaled
        np.testing.assert_array_equal(p.grad.data, b)


def test_clip_grad_norm_non_finite_allowed_behaves_as_torch():
    ours, theirs = params_with_grads()
    ours[0].grad.data[0, 0] = theirs[0].grad[0, 0] = math.inf
    total = utils.clip_grad_norm_(ours, 1.0, error_if_nonfinite=False)
    ttotal = torch.nn.utils.clip_grad_norm_(theirs, 1.0, error_if_nonfinite=False)
    assert total.item() == ttotal.item() == math.inf
    for p, tp in zip(ours, theirs):
        np.testing.assert_array_equal(p.grad.data, tp.grad.numpy())  # NaN/0 exactly as torch


@pytest.mark.parametrize("bad", [math.inf, math.nan])
def test_clip_grad_norm_returns_a_non_finite_norm_by_default_as_torch(bad):
    """PyTorch's default is error_if_nonfinite=False: the caller skips the step on a non-finite
    norm (``if not math.isfinite(norm): continue``)."""
    ours, theirs = params_with_grads()
    ours[1].grad.data[2] = theirs[1].grad[2] = bad
    total = utils.clip_grad_norm_(ours, 1.0)
    ttotal = torch.nn.utils.clip_grad_norm_(theirs, 1.0)
    assert not math.isfinite(total.item())
    np.testing.assert_array_equal(total.item(), ttotal.item())
    for p, tp in zip(ours, theirs):
        np.testing.assert_array_equal(p.grad.data, tp.grad.numpy())


@pytest.mark.parametrize("clip_value", [-1.0, math.nan, 0.0])
def test_clip_grad_value_edge_values_as_torch(clip_value):
    ours, theirs = params_with_grads()
    utils.clip_grad_value_(ours, clip_value, foreach=None)
    torch.nn.utils.clip_grad_value_(theirs, clip_value, foreach=None)
    for p, tp in zip(ours, theirs):
        np.testing.assert_array_equal(p.grad.data, tp.grad.numpy())


@pytest.mark.parametrize("call, pattern", [
    (lambda ps: utils.clip_grad_norm_(ps, "a"), r"clip_grad_norm_: max_norm must be a number, got str 'a'"),
    (lambda ps: utils.clip_grad_norm_(ps, 1.0, norm_type="fro"), r"norm_type must be a number, got str 'fro'"),
    (lambda ps: utils.clip_grad_value_(ps, None), r"clip_grad_value_: clip_value must be a number, got NoneType"),
], ids=["max_norm", "norm_type", "clip_value"])
def test_clip_argument_errors(call, pattern):
    ours, _ = params_with_grads()
    before = [p.grad.data.copy() for p in ours]
    with pytest.raises(ValueError, match=pattern):
        call(ours)
    for p, b in zip(ours, before):
        np.testing.assert_array_equal(p.grad.data, b)


def test_clip_grad_value_matches_torch():
    ours, theirs = params_with_grads()
    utils.clip_grad_value_(ours, 1.5)
    torch.nn.utils.clip_grad_value_(theirs, 1.5)
    for p, tp in zip(ours, theirs):
        np.testing.assert_array_equal(p.grad.data, tp.grad.numpy())
        assert np.abs(p.grad.data).max() <= 1.5


def test_l1_penalty_value_and_gradient():
    w = mg.tensor([[1.5, -2.0], [0.0, 0.25]], dtype=mg.float64, requires_grad=True)
    b = mg.tensor([-3.0], dtype=mg.float64, requires_grad=True)
    penalty = utils.l1_penalty([w, b], weight=0.1)
    assert penalty.shape == () and penalty.requires_grad
    assert penalty.item() == pytest.approx(0.1 * (1.5 + 2.0 + 0.0 + 0.25 + 3.0))
    penalty.backward()
    np.testing.assert_allclose(w.grad.data, 0.1 * np.array([[1.0, -1.0], [0.0, 1.0]]))  # weight·sign(w)
    np.testing.assert_allclose(b.grad.data, [-0.1])


def test_l1_penalty_takes_a_module_and_adds_to_a_loss():
    class TwoParams:  # anything with .parameters(), as an nn.Module
        def __init__(self):
            self.w = mg.tensor([2.0, -1.0], requires_grad=True)
            self.b = mg.tensor([0.5], requires_grad=True)

        def parameters(self):
            return iter([self.w, self.b])

    model = TwoParams()
    loss = (model.w * model.w).sum() + utils.l1_penalty(model, weight=0.5)
    assert loss.item() == pytest.approx(5.0 + 0.5 * 3.5)
    loss.backward()
    np.testing.assert_allclose(model.w.grad.data, [4.0 + 0.5, -2.0 - 0.5])
    np.testing.assert_allclose(model.b.grad.data, [0.5])


def test_parameters_to_vector_and_back():
    ours, theirs = params_with_grads()
    vec = utils.parameters_to_vector(ours)
    np.testing.assert_array_equal(vec.data, torch.nn.utils.parameters_to_vector(theirs).detach().numpy())
    versions = [p._version for p in ours]
    utils.vector_to_parameters(mg.tensor(np.arange(vec.shape[0], dtype=np.float64), dtype=mg.float64), ours)
    np.testing.assert_array_equal(utils.parameters_to_vector(ours).data, np.arange(vec.shape[0]))
    assert [p._version for p in ours] == [v + 1 for v in versions]
    with pytest.raises(ValueError, match="elements"):
        utils.vector_to_parameters(mg.zeros(3), ours)
