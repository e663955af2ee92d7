"""Function and its ctx: how an op records itself in the graph.

An op subclasses Function with static ``forward(ctx, *args)`` and ``backward(ctx, *grads)``.
``forward`` receives NumPy arrays where the caller passed Tensors (other arguments as they
are) and returns an array (or a tuple of arrays for several outputs).  ``backward`` receives
one gradient array per output and returns one gradient per input (None where no gradient is
needed).  The ctx object *is* the graph node: it becomes the outputs' ``grad_fn``.
"""
from __future__ import annotations

import os
import time
import traceback

import numpy as np

from . import grad_mode

# Callables notified of every recorded forward op and every backward step (used by
# minigrad.autograd.trace); empty in normal use, so the cost is one truth test.
observers: list = []
_anomaly = {"enabled": False}
# The Tensor class.  It is defined above this layer (minigrad/tensor.py: its methods call the ops,
# and the ops are built on Function), so the core never imports it: tensor.py registers it.  What
# the core and the engine use of it is small: ``isinstance``, ``.data``, ``.requires_grad``,
# ``.grad_fn``, ``.grad``, ``._output_index``, ``._hooks``, the version counter, and
# ``Tensor._wrap(array, requires_grad=False, grad_fn=None, output_index=0)``.
Tensor: type = None


def register_tensor_class(cls: type) -> None:
    """Make ``cls`` the class Function.apply wraps its outputs in (called once, by minigrad.tensor)."""
    global Tensor
    Tensor = cls


class Context:
    """The record of one op call: what backward needs, and the edges to the inputs."""

    __slots__ = ("function", "inputs", "needs_input_grad", "saved", "guards", "kernels",
                 "n_outputs", "output_hooks", "retained", "created_at", "freed",
                 "__dict__", "__weakref__")

    def __init__(self, function, inputs, needs_input_grad):
        self.function = function
        self.inputs = inputs                  # the Tensor arguments (None for non-Tensors)
        self.needs_input_grad = needs_input_grad
        self.saved = ()
        self.guards = ()
        self.kernels = None
        self.n_outputs = 1
        self.output_hooks = None              # {output index: [hook, ...]} for non-leaf hooks
        self.retained = None                  # {output index: weakref to a retain_grad() tensor}
        self.created_at = None
        self.freed = False
        # Set by the engine while backward runs: True when nothing else refers to the output
        # gradient, so backward may write its result into that array (ReLU does).

    # -- what backward needs -------------------------------------------------------------
    def save_for_backward(self, *arrays) -> None:
        self.saved = arrays

    @property
    def saved_tensors(self) -> tuple:
        if self.freed:
            raise RuntimeError(
                f"Trying to backward through the graph a second time: the values {self.name()} saved "
                "for backward were freed by the first backward. Call backward(retain_graph=True) "
                "the first time if you need to backward twice.")
        return self.saved

    # -- graph node ----------------------------------------------------------------------
    def name(self) -> str:
        return f"{self.function.__name__}Backward"

    @property
    def next_functions(self) -> tuple:
        return tuple((t.grad_fn, 0) if t is not None else (None, 0) for t in self.inputs)

    def register_hook(self, index: int, hook) -> None:
        if self.output_hooks is None:
            self.output_hooks = {}
        self.output_hooks.setdefault(index, []).append(hook)

    def __repr__(self) -> str:
        return f"<{self.name()}>"


