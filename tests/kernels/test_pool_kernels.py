"""Pool kernels: every backend against the reference, the reference against PyTorch, and the
reference backwards against float64 central differences."""
import itertools

import numpy as np
import pytest

TOL = {np.float32: dict(rtol=1e-5, atol=1e-6), np.float64: dict(rtol=1e-12, atol=1e-12)}
DTYPES = [pytest.param(np.float32, id="float32"), pytest.param(np.float64, id="float64")]

# id -> (x shape N, C, H, W, then kh, kw, sh, sw, ph, pw)
CASES = {
    "2x2-stride2": ((2, 3, 8, 8), 2, 2, 2, 2, 0, 0),
    "3x3-stride1-pad1-overlapping": ((2, 2, 7, 6), 3, 3, 1, 1, 1, 1),
    "batch1-one-channel": ((1, 1, 5, 5), 2, 2, 1, 1, 0, 0),
    "kernel-equals-input": ((2, 3, 5, 4), 5, 4, 1, 1, 0, 0),
    "stride-larger-than-kernel": ((1, 2, 11, 10), 2, 2, 4, 3, 0, 0),
    "non-square-kernel-stride-pad": ((2, 2, 9, 7), 3, 2, 2, 1, 1, 0),
    "non-square-wide": ((1, 3, 6, 9), 2, 4, 1, 3, 1, 2),
    "1x1": ((2, 2, 3, 4), 1, 1, 1, 1, 0, 0),
}
CASE_PARAMS = [pytest.param(*case, id=name) for name, case in CASES.items()]


def out_shape(x_shape, kh, kw, sh, sw, ph, pw):
    N, C, H, W = x_shape
    return N, C, (H + 2 * ph - kh) // sh + 1, (W + 2 * pw - kw) // sw + 1


def run_all(k, x, grad_out, params):
    """Every pool kernel of namespace ``k`` on x; outputs start as NaN (argmax as -7) so a
    kernel must overwrite all of them."""
    shape = out_shape(x.shape, *params)
    r = {"max": np.full(shape, np.nan, x.dtype), "argmax": np.full(shape, -7, np.int64),
         "avg": np.full(shape, np.nan, x.dtype),
         "max_grad": np.full(x.shape, np.nan, x.dtype), "avg_grad": np.full(x.shape, np.nan, x.dtype)}
    k.max_pool2d_forward(x, r["max"], r["argmax"], *params)
    argmax = r["argmax"].copy()
    argmax.setflags(write=False)
    k.max_pool2d_backward(grad_out, argmax, r["max_grad"])
    k.avg_pool2d_forward(x, r["avg"], *params)
    k.avg_pool2d_backward(grad_out, r["avg_grad"], *params)
    return r


def assert_same(got, want, dtype):
    np.testing.assert_array_equal(got["argmax"], want["argmax"])
    np.testing.assert_array_equal(got["max"], want["max"])       # a max is a copy: exact
    for name in ("avg", "max_grad", "avg_grad"):
        np.testing.assert_allclose(got[name], want[name], **TOL[dtype], err_msg=name)


def read_only(*arrays):
    for a in arrays:
        a.setflags(write=False)
    return arrays


def random_case(rng, x_shape, params, dtype):
    x = rng.standard_normal(x_shape).astype(dtype)
    g = rng.standard_normal(out_shape(x_shape, *params)).astype(dtype)
    return x, g


