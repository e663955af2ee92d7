"""Whether operations record a graph: no_grad and enable_grad."""
from __future__ import annotations

import functools
import threading

_state = threading.local()


def is_grad_enabled() -> bool:
    return getattr(_state, "enabled", True)


class set_grad_enabled:
    """Turn grad recording on or off now; used as a context manager, the previous mode comes
    back on exit (as PyTorch's ``set_grad_enabled``)."""

    def __init__(self, mode: bool) -> None:
        self._previous = is_grad_enabled()
        _state.enabled = bool(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        _state.enabled = self._previous
        return False


class _GradMode:
    """A context manager and decorator that sets grad recording to a fixed mode.

    As in PyTorch, both ``@no_grad()`` and the bare ``@no_grad`` decorate a function.
    """

    mode = True

    def __new__(cls, fn=None):
        self = super().__new__(cls)
        return self if fn is None else self(fn)

    def __enter__(self):
        self._previous = is_grad_enabled()
        _state.enabled = self.mode
        return self

    def __exit__(self, *exc_info):
        _state.enabled = self._previous
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_GradMode):
    """Run operations without recording a graph (inference, optimiser updates)."""

    mode = False


class enable_grad(_GradMode):
    """Turn graph recording back on inside a ``no_grad`` block."""

    mode = True