class Function:
    """Base class of every op.  Subclasses define static forward and backward."""

    # Set True on ops that call kernels: the active backend is resolved once at forward
    # and kept on ctx.kernels, so backward runs the same implementation.
    uses_kernels = False
    # Set False on ops whose outputs never carry gradient (comparisons, argmax, ...).
    differentiable = True

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError("a Function subclass must define forward(ctx, *args)")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("a Function subclass must define backward(ctx, *grad_outputs)")

    @classmethod
    def apply(cls, *args, **kwargs):
        tensors = [a for a in args if isinstance(a, Tensor)]
        arrays = [a.data if isinstance(a, Tensor) else a for a in args]
        record = cls.differentiable and grad_mode.is_grad_enabled() and any(
            t.requires_grad for t in tensors)
        if record:
            inputs = tuple([a if isinstance(a, Tensor) and a.requires_grad else None for a in args])
            ctx = Context(cls, inputs, tuple([t is not None for t in inputs]))
        else:
            ctx = Context(cls, (), (False,) * len(args))
        if cls.uses_kernels:
            from ..backend import current_kernels
            ctx.kernels = current_kernels()
        started = time.perf_counter() if observers else 0.0
        raw = cls.forward(ctx, *arrays, **kwargs)
        if observers:  # the forward's own time, for the observers (trace) to read
            ctx.forward_seconds = time.perf_counter() - started
        multiple = isinstance(raw, tuple)
        outputs = raw if multiple else (raw,)
        if not record:
            result = tuple([Tensor._wrap(o) for o in outputs])
            _share_versions(result, tensors)
        else:
            ctx.n_outputs = len(outputs)
            if multiple:
                ctx.output_meta = [(o.shape, o.dtype) for o in outputs]
            result = tuple([
                Tensor._wrap(o, requires_grad=True, grad_fn=ctx, output_index=i)
                if o.dtype.kind == "f" else Tensor._wrap(o)  # indices, masks: no gradient
                for i, o in enumerate(outputs)])
            _share_versions(result, tensors)  # before the guards read the versions
            if ctx.saved:
                ctx.guards = _version_guards(ctx.saved, tensors, result)
            if _anomaly["enabled"]:
                ctx.created_at = _forward_stack()
        if observers:
            for observer in observers:
                observer.on_forward(cls, args, result, ctx)
        return result if multiple else result[0]


_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def _forward_stack() -> str:
    """Where an op was called in forward: the stack without minigrad's own frames at its end,
    so the last line shown is the caller's, whether it called MyFn.apply or x.exp()."""
    frames = traceback.extract_stack()[:-1]
    while frames and frames[-1].filename.startswith(_PACKAGE_DIR):
        frames.pop()
    return "".join(traceback.format_list(frames))


def _memory_owner(array: np.ndarray):
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


def _share_versions(outputs, inputs) -> None:
    """An output that views an input's array (reshape, permute, expand, basic indexing) shares
    that input's version counter, as in PyTorch: an in-place change through the view or the
    base then reaches the guards of values saved from either."""
    for out in outputs:
        if out.data.base is None and not any(t.data is out.data for t in inputs):
            continue  # a new array (most ops): nothing to share
        owner = _memory_owner(out.data)
        for tensor in inputs:
            if _memory_owner(tensor.data) is owner:
                out._versions = tensor._versions
                break


def _version_guards(saved, inputs, outputs) -> tuple:
    """(version counter, version, shape) for every saved array that is a Tensor's own data.

    Backward compares the versions again: an in-place change to a saved array raises
    instead of giving a silently wrong gradient.  A guard holds the tensor's counter, not the
    tensor: an output saved by its own node (ReLU, tanh) would otherwise form a reference
    cycle that keeps the whole graph and its arrays alive until the garbage collector runs.
    """
    candidates = list(inputs) + list(outputs)
    guards = []
    for array in saved:
        if not isinstance(array, np.ndarray):
            continue
        for tensor in candidates:
            if tensor.data is array:
                guards.append((tensor._versions, tensor._version, tensor.shape))
                break
    return tuple(guards)


class detect_anomaly:
    """Context manager: a NaN or inf produced in backward raises, naming the op and where it
    was created in forward."""

    def __enter__(self):
        self._previous = _anomaly["enabled"]
        _anomaly["enabled"] = True
        return self

    def __exit__(self, *exc_info):
        _anomaly["enabled"] = self._previous
        return False


def is_anomaly_enabled() -> bool:
    return _anomaly["enabled"]
