"""The backward engine: deep graphs, accumulation, seeds, retain_graph, hooks, retain_grad,
leaves, grad modes, detach, multi-output nodes, custom Functions and in-place safety."""
import gc
import sys
import weakref

import numpy as np
import pytest

import minigrad as mg
from core_oracle import torch_or_skip


def leaf(values, dtype=mg.float64):
    return mg.tensor(values, dtype=dtype, requires_grad=True)


# ---------------------------------------------------------------- the walk ---------------------------
def test_a_chain_of_10000_ops_backward_without_recursion():
    assert sys.getrecursionlimit() < 10_000  # a recursive walk would fail here
    x = leaf([1.0, 2.0])
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0001 ** 10_000] * 2, rtol=1e-9)
    del y  # freeing a deep graph must not overflow the C stack either


def test_a_long_chain_of_mixed_ops():
    x = leaf(0.5)
    y = x
    for i in range(3000):
        y = (y + 0.001).tanh() if i % 2 else y.exp().log()
    y.backward()
    # the same chain in float64 NumPy with the chain rule by hand
    value, grad = 0.5, 1.0
    for i in range(3000):
        if i % 2:
            value = np.tanh(value + 0.001)
            grad *= 1 - value ** 2
    np.testing.assert_allclose(y.item(), value, rtol=1e-12)
    np.testing.assert_allclose(x.grad.item(), grad, rtol=1e-9)


def test_wide_fan_out_and_fan_in():
    x = leaf(np.arange(3.0))
    parts = [x * float(i) for i in range(200)]
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    total.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [sum(range(200))] * 3)


def test_reused_tensor_accumulates():
    x = leaf([1.0, -2.0, 3.0])
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.numpy())


def test_diamond_graph_matches_torch():
    torch = torch_or_skip()

    def diamond(lib, x):
        a = x * 3.0
        b = a.exp()
        c = a * a
        return (b * c + a).sum()

    data = np.array([0.1, -0.4, 0.3])
    x = leaf(data)
    diamond(mg, x).backward()
    tx = torch.tensor(data, requires_grad=True)
    diamond(torch, tx).backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


def test_non_leaf_used_twice_runs_its_node_once_with_the_summed_gradient():
    x = leaf([1.0, 2.0])
    y = x * 2.0
    seen = []
    y.register_hook(lambda g: seen.append(g.numpy().copy()))
    (y * y + y).sum().backward()
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], 2 * y.numpy() + 1)
    np.testing.assert_allclose(x.grad.numpy(), 2 * (2 * y.numpy() + 1))


def test_grads_accumulate_across_backward_calls_until_zeroed():
    x = leaf([1.0, 2.0])
    (x * 3.0).sum().backward()
    (x * 4.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [7.0, 7.0])
    x.grad.zero_()
    (x * 5.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [5.0, 5.0])
    x.grad = None
    (x * 1.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0])


def test_leaf_gradient_is_not_an_alias_of_an_engine_array():
    x = leaf([1.0, 2.0])
    g = mg.tensor([1.0, 1.0], dtype=mg.float64)
    x.backward(g)          # the seed itself reaches the leaf
    x.grad.data += 10
    np.testing.assert_array_equal(g.numpy(), [1.0, 1.0])
    y = leaf([1.0, 2.0])
    (y + 0.0).backward(g)  # Add passes its upstream gradient through unchanged
    y.grad.data += 10
    np.testing.assert_array_equal(g.numpy(), [1.0, 1.0])



def test_a_leaf_takes_a_gradient_nothing_else_holds_and_copies_a_shared_one():
    a, b = leaf(np.ones((3, 4))), leaf(np.ones((3, 4)))
    (a + b).sum().backward()  # Add hands the same array to both inputs
    assert not np.shares_memory(a.grad.numpy(), b.grad.numpy())
    w = leaf(np.ones((4, 2)))
    x = mg.tensor(np.ones((3, 4)), dtype=w.dtype)  # matmul refuses mixed dtypes, as PyTorch
    y = x @ w                 # the fresh product x^T·g is taken, not copied
    y.sum().backward()
    assert w.grad.numpy().base is None and w.grad.numpy().flags.c_contiguous
    kept = []
    v = leaf(np.ones(3))
    v.register_hook(lambda g: kept.append(g))
    (v * 2.0).sum().backward()  # a hook kept the array: the leaf gets its own copy
    v.grad.data += 1
    np.testing.assert_array_equal(kept[0].numpy(), [2.0, 2.0, 2.0])


