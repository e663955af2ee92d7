"""Issue 20, shape: reductions, indexing, shape ops and iteration on edge inputs (empty dims,
dim=(), NaN, expanded tensors, non-tensor operands) behave as PyTorch 2.13 — the same values and
gradients, or an exception of the same class."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
from core_oracle import assert_close, run_minigrad, run_torch, torch_or_skip

NAN = float("nan")


def _nan_free_equal(actual, expected, what=""):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != torch {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=1e-7, atol=1e-9, equal_nan=True, err_msg=what)


# -------------------------------------------------------------- values and gradients vs torch ---
# (id, expression over the inputs, the input arrays); the same expression runs in both libraries.
VALUE_CASES = [
    ("sum_dim_empty_tuple", lambda x: x.sum(dim=()), [np.arange(6.0).reshape(2, 3)]),
    ("sum_dim_empty_list", lambda x: x.sum(dim=[]), [np.arange(6.0).reshape(2, 3)]),
    ("sum_dim_empty_keepdim", lambda x: x.sum(dim=(), keepdim=True), [np.arange(6.0).reshape(2, 3)]),
    ("mean_dim_empty_tuple", lambda x: x.mean(dim=()), [np.arange(6.0).reshape(2, 3)]),
    ("mean_dim_empty_keepdim", lambda x: x.mean(dim=[], keepdim=True), [np.arange(24.0).reshape(2, 3, 4)]),
    ("sum_dim_empty_of_empty", lambda x: x.sum(dim=()), [np.zeros((2, 0))]),
    ("sum_dim0_of_empty", lambda x: x.sum(dim=0), [np.zeros((2, 0))]),
    ("softmax_empty_dim", lambda x: x.softmax(dim=1), [np.zeros((2, 0))]),
    ("softmax_over_full_dim_of_empty", lambda x: x.softmax(dim=0), [np.zeros((2, 0))]),
    ("log_softmax_empty_dim", lambda x: x.log_softmax(dim=1), [np.zeros((2, 0))]),
    ("log_softmax_empty_rows", lambda x: x.log_softmax(dim=-1), [np.zeros((0, 3))]),
    ("max_dim_of_empty_rows", lambda x: x.max(dim=0), [np.zeros((2, 0))]),
    ("max_one_nan", lambda x: x.max(), [np.array([1.0, NAN, 3.0])]),
    ("min_one_nan", lambda x: x.min(), [np.array([1.0, NAN, 3.0])]),
    ("max_two_nans", lambda x: x.max(), [np.array([NAN, 2.0, NAN])]),
    ("min_all_nan", lambda x: x.min(), [np.array([[NAN, NAN], [NAN, NAN]])]),
    ("max_ties_no_nan", lambda x: x.max(), [np.array([3.0, 1.0, 3.0])]),
    ("min_ties_no_nan", lambda x: x.min(), [np.array([[1.0, 2.0], [1.0, 1.0]])]),
    ("max_dim_nan", lambda x: x.max(dim=1), [np.array([[1.0, NAN, 3.0, NAN], [3.0, 3.0, 1.0, 0.0]])]),
    ("min_dim_nan_keepdim", lambda x: x.min(dim=1, keepdim=True),
     [np.array([[1.0, NAN, 3.0, NAN], [3.0, 3.0, 1.0, 0.0]])]),
    ("max_dim0_ties", lambda x: x.max(dim=0), [np.array([[2.0, 1.0], [2.0, 1.0]])]),
    ("index_empty_list", lambda x: x[[]], [np.arange(6.0).reshape(3, 2)]),
    ("index_empty_list_then_cols", lambda x: x[[], 1], [np.arange(6.0).reshape(3, 2)]),
    ("chunk_of_empty", lambda x: x.chunk(3), [np.zeros(0)]),
    ("chunk_of_empty_dim", lambda x: x.chunk(2, dim=1), [np.zeros((2, 0))]),
    ("split_of_empty", lambda x: x.split(2), [np.zeros(0)]),
    ("split_zero_of_empty", lambda x: x.split(0), [np.zeros(0)]),
    ("transpose_0d", lambda x: x.transpose(0, -1), [np.array(2.0)]),
    ("flatten_0d", lambda x: x.flatten(0, -1), [np.array(2.0)]),
    ("iterate_rows", lambda x: tuple(x), [np.arange(6.0).reshape(3, 2)]),
]


@pytest.mark.parametrize("fn, arrays", [c[1:] for c in VALUE_CASES], ids=[c[0] for c in VALUE_CASES])
def test_values_and_gradients_match_torch(fn, arrays):
    torch_or_skip()
    with np.errstate(all="ignore"):
        values, grads, outputs, _ = run_minigrad(fn, arrays)
    t_values, t_grads, t_outputs, _ = run_torch(fn, arrays)
    assert len(values) == len(t_values)
    for i, (value, expected) in enumerate(zip(values, t_values)):
        _nan_free_equal(value, expected, f"output {i}")
        assert str(outputs[i].dtype) == str(t_outputs[i].dtype).split(".")[-1], f"output {i} dtype"
    for i, (grad, expected) in enumerate(zip(grads, t_grads)):
        if expected is None:
            assert grad is None or not np.any(grad), f"input {i}: torch has no gradient"
        else:
            assert grad is not None, f"input {i}: no gradient, torch has one"
            _nan_free_equal(grad, expected, f"gradient of input {i}")


@pytest.mark.parametrize("name", ["var", "std"])
def test_var_std_over_dim_empty_tuple_reduce_every_dim(name):
    """The values are torch's; the gradient is that of torch's var()/std() over all dims, since
    torch 2.13's own backward of var(dim=()) divides by N - 1 = 0 with no dim (an inf gradient
    that contradicts its forward)."""
    torch_or_skip()
    arrays = [np.arange(6.0).reshape(2, 3) ** 2]
    values, grads, _, _ = run_minigrad(lambda x: getattr(x, name)(dim=()), arrays)
    t_values, t_grads, _, _ = run_torch(lambda x: getattr(x, name)(), arrays)
    assert_close(values[0], t_values[0])
    assert_close(grads[0], t_grads[0])
    t_forward, _, _, _ = run_torch(lambda x: getattr(x, name)(dim=()), arrays)
    assert_close(values[0], t_forward[0])


def test_max_over_all_with_nan_sends_the_gradient_to_the_nan_only():
    x = mg.tensor([1.0, NAN, 3.0], requires_grad=True)
    x.max().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0.0, 1.0, 0.0])


def test_var_with_no_degrees_of_freedom_is_nan_as_torch():
    torch = torch_or_skip()
    x = mg.tensor([2.0], requires_grad=True)
    t = torch.tensor([2.0], requires_grad=True)
    with np.errstate(all="ignore"):
        out = x.var()
        out.backward()
    with pytest.warns(UserWarning):
        t_out = t.var()
    t_out.backward()
    assert math.isnan(out.item()) and math.isnan(t_out.item())
    _nan_free_equal(x.grad.numpy(), t.grad.numpy())
    with np.errstate(all="ignore"):
        assert math.isnan(mg.ones(0).var().item())
        assert np.isnan(mg.ones(2, 1).var(dim=1).numpy()).all()


def test_mean_and_var_of_empty_are_nan_without_numpy_warnings():
    torch = torch_or_skip()
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for shape, dim in [((0,), None), ((2, 0), 1), ((2, 0), ()), ((0, 3), 0)]:
            x = mg.zeros(*shape, requires_grad=True)
            out = x.mean() if dim is None else x.mean(dim=dim)
            expected = torch.zeros(*shape).mean() if dim is None else torch.zeros(*shape).mean(dim=dim)
            _nan_free_equal(out.numpy(), expected.numpy(), f"mean {shape} dim={dim}")
            assert out.dtype == mg.float32
            out.sum().backward()
            assert x.grad.shape == shape


def test_index_empty_list_keeps_the_dtype_and_backward_gives_zeros():
    x = mg.tensor([[1, 2], [3, 4]])
    assert x[[]].shape == (0, 2) and x[[]].dtype == mg.int64
    y = mg.ones(3, 2, requires_grad=True)
    (y[[]].sum() + y.sum()).backward()
    np.testing.assert_array_equal(y.grad.numpy(), np.ones((3, 2)))


def test_iterating_a_0d_tensor_raises_and_a_1d_one_yields_its_elements():
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        for _ in mg.tensor(1.0):
            pass
    assert [e.item() for e in mg.tensor([1.0, 2.0])] == [1.0, 2.0]
    assert list(mg.ones(0, 3)) == []


def test_arange_edge_values_match_torch():
    torch = torch_or_skip()
    for args in [(1, 1, -1), (0, 1, float("inf")), (1, 0, -0.5), (0, 5, True), (5,), (0,), (0.5, 2.0, 0.5)]:
        ours, theirs = mg.arange(*args), torch.arange(*args)
        assert ours.shape == tuple(theirs.shape), args
        assert str(ours.dtype) == str(theirs.dtype).split(".")[-1], args
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), err_msg=str(args))


def test_zero_and_fill_on_an_expanded_tensor_write_through_as_torch():
    torch = torch_or_skip()
    for method, args in [("zero_", ()), ("fill_", (2.5,))]:
        base, t_base = mg.ones(3), torch.ones(3)
        x, t = base.expand(2, 3), t_base.expand(2, 3)
        getattr(x, method)(*args)
        getattr(t, method)(*args)
        np.testing.assert_array_equal(x.numpy(), t.numpy())
        np.testing.assert_array_equal(base.numpy(), t_base.numpy())


def test_zero_through_an_expanded_view_of_a_saved_tensor_is_caught_as_torch():
    torch = torch_or_skip()
    for lib in (torch, mg):
        x = lib.ones(3, requires_grad=True)
        y = x * 2
        z = (y * y).sum()
        with lib.no_grad():
            y.expand(2, 3).zero_()
        with pytest.raises(RuntimeError, match="modified by an in-?place operation"):
            z.backward()


def test_expand_gradient_still_sums_over_the_expanded_dims():
    x = mg.ones(3, requires_grad=True)
    (x.expand(2, 3) * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 4.0, 4.0])


def test_in_place_on_an_empty_expanded_tensor_is_a_no_op_as_torch():
    x = mg.ones(0).expand(2, 0)
    x.zero_()
    x.add_(1)
    assert x.shape == (2, 0)


def test_in_place_on_a_one_element_expanded_tensor_works_as_torch():
    x = mg.ones(1).expand(1, 1)
    x.add_(1)
    np.testing.assert_array_equal(x.numpy(), [[2.0]])


def test_refused_in_place_on_expanded_changes_nothing():
    base = mg.ones(3)
    x = base.expand(2, 3)
    with pytest.raises(RuntimeError, match="clone"):
        x.mul_(5)
    np.testing.assert_array_equal(base.numpy(), np.ones(3))
    assert x._version == 0


def test_matmul_with_numpy_operand_still_works():
    a = np.ones((2, 1), np.float32)
    assert (mg.ones(1, 2) @ a).shape == (1, 1)
    assert (a @ mg.ones(1, 2)).shape == (2, 2)
    assert mg.matmul(mg.ones(1, 2), a).shape == (1, 1)


# -------------------------------------------------------- exception class is torch's -------------
# (id, expression taking the library as L); both must raise, and the same class.
SAME_CLASS = [
    ("max_empty", lambda L: L.ones(0).max()),
    ("min_empty", lambda L: L.ones(2, 0).min()),
    ("max_empty_dim", lambda L: L.ones(2, 0).max(dim=1)),
    ("argmax_empty", lambda L: L.ones(0).argmax()),
    ("argmin_empty_dim", lambda L: L.ones(2, 0).argmin(dim=1)),
    ("iter_0d", lambda L: list(L.ones(()))),
    ("len_0d", lambda L: len(L.ones(()))),
    ("index_0d", lambda L: L.ones(())[0]),
    ("index_out_of_bounds", lambda L: L.ones(3, 4)[:, 9]),
    ("arange_step_zero", lambda L: L.arange(0, 1, 0)),
    ("arange_step_sign", lambda L: L.arange(0, 1, -1)),
    ("arange_nan", lambda L: L.arange(0, float("nan"))),
    ("arange_inf", lambda L: L.arange(0, float("-inf"), -1)),
    ("reshape_minus_two", lambda L: L.ones(4).reshape(-2, -2)),
    ("view_minus_two", lambda L: L.ones(4).view(-2)),
    ("expand_minus_two", lambda L: L.ones(3).expand(-2)),
    ("expand_leading_minus_one", lambda L: L.ones(3).expand(-1, 3)),
    ("expand_float", lambda L: L.ones(1).expand(2.0)),
    ("add_on_expanded", lambda L: L.ones(3).expand(2, 3).add_(1)),
    ("sub_on_expanded", lambda L: L.ones(3).expand(2, 3).sub_(1)),
    ("div_on_expanded", lambda L: L.ones(3).expand(2, 3).div_(2)),
    ("copy_on_expanded", lambda L: L.ones(3).expand(2, 3).copy_(L.zeros(3))),
    ("normal_on_expanded", lambda L: L.ones(3).expand(2, 3).normal_()),
    ("matmul_list", lambda L: L.matmul(L.ones(1, 1), [[1.0]])),
    ("matmul_operator_list", lambda L: L.ones(1, 1) @ [[1.0]]),
    ("rmatmul_operator_list", lambda L: [[1.0]] @ L.ones(1, 1)),
    ("cat_list_element", lambda L: L.cat([L.ones(1), [1.0]])),
    ("cat_a_tensor", lambda L: L.cat(L.ones(2, 2))),
    ("stack_list_element", lambda L: L.stack([L.ones(1), [1.0]])),
    ("where_list", lambda L: L.where(L.ones(1) > 0, [1.0], L.ones(1))),
    ("maximum_list", lambda L: L.maximum(L.ones(1), [1.0])),
    ("minimum_list", lambda L: L.minimum([1.0], L.ones(1))),
    ("transpose_range", lambda L: L.ones(2, 3).transpose(0, 5)),
    ("transpose_float", lambda L: L.ones(2, 3).transpose(0, 1.0)),
    ("permute_range", lambda L: L.ones(2, 3).permute(0, 5)),
    ("squeeze_range", lambda L: L.ones(2, 3).squeeze(5)),
    ("squeeze_float", lambda L: L.ones(2, 1).squeeze(1.0)),
    ("unsqueeze_range", lambda L: L.ones(2, 3).unsqueeze(5)),
    ("unsqueeze_float", lambda L: L.ones(2, 3).unsqueeze(1.0)),
    ("flatten_range", lambda L: L.ones(2, 3).flatten(0, 5)),
    ("flatten_0d_range", lambda L: L.ones(()).flatten(0, 5)),
    ("split_range", lambda L: L.ones(2, 3).split(1, dim=5)),
    ("split_negative", lambda L: L.ones(4).split(-1)),
    ("split_zero", lambda L: L.ones(4).split(0)),
    ("split_negative_section", lambda L: L.ones(4).split([5, -1])),
    ("split_float", lambda L: L.ones(4).split(1.5)),
    ("chunk_zero", lambda L: L.ones(4).chunk(0)),
    ("chunk_negative", lambda L: L.ones(4).chunk(-1)),
    ("chunk_float", lambda L: L.ones(4).chunk(2.0)),
    ("chunk_range", lambda L: L.ones(4).chunk(2, dim=3)),
    ("sum_range", lambda L: L.ones(2, 3).sum(dim=5)),
    ("softmax_range", lambda L: L.ones(2, 3).softmax(dim=5)),
    ("stack_range", lambda L: L.stack([L.ones(2), L.ones(2)], dim=5)),
    ("size_range", lambda L: L.ones(2, 3).size(5)),
    ("argmax_float", lambda L: L.ones(2, 3).argmax(dim=1.0)),
    ("sum_dim_bool", lambda L: L.ones(2, 3).sum(dim=True)),
    ("split_0d", lambda L: L.ones(()).split(1)),
    ("chunk_0d", lambda L: L.ones(()).chunk(1)),
    ("cat_0d", lambda L: L.cat([L.ones(()), L.ones(())])),
]


@pytest.mark.parametrize("fn", [c[1] for c in SAME_CLASS], ids=[c[0] for c in SAME_CLASS])
def test_raises_torchs_exception_class(fn):
    torch = torch_or_skip()
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(Exception) as ours:
        fn(mg)
    assert type(ours.value) is type(theirs.value), (
        f"minigrad raised {type(ours.value).__name__}: {ours.value}; torch {type(theirs.value).__name__}")
    assert ours.value.__cause__ is None
    for internal in ("numpy", "ZeroDivision", "KeyError", "object has no attribute", "zero-size array"):
        assert internal not in str(ours.value)
