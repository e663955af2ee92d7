"""SGD: stochastic gradient descent with optional momentum, Nesterov, dampening and weight decay."""
from __future__ import annotations

import numpy as np

from .optimizer import Optimizer, check_real, required


class SGD(Optimizer):
    r"""Stochastic gradient descent, as ``torch.optim.SGD``.

    Plain: ``W ← W − lr · dE/dW`` (the course's update rule). With the options, per step t
    (g = dE/dW):

        g ← g + weight_decay · W                 (L2 regularisation)
        b ← g                                    (t = 1)
        b ← momentum · b + (1 − dampening) · g   (t > 1)
        g ← g + momentum · b   if nesterov,  else  g ← b
        W ← W − lr · g

    Nesterov needs ``momentum > 0`` and ``dampening == 0``.
    """

    def __init__(self, params, lr: float = required, momentum: float = 0, dampening: float = 0,
                 weight_decay: float = 0, nesterov: bool = False):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov)
        self._check_hyperparameters(defaults)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group):
        # PyTorch's checks and messages; NaN is refused too ("not 0 <= x" rather than "x < 0"),
        # as PyTorch's Adam and RMSprop do: a NaN lr would silently turn every parameter into NaN.
        for name in ("lr", "momentum", "dampening", "weight_decay"):
            if group[name] is not required:
                check_real(type(self).__name__, name, group[name])
        if group["lr"] is not required and not 0.0 <= group["lr"]:
            raise ValueError(f"Invalid learning rate: {group['lr']}")
        if not 0.0 <= group["momentum"]:
            raise ValueError(f"Invalid momentum value: {group['momentum']}")
        if group["dampening"] != group["dampening"]:
            raise ValueError(f"Invalid dampening value: {group['dampening']}")
        if not 0.0 <= group["weight_decay"]:
            raise ValueError(f"Invalid weight_decay value: {group['weight_decay']}")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def _state_spec(self, group):
        return {"momentum_buffer": "array_or_none"}

    def _init_state(self, param, group):
        # The momentum buffer is created on the first step from that step's gradient.
        return {"momentum_buffer": None}

    def _update(self, param, grad, state, group):
        lr, momentum, wd = group["lr"], group["momentum"], group["weight_decay"]
        if wd != 0:
            grad = grad + wd * param  # a new array: p.grad itself is left as backward made it
        if momentum != 0:
            buf = state["momentum_buffer"]
            if buf is None:
                buf = state["momentum_buffer"] = grad.copy()
            else:
                np.multiply(buf, momentum, out=buf)
                buf += grad if group["dampening"] == 0 else (1 - group["dampening"]) * grad
            grad = grad + momentum * buf if group["nesterov"] else buf
        param -= lr * grad
