"""Optimiser update kernels: the compiled Cython kernels of _optim.pyx over flattened arrays."""
from ._optim import adam_update_flat


def adam_update(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, amsgrad, beta1, beta2, step_size,
                bias_correction2_sqrt, eps, weight_decay, param_scale):
    """One Adam step, in place (see reference/optim.py for the equations)."""
    adam_update_flat(param.reshape(-1), grad.reshape(-1), exp_avg.reshape(-1), exp_avg_sq.reshape(-1),
                     max_exp_avg_sq.reshape(-1), amsgrad, beta1, beta2, step_size, bias_correction2_sqrt,
                     eps, weight_decay, param_scale)


__all__ = ["adam_update"]
