"""Convolution kernels: every backend against the NumPy reference, the reference against
PyTorch and against central finite differences."""
from __future__ import annotations

import itertools
import multiprocessing
import threading
from typing import NamedTuple

import numpy as np
import pytest

TOL = {
    np.float32: dict(rtol=1e-4, atol=1e-4),
    np.float64: dict(rtol=1e-10, atol=1e-10),
}
DTYPES = pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])


class Conv(NamedTuple):
    """One convolution problem: x[N,C,H,W] * w[O,C,KH,KW] with per-dimension settings."""
    n: int
    c: int
    h: int
    w: int
    o: int
    kh: int
    kw: int
    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int] = (0, 0)
    dilation: tuple[int, int] = (1, 1)

    @property
    def out_hw(self) -> tuple[int, int]:
        (sh, sw), (ph, pw), (dh, dw) = self.stride, self.padding, self.dilation
        return ((self.h + 2 * ph - dh * (self.kh - 1) - 1) // sh + 1,
                (self.w + 2 * pw - dw * (self.kw - 1) - 1) // sw + 1)

    @property
    def args(self) -> tuple[int, ...]:
        """The trailing kernel arguments sh, sw, ph, pw, dh, dw."""
        return (*self.stride, *self.padding, *self.dilation)

    def arrays(self, rng, dtype):
        """Random x, w and grad_out of this problem."""
        x = rng.standard_normal((self.n, self.c, self.h, self.w)).astype(dtype)
        w = rng.standard_normal((self.o, self.c, self.kh, self.kw)).astype(dtype)
        g = rng.standard_normal((self.n, self.o, *self.out_hw)).astype(dtype)
        return x, w, g


CASES = {
    "basic": Conv(2, 3, 7, 6, 4, 3, 3, padding=(1, 1)),
    "batch1_one_channel": Conv(1, 1, 8, 8, 1, 3, 3),
    "one_in_channel_many_out": Conv(3, 1, 9, 9, 5, 5, 5, padding=(2, 2)),
    "kernel_equals_input": Conv(2, 2, 5, 4, 3, 5, 4),
    "stride_gt_kernel": Conv(2, 2, 11, 11, 3, 2, 2, stride=(3, 3)),
    "stride_gt_kernel_padded": Conv(2, 2, 10, 9, 2, 2, 1, stride=(4, 3), padding=(1, 2)),
    "non_square": Conv(2, 3, 9, 13, 2, 3, 2, stride=(2, 1), padding=(1, 0), dilation=(1, 2)),
    "pad_with_dilation": Conv(2, 2, 8, 8, 3, 3, 3, padding=(2, 2), dilation=(2, 2)),
    "all_different": Conv(2, 3, 10, 7, 4, 3, 3, stride=(3, 2), padding=(2, 1), dilation=(2, 3)),
    "pointwise_padded_strided": Conv(2, 4, 6, 5, 3, 1, 1, stride=(2, 2), padding=(1, 1)),
    "padding_wider_than_input": Conv(2, 2, 1, 2, 3, 3, 3, padding=(3, 3), dilation=(3, 3)),
    "conv1d": Conv(2, 3, 1, 20, 2, 1, 5, stride=(1, 2), padding=(0, 2), dilation=(1, 2)),
    "lenet_like": Conv(2, 6, 14, 14, 16, 5, 5),
}
CASE_PARAMS = pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))


def run_kernels(k, case: Conv, x, w, g):
    """(out, grad_x, grad_w) of backend k. Outputs start as NaN: kernels must overwrite all."""
    out = np.full((case.n, case.o, *case.out_hw), np.nan, dtype=x.dtype)
    grad_x = np.full(x.shape, np.nan, dtype=x.dtype)
    grad_w = np.full(w.shape, np.nan, dtype=x.dtype)
    k.conv2d_forward(x, w, out, *case.args)
    k.conv2d_backward_input(g, w, grad_x, *case.args)
    k.conv2d_backward_weight(x, g, grad_w, *case.args)
    return out, grad_x, grad_w


