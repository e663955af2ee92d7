"""The conv/pool ops on top of the kernels: values and gradients vs PyTorch on every backend,
float64 gradcheck, awkward inputs (non-contiguous, read-only, float64, integer) and the checks
that run before any kernel."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.kernels import BACKENDS
from nn_oracle import assert_close, compare, torch_or_skip
from conftest import get_kernels

CONV2D_CASES = [  # x shape, w shape, stride, padding, dilation
    ((2, 3, 7, 6), (4, 3, 3, 3), 1, 0, 1),
    ((1, 1, 5, 5), (1, 1, 3, 3), 2, 1, 1),
    ((2, 2, 8, 9), (3, 2, 3, 2), (2, 1), (1, 0), (1, 2)),
    ((1, 1, 4, 4), (2, 1, 4, 4), 1, 0, 1),          # kernel equal to the input
    ((2, 1, 9, 9), (2, 1, 2, 2), 3, 0, 1),          # stride larger than the kernel
]
POOL_CASES = [  # x shape, kernel, stride, padding
    ((2, 3, 6, 6), 2, None, 0),
    ((1, 2, 7, 5), (3, 2), (2, 1), (1, 1)),
    ((2, 1, 5, 5), 3, 1, 1),                        # overlapping windows
    ((1, 1, 4, 4), 4, None, 0),
]


@pytest.fixture(params=BACKENDS)
def backend(request):
    get_kernels(request.param)
    with mg.use_backend(request.param):
        yield request.param


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("x_shape, w_shape, stride, padding, dilation", CONV2D_CASES)
def test_conv2d_matches_torch(backend, dtype, x_shape, w_shape, stride, padding, dilation):
    torch = torch_or_skip()
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])
    compare(lambda x, w, b: F.conv2d(x, w, b, stride, padding, dilation),
            lambda x, w, b: torch.nn.functional.conv2d(x, w, b, stride, padding, dilation),
            x, w, b, dtype=dtype, scale=10)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_conv1d_matches_torch(backend, dtype):
    torch = torch_or_skip()
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((2, 3, 11)), rng.standard_normal((4, 3, 3)), rng.standard_normal(4)
    compare(lambda x, w, b: F.conv1d(x, w, b, stride=2, padding=1, dilation=2),
            lambda x, w, b: torch.nn.functional.conv1d(x, w, b, stride=2, padding=1, dilation=2),
            x, w, b, dtype=dtype, scale=10)


@pytest.mark.parametrize("x_shape, kernel, stride, padding", POOL_CASES)
def test_pooling_matches_torch(backend, x_shape, kernel, stride, padding):
    torch = torch_or_skip()
    x = np.random.default_rng(2).standard_normal(x_shape)
    compare(lambda x: F.max_pool2d(x, kernel, stride, padding),
            lambda x: torch.nn.functional.max_pool2d(x, kernel, stride, padding), x)
    compare(lambda x: F.avg_pool2d(x, kernel, stride, padding),
            lambda x: torch.nn.functional.avg_pool2d(x, kernel, stride, padding), x)


def test_max_pool1d_and_indices_match_torch(backend):
    torch = torch_or_skip()
    x = np.random.default_rng(3).standard_normal((2, 3, 9))
    compare(lambda x: F.max_pool1d(x, 3, 2, 1), lambda x: torch.nn.functional.max_pool1d(x, 3, 2, 1), x)
    _, mine = F.max_pool1d(mg.tensor(x), 3, 2, 1, return_indices=True)
    _, theirs = torch.nn.functional.max_pool1d(torch.tensor(x), 3, 2, 1, return_indices=True)
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    x2 = np.random.default_rng(4).standard_normal((2, 3, 6, 6))
    _, mine = F.max_pool2d(mg.tensor(x2), 2, return_indices=True)
    _, theirs = torch.nn.functional.max_pool2d(torch.tensor(x2), 2, return_indices=True)
    np.testing.assert_array_equal(mine.numpy(), theirs.numpy())


@pytest.mark.parametrize("x_shape, w_shape, stride, padding, dilation", CONV2D_CASES[:3])
def test_conv2d_gradcheck(backend, x_shape, w_shape, stride, padding, dilation):
    rng = np.random.default_rng(5)
    x = mg.tensor(rng.standard_normal(x_shape)[:1, :, :5, :5], dtype=mg.float64, requires_grad=True)
    w = mg.tensor(rng.standard_normal(w_shape), dtype=mg.float64, requires_grad=True)
    b = mg.tensor(rng.standard_normal(w_shape[0]), dtype=mg.float64, requires_grad=True)
    assert mg.autograd.gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride, padding, dilation), [x, w, b])


def test_pool_gradcheck(backend):
    x = mg.tensor(np.random.default_rng(6).permutation(50).reshape(1, 2, 5, 5) / 7.0, dtype=mg.float64,
                  requires_grad=True)  # distinct values: no ties for finite differences to straddle
    assert mg.autograd.gradcheck(lambda x: F.max_pool2d(x, 3, 1, 1), [x])
    assert mg.autograd.gradcheck(lambda x: F.avg_pool2d(x, 3, 2, 1), [x])


@pytest.mark.parametrize("layout", ["transposed", "sliced", "negative_stride", "read_only", "float64", "int"])
def test_awkward_inputs_give_the_reference_result(backend, layout):
    rng = np.random.default_rng(7)
    base = rng.standard_normal((2, 2, 9, 9)).astype(np.float32)
    weight = mg.tensor(rng.standard_normal((3, 2, 3, 3)).astype(np.float32))
    if layout == "transposed":
        data = np.ascontiguousarray(base.transpose(0, 1, 3, 2)).transpose(0, 1, 3, 2)
    elif layout == "sliced":
        data = np.repeat(base, 2, axis=3)[..., ::2]
    elif layout == "negative_stride":
        data = np.ascontiguousarray(base[..., ::-1])[..., ::-1]
    elif layout == "read_only":
        data = base.copy()
        data.flags.writeable = False
    elif layout == "float64":
        data = base.astype(np.float64)
    else:
        data = (base * 3).astype(np.int64)
        base = data.astype(np.float32)
    x = mg.Tensor._wrap(data)  # keep the awkward array as it is (mg.tensor would copy it)
    expected_dtype = np.float64 if layout == "float64" else np.float32
    with mg.use_backend("numpy"):
        expected = F.conv2d(mg.tensor(base), weight, padding=1).numpy()
        expected_pool = F.max_pool2d(mg.tensor(base), 2).numpy()
    out = F.conv2d(x, weight, padding=1)
    assert out.dtype == expected_dtype
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(F.max_pool2d(x, 2).numpy(), expected_pool, rtol=1e-6)


def test_backward_uses_the_backend_of_its_forward():
    available = mg.available_backends()
    x = mg.randn(1, 1, 6, 6, requires_grad=True)
    w = mg.randn(2, 1, 3, 3, requires_grad=True)
    with mg.use_backend("numpy"):
        out = F.conv2d(x, w)
    assert out.grad_fn.kernels.name == "numpy"
    other = [b for b in available if b != "numpy"]
    with mg.use_backend(other[0] if other else "numpy"):
        out.sum().backward()
    assert x.grad is not None and w.grad is not None


CHECKS = [
    (lambda: F.conv2d(mg.randn(1, 3, 5, 5), mg.randn(2, 1, 3, 3)), ValueError, r"3 channels.*expects 1"),
    (lambda: F.conv2d(mg.randn(3, 5, 5, 5, 5), mg.randn(2, 3, 3, 3)), ValueError, r"4-D input.*\(3, 5, 5, 5, 5\)"),
    (lambda: F.conv2d(mg.randn(1, 1, 3, 3), mg.randn(1, 1, 5, 5)), ValueError, r"kernel height 5.*padded input height 3"),
    (lambda: F.conv2d(mg.randn(1, 1, 5, 5), mg.randn(1, 1, 3, 3), stride=0), ValueError, r"stride must be positive.*\(0, 0\)"),
    (lambda: F.conv2d(mg.randn(1, 1, 5, 5), mg.randn(1, 1, 3, 3), padding=-1), ValueError, r"padding must be non-negative"),
    (lambda: F.conv2d(mg.randn(1, 1, 5, 5), mg.randn(1, 1, 3, 3), mg.randn(2)), ValueError, r"bias shape \(2,\).*1 output"),
    (lambda: F.conv2d(mg.randn(1, 1, 5, 5), mg.ones(1, 1, 3, 3, dtype=mg.int64)), TypeError, r"weight must be float.*int64"),
    (lambda: F.conv1d(mg.randn(1, 2, 5), mg.randn(1, 2, 3, 3)), ValueError, r"3-D weight.*\(1, 2, 3, 3\)"),
    (lambda: F.max_pool2d(mg.randn(1, 1, 3, 3), 4), ValueError, r"kernel height 4.*padded input height 3"),
    (lambda: F.max_pool2d(mg.randn(1, 1, 6, 6), 2, padding=2), ValueError, r"padding \(2, 2\).*half the kernel"),
    (lambda: F.max_pool2d(mg.randn(1, 1, 6, 6), 2, stride=0), ValueError, r"stride must be positive"),
    (lambda: F.avg_pool2d(mg.randn(6, 6), 2), ValueError, r"4-D input.*\(6, 6\)"),
    (lambda: F.max_pool1d(mg.randn(1, 1, 2), 3), ValueError, r"kernel width 3.*padded input width 2"),
]


@pytest.mark.parametrize("call, error, pattern", CHECKS)
def test_bad_arguments_are_refused_before_a_kernel_runs(backend, call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_conv_modules_load_a_torch_state_dict():
    torch = torch_or_skip()
    theirs = torch.nn.Conv2d(2, 4, 3, stride=2, padding=1).double()
    mine = nn.Conv2d(2, 4, 3, stride=2, padding=1).double()
    mine.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = np.random.default_rng(8).standard_normal((2, 2, 7, 7))
    assert_close(mine(mg.tensor(x, dtype=mg.float64)).numpy(), theirs(torch.tensor(x)).detach().numpy())
    assert [n for n, _ in mine.named_parameters()] == [n for n, _ in theirs.named_parameters()]


def test_conv_module_default_init_matches_pytorch_bounds():
    layer = nn.Conv2d(16, 32, 3)
    bound = 1 / np.sqrt(16 * 9)
    assert np.abs(layer.weight.numpy()).max() <= bound + 1e-7
    assert np.abs(layer.bias.numpy()).max() <= bound + 1e-7
    assert layer.weight.numpy().std() == pytest.approx(bound / np.sqrt(3), rel=0.1)


# A huge padding with a huge stride: the windows read a few taps of a padded image of 10**16+
# elements.  PyTorch (and the compiled kernels) give the small output; the numpy reference used to
# allocate the padded image ("array is too big").  With stride 10**8 the middle window starts
# right at the input, so real values (not just padding) are read and differentiated.
HUGE_CONV_CASES = [
    # (stride, padding): the output is 1x1, 2x2 (reading only padding) or 3x3 (reading the input)
    (10 ** 9, 10 ** 8), (10 ** 9, 5 * 10 ** 8), (10 ** 8, 10 ** 8), (10 ** 18, 10 ** 18),
]


@pytest.mark.parametrize("stride, padding", HUGE_CONV_CASES)
def test_conv_with_a_huge_padding_and_stride_matches_torch(backend, stride, padding):
    torch = torch_or_skip()
    rng = np.random.default_rng(9)
    x, w, b = rng.standard_normal((2, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3)), rng.standard_normal(3)
    compare(lambda x, w, b: F.conv2d(x, w, b, stride=stride, padding=padding),
            lambda x, w, b: torch.nn.functional.conv2d(x, w, b, stride=stride, padding=padding), x, w, b)
    compare(lambda x, w: F.conv1d(x, w, stride=stride, padding=padding, dilation=2),
            lambda x, w: torch.nn.functional.conv1d(x, w, stride=stride, padding=padding, dilation=2),
            x[:, :, 0], w[:, :, 0])


@pytest.mark.parametrize("kernel, stride, padding", [
    (2 * 10 ** 8, 10 ** 9, 10 ** 8),   # one window over everything
    (2 * 10 ** 8, 3, 10 ** 8),         # 2x2 windows, each covering the input: offsets skipped, not looped
    (2, 10 ** 9, 1),                   # a huge stride alone
])
def test_pooling_with_a_huge_padding_and_stride_matches_torch(backend, kernel, stride, padding):
    torch = torch_or_skip()
    x = np.random.default_rng(10).standard_normal((2, 3, 5, 5))
    compare(lambda x: F.max_pool2d(x, kernel, stride, padding),
            lambda x: torch.nn.functional.max_pool2d(x, kernel, stride, padding), x)
    compare(lambda x: F.avg_pool2d(x, kernel, stride, padding),
            lambda x: torch.nn.functional.avg_pool2d(x, kernel, stride, padding), x)
    compare(lambda x: F.max_pool1d(x, kernel, stride, padding),
            lambda x: torch.nn.functional.max_pool1d(x, kernel, stride, padding), x[:, :, 0])
    compare(lambda x: F.avg_pool1d(x, kernel, stride, padding),
            lambda x: torch.nn.functional.avg_pool1d(x, kernel, stride, padding), x[:, :, 0])
