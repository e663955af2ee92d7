"""Recurrent layers: RNN (tanh), LSTM and GRU over whole sequences, and their single-step cells.

Arguments, parameter names, shapes, registration order and default initialisation are PyTorch's
(``weight_ih_l{k}``, ``weight_hh_l{k}``, ``bias_ih_l{k}``, ``bias_hh_l{k}``, ``_reverse`` for the
backward direction; every parameter ~ U(-1/√hidden_size, 1/√hidden_size)), so a PyTorch state
dict's arrays load with ``load_state_dict`` and give the same outputs.

Each layer and direction is ONE graph node (``minigrad.ops.recurrent``): one BLAS matmul projects
the inputs of all steps, one kernel call runs the recurrence, one kernel call backpropagates
through time.

Reading what happened at every time step (for study; a minigrad extension):
  ``layer.last_gates[k]``         per-step gate activations of the last forward call,
                                  [T, B, k·H]: LSTM i, f, g, o; GRU r, z, n; RNN h_t;
  ``layer.last_hidden_grads[k]``  dLoss/dh_t [T, B, H] of that call, filled by its backward
                                  (None before), from the output at t and from later steps;
with ``k = layer * num_directions + direction`` (the order of h_n), arrays in the input's time
order and always time-major [T, B, ...] (also with batch_first).  They are NumPy views the next
forward call replaces, e.g. ``np.linalg.norm(lstm.last_hidden_grads[0], axis=(1, 2))`` is the
gradient norm per step.  ``bptt_chunk=k`` (keyword, or set the attribute) truncates
backpropagation through time to chunks of k steps (0: full BPTT).
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from ... import creation
from ..._argcheck import ArgumentError
from ...functions import cat, stack
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

_GATES = {"RNN_TANH": 1, "LSTM": 4, "GRU": 3}


def _as_tensor(value) -> Tensor:
    return value if isinstance(value, Tensor) else Tensor(value)


def _shape(t) -> tuple:
    return tuple(t.shape)


class RNNBase(Module):
    """The multi-layer, optionally bidirectional recurrent layer; RNN, LSTM and GRU set the mode."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device=None, dtype=None, *, bptt_chunk: int = 0):
        super().__init__()
        name = {"RNN_TANH": "RNN"}.get(mode, mode)
        for arg, value, low in (("input_size", input_size, 0), ("hidden_size", hidden_size, 1),
                                ("num_layers", num_layers, 1)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):  # PyTorch: TypeError
                raise TypeError(f"{name}: {arg} must be an integer >= {low}, got {value!r} "
                                f"({type(value).__name__})")
            if value < low:
                raise ValueError(f"{name}: {arg} must be an integer >= {low}, got {value!r}")
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout <= 1:
            raise ValueError(f"{name}: dropout must be a number in [0, 1] (the probability of an element "
                             f"being zeroed), got {dropout!r}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"{name}: dropout={dropout} has no effect with num_layers=1 (dropout acts between "
                          "recurrent layers, not after the last one)", UserWarning, stacklevel=3)
        if proj_size != 0:
            raise ValueError(f"{name}: proj_size={proj_size} is not supported (only proj_size=0)")
        if device not in (None, "cpu"):
            raise ValueError(f"{name}: only device='cpu' exists in minigrad, got {device!r}")
        self.mode = mode
        self.input_size, self.hidden_size, self.num_layers = int(input_size), int(hidden_size), int(num_layers)
        self.bias, self.batch_first, self.bidirectional = bool(bias), bool(batch_first), bool(bidirectional)
        self.dropout, self.proj_size = float(dropout), 0
        self.bptt_chunk = bptt_chunk
        self._step_records: list = []
        gate_size = _GATES[mode] * hidden_size
        directions = 2 if bidirectional else 1
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            layer_input = input_size if layer == 0 else hidden_size * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                shapes = {f"weight_ih{suffix}": (gate_size, layer_input),
                          f"weight_hh{suffix}": (gate_size, hidden_size)}
                if bias:
                    shapes.update({f"bias_ih{suffix}": (gate_size,), f"bias_hh{suffix}": (gate_size,)})
                for pname, shape in shapes.items():
                    setattr(self, pname, Parameter(creation.empty(*shape, dtype=dtype)))
                self._flat_weights_names.extend(shapes)
                self._all_weights.append(list(shapes))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: every parameter ~ U(-1/√hidden_size, 1/√hidden_size)."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def flatten_parameters(self) -> None:
        """Nothing to do (PyTorch compacts cuDNN weights here); kept so PyTorch code runs unchanged."""

    @property
    def num_directions(self) -> int:
        return 2 if self.bidirectional else 1

    @property
    def all_weights(self) -> list:
        """[[weight_ih, weight_hh, bias_ih, bias_hh] for each layer and direction], as PyTorch."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    @property
    def last_gates(self) -> list:
        """Per-step gate activations of the last forward call, one array per layer and direction
        (see the module docstring)."""
        return [record.gates for record in self._step_records]

    @property
    def last_hidden_grads(self) -> list:
        """dLoss/dh_t [T, B, H] of the last forward call, one per layer and direction, set by its
        backward (None before); see the module docstring."""
        return [record.hidden_grads for record in self._step_records]

    # -- checks ----------------------------------------------------------------------------
    def _name(self) -> str:
        return type(self).__name__

    def _check_input(self, x: Tensor) -> None:
        if x.ndim not in (2, 3):
            raise ValueError(f"{self._name()}: expected a 3-D input ([seq_len, batch, input_size], or "
                             f"[batch, seq_len, input_size] with batch_first=True) or a 2-D unbatched input "
                             f"[seq_len, input_size], got a {x.ndim}-D input of shape {_shape(x)}")
        if x.shape[-1] != self.input_size:
            raise ValueError(f"{self._name()}: input has {x.shape[-1]} features but input_size is "
                             f"{self.input_size} (input shape {_shape(x)})")
        if x.dtype.kind != "f":
            raise TypeError(f"{self._name()}: expected a float input, got {x.dtype}")
        if 0 in x.shape:
            raise ValueError(f"{self._name()}: the input has an empty dimension, shape {_shape(x)}")

    def _check_state(self, name: str, state, batch: int, unbatched: bool, input_shape: tuple) -> Tensor:
        state = _as_tensor(state)
        stack_size = self.num_layers * self.num_directions
        expected = (stack_size, self.hidden_size) if unbatched else (stack_size, batch, self.hidden_size)
        if _shape(state) == expected:
            return state
        layout = "[num_layers·num_directions, hidden_size]" if unbatched else \
            "[num_layers·num_directions, batch, hidden_size]"
        message = f"{self._name()}: expected {name} of shape {expected} {layout}, got {_shape(state)}"
        if unbatched and state.ndim == 3:
            message += "; for an unbatched 2-D input the state is 2-D too"
        elif not unbatched and state.ndim == 3 and state.shape[0] == stack_size \
                and state.shape[2] == self.hidden_size:
            message += (f": the input of shape {input_shape} read with batch_first={self.batch_first} has "
                        f"batch size {batch}")
            other = input_shape[0] if not self.batch_first else input_shape[1]
            if state.shape[1] == other:
                message += f"; did you mean batch_first={not self.batch_first}?"
        raise ValueError(message)

    def _initial_states(self, hx, batch: int, unbatched: bool, input_shape: tuple) -> list:
        """The initial states as a list (h0 or h0, c0), each [L·D, B, H] or None (zeros)."""
        names = ("h_0", "c_0") if self.mode == "LSTM" else ("h_0",)
        if hx is None:
            return [None] * len(names)
        if self.mode == "LSTM":
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError(f"LSTM: the initial state must be a tuple (h_0, c_0), got {type(hx).__name__}")
            states = list(hx)
        else:
            if isinstance(hx, (tuple, list)):
                raise TypeError(f"{self._name()}: the initial state must be one tensor h_0, got a "
                                f"{type(hx).__name__}")
            states = [hx]
        states = [self._check_state(n, s, batch, unbatched, input_shape) for n, s in zip(names, states)]
        return [s.unsqueeze(1) if unbatched else s for s in states]

    # -- forward ---------------------------------------------------------------------------
    def _layer_weights(self, k: int) -> list:
        weights = [getattr(self, name) for name in self._all_weights[k]]
        return weights if self.bias else weights + [None, None]

    def _run(self, x, states: list, weights: list, reverse: bool, record) -> tuple:
        """One layer and direction: (hs, final states) — one graph node."""
        w_ih, w_hh, b_ih, b_hh = weights
        options = dict(bptt_chunk=self.bptt_chunk, reverse=reverse, record=record)
        if self.mode == "LSTM":
            hs, h_n, c_n = F.lstm_sequence(x, *states, w_ih, w_hh, b_ih, b_hh, **options)
            return hs, (h_n, c_n)
        function = F.rnn_sequence if self.mode == "RNN_TANH" else F.gru_sequence
        hs, h_n = function(x, *states, w_ih, w_hh, b_ih, b_hh, **options)
        return hs, (h_n,)

    def forward(self, input, hx=None):
        x = _as_tensor(input)
        self._check_input(x)
        unbatched = x.ndim == 2
        if unbatched:
            x = x.unsqueeze(1)
        elif self.batch_first:
            x = x.transpose(0, 1)
        batch = x.shape[1]
        initial = self._initial_states(hx, batch, unbatched, _shape(input))
        directions = self.num_directions
        self._step_records = [F.StepRecord() for _ in range(self.num_layers * directions)]
        finals = [[] for _ in initial]  # per state kind: one [B, H] per layer and direction
        for layer in range(self.num_layers):
            if layer > 0 and self.training and self.dropout > 0:
                x = F.dropout(x, self.dropout)  # between layers, training only
            outputs = []
            for direction in range(directions):
                k = layer * directions + direction
                states = [None if s is None else s[k] for s in initial]
                hs, final = self._run(x, states, self._layer_weights(k), direction == 1, self._step_records[k])
                outputs.append(hs)
                for collected, state in zip(finals, final):
                    collected.append(state)
            x = outputs[0] if directions == 1 else cat(outputs, 2)
        output = x.squeeze(1) if unbatched else x.transpose(0, 1) if self.batch_first else x
        states = [stack(f, 0) if len(f) > 1 else f[0].unsqueeze(0) for f in finals]
        if unbatched:
            states = [s.squeeze(1) for s in states]
        return output, (tuple(states) if self.mode == "LSTM" else states[0])

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if not self.bias:
            text += ", bias=False"
        if self.batch_first:
            text += ", batch_first=True"
        if self.dropout:
            text += f", dropout={self.dropout}"
        if self.bidirectional:
            text += ", bidirectional=True"
        if self.bptt_chunk:
            text += f", bptt_chunk={self.bptt_chunk}"
        return text


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), stacked and optionally
    bidirectional. ``nonlinearity='relu'`` is not supported (the fused kernels implement tanh)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None, *, bptt_chunk: int = 0):
        if nonlinearity != "tanh":
            raise ValueError(f"RNN: nonlinearity={nonlinearity!r} is not supported; minigrad's recurrent kernels "
                             "implement nonlinearity='tanh' only")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH", input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, 0, device, dtype, bptt_chunk=bptt_chunk)


class LSTM(RNNBase):
    """Long short-term memory: gates i, f, g, o; c_t = f⊙c_{t-1} + i⊙g, h_t = o⊙tanh(c_t).
    ``forward(input, (h_0, c_0))`` returns ``output, (h_n, c_n)``."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device=None, dtype=None, *, bptt_chunk: int = 0):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype, bptt_chunk=bptt_chunk)


class GRU(RNNBase):
    """Gated recurrent unit: r, z = σ(...), n = tanh(x W_in^T + b_in + r⊙(h W_hn^T + b_hn)),
    h_t = (1 - z)⊙n + z⊙h_{t-1}."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None, *, bptt_chunk: int = 0):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         0, device, dtype, bptt_chunk=bptt_chunk)


# ----------------------------------------------------------------------------- cells

class RNNCellBase(Module):
    """One recurrent step: parameters weight_ih [k·H, I], weight_hh [k·H, H], bias_ih, bias_hh [k·H]."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device=None, dtype=None):
        super().__init__()
        name = type(self).__name__
        for arg, value, low in (("input_size", input_size, 0), ("hidden_size", hidden_size, 1)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)):  # PyTorch: TypeError
                raise TypeError(f"{name}: {arg} must be an integer >= {low}, got {value!r} "
                                f"({type(value).__name__})")
            if value < low:  # PyTorch: RuntimeError (a negative dimension)
                raise ArgumentError(f"{name}: {arg} must be an integer >= {low}, got {value!r}")
        if device not in (None, "cpu"):
            raise ValueError(f"{name}: only device='cpu' exists in minigrad, got {device!r}")
        self.input_size, self.hidden_size, self.bias = int(input_size), int(hidden_size), bool(bias)
        self.weight_ih = Parameter(creation.empty(num_chunks * hidden_size, input_size, dtype=dtype))
        self.weight_hh = Parameter(creation.empty(num_chunks * hidden_size, hidden_size, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(creation.empty(num_chunks * hidden_size, dtype=dtype))
            self.bias_hh = Parameter(creation.empty(num_chunks * hidden_size, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """PyTorch's default: every parameter ~ U(-1/√hidden_size, 1/√hidden_size)."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def _prepare(self, input, states: list, names: tuple) -> tuple:
        """Check the input and states; return them batched ([B, I], [B, H]) and whether to unbatch."""
        name = type(self).__name__
        x = _as_tensor(input)
        if x.ndim not in (1, 2):
            raise ValueError(f"{name}: expected a 2-D input [batch, input_size] or a 1-D unbatched input "
                             f"[input_size], got a {x.ndim}-D input of shape {_shape(x)}")
        if x.shape[-1] != self.input_size:
            raise ValueError(f"{name}: input has {x.shape[-1]} features but input_size is {self.input_size} "
                             f"(input shape {_shape(x)})")
        unbatched = x.ndim == 1
        expected = (self.hidden_size,) if unbatched else (x.shape[0], self.hidden_size)
        checked = []
        for state_name, state in zip(names, states):
            if state is not None:
                state = _as_tensor(state)
                if _shape(state) != expected:
                    raise ValueError(f"{name}: expected {state_name} of shape {expected}, got {_shape(state)} "
                                     f"(input shape {_shape(x)})")
                state = state.unsqueeze(0) if unbatched else state
            checked.append(state)
        return (x.unsqueeze(0) if unbatched else x), checked, unbatched

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            text += ", bias=False"
        return text


class RNNCell(RNNCellBase):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh); ``forward(input, hx=None)`` returns h'."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device=None, dtype=None):
        if nonlinearity != "tanh":
            raise ValueError(f"RNNCell: nonlinearity={nonlinearity!r} is not supported; minigrad's recurrent "
                             "kernels implement nonlinearity='tanh' only")
        self.nonlinearity = nonlinearity
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)

    def forward(self, input, hx=None):
        x, (h,), unbatched = self._prepare(input, [hx], ("hx",))
        out = F.rnn_cell(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return out.squeeze(0) if unbatched else out


class LSTMCell(RNNCellBase):
    """One LSTM step; ``forward(input, (h, c)=None)`` returns ``(h', c')``."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input, hx=None):
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(f"LSTMCell: the state must be a tuple (h, c), got {type(hx).__name__}")
        x, (h, c), unbatched = self._prepare(input, [None, None] if hx is None else list(hx), ("h", "c"))
        h, c = F.lstm_cell(x, h, c, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return (h.squeeze(0), c.squeeze(0)) if unbatched else (h, c)


class GRUCell(RNNCellBase):
    """One GRU step; ``forward(input, hx=None)`` returns h'."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input, hx=None):
        x, (h,), unbatched = self._prepare(input, [hx], ("hx",))
        out = F.gru_cell(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        return out.squeeze(0) if unbatched else out
