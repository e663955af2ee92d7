"""gradcheck (finite differences vs backward) and detect_anomaly (NaN/inf in backward)."""
import inspect
import warnings

import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import GradcheckError, gradcheck


def leaf(values, dtype=mg.float64):
    return mg.tensor(values, dtype=dtype, requires_grad=True)


class Square(mg.autograd.Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a * a

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * 2 * a


class WrongBackward(mg.autograd.Function):
    """a · b, whose backward gets b's gradient wrong (a² instead of a)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad * b, grad * a * a


class SlightlyOff(mg.autograd.Function):
    """3x with a backward 0.5 % too large: caught by default tolerances, not by rtol=1e-2."""

    @staticmethod
    def forward(ctx, a):
        return 3 * a

    @staticmethod
    def backward(ctx, grad):
        return grad * 3 * 1.005


# ---------------------------------------------------------------- correct ops pass ----------------
def test_gradcheck_returns_true_on_correct_ops():
    x, y = leaf([[0.3, -1.2, 0.5]]), leaf([[1.5], [0.7]])
    assert gradcheck(Square.apply, [x]) is True
    assert gradcheck(lambda a, b: (a * b).exp().sum(), [x, y]) is True
    assert gradcheck(lambda a, b: a @ b.T, [x, leaf(np.ones((2, 3)))]) is True
    assert gradcheck(lambda a: a.max(dim=1), [leaf([[1.0, 3.0, 2.0], [0.0, -1.0, 4.0]])]) is True
    assert gradcheck(lambda a: a.split(1, dim=1), [x]) is True


def test_gradcheck_accepts_a_single_tensor_and_non_tensor_arguments():
    assert gradcheck(lambda a, k: a ** k, (leaf([0.5, 1.5]), 3)) is True
    assert gradcheck(lambda a: a.tanh(), leaf([0.1, 0.2])) is True


def test_gradcheck_checks_only_inputs_that_require_grad():
    x, c = leaf([1.0, 2.0]), mg.tensor([3.0, 4.0], dtype=mg.float64)
    assert gradcheck(lambda a, b: a * b, [x, c]) is True
    wrong_on_b_only = gradcheck(lambda a, b: WrongBackward.apply(a, b), [x, c])
    assert wrong_on_b_only is True  # b needs no gradient, so its wrong formula is never used


def test_gradcheck_on_non_contiguous_inputs():
    data = np.arange(12.0).reshape(4, 3).T / 10   # F-ordered
    assert gradcheck(lambda a: (a * a).sum(dim=0), [mg.tensor(data, dtype=mg.float64, requires_grad=True)])


def test_gradcheck_leaves_inputs_and_their_grads_alone():
    x = leaf([0.5, 1.5])
    x.grad = mg.tensor([7.0, 7.0], dtype=mg.float64)
    before = x.numpy().copy()
    gradcheck(lambda a: a.exp(), [x])
    np.testing.assert_array_equal(x.numpy(), before)
    np.testing.assert_array_equal(x.grad.numpy(), [7.0, 7.0])


# ---------------------------------------------------------------- wrong backwards fail ------------
def test_gradcheck_names_the_op_the_input_and_the_mismatch():
    x, y = leaf([[0.5, 2.0], [1.5, -1.0]]), leaf([[0.3, 0.4], [-0.2, 0.9]])
    with pytest.raises(GradcheckError) as info:
        gradcheck(WrongBackward.apply, [x, y])
    message = str(info.value)
    assert "WrongBackward" in message
    assert "input 1" in message and "(2, 2)" in message
    assert "backward gives" in message and "finite differences give" in message
    assert isinstance(info.value, AssertionError)
    assert mg.autograd.GradcheckError is GradcheckError


def test_gradcheck_tolerances_are_honoured():
    x = leaf([0.5, 1.5, -2.0])
    with pytest.raises(GradcheckError, match="SlightlyOff"):
        gradcheck(SlightlyOff.apply, [x])
    assert gradcheck(SlightlyOff.apply, [x], rtol=1e-2)


def test_gradcheck_with_no_input_requiring_grad_raises():
    with pytest.raises(GradcheckError, match="no input requires grad"):
        gradcheck(lambda a: a * 2, [mg.tensor([1.0])])


# ---------------------------------------------------------------- float32 inputs -----------------
def test_gradcheck_on_float32_inputs_passes_a_correct_op():
    x, w = leaf([[0.5, -1.0, 2.0]], mg.float32), leaf([[0.1], [0.2], [0.3]], mg.float32)
    assert gradcheck(lambda a, b: (a @ b).sigmoid(), [x, w]) is True
    assert gradcheck(lambda a: a.softmax(-1), [x]) is True


def test_gradcheck_float32_rounding_is_reported_as_noise():
    """x·(1e6 + 1) − x·1e6 is x, but float32 gradients of the two terms (~1e6 each) cancel with
    an error of about 0.1: a float32 mismatch that the float64 backward does not have."""
    fn = lambda a: a * (1e6 + 1.0) - a * 1e6  # noqa: E731
    x = leaf(np.linspace(-1, 1, 12).reshape(3, 4), mg.float32)
    with pytest.raises(GradcheckError) as info:
        gradcheck(fn, [x])
    message = str(info.value)
    assert "float32 rounding noise" in message and "not a wrong gradient" in message
    assert gradcheck(fn, [leaf(x.numpy())]) is True  # the same op in float64 is fine


def test_gradcheck_float32_wrong_backward_says_float64_disagrees_too():
    x, y = leaf([0.5, 2.0], mg.float32), leaf([0.3, 0.4], mg.float32)
    with pytest.raises(GradcheckError, match="WrongBackward.*float64 backward disagrees too"):
        gradcheck(WrongBackward.apply, [x, y])


# ---------------------------------------------------------------- detect_anomaly ----------------
class NaNGrad(mg.autograd.Function):
    @staticmethod
    def forward(ctx, a):
        return a * 1

    @staticmethod
    def backward(ctx, grad):
        return grad * np.nan


def test_detect_anomaly_names_the_op_and_the_forward_line():
    x = leaf([1.0, 2.0])
    with mg.autograd.detect_anomaly():
        assert mg.autograd.is_anomaly_enabled()
        line = inspect.currentframe().f_lineno + 1
        y = NaNGrad.apply(x) * 2
        with pytest.raises(RuntimeError) as info:
            y.sum().backward()
    assert not mg.autograd.is_anomaly_enabled()
    message = str(info.value)
    assert "NaNGradBackward" in message and "nan" in message
    assert f'test_gradcheck.py", line {line}' in message
    assert "NaNGrad.apply(x) * 2" in message  # the source line itself


def test_detect_anomaly_catches_sqrt_at_zero():
    x = leaf([0.0, 4.0])
    with mg.autograd.detect_anomaly(), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's own divide-by-zero warning
        line = inspect.currentframe().f_lineno + 1
        y = x.sqrt().sum()
        with pytest.raises(RuntimeError, match=r"SqrtBackward.*nan/inf.*input 0") as info:
            y.backward()
    assert f"line {line}" in str(info.value)


def test_without_detect_anomaly_the_nan_flows_silently():
    x = leaf([1.0, 2.0])
    NaNGrad.apply(x).sum().backward()
    assert np.isnan(x.grad.numpy()).all()


def test_detect_anomaly_on_a_graph_recorded_outside_it():
    x = leaf([1.0])
    y = NaNGrad.apply(x).sum()
    with mg.autograd.detect_anomaly():
        with pytest.raises(RuntimeError, match=r"(?s)NaNGradBackward.*traceback not recorded"):
            y.backward()


def test_detect_anomaly_is_restored_after_an_exception():
    with pytest.raises(KeyError):
        with mg.autograd.detect_anomaly():
            raise KeyError
    assert not mg.autograd.is_anomaly_enabled()
