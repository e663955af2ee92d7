"""register_op: your own op from a NumPy forward/backward and optional Numba/Cython kernels, checked when registered.

    import numpy as np, minigrad as mg

    def forward(x):                      # the NumPy reference: arrays in, one array out
        return x ** 3

    def backward(grad, x, out):          # dL/dx = dL/dout · 3x²; one gradient per input
        return grad * 3 * x ** 2

    cube = mg.register_op("cube", forward, backward, sample_inputs=[np.random.randn(4, 3)])
    y = cube(mg.tensor([2.0], requires_grad=True))          # use it like any op

Registration refuses an op whose backward disagrees with float64 finite differences
(``mg.autograd.gradcheck`` on every sample input, with the reference forward) or whose kernel
disagrees with the NumPy forward; the error message carries the mismatch.  A kernel has the
forward's signature and is given C-contiguous arrays; the op runs it when its backend is the
active one (``mg.use_backend("numba")``), and the NumPy forward otherwise — ``ctx.kernels.name``
(shown by ``mg.autograd.trace`` and ``mg.viz.draw_graph``) says which ran.  The backward is
always the NumPy one.  Underneath it is an ordinary ``mg.autograd.Function`` subclass
(``op.Function``) that saves the inputs and the output for backward.
"""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from .autograd.function import Function
from .autograd.gradcheck import GradcheckError, gradcheck

KERNEL_BACKENDS = ("numba", "cython")
REGISTERED: dict = {}


class OpRegistrationError(ValueError):
    """register_op refused an op: its backward or a kernel failed a check (the message says how)."""


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.replace("-", "_").split("_") if part) or "CustomOp"


def _as_call(sample) -> tuple:
    return tuple(sample) if isinstance(sample, (tuple, list)) else (sample,)


def _make_function(name: str, forward, backward, kernels: dict) -> type:
    def op_forward(ctx, *args):
        active = getattr(ctx.kernels, "name", "numpy")
        if active in kernels:
            out = kernels[active](*[np.ascontiguousarray(a) if isinstance(a, np.ndarray) else a for a in args])
            used = active
        else:
            out, used = forward(*args), "numpy"
        ctx.kernels = SimpleNamespace(name=used)  # what really ran, for trace and draw_graph
        out = np.asarray(out)
        ctx.save_for_backward(*args, out)
        return out

    def op_backward(ctx, grad):
        *args, out = ctx.saved_tensors
        grads = backward(grad, *args, out)
        grads = grads if isinstance(grads, tuple) else (grads,)
        if len(grads) != len(args):
            raise RuntimeError(f"{name}: backward returned {len(grads)} gradients for {len(args)} inputs")
        return tuple(None if g is None or not needed else np.asarray(g)
                     for g, needed in zip(grads, ctx.needs_input_grad))

    return type(_camel(name), (Function,), {
        "__doc__": f"The registered op {name!r} (minigrad.custom_op.register_op).",
        "__module__": __name__,
        "uses_kernels": True,
        "forward": staticmethod(op_forward),
        "backward": staticmethod(op_backward),
    })


def _check_backward(name: str, op, samples: list, eps: float, atol: float, rtol: float) -> None:
    from .backend import use_backend
    from .creation import tensor

    for k, sample in enumerate(samples):
        inputs = [tensor(a, dtype=np.float64, requires_grad=True)
                  if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a for a in sample]
        try:
            with use_backend("numpy"):  # the reference forward; kernels are checked against it next
                gradcheck(op, inputs, eps=eps, atol=atol, rtol=rtol)
        except GradcheckError as exc:
            raise OpRegistrationError(f"register_op({name!r}) refused: the backward disagrees with finite "
                                      f"differences on sample input {k}: {exc}") from None