def assert_same(got, want, dtype):
    for name, a, b in zip(("out", "grad_x", "grad_w"), got, want):
        assert a.dtype == dtype, name
        np.testing.assert_allclose(a, b, **TOL[dtype], err_msg=name)


# ---------------------------------------------------------------- backends vs reference

@DTYPES
@CASE_PARAMS
def test_backend_matches_reference(kernels, reference, rng, case, dtype):
    x, w, g = case.arrays(rng, dtype)
    assert_same(run_kernels(kernels, case, x, w, g), run_kernels(reference, case, x, w, g), dtype)


def _readonly(a):
    a.setflags(write=False)
    return a


# Ways an input can reach the op layer: a non-C-contiguous view holding the same values.
# The op layer hands kernels np.ascontiguousarray(view); that must change nothing.
LAYOUTS = {
    "transposed": lambda a: np.ascontiguousarray(a.transpose(3, 2, 1, 0)).transpose(3, 2, 1, 0),
    "sliced": lambda a: np.pad(a, 1)[1:-1, 1:-1, 1:-1, 1:-1],
    "strided": lambda a: np.repeat(a, 2, axis=3)[..., ::2],
    "negative_stride": lambda a: a[:, :, ::-1, ::-1].copy()[:, :, ::-1, ::-1],
    "readonly_fortran_order": lambda a: _readonly(a.copy(order="F")),
}


@pytest.mark.parametrize("layout", list(LAYOUTS), ids=list(LAYOUTS))
@DTYPES
def test_noncontiguous_sources_made_contiguous(kernels, reference, rng, layout, dtype):
    case = CASES["all_different"]
    x, w, g = case.arrays(rng, dtype)
    views = [LAYOUTS[layout](a) for a in (x, w, g)]
    assert not any(v.flags.c_contiguous for v in views)
    got = run_kernels(kernels, case, *(np.ascontiguousarray(v) for v in views))
    assert_same(got, run_kernels(reference, case, x, w, g), dtype)


@DTYPES
def test_readonly_inputs_accepted(kernels, reference, rng, dtype):
    case = CASES["non_square"]
    x, w, g = case.arrays(rng, dtype)
    want = run_kernels(reference, case, x, w, g)
    for a in (x, w, g):
        a.setflags(write=False)
    assert_same(run_kernels(kernels, case, x, w, g), want, dtype)


def test_backward_input_accumulates_overlaps_and_zeroes_gaps(kernels):
    # All-ones: grad_x counts how many windows read each pixel; stride 3 > kernel 2 leaves
    # pixels no window reads, whose gradient must be exactly 0.
    case = Conv(1, 1, 7, 7, 1, 2, 2, stride=(3, 3))
    g = np.ones((1, 1, *case.out_hw))
    grad_x = np.full((1, 1, 7, 7), np.nan)
    kernels.conv2d_backward_input(g, np.ones((1, 1, 2, 2)), grad_x, *case.args)
    row = np.array([1, 1, 0, 1, 1, 0, 0], dtype=float)
    np.testing.assert_array_equal(grad_x[0, 0], np.outer(row, row))
    overlap = Conv(1, 1, 4, 4, 1, 3, 3)
    grad_x = np.full((1, 1, 4, 4), np.nan)
    kernels.conv2d_backward_input(np.ones((1, 1, 2, 2)), np.ones((1, 1, 3, 3)), grad_x, *overlap.args)
    row = np.array([1, 2, 2, 1], dtype=float)
    np.testing.assert_array_equal(grad_x[0, 0], np.outer(row, row))


# ---------------------------------------------------------------- threads and fork

def _forward_in_child(backend_name, x, w, queue):
    from minigrad.kernels import load_backend
    case = CASES["basic"]
    out = np.empty((case.n, case.o, *case.out_hw))
    load_backend(backend_name).conv2d_forward(x, w, out, *case.args)
    queue.put(out)


