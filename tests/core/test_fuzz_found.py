"""Value cases found by tests/core/test_fuzz_vs_torch.py (issue 20), pinned one by one against
PyTorch 2.13: minigrad gives PyTorch's result (values, dtype, shape, gradients)."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as MF


def _both(fn):
    torch = pytest.importorskip("torch")
    return fn(mg, MF), fn(torch, torch.nn.functional)


def _bool(L):
    return getattr(L, "bool_", None) or L.bool


def _same(mine, theirs):
    assert tuple(mine.shape) == tuple(theirs.shape)
    assert str(mine.dtype).replace("bool_", "bool") == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_allclose(mine.detach().numpy(), theirs.detach().numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("case", [
    lambda L, F: 0 ** L.tensor(-1, dtype=L.int32),               # Python base, negative int exponent
    lambda L, F: 2 ** L.tensor([-1, 0, 3], dtype=L.int32),
    lambda L, F: True ** L.tensor([-1, 2]),
    lambda L, F: L.tensor([2, -1, 1, 0, 3, -1], dtype=L.int32) ** L.tensor([-1, -3, -2, -1, 2, -2], dtype=L.int32),
    lambda L, F: L.tensor([2, 3]) ** L.tensor(-1),              # a 0-d exponent tensor is not a Python int
    lambda L, F: 2 ** L.tensor([True, False]),
    lambda L, F: L.tensor([True, False]) ** 2,
    lambda L, F: L.tensor([-1, 2], dtype=L.int32) ** L.tensor([True, False]),
], ids=["0**int32(-1)", "2**int32", "True**int64", "int32**int32_negative", "int64**0d_negative",
        "2**bool", "bool**2", "int32**bool"])
def test_integer_pow_matches_torch(case):
    _same(*_both(case))


@pytest.mark.parametrize("case", [
    lambda L, F: F.softmax(L.tensor([1, 2, 3]), 0, dtype=L.float64),
    lambda L, F: L.softmax(L.tensor([1, 2, 3]), 0, dtype=L.float64),
    lambda L, F: F.log_softmax(L.tensor([[True, False]]), 1, dtype=L.float32),
    lambda L, F: L.softmax(L.ones(0, dtype=_bool(L)), 0),          # empty: PyTorch returns it, dtype kept
    lambda L, F: L.log_softmax(L.ones(2, 0, dtype=L.int64), 1),
    lambda L, F: L.tensor(1.0).transpose(0, 0),
    lambda L, F: L.tensor(1.0).transpose(-1, 0),
    lambda L, F: L.tensor(3.0).argmax(dim=0, keepdim=True),
    lambda L, F: L.ones(2, 0, dtype=_bool(L)) @ L.ones(0, 2, dtype=_bool(L)),  # an empty bool matmul computes
    lambda L, F: L.ones(0, 2, dtype=_bool(L)) @ L.ones(2, dtype=_bool(L)),
    lambda L, F: L.tensor(2.0).expand_as(L.tensor(1.0)),
    lambda L, F: F.cross_entropy(L.tensor([[1.0, 2.0, 0.5]]), L.tensor([2], dtype=L.uint8)),
    lambda L, F: F.nll_loss(L.tensor([[-1.0, -2.0]]), L.tensor([1], dtype=L.uint8)),
    lambda L, F: F.binary_cross_entropy_with_logits(L.tensor([0.25, -1.0]), L.tensor([0.0, 1.0], dtype=L.float64)),
    lambda L, F: F.binary_cross_entropy_with_logits(L.tensor([0.25, -1.0], dtype=L.float64), L.tensor([0.0, 1.0])),
    lambda L, F: F.l1_loss(L.tensor([1.0, 2.0]), L.tensor([0, 3])),
], ids=["softmax_int_dtype", "mg.softmax_int_dtype", "log_softmax_bool_dtype", "softmax_empty_bool", "log_softmax_empty_int",
        "transpose_0d_00", "transpose_0d_-10", "argmax_0d_keepdim", "matmul_bool_empty_inner",
        "matmul_bool_empty_rows", "expand_as_0d", "cross_entropy_uint8_target", "nll_loss_uint8_target",
        "bce_logits_float64_target", "bce_logits_float32_target", "l1_loss_int_target"])
def test_value_matches_torch(case):
    _same(*_both(case))


def test_bce_gradient_wrt_target_at_probability_0_and_1_is_infinite_as_torch():
    torch = pytest.importorskip("torch")
    p, y = [0.0, 1.0, 0.5], [0.0, 1.0, 0.25]
    mine_y = mg.tensor(y, requires_grad=True)
    MF.binary_cross_entropy(mg.tensor(p), mine_y).backward()
    theirs_y = torch.tensor(y, requires_grad=True)
    torch.nn.functional.binary_cross_entropy(torch.tensor(p), theirs_y).backward()
    np.testing.assert_allclose(mine_y.grad.numpy(), theirs_y.grad.numpy(), rtol=1e-6)
    assert np.isposinf(mine_y.grad.numpy()[0]) and np.isneginf(mine_y.grad.numpy()[1])


def test_maximum_of_a_0d_tensor_does_not_widen():
    x = mg.tensor([1.0, 3.0])
    out = mg.maximum(x, mg.tensor(2.0, dtype=mg.float64))
    assert out.dtype == mg.float32 and out.tolist() == [2.0, 3.0]


@pytest.mark.parametrize("case", [
    lambda L, F: L.cat([L.ones(0), L.ones(2, 3)], dim=1),              # a 1-D empty tensor is skipped
    lambda L, F: L.cat([L.ones(0, dtype=_bool(L))], dim=1),
    lambda L, F: L.cat([L.ones(2, 3), L.ones(0, dtype=L.float64)], dim=-1),
    lambda L, F: F.l1_loss(L.tensor([2, 3], dtype=L.int32), L.tensor([1, 5], dtype=L.int32), reduction="sum"),
    lambda L, F: F.l1_loss(L.tensor([2, 3], dtype=L.int32), L.tensor([1, 5], dtype=L.int32), reduction="none"),
], ids=["cat_skips_1d_empty", "cat_only_1d_empty_any_dim", "cat_1d_empty_promotes", "l1_int32_sum_is_int64",
        "l1_int32_none"])
def test_more_values_match_torch(case):
    _same(*_both(case))


def test_cat_gradient_of_a_skipped_empty_tensor_is_empty():
    e, x = mg.ones(0, requires_grad=True), mg.ones(2, 3, requires_grad=True)
    mg.cat([e, x, e], dim=1).sum().backward()
    assert e.grad.shape == (0,) and x.grad.tolist() == [[1.0] * 3] * 2



@pytest.mark.parametrize("case", [
    lambda L, F: L.ones(0, 0, dtype=_bool(L)) @ L.ones(1, 0, 0, dtype=L.int32),
    lambda L, F: L.ones(2, 2) @ L.ones(0, 2, 2, dtype=L.float64),
    lambda L, F: L.ones(2, 0) @ L.ones(1, 0, 2, dtype=L.float64),
], ids=["bool@int32_batched_empty", "float32@float64_batched_empty", "float32@float64_empty_inner"])
def test_matmul_unbatched_with_empty_batched_promotes_as_torch(case):
    _same(*_both(case))


@pytest.mark.parametrize("case", [
    lambda L, F: L.ones(3, 0)[[3]],
    lambda L, F: L.ones(3, 0)[L.tensor([-4, 1])],
], ids=["empty_rows_index_3", "empty_rows_index_-4"])
def test_index_tensor_on_a_tensor_without_elements_is_not_bound_checked_as_torch(case):
    _same(*_both(case))


def test_index_out_of_bounds_on_a_tensor_with_elements_still_raises():
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 0 with size 3"):
        mg.ones(3, 2)[[3]]


def test_pow_gradient_of_a_float64_exponent_with_a_float32_base_matches_torch():
    torch = pytest.importorskip("torch")
    grads = []
    for L in (mg, torch):
        x = L.tensor(np.array([1.5, 2.5, 0.7], np.float32), requires_grad=True)
        e = L.tensor(np.float64(1.3), dtype=L.float64, requires_grad=True)
        (x ** e).sum().backward()
        grads.append((e.grad.numpy().item(), str(e.grad.dtype).removeprefix("torch.")))
    assert grads[0][1] == grads[1][1] == "float64"
    np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-6)


def test_matmul_vector_with_empty_batched_mixed_dtypes_still_raises():
    with pytest.raises(RuntimeError, match="same dtype"):
        mg.ones(0, dtype=mg.bool_) @ mg.ones(1, 0, 0, dtype=mg.int32)
