# cython: language_level=3
# distutils: extra_compile_args = -fno-math-errno
"""Optimiser update kernels in Cython: Adam as one pass over the arrays (NumPy needs a dozen).

Twin of reference/optim.py: the same operations in the same order, in the arrays' own
precision (`floating`: float32 or float64).  The arrays arrive flattened (the wrapper in
optim.py); param, exp_avg, exp_avg_sq and max_exp_avg_sq are updated in place.
"""
from cython cimport floating
from libc.math cimport sqrt, sqrtf


cdef inline floating _sqrt(floating x) noexcept nogil:
    """sqrt in the argument's own precision (libm's sqrt would compute float32 math in double)."""
    if floating is float:
        return sqrtf(x)
    else:
        return sqrt(x)


def adam_update_flat(floating[::1] p, const floating[::1] grad, floating[::1] m, floating[::1] v,
                     floating[::1] v_max, bint amsgrad, double beta1, double beta2, double step_size,
                     double bias_correction2_sqrt, double eps, double weight_decay, double param_scale):
    cdef Py_ssize_t i, n = p.shape[0]
    cdef floating w, g, second
    cdef floating scale = <floating>param_scale, decay = <floating>weight_decay
    cdef floating keep1 = <floating>(1 - beta1), keep2 = <floating>beta2, new2 = <floating>(1 - beta2)
    cdef floating bc2 = <floating>bias_correction2_sqrt, epsilon = <floating>eps
    cdef floating step = <floating>(-step_size)
    with nogil:
        if amsgrad:
            for i in range(n):
                w = p[i] * scale
                g = grad[i]
                if decay != 0:
                    g = g + decay * w
                m[i] = m[i] + (g - m[i]) * keep1
                v[i] = v[i] * keep2 + g * new2 * g
                second = v[i]
                if v_max[i] > second or v_max[i] != v_max[i]:  # np.maximum: NaN wins
                    second = v_max[i]
                v_max[i] = second
                p[i] = w + m[i] / (_sqrt(second) / bc2 + epsilon) * step
        # Without amsgrad, two loops with no branch inside (a branch stops GCC vectorising);
        # p * 1 is exactly p, so the scale needs no branch.
        elif decay != 0:
            for i in range(n):
                w = p[i] * scale
                g = grad[i] + decay * w
                m[i] = m[i] + (g - m[i]) * keep1
                v[i] = v[i] * keep2 + g * new2 * g
                p[i] = w + m[i] / (_sqrt(v[i]) / bc2 + epsilon) * step
        else:
            for i in range(n):
                g = grad[i]
                m[i] = m[i] + (g - m[i]) * keep1
                v[i] = v[i] * keep2 + g * new2 * g
                p[i] = p[i] * scale + m[i] / (_sqrt(v[i]) / bc2 + epsilon) * step
