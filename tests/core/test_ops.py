"""OpInfo-style table of the core ops: each entry drives gradcheck (float64), and values and
gradients compared with PyTorch in float64 and float32, over contiguous, transposed and
sliced (non-contiguous) NumPy inputs."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest

import minigrad as mg
from core_oracle import assert_close, run_minigrad, run_torch, torch_or_skip


@dataclass
class OpInfo:
    """One op variant: the minigrad expression and the matching PyTorch one over the same inputs.

    ``torch_fn`` None means the expression reads the same in both libraries (method syntax).
    ``domain`` says how inputs are drawn, one word for all inputs or one per input:
    "real" (normal), "positive" (0.5..2), "away" (|x| in 0.3..2, no kink at 0), "distinct"
    (all inputs jointly well separated: no ties for max/min/maximum, no value near a clamp
    bound).  ``torch`` False: PyTorch cannot express it (negative steps), gradcheck only.
    """

    name: str
    fn: Callable
    torch_fn: Callable | None
    shapes: tuple
    domain: str | tuple = "real"
    torch: bool = True

    def __post_init__(self):
        if self.torch_fn is None:
            self.torch_fn = self.fn


def _t(array):
    """A NumPy index array as a torch tensor (inside the torch lambdas)."""
    import torch
    return torch.as_tensor(array)


def _torch():
    import torch
    return torch


MASK = np.array([[True, False, True, True], [False, False, True, False], [True, True, False, True]])
COND = np.array([[True, False, False, True], [False, True, True, False], [True, True, False, False]])

BROADCAST_PAIRS = {"same": ((3, 4), (3, 4)), "col_row": ((3, 1), (1, 4)), "3d_vec": ((2, 3, 4), (4,)),
                   "scalar_tensor": ((3, 4), ()), "tensor_scalar_rev": ((), (2, 3))}

OPS: list[OpInfo] = []
for pair, shapes in BROADCAST_PAIRS.items():
    OPS += [
        OpInfo(f"add-{pair}", lambda x, y: x + y, None, shapes),
        OpInfo(f"sub-{pair}", lambda x, y: x - y, None, shapes),
        OpInfo(f"mul-{pair}", lambda x, y: x * y, None, shapes),
        OpInfo(f"div-{pair}", lambda x, y: x / y, None, shapes, ("real", "away")),
        OpInfo(f"pow_tensor-{pair}", lambda x, y: x ** y, None, shapes, ("positive", "real")),
        OpInfo(f"maximum-{pair}", lambda x, y: mg.maximum(x, y), lambda x, y: _torch().maximum(x, y),
               shapes, "distinct"),
        OpInfo(f"minimum-{pair}", lambda x, y: mg.minimum(x, y), lambda x, y: _torch().minimum(x, y),
               shapes, "distinct"),
    ]

OPS += [
    # -- arithmetic with Python scalars, reflected forms, functions --------------------------
    OpInfo("add_scalar", lambda x: x + 2.5, None, [(3, 4)]),
    OpInfo("radd_scalar", lambda x: 2.5 + x, None, [(3, 4)]),
    OpInfo("rsub_scalar", lambda x: 2 - x, None, [(3, 4)]),
    OpInfo("mul_scalar", lambda x: x * 3, None, [(3, 4)]),
    OpInfo("rmul_scalar", lambda x: -1.5 * x, None, [(3, 4)]),
    OpInfo("div_scalar", lambda x: x / 4, None, [(3, 4)]),
    OpInfo("rdiv_scalar", lambda x: 2 / x, None, [(3, 4)], "away"),
    OpInfo("neg", lambda x: -x, None, [(3, 4)]),
    OpInfo("mg.add", lambda x, y: mg.add(x, y), lambda x, y: _torch().add(x, y), [(3, 1), (4,)]),
    OpInfo("mg.sub", lambda x, y: mg.sub(x, y), lambda x, y: _torch().sub(x, y), [(3, 4), (4,)]),
    OpInfo("mg.mul", lambda x, y: mg.mul(x, y), lambda x, y: _torch().mul(x, y), [(3, 4), (3, 1)]),
    OpInfo("mg.div", lambda x, y: mg.div(x, y), lambda x, y: _torch().div(x, y), [(3, 4), (4,)],
           ("real", "away")),
    OpInfo("mg.neg", lambda x: mg.neg(x), lambda x: _torch().neg(x), [(2, 3)]),
    OpInfo("pow_square", lambda x: x ** 2, None, [(3, 4)]),
    OpInfo("pow_cube", lambda x: x ** 3, None, [(3, 4)]),
    OpInfo("pow_sqrt", lambda x: x ** 0.5, None, [(3, 4)], "positive"),
    OpInfo("pow_negative", lambda x: x ** -1.5, None, [(3, 4)], "positive"),
    OpInfo("rpow_scalar", lambda x: 2 ** x, None, [(3, 4)]),
    OpInfo("rpow_float", lambda x: 2.5 ** x, None, [(3, 4)]),
    OpInfo("mg.pow", lambda x, y: mg.pow(x, y), lambda x, y: _torch().pow(x, y), [(3, 4), (4,)],
           ("positive", "real")),
    # -- unary ---------------------------------------------------------------------------------
    OpInfo("exp", lambda x: x.exp(), None, [(3, 4)]),
    OpInfo("mg.exp", lambda x: mg.exp(x), lambda x: _torch().exp(x), [(2, 3, 4)]),
    OpInfo("log", lambda x: x.log(), None, [(3, 4)], "positive"),
    OpInfo("mg.log", lambda x: mg.log(x), lambda x: _torch().log(x), [(5,)], "positive"),
    OpInfo("sqrt", lambda x: x.sqrt(), None, [(3, 4)], "positive"),
    OpInfo("mg.sqrt", lambda x: mg.sqrt(x), lambda x: _torch().sqrt(x), [()], "positive"),
    OpInfo("abs", lambda x: x.abs(), None, [(3, 4)], "away"),
    OpInfo("mg.abs", lambda x: mg.abs(x), lambda x: _torch().abs(x), [(4,)], "away"),
    OpInfo("clamp_min", lambda x: x.clamp(min=-0.2), None, [(3, 4)], "distinct"),
    OpInfo("clamp_max", lambda x: x.clamp(max=0.3), None, [(3, 4)], "distinct"),
    OpInfo("clamp_both", lambda x: x.clamp(-0.5, 0.5), None, [(3, 4)], "distinct"),
    OpInfo("mg.clamp", lambda x: mg.clamp(x, min=-0.5, max=0.5),
           lambda x: _torch().clamp(x, min=-0.5, max=0.5), [(4, 5)], "distinct"),
    OpInfo("clip", lambda x: x.clip(-0.5, 0.5), None, [(3, 4)], "distinct"),
    OpInfo("where", lambda x, y: mg.where(mg.tensor(COND), x, y),
           lambda x, y: _torch().where(_t(COND), x, y), [(3, 4), (3, 4)]),
    OpInfo("where_broadcast", lambda x, y: mg.where(COND, x, y),
           lambda x, y: _torch().where(_t(COND), x, y), [(3, 1), (4,)]),
    OpInfo("where_scalar", lambda x: mg.where(mg.tensor(COND), x, 0.0),
           lambda x: _torch().where(_t(COND), x, 0.0), [(3, 4)]),
    OpInfo("clone", lambda x: x.clone(), None, [(3, 4)]),
    # -- reductions ------------------------------------------------------------------------------
    OpInfo("sum", lambda x: x.sum(), None, [(3, 4)]),
    OpInfo("sum_dim", lambda x: x.sum(dim=1), None, [(3, 4)]),
    OpInfo("sum_neg_dim_keepdim", lambda x: x.sum(dim=-1, keepdim=True), None, [(2, 3, 4)]),
    OpInfo("sum_dims", lambda x: x.sum(dim=(0, 2)), None, [(2, 3, 4)]),
    OpInfo("sum_dims_keepdim", lambda x: x.sum(dim=(-1, 0), keepdim=True), None, [(2, 3, 4)]),
    OpInfo("mg.sum", lambda x: mg.sum(x, dim=0), lambda x: _torch().sum(x, dim=0), [(3, 4)]),
    OpInfo("mean", lambda x: x.mean(), None, [(3, 4)]),
    OpInfo("mean_dim", lambda x: x.mean(dim=0), None, [(3, 4)]),
    OpInfo("mean_neg_dim_keepdim", lambda x: x.mean(dim=-2, keepdim=True), None, [(2, 3, 4)]),
    OpInfo("mean_dims", lambda x: x.mean(dim=(1, 2)), None, [(2, 3, 4)]),
    OpInfo("mg.mean", lambda x: mg.mean(x, dim=1, keepdim=True),
           lambda x: _torch().mean(x, dim=1, keepdim=True), [(3, 4)]),
    OpInfo("max_all", lambda x: x.max(), None, [(3, 4)], "distinct"),
    OpInfo("min_all", lambda x: x.min(), None, [(3, 4)], "distinct"),
    OpInfo("max_dim", lambda x: x.max(dim=1), None, [(3, 4)], "distinct"),
    OpInfo("max_neg_dim_keepdim", lambda x: x.max(dim=-1, keepdim=True), None, [(2, 3, 4)], "distinct"),
    OpInfo("min_dim", lambda x: x.min(dim=0), None, [(3, 4)], "distinct"),
    OpInfo("min_dim_keepdim", lambda x: x.min(dim=-2, keepdim=True), None, [(2, 3, 4)], "distinct"),
    OpInfo("mg.max_dim", lambda x: mg.max(x, dim=0), lambda x: _torch().max(x, dim=0), [(3, 4)],
           "distinct"),
    OpInfo("mg.min_all", lambda x: mg.min(x), lambda x: _torch().min(x), [(3, 4)], "distinct"),
    OpInfo("var_dim", lambda x: x.var(dim=1), None, [(3, 4)]),
    # a 0-d tensor takes dim 0 or -1, as PyTorch
    OpInfo("sum_0d_dim", lambda x: x.sum(dim=0), None, [()]),
    OpInfo("mean_0d_dim_keepdim", lambda x: x.mean(dim=-1, keepdim=True), None, [()]),
    OpInfo("max_0d_dim", lambda x: x.max(dim=0), None, [()]),
    OpInfo("min_0d_dim_keepdim", lambda x: x.min(dim=-1, keepdim=True), None, [()]),
    OpInfo("softmax_0d", lambda x: x.softmax(0), None, [()]),
    OpInfo("log_softmax_0d", lambda x: x.log_softmax(-1), None, [()]),
    # -- shape -------------------------------------------------------------------------------------
    OpInfo("reshape", lambda x: x.reshape(4, 3), None, [(3, 4)]),
    OpInfo("reshape_tuple_neg1", lambda x: x.reshape((2, -1)), None, [(3, 4)]),
    OpInfo("reshape_flat", lambda x: x.reshape(-1), None, [(2, 3, 4)]),
    # minigrad's view is reshape (it copies when it must); torch.view refuses non-contiguous input
    OpInfo("view_neg1", lambda x: x.view(-1, 2), lambda x: x.reshape(-1, 2), [(3, 4)]),
    OpInfo("mg.reshape", lambda x: mg.reshape(x, (6, 2)), lambda x: _torch().reshape(x, (6, 2)),
           [(3, 4)]),
    OpInfo("transpose", lambda x: x.transpose(0, 1), None, [(3, 4)]),
    OpInfo("transpose_neg", lambda x: x.transpose(-1, -3), None, [(2, 3, 4)]),
    OpInfo("mg.transpose", lambda x: mg.transpose(x, 1, 2), lambda x: _torch().transpose(x, 1, 2),
           [(2, 3, 4)]),
    OpInfo("permute", lambda x: x.permute(2, 0, 1), None, [(2, 3, 4)]),
    OpInfo("permute_tuple_neg", lambda x: x.permute((-1, 0, -2)), None, [(2, 3, 4)]),
    OpInfo("mg.permute", lambda x: mg.permute(x, (1, 0)), lambda x: _torch().permute(x, (1, 0)),
           [(3, 4)]),
    OpInfo("T", lambda x: x.T, None, [(3, 4)]),
    OpInfo("squeeze_all", lambda x: x.squeeze(), None, [(3, 1, 4, 1)]),
    OpInfo("squeeze_dim", lambda x: x.squeeze(1), None, [(3, 1, 4, 1)]),
    OpInfo("squeeze_neg_dim", lambda x: x.squeeze(-1), None, [(3, 1, 4, 1)]),
    OpInfo("squeeze_noop", lambda x: x.squeeze(0), None, [(3, 1, 4, 1)]),
    OpInfo("unsqueeze", lambda x: x.unsqueeze(0), None, [(3, 4)]),
    OpInfo("unsqueeze_neg", lambda x: x.unsqueeze(-1), None, [(3, 4)]),
    OpInfo("mg.unsqueeze", lambda x: mg.unsqueeze(x, 1), lambda x: _torch().unsqueeze(x, 1), [(3, 4)]),
    OpInfo("mg.squeeze", lambda x: mg.squeeze(x), lambda x: _torch().squeeze(x), [(1, 4)]),
    OpInfo("flatten", lambda x: x.flatten(), None, [(2, 3, 4)]),
    OpInfo("flatten_start", lambda x: x.flatten(1), None, [(2, 3, 4)]),
    OpInfo("flatten_range_neg", lambda x: x.flatten(0, -2), None, [(2, 3, 4)]),
    OpInfo("mg.flatten", lambda x: mg.flatten(x, 1), lambda x: _torch().flatten(x, 1), [(2, 3, 4)]),
    OpInfo("expand", lambda x: x.expand(3, 4), None, [(3, 1)]),
    OpInfo("expand_new_dims", lambda x: x.expand(2, 3, 4), None, [(4,)]),
    OpInfo("expand_neg1", lambda x: x.expand(-1, 4), None, [(3, 1)]),
    OpInfo("expand_tuple", lambda x: x.expand((2, 3, 4)), None, [(3, 1)]),
    # -- indexing ------------------------------------------------------------------------------------
    OpInfo("index_int", lambda x: x[1], None, [(3, 4)]),
    OpInfo("index_neg_int", lambda x: x[-1], None, [(3, 4)]),
    OpInfo("index_slice", lambda x: x[1:3], None, [(3, 4)]),
    OpInfo("index_column", lambda x: x[:, 1], None, [(3, 4)]),
    OpInfo("index_ellipsis", lambda x: x[..., 0], None, [(2, 3, 4)]),
    OpInfo("index_none", lambda x: x[None, 1:], None, [(3, 4)]),
    OpInfo("index_scalar", lambda x: x[1, 2], None, [(3, 4)]),
    OpInfo("index_step", lambda x: x[::2, 1::2], None, [(3, 4)]),
    OpInfo("index_int_list", lambda x: x[[0, 2]], None, [(3, 4)]),
    OpInfo("index_int_array", lambda x: x[np.array([2, 0, 2])], lambda x: x[_t(np.array([2, 0, 2]))],
           [(3, 4)]),
    OpInfo("index_repeated", lambda x: x[[0, 0, 1]], None, [(3, 4)]),
    OpInfo("index_int_tensor", lambda x: x[mg.tensor([1, 1, -1])], lambda x: x[_t(np.array([1, 1, -1]))],
           [(3, 4)]),
    OpInfo("index_bool_mask", lambda x: x[MASK], lambda x: x[_t(MASK)], [(3, 4)]),
    OpInfo("index_bool_tensor", lambda x: x[mg.tensor(MASK)], lambda x: x[_t(MASK)], [(3, 4)]),
    OpInfo("index_row_mask", lambda x: x[np.array([True, False, True])],
           lambda x: x[_t(np.array([True, False, True]))], [(3, 4)]),
    OpInfo("index_slice_and_list", lambda x: x[:, [1, 3, 3]], None, [(3, 4)]),
    OpInfo("index_pairs", lambda x: x[[0, 1, 0], [2, 3, 2]], None, [(3, 4)]),
    OpInfo("index_neg_step", lambda x: x[::-1], None, [(3, 4)], torch=False),
    OpInfo("index_neg_step_2d", lambda x: x[:, ::-2], None, [(3, 4)], torch=False),
    # -- joining and splitting --------------------------------------------------------------------
    OpInfo("cat", lambda x, y: mg.cat([x, y]), lambda x, y: _torch().cat([x, y]), [(2, 3), (4, 3)]),
    OpInfo("cat_neg_dim", lambda x, y, z: mg.cat((x, y, z), dim=-1),
           lambda x, y, z: _torch().cat((x, y, z), dim=-1), [(2, 3), (2, 1), (2, 2)]),
    OpInfo("stack", lambda x, y: mg.stack([x, y]), lambda x, y: _torch().stack([x, y]), [(2, 3), (2, 3)]),
    OpInfo("stack_neg_dim", lambda x, y: mg.stack([x, y], dim=-1),
           lambda x, y: _torch().stack([x, y], dim=-1), [(2, 3), (2, 3)]),
    OpInfo("split_size", lambda x: x.split(2, dim=1), None, [(3, 5)]),
    OpInfo("split_sections", lambda x: x.split([1, 3], dim=-1), None, [(3, 4)]),
    OpInfo("mg.split", lambda x: mg.split(x, 2), lambda x: _torch().split(x, 2), [(5, 2)]),
    OpInfo("chunk", lambda x: x.chunk(2, dim=0), None, [(5, 2)]),
    OpInfo("mg.chunk", lambda x: mg.chunk(x, 3, dim=-1), lambda x: _torch().chunk(x, 3, dim=-1), [(2, 5)]),
    # -- matmul -------------------------------------------------------------------------------------------
    OpInfo("matmul_1d_1d", lambda a, b: a @ b, None, [(4,), (4,)]),
    OpInfo("matmul_1d_2d", lambda a, b: a @ b, None, [(4,), (4, 3)]),
    OpInfo("matmul_2d_1d", lambda a, b: a @ b, None, [(3, 4), (4,)]),
    OpInfo("matmul_2d", lambda a, b: a @ b, None, [(3, 4), (4, 2)]),
    OpInfo("matmul_batched", lambda a, b: a @ b, None, [(2, 3, 4), (2, 4, 2)]),
    OpInfo("matmul_broadcast_batch", lambda a, b: a @ b, None, [(2, 1, 3, 4), (5, 4, 2)]),
    OpInfo("matmul_2d_3d", lambda a, b: a.matmul(b), None, [(3, 4), (2, 4, 2)]),
    OpInfo("matmul_1d_3d", lambda a, b: mg.matmul(a, b), lambda a, b: _torch().matmul(a, b),
           [(4,), (2, 4, 3)]),
    OpInfo("matmul_3d_1d", lambda a, b: mg.matmul(a, b), lambda a, b: _torch().matmul(a, b),
           [(2, 3, 4), (4,)]),
    # -- activations --------------------------------------------------------------------------------------
    OpInfo("relu", lambda x: x.relu(), None, [(3, 4)], "away"),
    OpInfo("mg.relu", lambda x: mg.relu(x), lambda x: _torch().relu(x), [(2, 3, 4)], "away"),
    OpInfo("sigmoid", lambda x: x.sigmoid(), None, [(3, 4)]),
    OpInfo("mg.sigmoid", lambda x: mg.sigmoid(x), lambda x: _torch().sigmoid(x), [(5,)]),
    OpInfo("tanh", lambda x: x.tanh(), None, [(3, 4)]),
    OpInfo("mg.tanh", lambda x: mg.tanh(x), lambda x: _torch().tanh(x), [(2, 3)]),
    OpInfo("softmax", lambda x: x.softmax(dim=-1), None, [(3, 4)]),
    OpInfo("softmax_dim0", lambda x: x.softmax(0), None, [(3, 4)]),
    OpInfo("mg.softmax", lambda x: mg.softmax(x, dim=1), lambda x: _torch().softmax(x, dim=1), [(2, 3, 4)]),
    OpInfo("log_softmax", lambda x: x.log_softmax(dim=1), None, [(3, 4)]),
    OpInfo("mg.log_softmax", lambda x: mg.log_softmax(x, dim=-1),
           lambda x: _torch().log_softmax(x, dim=-1), [(2, 3, 4)]),
    # -- a composite: several ops in one graph --------------------------------------------------------
    OpInfo("composite", lambda x, w, b: ((x @ w + b).tanh() * 2 - 1).softmax(-1)[:, 1:].sum(0),
           None, [(3, 4), (4, 5), (5,)]),
]


# ---------------------------------------------------------------- inputs ----------------------------
LAYOUTS = ("contiguous", "transposed", "sliced")


def _values(domain: str, shape: tuple, rng) -> np.ndarray:
    if domain == "positive":
        return rng.uniform(0.5, 2.0, shape)
    if domain == "away":
        return rng.choice([-1.0, 1.0], shape) * rng.uniform(0.3, 2.0, shape)
    return rng.standard_normal(shape)


def _layout(values: np.ndarray, layout: str) -> np.ndarray:
    """The same values stored transposed or as a strided slice: non-contiguous NumPy data."""
    if layout == "transposed" and values.ndim >= 2:
        return np.ascontiguousarray(values.T).T
    if layout == "sliced" and values.ndim >= 1:
        wide = np.zeros(values.shape[:-1] + (2 * values.shape[-1],))
        wide[..., ::2] = values
        return wide[..., ::2]
    return values


def make_inputs(op: OpInfo, layout: str, seed: int = 0) -> list:
    rng = np.random.default_rng(seed)
    domains = op.domain if isinstance(op.domain, tuple) else (op.domain,) * len(op.shapes)
    if op.domain == "distinct":  # one permutation spread over every input: gaps of 0.1, no ties
        total = sum(int(np.prod(s)) for s in op.shapes)
        pool = (rng.permutation(total) - total / 2) * 0.1 + 0.05
        arrays, start = [], 0
        for shape in op.shapes:
            n = int(np.prod(shape))
            arrays.append(pool[start:start + n].reshape(shape))
            start += n
    else:
        arrays = [_values(d, s, rng) for d, s in zip(domains, op.shapes)]
    return [_layout(a, layout) for a in arrays]


def _cases(ops, torch_only: bool = False):
    for op in ops:
        if torch_only and not op.torch:
            continue
        layouts = ["contiguous"]
        if any(len(s) >= 2 for s in op.shapes):
            layouts.append("transposed")
        if any(len(s) >= 1 for s in op.shapes):
            layouts.append("sliced")
        for layout in layouts:
            yield pytest.param(op, layout, id=f"{op.name}-{layout}")


def test_layouts_really_are_non_contiguous():
    x = make_inputs(OpInfo("t", None, None, [(3, 4)]), "transposed")[0]
    s = make_inputs(OpInfo("s", None, None, [(3, 4)]), "sliced")[0]
    assert not x.flags.c_contiguous and not s.flags.c_contiguous


# ---------------------------------------------------------------- generic tests ---------------------
@pytest.mark.parametrize("op, layout", list(_cases(OPS)))
def test_gradcheck(op, layout):
    inputs = [mg.tensor(a, dtype=mg.float64, requires_grad=True) for a in make_inputs(op, layout)]
    assert mg.autograd.gradcheck(op.fn, inputs)


@pytest.mark.parametrize("op, layout", list(_cases(OPS, torch_only=True)))
def test_matches_torch_float64(op, layout):
    arrays = make_inputs(op, layout)
    values, grads, outputs, _ = run_minigrad(op.fn, arrays)
    t_values, t_grads, t_outputs, _ = run_torch(op.torch_fn, arrays)
    assert len(values) == len(t_values)
    for i, (v, tv, o, to) in enumerate(zip(values, t_values, outputs, t_outputs)):
        assert str(o.dtype) == str(to.dtype).replace("torch.", ""), f"output {i} dtype"
        assert o.requires_grad == to.requires_grad, f"output {i} requires_grad"
        assert_close(v, tv, what=f"{op.name}: output {i}")
    for i, (g, tg) in enumerate(zip(grads, t_grads)):
        if tg is None:
            assert g is None or not np.any(g), f"input {i}: torch has no gradient"
        else:
            assert g is not None, f"{op.name}: input {i} got no gradient"
            assert_close(g, tg, what=f"{op.name}: gradient of input {i}")


@pytest.mark.parametrize("op, layout", list(_cases(OPS, torch_only=True)))
def test_matches_torch_float32(op, layout):
    """Default-dtype (float32) inputs: the same dtypes as PyTorch and values within float32 noise."""
    torch = torch_or_skip()
    arrays = make_inputs(op, layout)
    values, grads, outputs, inputs = run_minigrad(op.fn, arrays, dtype=mg.float32)
    t_values, t_grads, t_outputs, _ = run_torch(op.torch_fn, arrays, dtype=torch.float32)
    for i, (v, tv, o, to) in enumerate(zip(values, t_values, outputs, t_outputs)):
        assert str(o.dtype) == str(to.dtype).replace("torch.", ""), f"output {i} dtype"
        assert_close(v, tv, rtol=1e-5, atol=1e-6, what=f"{op.name}: output {i}")
    for i, (g, tg, x) in enumerate(zip(grads, t_grads, inputs)):
        if tg is not None:
            assert g.dtype == np.float32, f"gradient of input {i} must come back in the leaf's dtype"
            assert_close(g, tg, rtol=1e-4, atol=1e-5, what=f"{op.name}: gradient of input {i}")


def test_argmax_argmin_match_torch():
    torch = torch_or_skip()
    data = np.array([[1.0, 3.0, 3.0], [2.0, -1.0, 2.0]])
    for fn in (lambda x: x.argmax(), lambda x: x.argmin(), lambda x: x.argmax(dim=1),
               lambda x: x.argmin(dim=0, keepdim=True), lambda x: x.argmax(dim=-1, keepdim=True)):
        mine, theirs = fn(mg.tensor(data)), fn(torch.tensor(data))
        assert mine.dtype == mg.int64 and mine.shape == tuple(theirs.shape)
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    for fn in (lambda x: x.argmax(dim=0), lambda x: x.argmin(dim=-1)):
        assert fn(mg.tensor(2.5)).item() == fn(torch.tensor(2.5)).item() == 0


def test_table_covers_the_required_ops():
    names = {op.name.split("-")[0] for op in OPS}
    required = {"add", "sub", "mul", "div", "pow_tensor", "rpow_scalar", "rsub_scalar", "rdiv_scalar",
                "neg", "exp", "log", "sqrt", "abs", "clamp_min", "clamp_max", "clamp_both", "where",
                "maximum", "minimum", "sum", "mean", "max_all", "min_all", "max_dim", "min_dim",
                "reshape", "view_neg1", "transpose", "permute", "squeeze_all", "unsqueeze", "flatten",
                "expand", "T", "index_int", "index_slice", "index_neg_step", "index_int_list",
                "index_bool_mask", "index_repeated", "cat", "stack", "split_size", "chunk",
                "matmul_1d_1d", "matmul_1d_2d", "matmul_2d_1d", "matmul_2d", "matmul_batched",
                "matmul_broadcast_batch", "relu", "sigmoid", "tanh", "softmax", "log_softmax"}
    assert required <= names, sorted(required - names)


# ---------------------------------------------------------------- tie policies -----------------------
def _tie_case(fn_mg, fn_torch, data):
    values, grads, _, _ = run_minigrad(fn_mg, [data])
    t_values, t_grads, _, _ = run_torch(fn_torch, [data])
    for v, tv in zip(values, t_values):
        assert_close(v, tv)
    assert_close(grads[0], t_grads[0], what="tie gradient")
    return grads[0]


TIES = np.array([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, -1.0, 2.0], [-4.0, -4.0, -4.0, 3.0]])


@pytest.mark.parametrize("kind", ["max", "min"])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_max_min_with_dim_ties_go_to_the_first_index(kind, dim, keepdim):
    fn = lambda x: getattr(x, kind)(dim=dim, keepdim=keepdim)  # noqa: E731
    values, _, outputs, _ = run_minigrad(fn, [TIES])
    t_values, _, t_outputs, _ = run_torch(fn, [TIES])
    np.testing.assert_array_equal(values[1], t_values[1])  # the indices
    assert outputs[1].dtype == mg.int64 and not outputs[1].requires_grad
    _tie_case(fn, fn, TIES)


@pytest.mark.parametrize("kind", ["max", "min"])
def test_max_min_over_all_split_the_gradient_among_ties(kind):
    data = np.array([[1.0, 3.0, 3.0], [3.0, -2.0, -2.0]])
    grad = _tie_case(lambda x: getattr(x, kind)(), lambda x: getattr(x, kind)(), data)
    winners = data == (data.max() if kind == "max" else data.min())
    np.testing.assert_allclose(grad[~winners], 0.0)
    np.testing.assert_allclose(grad[winners], grad.sum() / winners.sum())  # equal shares


@pytest.mark.parametrize("name", ["maximum", "minimum"])
def test_maximum_minimum_ties_split_half_half(name):
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = mg.tensor([1.0, 5.0, 3.0], requires_grad=True)
    getattr(mg, name)(x, y).sum().backward()
    torch = torch_or_skip()
    tx = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    ty = torch.tensor([1.0, 5.0, 3.0], requires_grad=True)
    getattr(torch, name)(tx, ty).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())
    np.testing.assert_allclose(y.grad.numpy(), ty.grad.numpy())
    assert x.grad.numpy()[0] == 0.5 and y.grad.numpy()[2] == 0.5


def test_clamp_gradient_at_the_bounds_matches_torch():
    data = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    for kwargs in ({"min": -0.5}, {"max": 0.5}, {"min": -0.5, "max": 0.5}):
        _tie_case(lambda x: x.clamp(**kwargs), lambda x: x.clamp(**kwargs), data)


def test_relu_and_abs_gradient_at_zero_match_torch():
    data = np.array([-1.0, 0.0, 2.0])
    _tie_case(lambda x: x.relu(), lambda x: x.relu(), data)
    _tie_case(lambda x: x.abs(), lambda x: x.abs(), data)


def test_pow_at_zero_matches_torch():
    """0 ** 0 and the exponent gradient at base 0 follow PyTorch (no NaN from 0 · log 0)."""
    data = np.array([0.0, 1.0, 2.0])
    _tie_case(lambda x: x ** 0, lambda x: x ** 0, data)
    _tie_case(lambda x: x ** 2, lambda x: x ** 2, data)
    _tie_case(lambda y: 0.0 ** y, lambda y: 0.0 ** y, np.array([1.0, 2.0, 0.5]))
    base = np.array([0.0, 0.0, 2.0])
    exponent = np.array([2.0, 0.0, 3.0])
    values, grads, _, _ = run_minigrad(lambda a, b: a ** b, [base, exponent])
    t_values, t_grads, _, _ = run_torch(lambda a, b: a ** b, [base, exponent])
    assert_close(values[0], t_values[0])
    assert_close(grads[0], t_grads[0], what="base gradient")
    assert_close(grads[1], t_grads[1], what="exponent gradient")


# ---------------------------------------------------------------- numerical stability ----------------
@pytest.mark.parametrize("name", ["sigmoid", "softmax", "log_softmax", "tanh"])
def test_activations_at_huge_logits_have_no_overflow_or_nan(name):
    """±1000 logits: no overflow/invalid/divide warning in forward or backward, values correct.

    Underflow to 0 (e.g. exp(-1000)) is the correct result, so only the harmful
    floating-point events are made errors."""
    import warnings

    data = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, 1000.0]])
    fn = (lambda x: getattr(x, name)(dim=-1)) if "softmax" in name else (lambda x: getattr(x, name)())
    for dtype in (mg.float32, mg.float64):
        with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
            warnings.simplefilter("error")
            x = mg.tensor(data, dtype=dtype, requires_grad=True)
            out = fn(x)
            (out * mg.tensor(np.arange(6.0).reshape(2, 3), dtype=dtype)).sum().backward()
        assert np.all(np.isfinite(out.numpy())) and np.all(np.isfinite(x.grad.numpy()))
        torch = pytest.importorskip("torch")
        tdtype = torch.float32 if dtype == mg.float32 else torch.float64
        tx = torch.tensor(data, dtype=tdtype, requires_grad=True)
        t_out = fn(tx)
        (t_out * torch.arange(6.0, dtype=tdtype).reshape(2, 3)).sum().backward()
        np.testing.assert_allclose(out.numpy(), t_out.detach().numpy(), rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6, atol=1e-6)


def test_split_and_chunk_of_an_empty_dim_give_empty_pieces_as_pytorch():
    # PyTorch: split(k) of an empty dim is one empty piece; chunk(n) is n empty pieces.
    assert [p.shape for p in mg.zeros(0).split(2)] == [(0,)]
    assert [p.shape for p in mg.zeros(0, 2).chunk(3)] == [(0, 2)] * 3
    assert [p.shape for p in mg.zeros(0, 2).chunk(2, 1)] == [(0, 1)] * 2
