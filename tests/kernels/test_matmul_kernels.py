"""Blocked matmul kernel: every backend against np.matmul (BLAS), over odd shapes and layouts."""
import numpy as np
import pytest

# float32 sums of up to ~600 products: compare relative to the size of the result.
TOL = {np.float32: dict(rtol=1e-5, atol=1e-4), np.float64: dict(rtol=1e-12, atol=1e-11)}
DTYPES = [pytest.param(np.float32, id="float32"), pytest.param(np.float64, id="float64")]
SHAPES = [  # (M, K, N)
    pytest.param((1, 1, 1), id="1x1x1"),
    pytest.param((7, 13, 5), id="7x13x5"),
    pytest.param((64, 1, 64), id="64x1x64"),
    pytest.param((130, 257, 65), id="130x257x65"),
    # past every block edge of both compiled kernels (K > 512, N > 256, M and N not multiples of 4)
    pytest.param((6, 530, 515), id="6x530x515-blocks"),
]


def run(kernels, a, b):
    out = np.full((a.shape[0], b.shape[1]), np.nan, a.dtype)   # the kernel must overwrite it
    kernels.matmul_blocked(a, b, out)
    return out


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_backend_matches_blas(kernels, rng, shape, dtype):
    M, K, N = shape
    a = rng.standard_normal((M, K)).astype(dtype)
    b = rng.standard_normal((K, N)).astype(dtype)
    np.testing.assert_allclose(run(kernels, a, b), a @ b, **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_reference_is_blas(reference, rng, dtype):
    a = rng.standard_normal((5, 3)).astype(dtype)
    b = rng.standard_normal((3, 4)).astype(dtype)
    np.testing.assert_array_equal(run(reference, a, b), a @ b)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("source", ["transposed", "sliced", "negative-strides"])
def test_contiguous_copies_of_strided_sources(kernels, rng, source, dtype):
    big_a = rng.standard_normal((40, 30)).astype(dtype)
    big_b = rng.standard_normal((30, 40)).astype(dtype)
    view_a, view_b = {"transposed": (big_b.T, big_a.T),
                      "sliced": (big_a[3:40:2, 1:25], big_b[5:29, ::3]),
                      "negative-strides": (big_a[::-1, ::-1], big_b[::-1, ::-2])}[source]
    a, b = np.ascontiguousarray(view_a), np.ascontiguousarray(view_b)   # the op layer's guarantee
    np.testing.assert_allclose(run(kernels, a, b), view_a @ view_b, **TOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_read_only_inputs_are_accepted(kernels, rng, dtype):
    a = rng.standard_normal((9, 11)).astype(dtype)
    b = rng.standard_normal((11, 6)).astype(dtype)
    a.setflags(write=False)
    b.setflags(write=False)
    np.testing.assert_allclose(run(kernels, a, b), a @ b, **TOL[dtype])
