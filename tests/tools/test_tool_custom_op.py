"""mg.register_op: a wrong backward or kernel is refused with the mismatch; a correct op is usable."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.custom_op import OpRegistrationError


def cube_forward(x):
    return x ** 3


def cube_backward(grad, x, out):
    return grad * 3 * x ** 2


SAMPLES = [np.random.default_rng(0).standard_normal((3, 2))]

try:
    import numba
except ImportError:  # pragma: no cover
    numba = None
else:
    @numba.njit(cache=True)
    def cube_numba(x):
        out = np.empty_like(x)
        flat, o = x.ravel(), out.ravel()
        for i in range(flat.size):
            o[i] = flat[i] * flat[i] * flat[i]
        return out


def test_a_correct_op_registers_and_is_usable():
    cube = mg.register_op("cube", cube_forward, cube_backward, SAMPLES)
    x = mg.tensor([1.0, -2.0], requires_grad=True)
    y = cube(x)
    y.sum().backward()
    np.testing.assert_allclose(y.numpy(), [1.0, -8.0])
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 12.0])
    assert y.grad_fn.name() == "CubeBackward" and issubclass(cube.Function, mg.autograd.Function)
    assert "backward agrees" in cube.report


def test_a_wrong_backward_is_refused_with_the_mismatch():
    with pytest.raises(OpRegistrationError) as info:
        mg.register_op("bad_cube", cube_forward, lambda grad, x, out: grad * 2 * x ** 2, SAMPLES)
    message = str(info.value)
    assert "bad_cube" in message and "backward gives" in message and "finite differences give" in message


def test_two_inputs_and_a_none_gradient():
    op = mg.register_op("scale_by", lambda x, s: x * s, lambda g, x, s, out: (g * s, None),
                        [(np.ones((2, 2)), 3.0)])
    x = mg.tensor([[1.0, 2.0]], requires_grad=True)
    op(x, 3.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [[3.0, 3.0]])


def test_a_kernel_is_compared_with_the_numpy_forward_and_runs_on_its_backend():
    if numba is None:
        pytest.skip("numba is not installed")
    cube = mg.register_op("cube_nb", cube_forward, cube_backward, SAMPLES, kernels={"numba": cube_numba})
    assert "numba kernel matches" in cube.report
    x = mg.tensor(np.array([1.0, 2.0]), dtype=mg.float64, requires_grad=True)
    with mg.use_backend("numba"):
        y = cube(x)
    assert y.grad_fn.kernels.name == "numba"
    with mg.use_backend("numpy"):
        assert cube(x).grad_fn.kernels.name == "numpy"
    with pytest.raises(OpRegistrationError, match="numba kernel differs from the NumPy forward"):
        mg.register_op("cube_off", cube_forward, cube_backward, SAMPLES, kernels={"numba": lambda x: x ** 3 + 1e-3})


def test_bad_registrations():
    with pytest.raises(ValueError, match="kernels are for"):
        mg.register_op("x", cube_forward, cube_backward, SAMPLES, kernels={"cuda": cube_forward})
    with pytest.raises(ValueError, match="sample input"):
        mg.register_op("x", cube_forward, cube_backward, [])
    with pytest.raises(OpRegistrationError, match="kernel raised"):
        mg.register_op("x", cube_forward, cube_backward, SAMPLES, kernels={"cython": lambda x: 1 / 0})
