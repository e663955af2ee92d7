"""Which kernel implementation runs: numpy | numba | cython.

The backend is chosen by ``use_backend`` (this thread, inside the ``with`` block), else by
``set_backend`` (the whole process: every thread, those started later included), else by the
MINIGRAD_BACKEND environment variable, else the default (the fastest available one as
measured — see BENCHMARKS.md).  An op resolves it once at forward and keeps it on its ctx.
Set MINIGRAD_REQUIRE_BACKENDS=numba,cython to make a missing compiled backend an error.
"""
from __future__ import annotations

import contextlib
import os
import threading
import warnings

from . import kernels as _kernels
from .kernels.cpu import disabled_features as _disabled_features

_disabled_features()  # a misspelt MINIGRAD_DISABLE_CPU_FEATURES fails at import, not silently later

# Preference order of the default backend: fastest first, as measured in BENCHMARKS.md.
DEFAULT_PREFERENCE = ("cython", "numba", "numpy")

_state = threading.local()  # .name: this thread's use_backend override
_process: list = []  # [name] once set_backend was called: the process-wide choice
_default: list = []
_kernel_blas_pinned: list = []


def _load(name: str):
    """Load a backend's kernels; the first compiled one also pins its BLAS to one thread
    (see minigrad.threads for why)."""
    kernels = _kernels.load_backend(name)
    if name != "numpy" and not _kernel_blas_pinned:
        pin_kernel_blas()
        _kernel_blas_pinned.append(name)
    return kernels


def kernel_blas_libraries(controller) -> list:
    """threadpoolctl controllers of the BLAS libraries only the compiled kernels use: loaded from
    outside NumPy's own folder, and not the library NumPy itself uses."""
    import numpy
    numpy_root = os.path.dirname(os.path.dirname(os.path.abspath(numpy.__file__)))
    blas = [lib for lib in controller.lib_controllers if lib.user_api == "blas"]
    numpy_files = {lib.filepath for lib in blas
                   if os.path.basename(os.path.dirname(lib.filepath)) == "numpy.libs"
                   or lib.filepath.startswith(os.path.join(numpy_root, "numpy"))}
    if not numpy_files:  # cannot tell NumPy's BLAS apart (a system or conda BLAS): leave all alone
        return []
    return [lib for lib in blas if lib.filepath not in numpy_files]


def pin_kernel_blas() -> None:
    """Keep the compiled kernels' BLAS at one thread (see minigrad.threads for why); called once a
    compiled backend has loaded it."""
    from threadpoolctl import ThreadpoolController
    for lib in kernel_blas_libraries(ThreadpoolController()):
        lib.set_num_threads(1)


def _check_required() -> None:
    required = [b for b in os.environ.get("MINIGRAD_REQUIRE_BACKENDS", "").split(",") if b]
    for name in required:
        _kernels.load_backend(name)  # raises BackendUnavailable with the reason


def available_backends() -> list[str]:
    """The backends that load on this machine, e.g. ["numpy", "numba", "cython"]."""
    _check_required()
    return _kernels.available_backends()


def backend_status() -> dict[str, str]:
    """Each backend: "available" or the reason it is not."""
    return _kernels.backend_status()


def _check_name(name) -> None:
    if not isinstance(name, str):
        raise TypeError(f"a backend name is a str (one of {', '.join(_kernels.BACKENDS)}), got "
                        f"{type(name).__name__} {name!r}")


def _requested_backend() -> str:
    """MINIGRAD_BACKEND, checked: a misspelt name fails at import, naming the variable, rather
    than being ignored by a program whose ops use no kernel."""
    requested = os.environ.get("MINIGRAD_BACKEND", "").strip()
    if requested and requested not in _kernels.BACKENDS:
        raise _kernels.BackendUnavailable(
            f"the environment variable MINIGRAD_BACKEND={requested!r} names no backend; valid "
            f"names: {', '.join(_kernels.BACKENDS)} (or leave it unset for the fastest available)")
    return requested


_requested_backend()


def _default_backend() -> str:
    if not _default:
        requested = _requested_backend()
        if requested:
            try:
                _load(requested)
            except _kernels.BackendUnavailable as exc:
                raise _kernels.BackendUnavailable(f"the environment variable MINIGRAD_BACKEND={requested!r} "
                                                  f"asks for a backend that cannot load: {exc}") from None
            _default.append(requested)
        else:
            _check_required()
            for name in DEFAULT_PREFERENCE:
                try:
                    _load(name)
                except _kernels.BackendUnavailable as exc:
                    if name != "numpy":
                        warnings.warn(f"minigrad: {exc}; falling back", RuntimeWarning, stacklevel=3)
                    continue
                _default.append(name)
                break
    return _default[0]


def get_backend() -> str:
    return getattr(_state, "name", None) or (_process[0] if _process else _default_backend())


def set_backend(name: str) -> None:
    """Use backend ``name`` from now on, in every thread of the process (threads started later
    included); raises if it cannot load. A ``use_backend`` block still wins in its own thread."""
    _check_name(name)
    _load(name)
    _process[:] = [name]  # one assignment: another thread sees the old list or the new one


@contextlib.contextmanager
def use_backend(name: str):
    """``with mg.use_backend("numba"):`` runs the ops inside on that backend, in this thread only
    (other threads keep theirs); the previous choice comes back on exit."""
    _check_name(name)
    _load(name)
    previous = getattr(_state, "name", None)
    _state.name = name
    try:
        yield name
    finally:
        _state.name = previous


def current_kernels():
    """The kernel namespace of the active backend (what an op keeps on ctx.kernels)."""
    return _load(get_backend())
