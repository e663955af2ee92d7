"""Initialisers: sample statistics and bounds match their formulas on large tensors; fans and gains
match PyTorch; TensorFlow's variance scaling (fan_avg, truncated normal) has its corrected std."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import init

# The course's stock model: TF kernel [500, 1024] = a Linear(500, 1024) weight of shape [1024, 500].
OUT, IN = 1024, 500
N = OUT * IN


def weight(*shape, dtype=mg.float32):
    return mg.zeros(*(shape or (OUT, IN)), dtype=dtype, requires_grad=True)


def check_std(values, std, rel=0.01):
    """Sample mean ≈ 0 and std ≈ std (standard errors are ~0.14 % of std at N = 512 000)."""
    values = np.asarray(values, dtype=np.float64)
    assert abs(values.mean()) < 5 * std / math.sqrt(values.size)
    assert values.std() == pytest.approx(std, rel=rel)


# -- TensorFlow's variance scaling ------------------------------------------------------------
def test_variance_scaling_fan_avg_truncated_normal_is_tf_corrected():
    mg.manual_seed(0)
    w = init.variance_scaling_(weight(), scale=1.0, mode="fan_avg", distribution="truncated_normal")
    n = (IN + OUT) / 2
    target = math.sqrt(1.0 / n)
    stddev = target / 0.87962566103423978  # the std before truncation
    values = w.data.astype(np.float64)
    assert np.abs(values).max() <= 2 * stddev * (1 + 1e-6)      # every sample within ±2·stddev
    check_std(values, target)                                    # the point of TF's correction
    # truncated by re-drawing, not clipping: no pile of samples at the bounds ...
    assert np.mean(np.abs(values) > 2 * stddev * (1 - 1e-6)) < 1e-4
    # ... and the tails right inside them are populated as a truncated normal's are
    near_edge = np.mean(np.abs(values) > 1.9 * stddev)
    tail = lambda z: 0.5 * math.erfc(z / math.sqrt(2))  # noqa: E731  P(Z > z)
    expected = 2 * (tail(1.9) - tail(2.0)) / math.erf(2 / math.sqrt(2))
    assert near_edge == pytest.approx(expected, rel=0.1)


@pytest.mark.parametrize("mode, n", [("fan_in", IN), ("fan_out", OUT), ("fan_avg", (IN + OUT) / 2)])
@pytest.mark.parametrize("distribution", ["truncated_normal", "normal", "uniform"])
def test_variance_scaling_modes_and_distributions(mode, n, distribution):
    mg.manual_seed(1)
    scale = 2.0
    w = init.variance_scaling_(weight(), scale=scale, mode=mode, distribution=distribution)
    values = w.data.astype(np.float64)
    check_std(values, math.sqrt(scale / n))
    if distribution == "uniform":
        limit = math.sqrt(3 * scale / n)
        assert np.abs(values).max() <= limit * (1 + 1e-6)
        assert np.abs(values).max() > 0.999 * limit
    if distribution == "truncated_normal":
        assert np.abs(values).max() <= 2 * math.sqrt(scale / n) / 0.87962566103423978 * (1 + 1e-6)
    if distribution == "normal":  # not truncated: beyond 2σ happens (4.6 % of draws)
        assert np.mean(np.abs(values) > 2 * math.sqrt(scale / n)) == pytest.approx(0.0455, rel=0.05)


def test_variance_scaling_fan_in_is_the_input_size_on_minigrad_layout():
    """Linear(500, 1024).weight is [1024, 500]: fan_in is 500 as TF's [500, 1024] kernel's is."""
    assert init._calculate_fan_in_and_fan_out(weight()) == (IN, OUT)
    mg.manual_seed(2)
    w = init.variance_scaling_(weight(), mode="fan_in", distribution="normal")
    check_std(w.data, math.sqrt(1 / IN))


def test_variance_scaling_small_tensors_and_errors():
    b = init.variance_scaling_(mg.zeros(4096), distribution="normal")  # 1-D: TF's fans = size
    check_std(b.data, math.sqrt(1 / 4096), rel=0.05)
    with pytest.raises(ValueError, match="mode"):
        init.variance_scaling_(weight(8, 8), mode="fan_sum")
    with pytest.raises(ValueError, match="distribution"):
        init.variance_scaling_(weight(8, 8), distribution="cauchy")


# -- PyTorch's initialisers ---------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(1024, 500), (16, 3, 5, 5), (8, 4, 3), (2, 7)])
def test_fans_match_torch(shape):
    torch = pytest.importorskip("torch")
    assert init._calculate_fan_in_and_fan_out(mg.zeros(*shape)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(*shape))


def test_fans_need_two_dims():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(mg.zeros(5))
    with pytest.raises(ValueError):
        init.kaiming_uniform_(mg.zeros(5))


@pytest.mark.parametrize("nonlinearity, param", [
    ("linear", None), ("conv2d", None), ("sigmoid", None), ("tanh", None), ("relu", None),
    ("leaky_relu", None), ("leaky_relu", 0.2), ("leaky_relu", 1), ("selu", None)])
def test_calculate_gain_matches_torch(nonlinearity, param):
    torch = pytest.importorskip("torch")
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(
        torch.nn.init.calculate_gain(nonlinearity, param), rel=1e-15)


def test_calculate_gain_errors():
    with pytest.raises(ValueError):
        init.calculate_gain("swish")
    with pytest.raises(ValueError):
        init.calculate_gain("leaky_relu", True)


def test_kaiming_uniform_default_bound():
    mg.manual_seed(3)
    w = init.kaiming_uniform_(weight())
    bound = math.sqrt(3) * math.sqrt(2 / (1 + 0.0 ** 2)) / math.sqrt(IN)  # a=0 → gain √2
    assert np.abs(w.data).max() <= bound * (1 + 1e-6)
    assert np.abs(w.data).max() > 0.999 * bound
    check_std(w.data, bound / math.sqrt(3))


def test_kaiming_uniform_leaky_fan_out():
    mg.manual_seed(4)
    w = init.kaiming_uniform_(weight(), a=math.sqrt(5), mode="fan_out")  # PyTorch Linear's default a
    bound = math.sqrt(3) * math.sqrt(2 / 6) / math.sqrt(OUT)
    assert np.abs(w.data).max() <= bound * (1 + 1e-6)
    check_std(w.data, bound / math.sqrt(3))


def test_kaiming_normal():
    mg.manual_seed(5)
    check_std(init.kaiming_normal_(weight(), mode="fan_out", nonlinearity="relu").data, math.sqrt(2 / OUT))
    check_std(init.kaiming_normal_(weight(64, 32, 4, 4), nonlinearity="tanh").data,
              5 / 3 / math.sqrt(32 * 16), rel=0.02)


def test_xavier():
    mg.manual_seed(6)
    w = init.xavier_uniform_(weight(), gain=init.calculate_gain("tanh"))
    bound = 5 / 3 * math.sqrt(6 / (IN + OUT))
    assert np.abs(w.data).max() <= bound * (1 + 1e-6)
    check_std(w.data, bound / math.sqrt(3))
    check_std(init.xavier_normal_(weight()).data, math.sqrt(2 / (IN + OUT)))


def test_uniform_normal_constant():
    mg.manual_seed(7)
    w = init.uniform_(weight(), -0.5, 1.5)
    assert w.data.min() >= -0.5 and w.data.max() <= 1.5
    assert w.data.mean() == pytest.approx(0.5, abs=0.01)
    w = init.normal_(weight(), mean=3.0, std=0.2)
    assert w.data.mean() == pytest.approx(3.0, abs=0.002)
    assert w.data.std() == pytest.approx(0.2, rel=0.01)
    np.testing.assert_array_equal(init.constant_(weight(3, 4), 0.25).data, np.full((3, 4), 0.25))
    np.testing.assert_array_equal(init.ones_(weight(3, 4)).data, np.ones((3, 4)))
    np.testing.assert_array_equal(init.zeros_(init.ones_(weight(3, 4))).data, np.zeros((3, 4)))


def test_trunc_normal_default_bounds_are_two_std_around_the_mean():
    mg.manual_seed(8)
    w = init.trunc_normal_(weight(), mean=1.0, std=0.5)
    assert w.data.min() >= 0.0 and w.data.max() <= 2.0
    assert w.data.min() < 0.01 and w.data.max() > 1.99
    assert w.data.mean() == pytest.approx(1.0, abs=0.002)
    assert w.data.std() == pytest.approx(0.5 * 0.87962566103423978, rel=0.01)


def test_trunc_normal_absolute_bounds_as_torch():
    mg.manual_seed(9)
    w = init.trunc_normal_(weight(), mean=0.0, std=1.0, a=-1.0, b=3.0)
    assert w.data.min() >= -1.0 and w.data.max() <= 3.0
    # a far-off window (re-drawing would take forever): inverse-CDF sampling
    w = init.trunc_normal_(weight(200, 100, dtype=mg.float64), mean=0.0, std=1.0, a=3.0, b=4.0)
    assert w.data.min() >= 3.0 and w.data.max() <= 4.0
    pdf = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda x: 0.5 * math.erfc(-x / math.sqrt(2))  # noqa: E731
    assert w.data.mean() == pytest.approx((pdf(3.0) - pdf(4.0)) / (cdf(4.0) - cdf(3.0)), abs=0.005)


def test_manual_seed_reproduces():
    draws = []
    for seed in (123, 123, 124):
        mg.manual_seed(seed)
        w = weight(64, 32)
        init.variance_scaling_(w, mode="fan_avg")
        init.kaiming_uniform_(b := weight(16, 8))
        draws.append(np.concatenate([w.data.ravel(), b.data.ravel()]))
    np.testing.assert_array_equal(draws[0], draws[1])
    assert not np.array_equal(draws[0], draws[2])


@pytest.mark.parametrize("fn", [
    lambda w: init.normal_(w), lambda w: init.uniform_(w), lambda w: init.constant_(w, 1.0),
    lambda w: init.zeros_(w), lambda w: init.ones_(w), lambda w: init.trunc_normal_(w),
    lambda w: init.xavier_uniform_(w), lambda w: init.xavier_normal_(w),
    lambda w: init.kaiming_uniform_(w), lambda w: init.kaiming_normal_(w),
    lambda w: init.variance_scaling_(w)])
def test_in_place_on_parameters_bumps_version_keeps_dtype(fn):
    w = weight(6, 5)  # requires grad; the initialisers work outside no_grad, like PyTorch's
    array, version = w.data, w._version
    assert fn(w) is w
    assert w.data is array and w.dtype == mg.float32 and w._version == version + 1
    assert w.requires_grad and w.grad_fn is None
