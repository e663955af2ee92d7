"""The kernel registry: which kernels exist, and loading each backend's implementation of them.

A kernel is a plain function over C-contiguous NumPy arrays of one float dtype (float32 or
float64) that fills an output array the caller allocated.  The same names and signatures
exist in ``reference/`` (NumPy, the spec), ``numba_impl/`` and ``cython_impl/``.
Nothing in this package knows what a Tensor is.
"""
from __future__ import annotations

import importlib
import os
from types import SimpleNamespace

# The one table of kernels: module (same file name in every backend) -> kernel names.
# The dispatcher, the tests and the benchmarks all read this.
KERNELS: dict[str, tuple[str, ...]] = {
    "conv": (
        "conv2d_forward",
        "conv2d_backward_input",
        "conv2d_backward_weight",
    ),
    "pool": (
        "max_pool2d_forward",
        "max_pool2d_backward",
        "avg_pool2d_forward",
        "avg_pool2d_backward",
    ),
    "matmul": ("matmul_blocked",),
    "optim": ("adam_update",),
    "recurrent": (
        "rnn_cell_forward",
        "rnn_cell_backward",
        "lstm_cell_forward",
        "lstm_cell_backward",
        "gru_cell_forward",
        "gru_cell_backward",
        "rnn_sequence_forward",
        "rnn_sequence_backward",
        "lstm_sequence_forward",
        "lstm_sequence_backward",
        "gru_sequence_forward",
        "gru_sequence_backward",
    ),
}

BACKEND_PACKAGES = {"numpy": "reference", "numba": "numba_impl", "cython": "cython_impl"}
BACKENDS = tuple(BACKEND_PACKAGES)


class BackendUnavailable(RuntimeError):
    """A kernel backend could not be loaded; the message says why."""


_loaded: dict[str, SimpleNamespace] = {}
_failures: dict[str, str] = {}


def kernel_names() -> list[tuple[str, str]]:
    """Every (module, kernel) pair in the registry, in table order."""
    return [(module, name) for module, names in KERNELS.items() for name in names]


def load_backend(name: str) -> SimpleNamespace:
    """Return a namespace holding every registered kernel of backend ``name``.

    Raises BackendUnavailable with the reason if the backend cannot be imported or lacks a kernel.
    """
    if name in _loaded:
        return _loaded[name]
    if name not in BACKEND_PACKAGES:
        raise BackendUnavailable(f"unknown backend {name!r}; known backends: {', '.join(BACKENDS)}")
    if name in _failures:
        raise BackendUnavailable(_failures[name])
    package = f"{__name__}.{BACKEND_PACKAGES[name]}"
    functions = {}
    try:
        for module_name, kernel_list in KERNELS.items():
            module = importlib.import_module(f"{package}.{module_name}")
            for kernel in kernel_list:
                try:
                    functions[kernel] = getattr(module, kernel)
                except AttributeError:
                    raise BackendUnavailable(
                        f"backend {name!r}: module {module_name} has no kernel {kernel!r}") from None
    except BackendUnavailable as exc:
        _failures[name] = str(exc)
        raise
    except Exception as exc:  # an ImportError, a missing compiled extension, a broken Numba...
        reason = f"backend {name!r} failed to load: {type(exc).__name__}: {exc}"
        note = os.path.join(os.path.dirname(__file__), "cython_impl", "BUILD_FAILED.txt")
        if name == "cython" and os.path.exists(note):
            with open(note) as f:
                reason += f" ({f.read().strip()})"
        elif name == "cython":
            reason += " (rebuild with: pip install -e . --no-build-isolation)"
        _failures[name] = reason
        raise BackendUnavailable(reason) from exc
    namespace = SimpleNamespace(name=name, **functions)
    _loaded[name] = namespace
    return namespace


def backend_status() -> dict[str, str]:
    """Map each backend to "available" or the reason it failed to load."""
    status = {}
    for name in BACKENDS:
        try:
            load_backend(name)
            status[name] = "available"
        except BackendUnavailable as exc:
            status[name] = str(exc)
    return status


def available_backends() -> list[str]:
    return [name for name, state in backend_status().items() if state == "available"]
