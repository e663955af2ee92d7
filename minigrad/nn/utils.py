"""Gradient utilities: clip_grad_norm_, clip_grad_value_, l1_penalty, parameters_to_vector."""
from __future__ import annotations

import math

import numpy as np

from ..functions import cat
from ..tensor import Tensor


def _tensors(parameters) -> list[Tensor]:
    """A Tensor, an iterable of Tensors, or anything with ``.parameters()`` (a Module) → a list."""
    if isinstance(parameters, Tensor):
        return [parameters]
    if callable(getattr(parameters, "parameters", None)):
        parameters = parameters.parameters()
    return list(parameters)


def _vector_norm(x: np.ndarray, norm_type: float) -> np.ndarray:
    """‖x‖_p over all elements, in x's dtype (as torch.linalg.vector_norm)."""
    x = x.ravel()
    if norm_type == math.inf:
        return np.abs(x).max(initial=0).astype(x.dtype)
    if norm_type == -math.inf:
        return np.abs(x).min(initial=math.inf).astype(x.dtype)
    if norm_type == 0:
        return np.asarray(np.count_nonzero(x), dtype=x.dtype)
    if norm_type == 1:
        return np.abs(x).sum()
    if norm_type == 2:
        return np.sqrt(np.dot(x, x))
    return (np.abs(x) ** norm_type).sum() ** (1.0 / norm_type)


def _number(function: str, name: str, value) -> float:
    """``float(value)``, refusing what is not a number with the argument named (PyTorch's class)."""
    try:
        return float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{function}: {name} must be a number, got {type(value).__name__} {value!r}") from None


def clip_grad_norm_(parameters, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """Scale all gradients together so that their joint ``norm_type``-norm is at most ``max_norm``.

    The total norm is the norm of the vector of per-parameter gradient norms (as if all gradients
    were concatenated); every gradient is multiplied by ``min(1, max_norm / (total + 1e-6))``
    in place. Returns the total norm (before clipping) as a 0-d Tensor.

    As in PyTorch, a NaN or infinite total norm is returned, not raised (``error_if_nonfinite``
    defaults to False), for the "skip the step when the norm is not finite" pattern; the
    gradients are then scaled by it (NaN or 0) as PyTorch does. ``error_if_nonfinite=True``
    raises RuntimeError instead and leaves the gradients as they were. ``foreach`` is accepted
    for PyTorch's signature and ignored (there is one implementation).
    """
    max_norm = _number("clip_grad_norm_", "max_norm", max_norm)
    norm_type = _number("clip_grad_norm_", "norm_type", norm_type)
    grads = [p.grad for p in _tensors(parameters) if p.grad is not None]
    if not grads:
        return Tensor._wrap(np.asarray(0.0, dtype=np.float32))
    norms = [_vector_norm(g.data, norm_type) for g in grads]
    dtype = np.result_type(*norms)
    total = _vector_norm(np.array(norms, dtype=dtype), norm_type)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is "
                           f"non-finite ({float(total)}), so it cannot be clipped. To scale the "
                           "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
    clip_coef = float(max_norm) / (float(total) + 1e-6)
    if not clip_coef >= 1.0:  # also for NaN, which then spreads to the gradients as in PyTorch
        with np.errstate(invalid="ignore"):  # inf · 0 → NaN, asked for by error_if_nonfinite=False
            for g in grads:
                g.data *= np.asarray(clip_coef, dtype=g.dtype)
                g._bump_version()
    return Tensor._wrap(np.asarray(total, dtype=dtype))


def clip_grad_value_(parameters, clip_value: float, foreach: bool | None = None) -> None:
    """Clamp every gradient element to ``[-clip_value, clip_value]`` in place (as PyTorch: a
    negative value sets every element to it, NaN makes every element NaN). ``foreach`` is
    accepted for PyTorch's signature and ignored."""
    clip_value = _number("clip_grad_value_", "clip_value", clip_value)
    for p in _tensors(parameters):
        if p.grad is not None:
            np.clip(p.grad.data, -clip_value, clip_value, out=p.grad.data)
            p.grad._bump_version()


def l1_penalty(parameters, weight: float = 1.0) -> Tensor:
    """``weight · Σ|w|`` over the given parameters (Tensors, or a Module's ``parameters()``), as a
    differentiable scalar Tensor: its gradient is ``weight · sign(w)``.

    Add it to the loss for L1 (lasso) regularisation, e.g.
    ``loss = criterion(model(x), y) + nn.utils.l1_penalty(model, weight=1e-4)``.
    Passing a Module includes its biases; pass only the weights to leave them out.
    L2 (ridge) regularisation is the optimisers' ``weight_decay`` instead.
    """
    tensors = _tensors(parameters)
    if not tensors:
        return Tensor._wrap(np.asarray(0.0, dtype=np.float32))
    total = None
    for p in tensors:
        term = p.abs().sum()
        total = term if total is None else total + term
    return total * weight


def parameters_to_vector(parameters) -> Tensor:
    """Flatten and concatenate the parameters into one 1-D Tensor (differentiable)."""
    return cat([p.reshape(-1) for p in _tensors(parameters)], 0)


def vector_to_parameters(vec: Tensor, parameters) -> None:
    """Copy consecutive slices of the 1-D ``vec`` into the parameters, in place (no graph)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected vec to be a Tensor, but got {type(vec).__name__}")
    data = vec.data
    if data.ndim != 1:
        raise ValueError(f"vector_to_parameters: vec must be 1-D, got shape {vec.shape}")
    tensors = _tensors(parameters)
    needed = sum(p.data.size for p in tensors)
    if needed != data.size:
        raise ValueError(f"vector_to_parameters: the parameters hold {needed} elements but vec has "
                         f"{data.size}")
    offset = 0
    for p in tensors:
        p.data[...] = data[offset:offset + p.data.size].reshape(p.shape)
        p._bump_version()
        offset += p.data.size