# ---- every backend equals the reference ----------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("x_shape, kh, kw, sh, sw, ph, pw", CASE_PARAMS)
def test_backend_matches_reference(kernels, reference, rng, x_shape, kh, kw, sh, sw, ph, pw, dtype):
    params = (kh, kw, sh, sw, ph, pw)
    x, g = read_only(*random_case(rng, x_shape, params, dtype))
    assert_same(run_all(kernels, x, g, params), run_all(reference, x, g, params), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("source", ["transposed", "sliced", "negative-strides"])
def test_contiguous_copies_of_strided_sources(kernels, reference, rng, source, dtype):
    params = (3, 2, 2, 1, 1, 1)
    big = rng.standard_normal((3, 4, 11, 12)).astype(dtype)
    view = {"transposed": big.transpose(1, 0, 3, 2),
            "sliced": big[1:, ::2, 2:9, 1::2],
            "negative-strides": big[::-1, :, ::-1, ::-2]}[source]
    x = np.ascontiguousarray(view)                 # the op layer's guarantee
    g = rng.standard_normal(out_shape(x.shape, *params)).astype(dtype)
    assert_same(run_all(kernels, x, g, params), run_all(reference, x, g, params), dtype)
    np.testing.assert_array_equal(x, view)          # inputs untouched


@pytest.mark.parametrize("dtype", DTYPES)
def test_ties_pick_the_first_maximum(kernels, reference, rng, dtype):
    params = (3, 3, 1, 1, 1, 1)
    x = rng.integers(0, 3, size=(2, 2, 6, 7)).astype(dtype)   # many equal maxima per window
    x[0, 0] = 1                                                 # a constant plane
    g = np.ones(out_shape(x.shape, *params), dtype)
    got, want = run_all(kernels, x, g, params), run_all(reference, x, g, params)
    assert_same(got, want, dtype)
    # constant plane, 3x3 window padded by 1: the first in-plane element of each window
    first = np.maximum(np.arange(6) - 1, 0)[:, None] * 7 + np.maximum(np.arange(7) - 1, 0)[None, :]
    np.testing.assert_array_equal(got["argmax"][0, 0], first)


@pytest.mark.parametrize("dtype", DTYPES)
def test_nan_and_inf_propagate(kernels, reference, rng, dtype):
    params = (2, 3, 1, 2, 1, 1)
    x = rng.standard_normal((2, 2, 6, 7)).astype(dtype)
    x[0, 0, 2, 3] = np.nan
    x[0, 1, 1, 1] = x[0, 1, 2, 2] = np.nan       # two NaNs in one window: PyTorch keeps the last
    x[1, 0, 4, 4] = np.inf
    x[1, 1] = -np.inf                             # windows of -inf: the first in-plane element
    g = rng.standard_normal(out_shape(x.shape, *params)).astype(dtype)
    got, want = run_all(kernels, x, g, params), run_all(reference, x, g, params)
    assert_same(got, want, dtype)
    assert np.isnan(got["max"][0, 0]).any() and np.isnan(got["avg"][0, 0]).any()
    assert np.isposinf(got["max"][1, 0]).any()
    assert np.isneginf(got["max"][1, 1]).all()


@pytest.mark.parametrize("dtype", DTYPES)
def test_overlapping_windows_accumulate(kernels, dtype):
    params = (3, 3, 1, 1, 0, 0)
    x = np.zeros((1, 1, 5, 5), dtype)
    x[0, 0, 2, 2] = 1                              # the max of all 9 windows
    g = np.ones((1, 1, 3, 3), dtype)
    r = run_all(kernels, x, g, params)
    assert r["max_grad"][0, 0, 2, 2] == 9 and r["max_grad"].sum() == 9
    np.testing.assert_allclose(r["avg_grad"][0, 0, 2, 2], 1.0, **TOL[dtype])   # 9 windows x 1/9
    np.testing.assert_allclose(r["avg_grad"].sum(), 9.0, **TOL[dtype])


# ---- the reference equals PyTorch ----------------------------------------------------------

@pytest.mark.parametrize("kh, kw", list(itertools.product((1, 2, 3), repeat=2)))
def test_reference_matches_torch(reference, rng, kh, kw):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    for sh, sw, ph, pw in itertools.product((1, 2, 3), (1, 2, 3), range(kh // 2 + 1), range(kw // 2 + 1)):
        params = (kh, kw, sh, sw, ph, pw)
        x = rng.integers(-4, 5, size=(2, 3, 7, 8)).astype(np.float64)   # ties
        x[0] = rng.standard_normal((3, 7, 8))
        x[1, 0, 3, 3] = x[1, 0, 4, 4] = np.nan
        x[1, 1] = -np.inf
        g = rng.standard_normal(out_shape(x.shape, *params))
        mine = run_all(reference, x, g, params)

        t = torch.tensor(x, requires_grad=True)
        out, idx = F.max_pool2d(t, (kh, kw), (sh, sw), (ph, pw), return_indices=True)
        out.backward(torch.tensor(g))
        np.testing.assert_array_equal(mine["max"], out.detach().numpy(), err_msg=str(params))
        np.testing.assert_array_equal(mine["argmax"], idx.numpy(), err_msg=str(params))
        np.testing.assert_allclose(mine["max_grad"], t.grad.numpy(), rtol=1e-12, atol=1e-12)

        t = torch.tensor(x, requires_grad=True)
        out = F.avg_pool2d(t, (kh, kw), (sh, sw), (ph, pw), count_include_pad=True)
        out.backward(torch.tensor(g))
        np.testing.assert_allclose(mine["avg"], out.detach().numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(mine["avg_grad"], t.grad.numpy(), rtol=1e-12, atol=1e-12)


# ---- the reference backwards equal float64 central differences -----------------------------

def numeric_grad(f, x, eps=1e-6):
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        saved = x[i]
        x[i] = saved + eps
        up = f(x)
        x[i] = saved - eps
        down = f(x)
        x[i] = saved
        grad[i] = (up - down) / (2 * eps)
    return grad


@pytest.mark.parametrize("params", [(3, 2, 2, 1, 1, 1), (2, 2, 1, 1, 0, 0)], ids=["3x2-pad", "2x2-overlap"])
def test_reference_backward_matches_central_differences(reference, rng, params):
    x = rng.standard_normal((1, 2, 5, 4))          # continuous values: no ties, max is smooth
    g = rng.standard_normal(out_shape(x.shape, *params))
    out = np.empty(g.shape)
    argmax = np.empty(g.shape, np.int64)

    def avg_loss(x):
        reference.avg_pool2d_forward(x, out, *params)
        return float((out * g).sum())

    def max_loss(x):
        reference.max_pool2d_forward(x, out, argmax, *params)
        return float((out * g).sum())

    grad = np.empty_like(x)
    reference.avg_pool2d_backward(g, grad, *params)
    np.testing.assert_allclose(grad, numeric_grad(avg_loss, x), rtol=1e-7, atol=1e-8)
    reference.max_pool2d_forward(x, out, argmax, *params)
    reference.max_pool2d_backward(g, argmax, grad)
    np.testing.assert_allclose(grad, numeric_grad(max_loss, x), rtol=1e-7, atol=1e-8)
