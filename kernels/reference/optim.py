"""Optimiser update kernels in NumPy (the spec): one Adam step over a parameter, in place."""
import numpy as np

# The passes run over slices of this many elements, so that the passes after the first find
# the slice in the L2 cache instead of streaming every array from memory again.
SLICE = 65536


def adam_update(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, amsgrad, beta1, beta2, step_size,
                bias_correction2_sqrt, eps, weight_decay, param_scale):
    """One Adam step, in place on param, exp_avg, exp_avg_sq (and max_exp_avg_sq if amsgrad):

        p ← p · param_scale                         (decoupled weight decay; 1 for none)
        g ← grad + weight_decay · p                 (L2 weight decay; 0 for none)
        m ← m + (1 − β1) · (g − m)
        v ← β2 · v + (1 − β2) · g²
        v̂ ← max(v̂, v) if amsgrad, else v
        p ← p − step_size · m / (√v̂ / bias_correction2_sqrt + eps)
    """
    flat = [a.reshape(-1) for a in (param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq)]
    work = np.empty(min(SLICE, param.size), param.dtype)
    for start in range(0, param.size, SLICE):
        p, g, m, v, v_max = (a[start:start + SLICE] for a in flat)
        w = work[:p.size]
        if param_scale != 1:
            p *= param_scale
        if weight_decay != 0:
            g = g + weight_decay * p
        m += np.multiply(np.subtract(g, m, out=w), 1 - beta1, out=w)
        np.multiply(v, beta2, out=v)
        np.multiply(g, 1 - beta2, out=w)
        v += np.multiply(w, g, out=w)
        second = np.maximum(v_max, v, out=v_max) if amsgrad else v
        denom = np.sqrt(second, out=w)
        denom /= bias_correction2_sqrt
        denom += eps
        update = np.divide(m, denom, out=w)
        update *= -step_size
        p += update