def test_kernels_work_in_forked_child(kernels, rng):
    # A DataLoader worker forks after the parent ran kernels; GNU OpenMP would hang there.
    try:
        ctx = multiprocessing.get_context("fork")
    except ValueError:
        pytest.skip("no fork on this platform")
    case = CASES["basic"]
    x, w, _ = case.arrays(rng, np.float64)
    want = np.empty((case.n, case.o, *case.out_hw))
    kernels.conv2d_forward(x, w, want, *case.args)  # the parent uses its threads first
    queue = ctx.Queue()
    child = ctx.Process(target=_forward_in_child, args=(kernels.name, x, w, queue))
    child.start()
    child.join(timeout=60)
    if child.is_alive():
        child.kill()
        pytest.fail(f"backend {kernels.name!r} hung in a forked child")
    assert child.exitcode == 0
    np.testing.assert_allclose(queue.get(timeout=5), want, **TOL[np.float64])


def test_kernels_from_several_threads(kernels, rng):
    case = CASES["lenet_like"]
    x, w, g = case.arrays(rng, np.float64)
    want = run_kernels(kernels, case, x, w, g)
    results = [None] * 3

    def work(i):
        for _ in range(5):
            results[i] = run_kernels(kernels, case, x, w, g)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(results))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got in results:
        assert_same(got, want, np.float64)


# ---------------------------------------------------------------- reference vs PyTorch

TORCH_GRID = [
    Conv(2, 3, 9, 10, 4, 3, 3, stride=(s, s), padding=(p, p), dilation=(d, d))
    for s, p, d in itertools.product((1, 2, 3), (0, 1, 2), (1, 2))
] + [
    Conv(2, 2, 9, 11, 3, 3, 2, stride=(1, 3), padding=(2, 0), dilation=(2, 1)),
    Conv(2, 2, 12, 7, 3, 2, 3, stride=(2, 1), padding=(0, 1), dilation=(3, 2)),
    Conv(1, 2, 1, 16, 3, 1, 3, stride=(1, 2), padding=(0, 1), dilation=(1, 3)),
    CASES["stride_gt_kernel_padded"],
    CASES["padding_wider_than_input"],
]


@pytest.mark.parametrize("case", TORCH_GRID,
                         ids=[f"s{c.stride}-p{c.padding}-d{c.dilation}-k{c.kh}x{c.kw}" for c in TORCH_GRID])
def test_reference_matches_torch(reference, rng, case):
    torch = pytest.importorskip("torch")
    x, w, g = case.arrays(rng, np.float64)
    tx = torch.tensor(x, requires_grad=True)
    tw = torch.tensor(w, requires_grad=True)
    ty = torch.nn.functional.conv2d(tx, tw, stride=case.stride, padding=case.padding,
                                    dilation=case.dilation)
    ty.backward(torch.tensor(g))
    want = (ty.detach().numpy(), tx.grad.numpy(), tw.grad.numpy())
    assert_same(run_kernels(reference, case, x, w, g), want, np.float64)


# ---------------------------------------------------------------- reference vs finite differences

@pytest.mark.parametrize("case", [CASES["basic"], CASES["all_different"], CASES["stride_gt_kernel_padded"]],
                         ids=["basic", "all_different", "stride_gt_kernel_padded"])
def test_reference_backward_matches_finite_differences(reference, rng, case):
    x, w, g = case.arrays(rng, np.float64)
    _, grad_x, grad_w = run_kernels(reference, case, x, w, g)

    def loss():  # <conv(x, w), g>: its gradients are what the backward kernels return
        out = np.empty(g.shape)
        reference.conv2d_forward(x, w, out, *case.args)
        return float(np.sum(out * g))

    def central_difference(a, eps=1e-6):  # perturbs a (x or w) in place, entry by entry
        grad = np.empty_like(a)
        for idx in np.ndindex(a.shape):
            saved = a[idx]
            a[idx] = saved + eps
            up = loss()
            a[idx] = saved - eps
            down = loss()
            a[idx] = saved
            grad[idx] = (up - down) / (2 * eps)
        return grad

    np.testing.assert_allclose(central_difference(x), grad_x, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(central_difference(w), grad_w, rtol=1e-6, atol=1e-7)
