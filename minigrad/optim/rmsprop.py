"""RMSprop: divide the gradient by a running root-mean-square of its recent values."""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, check_real


class RMSprop(Optimizer):
    r"""RMSprop (Hinton's lecture 6e), as ``torch.optim.RMSprop``. Per step (g = dE/dW):

        g ← g + weight_decay · W
        v ← α · v + (1 − α) · g²
        ḡ ← α · ḡ + (1 − α) · g                    (centered only)
        d ← √(v − ḡ²) + eps if centered (a variance), else √v + eps
        b ← momentum · b + g / d,  W ← W − lr · b  (momentum > 0)
        W ← W − lr · g / d                          (otherwise)
    """

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8,
                 weight_decay: float = 0, momentum: float = 0, centered: bool = False):
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                        centered=centered)
        self._check_hyperparameters(defaults)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group):
        # PyTorch's checks, in its order and with its messages; "not 0 <= x" also refuses NaN.
        for name in ("lr", "alpha", "eps", "weight_decay", "momentum"):
            check_real(type(self).__name__, name, group[name])
        for name, label in (("lr", "learning rate"), ("eps", "epsilon value"), ("momentum", "momentum value"),
                            ("weight_decay", "weight_decay value"), ("alpha", "alpha value")):
            if not 0.0 <= group[name]:
                raise ValueError(f"Invalid {label}: {group[name]}")

    def _state_spec(self, group):
        spec = {"step": "count", "square_avg": "array"}
        if group["momentum"] > 0:
            spec["momentum_buffer"] = "array"
        if group["centered"]:
            spec["grad_avg"] = "array"
        return spec

    def _init_state(self, param, group):
        state = {"step": 0, "square_avg": np.zeros_like(param)}
        if group["momentum"] > 0:
            state["momentum_buffer"] = np.zeros_like(param)
        if group["centered"]:
            state["grad_avg"] = np.zeros_like(param)
        return state

    def _update(self, param, grad, state, group):
        lr, alpha, eps, wd = group["lr"], group["alpha"], group["eps"], group["weight_decay"]
        self._check_state_dtypes(param, state, ("square_avg", "momentum_buffer", "grad_avg"))
        state["step"] += 1
        if wd != 0:
            grad = grad + wd * param
        square_avg = state["square_avg"]
        np.multiply(square_avg, alpha, out=square_avg)
        work = np.multiply(grad, 1 - alpha)             # the one scratch array of this step
        square_avg += np.multiply(work, grad, out=work)
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg += np.multiply(np.subtract(grad, grad_avg, out=work), 1 - alpha, out=work)
            avg = np.multiply(grad_avg, grad_avg, out=work)
            np.subtract(square_avg, avg, out=avg)
            np.sqrt(avg, out=avg)
        else:
            avg = np.sqrt(square_avg, out=work)
        avg += eps
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            np.multiply(buf, group["momentum"], out=buf)
            buf += np.divide(grad, avg, out=avg)
            param -= np.multiply(buf, lr, out=avg)
        else:
            update = np.divide(grad, avg, out=avg)
            update *= lr
            param -= update
