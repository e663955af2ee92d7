"""The exception for a bad argument value (issue 20).

``ArgumentError`` is both a ValueError (what minigrad has always raised) and a RuntimeError (what
PyTorch raises for most bad sizes, strides and paddings), so code written against either keeps
catching it.  A bad type raises TypeError, as PyTorch does.
"""


class ArgumentError(ValueError, RuntimeError):
    """A bad argument value (a ValueError, and a RuntimeError as PyTorch raises)."""


class AllocationError(MemoryError, RuntimeError):
    """An output too big for the memory (a MemoryError, and a RuntimeError as PyTorch's allocator raises)."""