def test_a_leaf_gradient_has_the_leaf_layout():
    w = leaf(np.arange(6.0).reshape(2, 3))
    (w.T * 1.0).sum().backward()  # the engine's array is the transposed view's layout
    assert w.grad.numpy().flags.c_contiguous
    np.testing.assert_array_equal(w.grad.numpy(), np.ones((2, 3)))


def test_a_gradient_handed_to_two_backwards_is_changed_by_neither():
    x = leaf(np.array([1.0, -2.0, 3.0]))
    u, v = (x * 1.0).relu(), (x * 1.0).relu()
    x.grad = None
    (u + v).sum().backward()                  # both ReLUs get the same array: neither may change it
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 0.0, 2.0])
    z = (x * 1.0).relu()
    z.retain_grad()
    x.grad = None
    (z.relu() * 4.0).sum().backward()          # z's gradient survives the inner ReLU's backward
    np.testing.assert_array_equal(z.grad.numpy(), [4.0, 0.0, 4.0])
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 0.0, 4.0])


def test_a_graph_is_freed_by_reference_counting_alone():
    """No reference cycles: a graph (and the arrays it saved) goes as soon as its output does,
    also before backward, without waiting for the garbage collector."""
    gc.disable()
    try:
        x = leaf(np.array([1.0, -2.0, 3.0]))
        y = x.relu().tanh().sigmoid()  # each saves its own output
        nodes = [weakref.ref(y.grad_fn), weakref.ref(y.grad_fn.inputs[0].grad_fn)]
        out = weakref.ref(y)
        del y
        assert out() is None and all(node() is None for node in nodes)
    finally:
        gc.enable()

# ---------------------------------------------------------------- seeds ----------------------------------
@pytest.mark.parametrize("make", [lambda a: mg.tensor(a, dtype=mg.float64), lambda a: a,
                                  lambda a: a.tolist()], ids=["tensor", "ndarray", "list"])
def test_backward_with_a_gradient_for_a_non_scalar_output(make):
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    y = x * x
    seed = np.array([[1.0, 0.5], [0.0, -1.0]])
    y.backward(gradient=make(seed))
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.numpy() * seed)


def test_backward_gradient_of_the_wrong_shape_raises():
    y = leaf([1.0, 2.0]) * 2
    with pytest.raises(RuntimeError, match=r"\(3,\).*\(2,\)"):
        y.backward(mg.ones(3))


def test_backward_on_a_leaf():
    x = leaf([1.0, 2.0])
    x.backward(mg.tensor([3.0, 4.0]))
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 4.0])
    assert x.grad.dtype == mg.float64


def test_backward_seed_of_another_dtype_is_cast_to_the_output_dtype():
    x = leaf([1.0, 2.0], dtype=mg.float32)
    y = x * 2
    y.backward(mg.tensor([1.0, 1.0], dtype=mg.float64))
    assert x.grad.dtype == mg.float32


# ---------------------------------------------------------------- retain_graph --------------------------
def test_retain_graph_allows_a_second_backward_and_grads_double():
    x = leaf([1.0, 2.0, 3.0])
    y = (x * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first)


def test_second_backward_without_retain_graph_raises():
    x = leaf([1.0, 2.0, 3.0])
    y = (x * x.exp()).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        y.backward()


def test_second_backward_through_a_shared_freed_subgraph_raises():
    x = leaf([1.0, 2.0])
    h = x.exp()
    h.sum().backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        (h * 2).sum().backward()


# ---------------------------------------------------------------- hooks ---------------------------------
def test_leaf_hook_sees_the_gradient_and_can_replace_it():
    x = leaf([1.0, 2.0])
    seen = []

    def double(grad):
        seen.append(grad.numpy().copy())
        return grad * 2

    handle = x.register_hook(double)
    (x * 3.0).sum().backward()
    np.testing.assert_allclose(seen[0], [3.0, 3.0])
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 6.0])
    handle.remove()
    x.grad = None
    (x * 3.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])
    assert len(seen) == 1


