"""Optimiser update kernels in NumPy (the spec): one Adam step over a parameter, in place."""
import numpy as np


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
    if param_scale != 1:
        param *= param_scale
    g = grad + weight_decay * param if weight_decay != 0 else grad
    exp_avg += (g - exp_avg) * (1 - beta1)
    exp_avg_sq *= beta2
    exp_avg_sq += g * (1 - beta2) * g
    second = np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq) if amsgrad else exp_avg_sq
    param += exp_avg / (np.sqrt(second) / bias_correction2_sqrt + eps) * -step_size
