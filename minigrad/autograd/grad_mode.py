"""Whether operations record a graph: no_grad and enable_grad."""
from __future__ import annotations

import functools
import threading

_state = threading.local()


def is_grad_enabled() -> bool:
    return getattr(_state, "enabled", True)


def set_grad_enabled(mode: bool) -> None:
    _state.enabled = bool(mode)


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
        set_grad_enabled(self.mode)
        return self

    def __exit__(self, *exc_info):
        set_grad_enabled(self._previous)
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
