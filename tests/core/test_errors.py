"""One table of misuses: each raises the documented exception class with a message that names
the numbers involved (shapes, dims, element counts)."""
import numpy as np
import pytest

import minigrad as mg


def m(*shape, **kwargs):
    return mg.ones(*shape, **kwargs)


def g(*shape):
    return mg.ones(*shape, requires_grad=True)


ERRORS = [
    # (id, op lambda, exception class, message regex)
    ("matmul_inner", lambda: m(2, 3) @ m(4, 5), ValueError, r"\(2, 3\) and \(4, 5\).*\(3 != 4\)"),
    ("matmul_vec", lambda: m(3) @ m(4), ValueError, r"\(3,\) and \(4,\).*\(3 != 4\)"),
    ("matmul_batched_inner", lambda: m(2, 3, 4) @ m(2, 5, 6), ValueError, r"\(4 != 5\)"),
    ("matmul_batch_dims", lambda: m(2, 3, 4) @ m(3, 4, 5), ValueError,
     r"batch dims.*\(2, 3, 4\) and \(3, 4, 5\)"),
    ("matmul_0d", lambda: m(()) @ m(3), ValueError, r"at least 1 dimension"),
    ("add_broadcast", lambda: m(2, 3) + m(4), ValueError, r"add.*\(2, 3\) and \(4,\).*broadcast"),
    ("sub_broadcast", lambda: m(3, 2) - m(2, 3, 4), ValueError, r"\(3, 2\) and \(2, 3, 4\)"),
    ("mul_broadcast", lambda: m(5) * m(4), ValueError, r"\(5,\) and \(4,\)"),
    ("div_broadcast", lambda: m(2, 2) / m(3, 2), ValueError, r"\(2, 2\) and \(3, 2\)"),
    ("pow_broadcast", lambda: m(2, 2) ** m(3), ValueError, r"\(2, 2\) and \(3,\)"),
    ("maximum_broadcast", lambda: mg.maximum(m(2), m(3)), ValueError, r"\(2,\) and \(3,\)"),
    ("where_broadcast", lambda: mg.where(np.ones((2,), bool), m(3), m(3)), ValueError,
     r"where.*\(2,\).*\(3,\)"),
    ("reshape_count", lambda: m(2, 3).reshape(4), ValueError,
     r"\(2, 3\) \(6 elements\).*\(4,\) \(4 elements\)"),
    ("reshape_neg1", lambda: m(2, 3).reshape(-1, 4), ValueError, r"\(2, 3\) \(6 elements\).*\(-1, 4\)"),
    ("reshape_two_neg1", lambda: m(2, 3).reshape(-1, -1), ValueError, r"only one dimension can be -1"),
    ("view_count", lambda: m(2, 3).view(5), ValueError, r"6 elements.*5 elements"),
    ("expand_bad", lambda: m(2, 3).expand(4, 3), ValueError, r"\(2, 3\).*\(4, 3\).*dim 0: 2"),
    ("expand_fewer_dims", lambda: m(2, 3).expand(3), ValueError, r"less than"),
    ("permute_not_perm", lambda: m(2, 3).permute(0, 0), ValueError, r"not a permutation"),
    ("permute_count", lambda: m(2, 3).permute(1, 0, 2), ValueError, r"3 dims.*\(2, 3\)"),
    ("backward_non_scalar", lambda: (g(2, 3) * 2).backward(), RuntimeError,
     r"only for scalar outputs.*\(2, 3\)"),
    ("backward_no_graph", lambda: m(2).sum().backward(), RuntimeError,
     r"does not require grad.*no grad_fn"),
    ("backward_under_no_grad", lambda: _under_no_grad(lambda: (g(2) * 2).sum()).backward(), RuntimeError,
     r"does not require grad"),
    ("backward_bad_gradient", lambda: (g(2) * 2).backward(m(3)), RuntimeError, r"\(3,\).*\(2,\)"),
    ("requires_grad_int", lambda: mg.tensor([1, 2], requires_grad=True), RuntimeError,
     r"only floating-point.*int64"),
    ("requires_grad_int_setter", lambda: setattr(mg.tensor([1]), "requires_grad", True), RuntimeError,
     r"floating-point"),
    ("sum_dim_range", lambda: m(2, 3).sum(dim=2), IndexError, r"dim 2 .*2 dimensions.*-2\.\.1"),
    ("mean_neg_dim_range", lambda: m(2, 3).mean(dim=-3), IndexError, r"dim -3 .*2 dimensions"),
    ("max_dim_range", lambda: m(2, 3).max(dim=5), IndexError, r"dim 5"),
    ("softmax_dim_range", lambda: m(2, 3).softmax(dim=2), IndexError, r"dim 2"),
    ("transpose_dim_range", lambda: m(2, 3).transpose(0, 2), IndexError, r"dim 2"),
    ("unsqueeze_dim_range", lambda: m(2, 3).unsqueeze(3), IndexError, r"dim 3 .*3 dimensions"),
    ("squeeze_dim_range", lambda: m(2, 1).squeeze(2), IndexError, r"dim 2"),
    ("flatten_dim_range", lambda: m(2, 3).flatten(0, 2), IndexError, r"dim 2"),
    ("cat_dim_range", lambda: mg.cat([m(2), m(2)], dim=1), IndexError, r"dim 1 .*1 dimensions"),
    ("sum_dim_twice", lambda: m(2, 3).sum(dim=(1, -1)), ValueError, r"more than once"),
    ("dim_not_int", lambda: m(2, 3).sum(dim=1.0), TypeError, r"dim must be an int"),
    ("cat_shapes", lambda: mg.cat([m(2, 3), m(2, 4)]), ValueError,
     r"cat: .*except in dim 0.*\(2, 3\) and \(2, 4\)"),
    ("cat_ndim", lambda: mg.cat([m(2, 3), m(3)]), ValueError, r"\(2, 3\) and \(3,\)"),
    ("cat_empty", lambda: mg.cat([]), ValueError, r"non-empty"),
    ("stack_shapes", lambda: mg.stack([m(2, 3), m(3, 2)]), ValueError, r"stack.*\(2, 3\) and \(3, 2\)"),
    ("split_sections", lambda: m(5).split([2, 2]), ValueError, r"sum to 4.*size 5"),
    ("split_size", lambda: m(5).split(0), RuntimeError, r"positive"),  # RuntimeError, as PyTorch
    ("neg_bool", lambda: -mg.tensor([True]), RuntimeError, r"neg: [Nn]egation.*bool"),
    ("abs_bool", lambda: mg.tensor([True]).abs(), NotImplementedError, r"abs: .*bool.*\(1,\)"),
    ("relu_bool", lambda: mg.tensor([True]).relu(), RuntimeError, r"relu: Boolean inputs not supported"),
    ("elu_int", lambda: _F().elu(mg.tensor([1])), NotImplementedError, r"elu: .*dtype int64.*\(1,\)"),
    ("gelu_bool", lambda: _F().gelu(mg.tensor([True])), NotImplementedError, r"gelu: .*dtype bool"),
    ("softplus_int", lambda: _F().softplus(mg.tensor([1])), NotImplementedError, r"softplus: .*int64"),
    ("leaky_relu_int", lambda: _F().leaky_relu(mg.tensor([1])), NotImplementedError, r"leaky_relu: .*int64"),
    ("mean_int", lambda: mg.tensor([1, 2]).mean(), TypeError, r"mean.*floating-point.*int64"),
    ("item_many", lambda: m(2, 3).item(), ValueError, r"item\(\).*\(2, 3\).*6 elements"),
    ("bool_many", lambda: bool(m(2)), RuntimeError, r"2 elements.*ambiguous"),
    ("len_0d", lambda: len(m(())), TypeError, r"0-d"),
    ("index_out_of_range", lambda: m(3, 4)[5], IndexError, r"index 5 .*shape \(3, 4\)"),
    ("index_too_many", lambda: m(3, 4)[0, 0, 0], IndexError, r"shape \(3, 4\)"),
    ("index_float", lambda: m(3, 4)[1.5], IndexError, r"shape \(3, 4\)"),
    ("index_float_tensor", lambda: m(3, 4)[mg.tensor([0.0, 1.0])], IndexError, r"integer or bool.*float32"),
    ("index_list_out_of_range", lambda: m(3, 4)[[0, 7]], IndexError, r"shape \(3, 4\)"),
    ("index_mask_shape", lambda: m(3, 4)[np.ones((2, 2), bool)], IndexError, r"shape \(3, 4\)"),
    ("clamp_no_bounds", lambda: m(2).clamp(), ValueError, r"at least one of min and max"),
    ("max_empty", lambda: m(0).max(), RuntimeError, r"empty"),
    ("unknown_dtype", lambda: mg.tensor([1.0], dtype="float7"), TypeError, r"unknown dtype"),
    ("string_data", lambda: mg.tensor(["a", "b"]), TypeError, r"cannot make a tensor"),
    ("negative_shape", lambda: mg.zeros(2, -1), ValueError, r"negative dimension"),
    ("requires_grad_off_non_leaf", lambda: setattr(g(2) * 2, "requires_grad", False), RuntimeError,
     r"leaf"),
    ("in_place_leaf", lambda: g(2).add_(1), RuntimeError, r"add_.*leaf.*in place.*no_grad"),
    ("hook_no_grad", lambda: m(2).register_hook(print), RuntimeError, r"does not require grad"),
    # issue 20, shape: each class is PyTorch's (checked against torch 2.13)
    ("max_empty_dim", lambda: m(2, 0).max(dim=1), IndexError, r"max\(\).*reduction dim 1.*non-zero.*\(2, 0\)"),
    ("min_empty_dim", lambda: m(2, 0).min(dim=-1), IndexError, r"min\(\).*reduction dim 1.*\(2, 0\)"),
    ("min_empty", lambda: m(0, 3).min(), RuntimeError, r"min\(\).*numel\(\) == 0.*\(0, 3\)"),
    ("argmax_empty", lambda: m(0).argmax(), IndexError, r"argmax\(\).*numel\(\) == 0.*\(0,\)"),
    ("argmin_empty_dim", lambda: m(2, 0).argmin(dim=1), IndexError, r"argmin\(\).*dim 1.*\(2, 0\)"),
    ("iter_0d", lambda: iter(m(())), TypeError, r"iteration over a 0-d tensor"),
    ("list_0d", lambda: list(m(())), TypeError, r"iteration over a 0-d tensor"),
    ("index_0d", lambda: m(())[0], IndexError, r"shape \(\).*0-dim tensor.*item\(\)"),
    ("index_out_of_bounds_words", lambda: m(3, 4)[:, 9], IndexError,
     r"shape \(3, 4\).*index 9 is out of bounds for dimension 1 with size 4"),
    ("size_dim_range", lambda: m(2, 3).size(5), IndexError, r"dim 5 .*2 dimensions"),
    ("size_0d", lambda: m(()).size(0), IndexError, r"no dimensions"),
    ("arange_step_zero", lambda: mg.arange(0, 1, 0), RuntimeError, r"step must be nonzero.*step=0"),
    ("arange_step_zero_float", lambda: mg.arange(0.0, 1.0, 0.0), RuntimeError, r"step must be nonzero"),
    ("arange_step_sign", lambda: mg.arange(0, 1, -1), RuntimeError,
     r"upper bound and lower bound inconsistent with step sign.*start=0, end=1, step=-1"),
    ("arange_step_sign_up", lambda: mg.arange(1, 0, 0.5), RuntimeError, r"inconsistent with step sign"),
    ("arange_end_negative", lambda: mg.arange(-3), RuntimeError, r"inconsistent with step sign.*end=-3"),
    ("arange_nan", lambda: mg.arange(0, float("nan")), RuntimeError, r"unsupported range: 0 -> nan"),
    ("arange_inf", lambda: mg.arange(0, float("inf")), RuntimeError, r"unsupported range: 0 -> inf"),
    ("arange_start_nan", lambda: mg.arange(float("nan"), 1), RuntimeError, r"unsupported range: nan -> 1"),
    ("arange_str", lambda: mg.arange("3"), TypeError, r"'end' must be a number, got '3' \(str\)"),
    ("reshape_minus_two", lambda: m(4).reshape(-2, -2), RuntimeError,
     r"invalid shape dimension -2 at index 0 of shape \(-2, -2\).*\(4,\)"),
    ("reshape_minus_three", lambda: m(2, 3).reshape(2, -3), RuntimeError, r"invalid shape dimension -3 at index 1"),
    ("view_minus_two", lambda: m(4).view(-2), RuntimeError, r"invalid shape dimension -2"),
    ("reshape_float", lambda: m(4).reshape(2.0, 2), TypeError, r"reshape.*\(2\.0, 2\).*float"),
    ("expand_minus_two", lambda: m(3).expand(-2), RuntimeError,
     r"expanded size of the tensor \(-2\) must match the existing size \(3\).*\(3,\)"),
    ("expand_leading_minus_one", lambda: m(3).expand(-1, 3), RuntimeError,
     r"expanded size of the tensor \(-1\) isn't allowed in a leading, non-existing dimension 0"),
    ("expand_leading_minus_two", lambda: m(1).expand(-2, 1), RuntimeError, r"\(-2\) isn't allowed in a leading"),
    ("expand_float", lambda: m(1).expand(2.0), TypeError, r"expand.*\(2\.0,\).*float"),
    ("add_on_expanded", lambda: m(3).expand(2, 3).add_(1), RuntimeError,
     r"add_: unsupported operation: more than one element of the written-to tensor.*single memory "
     r"location\. Please clone\(\) the tensor before performing the operation\."),
    ("iadd_on_expanded", lambda: _iadd(m(3).expand(2, 3)), RuntimeError, r"more than one element"),
    ("mul_on_expanded", lambda: m(3, 1).expand(3, 4).mul_(2), RuntimeError, r"mul_: unsupported operation"),
    ("copy_on_expanded", lambda: m(3).expand(2, 3).copy_(mg.zeros(2, 3)), RuntimeError, r"copy_: unsupported"),
    ("clamp_on_expanded", lambda: m(3).expand(2, 3).clamp_(0, 0.5), RuntimeError, r"clamp_: unsupported"),
    ("uniform_on_expanded", lambda: m(3).expand(2, 3).uniform_(), RuntimeError, r"uniform_: unsupported"),
    ("matmul_list", lambda: mg.matmul(m(1, 1), [[1.0]]), TypeError,
     r"matmul\(\): argument 'other' \(position 2\) must be Tensor, not list"),
    ("matmul_list_first", lambda: mg.matmul([[1.0]], m(1, 1)), TypeError,
     r"argument 'input' \(position 1\) must be Tensor, not list"),
    ("matmul_method_number", lambda: m(2).matmul(2.0), TypeError, r"'other' \(position 2\).*not float"),
    ("matmul_operator_list", lambda: m(1, 1) @ [[1.0]], TypeError,
     r"unsupported operand type\(s\) for @: 'Tensor' and 'list'"),
    ("rmatmul_operator_list", lambda: [[1.0]] @ m(1, 1), TypeError, r"for @: 'list' and 'Tensor'"),
    ("cat_list_element", lambda: mg.cat([m(1), [1.0]]), TypeError,
     r"cat\(\): expected Tensor as element 1 in argument 0, but got list"),
    ("cat_a_tensor", lambda: mg.cat(m(2, 2)), TypeError, r"'tensors'.*not Tensor \(shape \(2, 2\)\)"),
    ("stack_number_element", lambda: mg.stack([m(1), 1.0]), TypeError, r"stack\(\): .*element 1.*got float"),
    ("where_list", lambda: mg.where(m(1) > 0, [1.0], m(1)), TypeError,
     r"where\(\): argument 'input' \(position 2\) must be Tensor, not list"),
    ("maximum_list", lambda: mg.maximum(m(1), [1.0]), TypeError, r"maximum\(\): argument 'other'.*not list"),
    ("minimum_list", lambda: mg.minimum([1.0], m(1)), TypeError, r"minimum\(\): argument 'input'.*not list"),
    ("transpose_dim_range_5", lambda: m(2, 3).transpose(0, 5), IndexError, r"dim 5 .*2 dimensions.*-2\.\.1"),
    ("transpose_0d_range", lambda: m(()).transpose(0, 1), IndexError, r"dim 1 .*0 dimensions"),
    ("transpose_float", lambda: m(2, 3).transpose(0, 1.0), TypeError, r"dim must be an int, got float"),
    ("permute_dim_range", lambda: m(2, 3).permute(0, 5), IndexError, r"dim 5"),
    ("permute_float", lambda: m(2, 3).permute(0, 1.0), TypeError, r"dim must be an int"),
    ("squeeze_float", lambda: m(2, 1).squeeze(1.0), TypeError, r"dim must be an int, got float"),
    ("squeeze_tuple_range", lambda: m(2, 1).squeeze((0, 5)), IndexError, r"dim 5"),
    ("unsqueeze_float", lambda: m(2).unsqueeze(0.0), TypeError, r"dim must be an int"),
    ("flatten_0d_range", lambda: m(()).flatten(0, 5), IndexError, r"dim 5 .*0 dimensions"),
    ("flatten_float", lambda: m(2, 3).flatten(0.0), TypeError, r"dim must be an int"),
    ("split_negative_size", lambda: m(4).split(-1), RuntimeError, r"non-negative.*split_size=-1"),
    ("split_negative_section", lambda: m(4).split([5, -1]), RuntimeError,
     r"non-negative entries.*split_sizes=\[5, -1\]"),
    ("split_float", lambda: m(4).split(1.5), TypeError, r"split_size_or_sections.*float"),
    ("split_float_section", lambda: m(4).split([2.0, 2]), TypeError, r"sections \[2\.0, 2\] must be ints"),
    ("split_dim_float", lambda: m(4).split(1, dim=0.0), TypeError, r"dim must be an int"),
    ("split_dim_range", lambda: m(2, 3).split(1, dim=5), IndexError, r"dim 5"),
    ("chunk_zero", lambda: m(4).chunk(0), RuntimeError, r"chunk expects `chunks` to be greater than 0, got: 0"),
    ("chunk_negative", lambda: m(4).chunk(-1), RuntimeError, r"greater than 0, got: -1"),
    ("chunk_float", lambda: m(4).chunk(2.0), TypeError, r"chunks must be an int, got float"),
    ("chunk_dim_range", lambda: m(4).chunk(2, dim=3), IndexError, r"dim 3 .*1 dimensions"),
    ("stack_dim_range", lambda: mg.stack([m(2), m(2)], dim=5), IndexError, r"dim 5 .*2 dimensions"),
    ("argmax_dim_range", lambda: m(2, 3).argmax(dim=5), IndexError, r"dim 5"),
    ("argmax_dim_float", lambda: m(2, 3).argmax(dim=1.0), TypeError, r"dim must be an int"),
    ("sum_dim_bool", lambda: m(2, 3).sum(dim=True), TypeError, r"dim must be an int, got bool"),
    ("split_0d", lambda: m(()).split(1), RuntimeError, r"split expects at least a 1-dimensional tensor"),
    ("chunk_0d", lambda: m(()).chunk(1), RuntimeError, r"chunk expects at least a 1-dimensional"),
    ("cat_0d", lambda: mg.cat([m(2), m(())]), RuntimeError,
     r"zero-dimensional tensor \(at position 1\) cannot be concatenated"),
    # issue 20, found by tests/core/test_fuzz_vs_torch.py: PyTorch 2.13's classes, minigrad's words
    ("maximum_python_int", lambda: mg.maximum(m(2), 2), TypeError,
     r"maximum\(\): argument 'other' \(position 2\) must be Tensor, not int"),
    ("minimum_python_float_left", lambda: mg.minimum(2.5, m(2)), TypeError,
     r"minimum\(\): argument 'input' \(position 1\) must be Tensor, not float"),
    ("maximum_method_number", lambda: m(2).maximum(1), TypeError, r"maximum\(\): argument 'other'.*not int"),
    ("pow_int_negative_python_int", lambda: mg.tensor([2, 3]) ** -1, RuntimeError,
     r"integers to negative integer powers are not allowed \(int64 base of shape \(2,\), exponent -1\)"),
    ("pow_bool_negative_python_int", lambda: mg.tensor([True]) ** -2, RuntimeError,
     r"negative integer powers.*bool base"),
    ("pow_bool_bool", lambda: mg.tensor([True]) ** mg.tensor([False]), NotImplementedError,
     r"pow: not implemented for bool operands"),
    ("pow_float_bool_exponent_backward", lambda: (g(2) ** mg.tensor([True, False])).sum().backward(),
     RuntimeError, r"pow backward: subtraction.*bool exponent of shape \(2,\)"),
    ("argmax_bool", lambda: mg.tensor([True, False]).argmax(), RuntimeError,
     r"argmax\(\): does not support bool input \(shape \(2,\)\)"),
    ("argmin_bool_dim", lambda: mg.tensor([[True]]).argmin(dim=1), RuntimeError, r"argmin\(\): does not support bool"),
    ("softmax_bool", lambda: mg.softmax(mg.tensor([True, False]), 0), NotImplementedError,
     r"softmax: not implemented for bool input \(shape \(2,\), dim 0\)"),
    ("log_softmax_int", lambda: mg.tensor([[1, 2]]).log_softmax(1), NotImplementedError,
     r"log_softmax: not implemented for int64 input \(shape \(1, 2\), dim 1\)"),
    ("permute_no_dims", lambda: m(2, 3).permute(), TypeError, r'permute\(\): missing the required argument "dims".*\(2, 3\)'),
    ("permute_no_dims_0d", lambda: m(()).permute(), TypeError, r'permute\(\): missing the required argument "dims"'),
    ("expand_no_sizes", lambda: m(()).expand(), TypeError, r'expand\(\): missing the required argument "size"'),
    ("matmul_mixed_dtypes", lambda: m(2, 2) @ m(2, 2, dtype=mg.float64), RuntimeError,
     r"expected m1 and m2 to have the same dtype, but got: float32 != float64 \(shapes \(2, 2\) and \(2, 2\)\)"),
    ("matmul_int_float", lambda: mg.tensor([1, 2]) @ m(2), RuntimeError, r"same dtype, but got: int64 != float32"),
    ("matmul_bool", lambda: mg.tensor([True]) @ mg.tensor([True]), NotImplementedError,
     r"\"dot\" not implemented for 'Bool' \(bool operands of shapes \(1,\) and \(1,\)\)"),
    ("l1_loss_bool_target", lambda: _F().l1_loss(m(2), mg.tensor([True, False])), RuntimeError,
     r"l1_loss: subtraction with a bool tensor.*target bool of shape \(2,\)"),
    ("bce_bool_target", lambda: _F().binary_cross_entropy(m(2), mg.tensor([True, False])), RuntimeError,
     r"Found dtype bool but expected float32"),
    ("bce_float64_target", lambda: _F().binary_cross_entropy(m(2), m(2, dtype=mg.float64)), RuntimeError,
     r"Found dtype float64 but expected float32"),
    ("bce_bool_both", lambda: _F().binary_cross_entropy(mg.tensor([True]), mg.tensor([True])), NotImplementedError,
     r"binary_cross_entropy: not implemented for bool"),
    ("bce_logits_bool_input", lambda: _F().binary_cross_entropy_with_logits(mg.tensor([True]), m(1)),
     NotImplementedError, r"binary_cross_entropy_with_logits: not implemented for bool input"),
    ("bce_logits_int_target", lambda: _F().binary_cross_entropy_with_logits(m(2), mg.tensor([0, 1])),
     RuntimeError, r"target must be floating point, got int64 \(shape \(2,\)"),
    ("cross_entropy_int32_target", lambda: _F().cross_entropy(m(2, 3), mg.tensor([0, 1], dtype=mg.int32)),
     RuntimeError, r"expected target dtype to be Long or Byte \(int64 or uint8\), but got int32"),
    ("nll_loss_bool_target", lambda: _F().nll_loss(m(2, 3), mg.tensor([True, False])), RuntimeError,
     r"nll_loss: expected target dtype to be Long or Byte.*but got bool"),
]


def _iadd(x):
    x += 1
    return x


def _F():
    import minigrad.nn.functional as F
    return F


def _under_no_grad(fn):
    with mg.no_grad():
        return fn()


@pytest.mark.parametrize("op, exception, message", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_error(op, exception, message):
    with pytest.raises(exception, match=message):
        op()


def test_error_table_covers_the_required_cases():
    ids = {e[0] for e in ERRORS}
    assert {"matmul_inner", "add_broadcast", "reshape_count", "backward_non_scalar", "backward_no_graph",
            "requires_grad_int", "sum_dim_range", "cat_shapes", "mean_int", "item_many",
            "index_out_of_range"} <= ids


@pytest.mark.parametrize("op, exception, message", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_no_internal_numpy_message_leaks(op, exception, message):
    """The message is minigrad's own, with no NumPy traceback chained under it."""
    with pytest.raises(exception) as info:
        op()
    assert "numpy" not in type(info.value).__module__
    assert info.value.__cause__ is None
