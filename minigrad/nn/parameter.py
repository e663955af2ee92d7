"""Parameter: a Tensor that a Module registers as learnable when it is assigned as an attribute."""
from __future__ import annotations

import numpy as np

from ..dtypes import DEFAULT_FLOAT
from ..tensor import Tensor, _to_array


class Parameter(Tensor):
    """A leaf Tensor with ``requires_grad=True`` by default.

    ``Parameter(tensor)`` shares the tensor's array (as ``torch.nn.Parameter`` shares storage);
    other data (arrays, lists) is converted by the usual rule (float data becomes float32).
    """

    # No __slots__: a subclass may carry extra attributes, as torch.nn.Parameter can.

    def __new__(cls, data=None, requires_grad: bool = True):
        if data is None:
            array = np.empty(0, dtype=DEFAULT_FLOAT)
        elif isinstance(data, Tensor):
            array = data.data
        else:
            array = _to_array(data)
        return cls._wrap(array).requires_grad_(requires_grad)

    def __init__(self, data=None, requires_grad: bool = True):
        pass  # all the work is done in __new__; Tensor.__init__ would copy the data again

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo) -> "Parameter":
        if id(self) in memo:
            return memo[id(self)]
        copy = type(self)(self.data.copy(), self.requires_grad)
        memo[id(self)] = copy
        return copy
