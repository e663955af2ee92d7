"""gradcheck: compare backward with central finite differences.

Non-scalar outputs are checked through random projections: for fixed random cotangents v,
the analytic vᵀJ from backward must equal the central difference of vᵀf (two projections
make an accidental match vanishingly unlikely while costing two backward passes).
"""
from __future__ import annotations

import numpy as np

from . import function as _function
from .grad_mode import no_grad

FLOAT32_ATOL, FLOAT32_RTOL = 1e-3, 2e-2


class GradcheckError(AssertionError):
    """The analytic gradient of an op disagrees with finite differences."""


def _outputs(fn, inputs) -> tuple:
    out = fn(*inputs)
    return out if isinstance(out, (tuple, list)) else (out,)


def _projected(fn, inputs, cotangents) -> float:
    return float(sum((o.data.astype(np.float64) * v).sum() for o, v in zip(_outputs(fn, inputs), cotangents)))


def _analytic(fn, inputs, cotangents, checked) -> tuple[list, str]:
    Tensor = _function.Tensor
    tensors = [t for t in inputs if isinstance(t, Tensor)]
    kept = [t.grad for t in tensors]  # the caller's .grad is given back untouched
    for t in tensors:
        t.grad = None
    try:
        outputs = _outputs(fn, inputs)
        differentiable = [(o, v) for o, v in zip(outputs, cotangents) if o.requires_grad]
        if not differentiable:
            raise GradcheckError("gradcheck: no output requires grad; nothing to check")
        op = differentiable[0][0].grad_fn.name() if differentiable[0][0].grad_fn else "leaf"
        total = sum((o * Tensor._wrap(v.astype(o.dtype))).sum() for o, v in differentiable)
        total.backward()
        grads = [np.zeros(inputs[i].shape) if inputs[i].grad is None else
                 inputs[i].grad.data.astype(np.float64) for i in checked]
    finally:
        for t, grad in zip(tensors, kept):
            t.grad = grad
    return grads, op


def _numeric(fn, inputs64, cotangents, checked, eps) -> list:
    grads = []
    with no_grad():
        for i in checked:
            data = inputs64[i].data
            grad = np.zeros(data.shape)
            flat, flat_grad = data.reshape(-1), grad.reshape(-1)
            for k in range(flat.size):
                original = flat[k]
                flat[k] = original + eps
                plus = _projected(fn, inputs64, cotangents)
                flat[k] = original - eps
                minus = _projected(fn, inputs64, cotangents)
                flat[k] = original
                flat_grad[k] = (plus - minus) / (2 * eps)
            grads.append(grad)
    return grads


def _worst(analytic, numeric, atol, rtol):
    """(input position, flat index, analytic, numeric, excess) of the worst violation, or None."""
    worst = None
    for position, (a, n) in enumerate(zip(analytic, numeric)):
        excess = np.abs(a - n) - (atol + rtol * np.abs(n))
        if excess.size and excess.max() > 0:
            k = int(np.argmax(excess))
            if worst is None or excess.flat[k] > worst[4]:
                worst = (position, k, a.flat[k], n.flat[k], excess.flat[k])
    return worst


def gradcheck(fn, inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
              seed: int = 0) -> bool:
    """True if backward agrees with central differences; raises GradcheckError otherwise.

    Float64 inputs are checked directly.  Given float32 inputs, the float32 backward is
    compared with finite differences of the float64 path under float32 tolerances, and a
    mismatch is reported as float32 noise when the float64 backward itself agrees.
    """
    Tensor = _function.Tensor
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    checked = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise GradcheckError("gradcheck: no input requires grad")
    single = [i for i in checked if inputs[i].dtype != np.float64]
    is_float32 = bool(single)
    # C-ordered copies: _numeric perturbs them through a reshape(-1) view, which for a
    # transposed or sliced array would be a copy (and the perturbation would be lost)
    inputs64 = tuple(Tensor._wrap(np.array(t.data, dtype=np.float64, order="C"), requires_grad=t.requires_grad)
                     if isinstance(t, Tensor) and t.dtype.kind == "f" else t for t in inputs)
    rng = np.random.default_rng(seed)
    with no_grad():
        shapes = [o.shape for o in _outputs(fn, inputs64)]
    for _ in range(2):
        cotangents = [rng.standard_normal(s) for s in shapes]
        analytic, op = _analytic(fn, inputs, cotangents, checked)
        numeric = _numeric(fn, inputs64, cotangents, checked, eps if not is_float32 else max(eps, 1e-6))
        tol_a, tol_r = (max(atol, FLOAT32_ATOL), max(rtol, FLOAT32_RTOL)) if is_float32 else (atol, rtol)
        worst = _worst(analytic, numeric, tol_a, tol_r)
        if worst is None:
            continue
        position, k, a, n, _ = worst
        index = np.unravel_index(k, inputs[checked[position]].shape)
        message = (f"gradcheck failed for {op}: input {checked[position]} (shape "
                   f"{inputs[checked[position]].shape}), element {tuple(int(i) for i in index)}: "
                   f"backward gives {a:.6g}, finite differences give {n:.6g} "
                   f"(|diff| {abs(a - n):.3g} > atol {tol_a:g} + rtol {tol_r:g}·|numeric|)")
        if is_float32:
            analytic64, _ = _analytic(fn, inputs64, cotangents, checked)
            if _worst(analytic64, numeric, atol, rtol) is None:
                message += ("; the float64 backward agrees with finite differences, so this is float32 "
                            "rounding noise, not a wrong gradient")
            else:
                message += "; the float64 backward disagrees too, so the gradient is wrong"
        raise GradcheckError(message)
    return True