def test_leaf_hook_runs_once_on_the_total_gradient_as_torch():
    torch = torch_or_skip()
    for lib in (mg, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        calls = []
        x.register_hook(lambda g: calls.append(1) or lib.ones_like(g))  # replace, not scale
        (x * x + x).sum().backward()
        assert len(calls) == 1, lib.__name__
        np.testing.assert_allclose(x.grad.numpy(), [1.0, 1.0], err_msg=lib.__name__)


def test_non_leaf_hook_changes_what_flows_upstream():
    x = leaf([1.0, 2.0])
    y = x * 3.0
    handle = y.register_hook(lambda g: g * 10)
    (y * 2.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [60.0, 60.0])
    handle.remove()
    x.grad = None
    y = x * 3.0
    (y * 2.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 6.0])


def test_removed_non_leaf_hook_is_not_called():
    x = leaf([1.0, 2.0])
    y = x * 3.0
    calls = []
    handle = y.register_hook(lambda g: calls.append(1))
    handle.remove()
    handle.remove()  # removing twice is harmless
    y.sum().backward()
    assert calls == []
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


def test_hook_returning_a_wrong_shape_raises():
    x = leaf([1.0, 2.0])
    y = x * 3.0
    y.register_hook(lambda g: mg.ones(3))
    with pytest.raises(RuntimeError, match=r"shape \(3,\).*\(2,\)"):
        y.sum().backward()


def test_hook_on_a_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.ones(2).register_hook(lambda g: g)


def test_hooks_on_both_outputs_of_a_multi_output_node():
    x = leaf([[1.0, 5.0], [7.0, 2.0]])
    a, b = x.split(1, dim=0)
    a.register_hook(lambda g: g * 2)
    b.register_hook(lambda g: g * 3)
    (a.sum() + b.sum()).backward()
    np.testing.assert_allclose(x.grad.numpy(), [[2.0, 2.0], [3.0, 3.0]])


# ---------------------------------------------------------------- retain_grad, is_leaf ---------------
def test_retain_grad_on_non_leaves():
    x = leaf([1.0, 2.0])
    y = x * 2.0
    z = y.exp()
    y.retain_grad()
    z.retain_grad()
    w = z.sum()
    w.backward()
    np.testing.assert_allclose(z.grad.numpy(), [1.0, 1.0])
    np.testing.assert_allclose(y.grad.numpy(), z.numpy())
    assert w.grad is None  # not retained: non-leaf grads are not kept by default


def test_retain_grad_matches_torch_with_hooks_and_repeats():
    """retain_grad is idempotent, keeps the gradient after the tensor's hooks ran, and
    accumulates over backward calls — as PyTorch."""
    torch = torch_or_skip()
    results = {}
    for lib in (mg, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.retain_grad()
        y.retain_grad()
        y.register_hook(lambda g: g * 3)
        y.sum().backward(retain_graph=True)
        once = y.grad.numpy().copy()
        y.sum().backward()
        results[lib.__name__] = (once, y.grad.numpy().copy(), x.grad.numpy().copy())
    for mine, theirs in zip(results["minigrad"], results["torch"]):
        np.testing.assert_allclose(mine, theirs)


def test_retain_grad_on_a_leaf_is_a_no_op():
    x = leaf([1.0])
    x.retain_grad()
    (x * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0])


def test_is_leaf_and_requires_grad_propagation():
    x = leaf([1.0, 2.0])
    c = mg.tensor([3.0, 4.0], dtype=mg.float64)
    assert x.is_leaf and x.requires_grad and x.grad_fn is None
    assert c.is_leaf and not c.requires_grad
    y = x * c
    assert not y.is_leaf and y.requires_grad and y.grad_fn is not None
    assert "Mul" in y.grad_fn.name()
    z = c * 2
    assert z.is_leaf and not z.requires_grad  # no input requires grad: no graph
    assert not (x > 1).requires_grad and (x > 1).dtype == mg.bool_
    assert not x.argmax().requires_grad
    assert not mg.tensor([1, 2]).requires_grad
    w = mg.tensor([1.0, 2.0])
    w.requires_grad_()
    assert w.requires_grad and w.is_leaf
    with pytest.raises(RuntimeError, match="leaf"):
        y.requires_grad = False


def test_grad_of_a_leaf_that_takes_no_part_stays_none():
    x, unused = leaf([1.0]), leaf([2.0])
    (x * 2).sum().backward()
    assert unused.grad is None


# ---------------------------------------------------------------- grad modes, detach ------------------
def test_no_grad_and_enable_grad_blocks():
    x = leaf([1.0, 2.0])
    with mg.no_grad():
        assert not mg.is_grad_enabled()
        y = x * 2
        with mg.enable_grad():
            assert mg.is_grad_enabled()
            z = x * 2
        assert not mg.is_grad_enabled()
    assert mg.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn is not None


