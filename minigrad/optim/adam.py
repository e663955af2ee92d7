"""Adam and AdamW: adaptive moment estimation, with L2 or decoupled weight decay and AMSGrad."""
from __future__ import annotations

import math

import numpy as np

from ..backend import current_kernels
from ..kernels import load_backend
from .optimizer import Optimizer, check_betas, check_real


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
        betas = tuple(betas) if isinstance(betas, (tuple, list)) else betas  # checked below
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        decoupled_weight_decay=decoupled_weight_decay)
        self._check_hyperparameters(defaults)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group):
        # PyTorch's checks, in its order and with its messages; "not 0 <= x" also refuses NaN.
        optimizer = type(self).__name__
        for name in ("lr", "eps", "weight_decay"):
            check_real(optimizer, name, group[name])
        if not 0.0 <= group["lr"]:
            raise ValueError(f"Invalid learning rate: {group['lr']}")
        if not 0.0 <= group["eps"]:
            raise ValueError(f"Invalid epsilon value: {group['eps']}")
        check_betas(optimizer, group["betas"])
        if not 0.0 <= group["weight_decay"]:
            raise ValueError(f"Invalid weight_decay value: {group['weight_decay']}")

    def _state_spec(self, group):
        spec = {"step": "count", "exp_avg": "array", "exp_avg_sq": "array"}
        if group["amsgrad"]:
            spec["max_exp_avg_sq"] = "array"
        return spec

    def _init_state(self, param, group):
        state = {"step": 0, "exp_avg": np.zeros_like(param), "exp_avg_sq": np.zeros_like(param)}
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = np.zeros_like(param)
        return state

    def _update(self, param, grad, state, group):
        lr, eps, wd = group["lr"], group["eps"], group["weight_decay"]
        beta1, beta2 = group["betas"][0], group["betas"][1]  # PyTorch ignores further values
        self._check_state_dtypes(param, state, ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"))
        state["step"] += 1
        step = state["step"]
        step_size = lr / (1 - beta1 ** step)
        bias_correction2_sqrt = math.sqrt(1 - beta2 ** step)
        param_scale = 1.0
        if wd != 0 and group["decoupled_weight_decay"]:
            param_scale, wd = 1 - lr * wd, 0.0
        amsgrad = group["amsgrad"]
        # One fused pass over the arrays in the active backend's kernel (NumPy's reference
        # makes a dozen); the kernels take C-contiguous arrays of one float dtype.
        in_out = [param, state["exp_avg"], state["exp_avg_sq"]] + ([state["max_exp_avg_sq"]] if amsgrad else [])
        work = [np.ascontiguousarray(a) for a in in_out]
        max_exp_avg_sq = work[3] if amsgrad else work[2]  # not read without amsgrad
        grad = np.ascontiguousarray(grad, dtype=param.dtype)
        kernels = current_kernels() if param.dtype in (np.float32, np.float64) else load_backend("numpy")
        kernels.adam_update(work[0], grad, work[1], work[2], max_exp_avg_sq, amsgrad, beta1, beta2, step_size,
                            bias_correction2_sqrt, eps, wd, param_scale)
        for original, updated in zip(in_out, work):
            if updated is not original:  # a non-contiguous array was updated as a copy
                original[...] = updated


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as ``torch.optim.AdamW``:
    the parameter shrinks directly, ``W ← W · (1 − lr · weight_decay)``, before the Adam step,
    instead of adding ``weight_decay · W`` to the gradient (which Adam would then rescale)."""

    def __init__(self, params, lr: float = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                         decoupled_weight_decay=True)
