"""Optimiser update kernels in Numba: Adam as one pass over the arrays (NumPy needs a dozen).

Twin of reference/optim.py: the same operations in the same order, in the arrays' own
precision (every constant is cast to F, the dtype's scalar type).
"""
import math

from ._config import serial_kernel


@serial_kernel
def adam_update(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, amsgrad, beta1, beta2, step_size,
                bias_correction2_sqrt, eps, weight_decay, param_scale):
    """One Adam step, in place (see the reference for the equations)."""
    F = param.dtype.type
    p, g_in, m, v, v_max = (param.reshape(param.size), grad.reshape(grad.size), exp_avg.reshape(exp_avg.size),
                            exp_avg_sq.reshape(exp_avg_sq.size), max_exp_avg_sq.reshape(max_exp_avg_sq.size))
    scale, decay = F(param_scale), F(weight_decay)
    keep1, keep2 = F(1 - beta1), F(beta2)
    new2, bc2, epsilon, step = F(1 - beta2), F(bias_correction2_sqrt), F(eps), F(-step_size)
    for i in range(p.size):
        w = p[i]
        if scale != 1:
            w = w * scale
        g = g_in[i]
        if decay != 0:
            g = g + decay * w
        m[i] = m[i] + (g - m[i]) * keep1
        v[i] = v[i] * keep2 + g * new2 * g
        second = v[i]
        if amsgrad:
            second = max(v_max[i], second)
            v_max[i] = second
        p[i] = w + m[i] / (math.sqrt(second) / bc2 + epsilon) * step