def test_grad_mode_is_restored_after_an_exception():
    with pytest.raises(ValueError):
        with mg.no_grad():
            raise ValueError("boom")
    assert mg.is_grad_enabled()


def test_no_grad_and_enable_grad_as_decorators():
    x = leaf([1.0, 2.0])

    @mg.no_grad()
    def infer(t):
        return t * 2

    @mg.enable_grad()
    def train(t):
        return t * 2

    assert infer.__name__ == "infer"
    assert not infer(x).requires_grad
    with mg.no_grad():
        assert train(x).requires_grad


def test_no_grad_and_enable_grad_as_bare_decorators_as_torch():
    x = leaf([1.0, 2.0])

    @mg.no_grad
    def infer(t):
        return t * 2

    @mg.enable_grad
    def train(t):
        return t * 2

    assert not infer(x).requires_grad
    with mg.no_grad():
        assert train(x).requires_grad


def test_set_grad_enabled():
    mg.set_grad_enabled(False)
    try:
        assert not (leaf([1.0]) * 2).requires_grad
    finally:
        mg.set_grad_enabled(True)
    assert (leaf([1.0]) * 2).requires_grad


def test_detach_cuts_the_graph_and_shares_data():
    x = leaf([1.0, 2.0])
    y = x * 2
    d = y.detach()
    assert d.is_leaf and not d.requires_grad and d.grad_fn is None
    assert np.shares_memory(d.numpy(), y.numpy())
    (d * x).sum().backward()  # d is a constant here
    np.testing.assert_allclose(x.grad.numpy(), y.numpy())
    assert mg.detach(y).grad_fn is None


# ---------------------------------------------------------------- multi-output nodes ------------------
def test_max_with_dim_returns_values_and_indices_and_backward_through_values():
    data = np.array([[1.0, 5.0, 3.0], [7.0, 2.0, 7.0]])
    x = leaf(data)
    result = mg.max(x, dim=1)
    values, indices = result
    assert result.values is values and result.indices is indices
    np.testing.assert_array_equal(indices.numpy(), [1, 0])
    assert indices.dtype == mg.int64 and not indices.requires_grad
    (values * mg.tensor([2.0, 3.0], dtype=mg.float64)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[0, 2, 0], [3, 0, 0]])


def test_only_some_outputs_of_a_multi_output_node_get_gradient():
    x = leaf(np.arange(6.0))
    a, b, c = x.chunk(3)
    (b * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [0, 0, 2, 2, 0, 0])


# ---------------------------------------------------------------- custom Functions --------------------
class Cube(mg.autograd.Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a ** 3

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * 3 * a ** 2


class FirstOnly(mg.autograd.Function):
    """a + b whose backward returns None for b: PyTorch reads None as a zero gradient."""

    @staticmethod
    def forward(ctx, a, b):
        return a + b

    @staticmethod
    def backward(ctx, grad):
        return grad, None


def test_custom_function():
    x = leaf([1.0, 2.0])
    y = Cube.apply(x)
    assert y.grad_fn.name() == "CubeBackward"
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 12.0])
    assert mg.autograd.gradcheck(Cube.apply, [leaf([0.3, -1.2])])


def test_a_backward_returning_none_for_an_input_that_requires_grad_is_a_zero_gradient():
    """The other paths into that input's node still reach it: nothing upstream is lost."""
    x = leaf([1.0, 2.0])
    h = x * 2.0
    out = FirstOnly.apply(x, h) + h   # h gets None through FirstOnly, 1 through the +
    out.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])
    y = leaf([1.0, 2.0])
    FirstOnly.apply(y, y.exp()).sum().backward()  # ExpBackward gets no gradient at all
    np.testing.assert_allclose(y.grad.numpy(), [1.0, 1.0])


def test_backward_returning_the_wrong_number_of_gradients_raises():
    class TooMany(mg.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 1

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    with pytest.raises(RuntimeError, match="TooManyBackward.*2 gradients.*1 inputs"):
        TooMany.apply(leaf([1.0])).sum().backward()


def test_backward_returning_the_wrong_shape_raises():
    class BadShape(mg.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 1

        @staticmethod
        def backward(ctx, grad):
            return grad.sum(keepdims=True)

    with pytest.raises(RuntimeError, match=r"BadShapeBackward.*shape \(1,\).*shape \(3,\)"):
        BadShape.apply(leaf([1.0, 2.0, 3.0])).sum().backward()


# ---------------------------------------------------------------- in-place safety --------------------
def test_in_place_under_no_grad_on_an_unsaved_tensor_is_fine():
    x = leaf([1.0, 2.0])
    y = x.exp()      # saves its output, not x
    with mg.no_grad():
        x.add_(1)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), np.exp([1.0, 2.0]))