def _check_kernel(name: str, backend: str, kernel, forward, samples: list, rtol: float, atol: float) -> float:
    worst = 0.0
    for k, sample in enumerate(samples):
        expected = np.asarray(forward(*sample), dtype=np.float64)
        try:
            got = np.asarray(kernel(*[np.ascontiguousarray(a) if isinstance(a, np.ndarray) else a for a in sample]))
        except Exception as exc:  # noqa: BLE001  (a kernel that cannot run is refused, with why)
            raise OpRegistrationError(f"register_op({name!r}) refused: the {backend} kernel raised on sample input "
                                      f"{k}: {type(exc).__name__}: {exc}") from None
        if got.shape != expected.shape:
            raise OpRegistrationError(f"register_op({name!r}) refused: the {backend} kernel returned shape {got.shape} "
                                      f"on sample input {k}; the NumPy forward returns {expected.shape}")
        diff = np.abs(got.astype(np.float64) - expected)
        if diff.size and not np.all(diff <= atol + rtol * np.abs(expected)):
            i = np.unravel_index(int(np.argmax(diff - rtol * np.abs(expected))), diff.shape)
            raise OpRegistrationError(
                f"register_op({name!r}) refused: the {backend} kernel differs from the NumPy forward on sample "
                f"input {k} at element {tuple(int(j) for j in i)}: kernel {got[i]:.6g}, NumPy {expected[i]:.6g} "
                f"(max |diff| {diff.max():.3g} > atol {atol:g} + rtol {rtol:g}·|NumPy|)")
        worst = max(worst, float(diff.max()) if diff.size else 0.0)
    return worst


def register_op(name: str, forward, backward, sample_inputs, kernels: dict | None = None, *,
                eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                kernel_atol: float = 1e-10, kernel_rtol: float = 1e-7):
    """Check and register an op; return it as a function of Tensors (and other arguments).

    forward(*arrays) -> array:              the NumPy reference.
    backward(grad, *arrays, out) -> grads:  one gradient per input (a tuple, or an array for one
                                            input; None for an input that has no gradient).
    sample_inputs:  a list of sample calls, each a tuple of arguments (an array alone for a
                    one-input op); float arrays are checked in float64.
    kernels:        {"numba": fn, "cython": fn}, each with the forward's signature.
    eps/atol/rtol:  gradcheck's settings; kernel_atol/kernel_rtol: the kernel-vs-NumPy tolerance.
    Raises OpRegistrationError when a check fails.  The returned function has ``.Function`` (the
    Function subclass), ``.name`` and ``.report`` (what was checked).
    """
    kernels = dict(kernels or {})
    for backend in kernels:
        if backend not in KERNEL_BACKENDS:
            raise ValueError(f"register_op({name!r}): kernels are for {', '.join(KERNEL_BACKENDS)} "
                             f"(the NumPy forward is the reference), got {backend!r}")
    samples = [tuple(np.array(a, dtype=np.float64) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a
                     for a in _as_call(s)) for s in sample_inputs]
    if not samples:
        raise ValueError(f"register_op({name!r}): give at least one sample input; the checks run on them")
    function = _make_function(name, forward, backward, kernels)

    def op(*args):
        return function.apply(*args)

    _check_backward(name, op, samples, eps, atol, rtol)
    report = [f"{name}: backward agrees with float64 finite differences on {len(samples)} sample input(s)"]
    for backend, kernel in kernels.items():
        worst = _check_kernel(name, backend, kernel, forward, samples, kernel_rtol, kernel_atol)
        report.append(f"{name}: the {backend} kernel matches the NumPy forward (max |diff| {worst:.2g})")
    op.__name__ = op.__qualname__ = name
    op.__doc__ = (getattr(forward, "__doc__", None) or f"The registered op {name!r}.")
    op.Function, op.name, op.kernels, op.report = function, name, kernels, "\n".join(report)
    REGISTERED[name] = op
    return op


def registered_ops() -> dict:
    """Every op registered in this session: name -> op."""
    return dict(REGISTERED)
