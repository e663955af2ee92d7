"""Adam and AdamW: adaptive moment estimation, with L2 or decoupled weight decay and AMSGrad."""
from __future__ import annotations

import math

import numpy as np

from .optimizer import Optimizer, in_slices


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015), as ``torch.optim.Adam``. Per step t (g = dE/dW):

        g ← g + weight_decay · W                      (L2; AdamW: W ← W·(1 − lr·weight_decay) instead)
        m ← β1 · m + (1 − β1) · g                     (first moment)
        v ← β2 · v + (1 − β2) · g²                    (second moment)
        v̂max ← max(v̂max, v)                           (amsgrad only; then used in place of v)
        W ← W − lr / (1 − β1^t) · m / (√v / √(1 − β2^t) + eps)

    m and v start at zero; the bias corrections 1 − β^t undo that start's pull towards zero.
    """

    def __init__(self, params, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, decoupled_weight_decay: bool = False):
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if eps < 0.0:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _init_state(self, param, group):
        state = {"step": 0, "exp_avg": np.zeros_like(param), "exp_avg_sq": np.zeros_like(param)}
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = np.zeros_like(param)
        return state

    def _update(self, param, grad, state, group):
        lr, (beta1, beta2), eps, wd = group["lr"], group["betas"], group["eps"], group["weight_decay"]
        state["step"] += 1
        step = state["step"]
        if wd != 0:
            if group["decoupled_weight_decay"]:
                param *= 1 - lr * wd
            else:
                grad = grad + wd * param
        step_size = lr / (1 - beta1 ** step)
        bias_correction2_sqrt = math.sqrt(1 - beta2 ** step)
        moments = [state["exp_avg"], state["exp_avg_sq"]]
        if group["amsgrad"]:
            moments.append(state["max_exp_avg_sq"])
        for param_part, grad_part, exp_avg, exp_avg_sq, *max_exp_avg_sq in in_slices(
                param, grad, *moments):
            work = self._scratch(param_part)        # the one scratch array of this update
            exp_avg += np.multiply(np.subtract(grad_part, exp_avg, out=work), 1 - beta1, out=work)
            np.multiply(exp_avg_sq, beta2, out=exp_avg_sq)
            np.multiply(grad_part, 1 - beta2, out=work)
            exp_avg_sq += np.multiply(work, grad_part, out=work)

            second = exp_avg_sq
            if max_exp_avg_sq:
                second = np.maximum(max_exp_avg_sq[0], exp_avg_sq, out=max_exp_avg_sq[0])
            denom = np.sqrt(second, out=work)
            denom /= bias_correction2_sqrt
            denom += eps
            update = np.divide(exp_avg, denom, out=work)
            update *= -step_size
            param_part += update


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as ``torch.optim.AdamW``:
    the parameter shrinks directly, ``W ← W · (1 − lr · weight_decay)``, before the Adam step,
    instead of adding ``weight_decay · W`` to the gradient (which Adam would then rescale)."""

    def __init__(self, params, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         decoupled_weight_decay=True)