def test_in_place_change_of_a_saved_input_raises_in_backward():
    x = leaf([1.0, 2.0])
    w = leaf([3.0, 4.0])
    y = x * w        # saves x and w
    with mg.no_grad():
        w.mul_(2)
    with pytest.raises(RuntimeError, match="in-place.*MulBackward"):
        y.sum().backward()


def test_in_place_change_of_a_saved_output_raises_in_backward():
    x = leaf([1.0, 2.0])
    y = x.exp()      # saves y itself
    with mg.no_grad():
        y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.sum().backward()


@pytest.mark.parametrize("method, args", [("add_", (1.0,)), ("sub_", (1.0,)), ("mul_", (2.0,)),
                                          ("div_", (2.0,)), ("zero_", ()), ("fill_", (3.0,)),
                                          ("copy_", ([5.0, 6.0],)), ("clamp_", (0.0, 1.0))])
def test_in_place_on_a_leaf_that_requires_grad_raises_outside_no_grad(method, args):
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="in place.*no_grad"):
        getattr(x, method)(*args)
    np.testing.assert_array_equal(x.numpy(), [1.0, 2.0])  # and nothing was changed
    with mg.no_grad():
        getattr(x, method)(*args)


def test_in_place_ops_compute_the_right_values():
    x = mg.tensor([1.0, 2.0])
    x.add_(1).mul_(3).sub_(1, alpha=2).div_(2)
    np.testing.assert_allclose(x.numpy(), [2.0, 3.5])
    x.copy_(mg.tensor([7.0, 8.0]))
    np.testing.assert_allclose(x.numpy(), [7.0, 8.0])
    x.clamp_(max=7.5)
    np.testing.assert_allclose(x.numpy(), [7.0, 7.5])


# Views share their base's version counter (as in PyTorch): an in-place change made through a
# detached alias or a view still reaches the guard of the value saved for backward.
@pytest.mark.parametrize("change", [
    lambda w: w.detach().mul_(2),
    lambda w: w[0:1].mul_(2),
    lambda w: w.reshape(2, 1).add_(1),
    lambda w: w.T.zero_(),
    lambda w: w.unsqueeze(0).sub_(1),
], ids=["detach", "slice", "reshape", "T", "unsqueeze"])
def test_in_place_change_through_an_alias_of_a_saved_tensor_raises(change):
    x = leaf([1.0, 2.0])
    w = leaf([3.0, 4.0])
    y = x * w
    with mg.no_grad():
        change(w)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.sum().backward()


def test_in_place_change_of_the_base_of_a_saved_view_raises():
    x = leaf([[1.0, 2.0], [3.0, 4.0]])
    w = leaf([[3.0, 4.0], [5.0, 6.0]])
    y = x @ w.T          # saves the transposed view of w
    with mg.no_grad():
        w.add_(1)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.sum().backward()


def test_in_place_change_of_an_unrelated_copy_is_fine():
    x = leaf([1.0, 2.0])
    w = leaf([3.0, 4.0])
    y = x * w
    with mg.no_grad():
        w.clone().mul_(2)
        (w * 1).mul_(2)
        mg.tensor(w).mul_(2)  # mg.tensor copies
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 4.0])


def test_a_view_of_an_already_changed_tensor_saves_the_current_version():
    class SaveView(mg.autograd.Function):  # returns a view of its input and saves it
        @staticmethod
        def forward(ctx, a):
            out = a[:]
            ctx.save_for_backward(out)
            return out

        @staticmethod
        def backward(ctx, grad):
            (out,) = ctx.saved_tensors
            return grad * 2

    x = leaf([1.0, 2.0])
    with mg.no_grad():
        x.add_(1)  # x is at version 1 before the view is made
    SaveView.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 2.0])


def test_set_grad_enabled_as_a_context_manager_as_torch():
    x = leaf([1.0])
    with mg.set_grad_enabled(False):
        assert not (x * 2).requires_grad
        with mg.set_grad_enabled(True):
            assert (x * 2).requires_grad
        assert not mg.is_grad_enabled()
    assert mg.is_grad_enabled()
