"""Adam update kernel: the reference against PyTorch's Adam/AdamW, every backend against the
reference (dtypes, odd sizes, every option), and the optimiser over non-contiguous parameters."""
import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.optim as optim

DTYPES = [pytest.param(np.float32, id="float32"), pytest.param(np.float64, id="float64")]
TOL = {np.float32: dict(rtol=2e-6, atol=1e-7), np.float64: dict(rtol=1e-14, atol=1e-15)}
OPTIONS = [  # amsgrad, weight_decay, param_scale
    pytest.param(False, 0.0, 1.0, id="plain"),
    pytest.param(False, 0.1, 1.0, id="l2"),
    pytest.param(False, 0.0, 0.999, id="decoupled"),
    pytest.param(True, 0.1, 1.0, id="amsgrad-l2"),
]


def adam_arrays(rng, size, dtype):
    """param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq of a parameter some steps into training."""
    param, grad, exp_avg = (rng.standard_normal(size).astype(dtype) for _ in range(3))
    exp_avg_sq = (np.abs(rng.standard_normal(size)) * 0.01).astype(dtype)
    max_exp_avg_sq = (exp_avg_sq * rng.uniform(0.5, 1.5, size)).astype(dtype)  # above v in places, below in others
    return [param, grad, exp_avg * 0.1, exp_avg_sq, max_exp_avg_sq]


def run(kernels, arrays, amsgrad, weight_decay, param_scale, step=4, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
    arrays = [a.copy() for a in arrays]
    kernels.adam_update(*arrays, amsgrad, *betas, lr / (1 - betas[0] ** step), math.sqrt(1 - betas[1] ** step),
                        eps, weight_decay, param_scale)
    return arrays


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("size", [1, 7, 65537, 3 * 65536 + 5], ids=["1", "7", "slice+1", "3slices+5"])
@pytest.mark.parametrize("amsgrad,weight_decay,param_scale", OPTIONS)
def test_backend_matches_reference(kernels, reference, rng, dtype, size, amsgrad, weight_decay, param_scale):
    arrays = adam_arrays(rng, size, dtype)
    want = run(reference, arrays, amsgrad, weight_decay, param_scale)
    got = run(kernels, arrays, amsgrad, weight_decay, param_scale)
    for name, g, w in zip(["param", "grad", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"], got, want):
        np.testing.assert_allclose(g, w, **TOL[dtype], err_msg=name)
    assert not np.array_equal(got[0], arrays[0])  # the parameter did move
    np.testing.assert_array_equal(got[1], arrays[1])  # the gradient is only read
    if not amsgrad:
        np.testing.assert_array_equal(got[4], arrays[4])  # not touched without amsgrad


def test_backend_keeps_nan_and_inf(kernels, reference):
    arrays = adam_arrays(np.random.default_rng(3), 4, np.float64)
    arrays[1][:] = [np.nan, np.inf, -np.inf, 1.0]
    with np.errstate(invalid="ignore"):  # inf - inf in the moments: NaN is the expected answer
        want = run(reference, arrays, False, 0.0, 1.0)
        got = run(kernels, arrays, False, 0.0, 1.0)
    np.testing.assert_array_equal(np.isnan(got[0]), np.isnan(want[0]))
    assert np.isnan(got[0][:3]).all() and np.isfinite(got[0][3])


@pytest.mark.parametrize("amsgrad,weight_decay,param_scale", OPTIONS)
def test_reference_matches_torch_adam(reference, rng, amsgrad, weight_decay, param_scale):
    torch = pytest.importorskip("torch")
    lr, steps = 0.01, 5
    decoupled = param_scale != 1.0
    wd = (1 - param_scale) / lr if decoupled else weight_decay
    p0 = rng.standard_normal(11)
    grads = [rng.standard_normal(11) for _ in range(steps)]
    p_t = torch.tensor(p0, requires_grad=True)
    opt_t = (torch.optim.AdamW if decoupled else torch.optim.Adam)([p_t], lr=lr, weight_decay=wd, amsgrad=amsgrad)
    param, m, v, v_max = p0.copy(), np.zeros(11), np.zeros(11), np.zeros(11)
    for step, g in enumerate(grads, start=1):
        p_t.grad = torch.tensor(g)
        opt_t.step()
        reference.adam_update(param, g, m, v, v_max, amsgrad, 0.9, 0.999, lr / (1 - 0.9 ** step),
                              math.sqrt(1 - 0.999 ** step), 1e-8, 0.0 if decoupled else wd,
                              1 - lr * wd if decoupled else 1.0)
    np.testing.assert_allclose(param, p_t.detach().numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("backend", ["numpy", "numba", "cython"])
@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_over_non_contiguous_parameter(backend, amsgrad):
    """A parameter that is a transposed view updates in place like a contiguous one."""
    from conftest import get_kernels
    get_kernels(backend)
    rng = np.random.default_rng(5)
    base = rng.standard_normal((6, 9))
    grads = [rng.standard_normal((9, 6)) for _ in range(3)]
    results = []
    for layout in ("contiguous", "transposed"):
        data = np.ascontiguousarray(base.T) if layout == "contiguous" else base.copy().T
        p = nn.Parameter(mg.tensor(data, dtype=mg.float64))
        p.data = data  # keep the exact layout
        assert p.data.flags.c_contiguous == (layout == "contiguous")
        opt = optim.Adam([p], lr=0.1, amsgrad=amsgrad, weight_decay=0.01)
        with mg.use_backend(backend):
            for g in grads:
                p.grad = mg.tensor(g, dtype=mg.float64)
                opt.step()
        results.append(p.data.copy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-13, atol=1e-15)
