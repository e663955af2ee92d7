"""Weight converters for recurrent layers: TensorFlow 1 and Keras layouts to and from minigrad's
(= PyTorch's) ``weight_ih [k·H, I]``, ``weight_hh [k·H, H]``, ``bias_ih [k·H]``, ``bias_hh [k·H]``.

Supported layouts (all with the standard activations: sigmoid gates, tanh candidate and output):

- TF1 ``tf.nn.rnn_cell.BasicLSTMCell`` / ``LSTMCell`` (no peepholes, no ``num_proj``, no
  ``cell_clip``): one ``kernel [I + H, 4H]`` whose rows take ``concat([x, h])``, one ``bias [4H]``,
  gate order i, j (= g), f, o, and ``forget_bias`` (default 1.0) added to f at run time — folded
  into the f block of ``bias_ih`` here (and taken out again by ``lstm_to_tf1``).
- Keras ``LSTM``/``LSTMCell`` (TF2 ``tf.keras``): ``kernel [I, 4H]``, ``recurrent_kernel [H, 4H]``,
  ``bias [4H]`` (optional), gate order i, f, c (= g), o — as ``layer.get_weights()`` returns them.
  ``recurrent_activation`` must be sigmoid (Keras 1's default hard_sigmoid is not supported).
- Keras ``GRU``/``GRUCell`` with ``reset_after=True`` (the TF2 default): ``kernel [I, 3H]``,
  ``recurrent_kernel [H, 3H]``, ``bias [2, 3H]`` (row 0 input bias, row 1 recurrent bias), gate
  order z, r, h.  ``reset_after=False`` (and TF1's ``GRUCell``) apply the reset gate before the
  recurrent matmul, which PyTorch's layout cannot express: they raise.
- PyTorch state dicts: the names are the same, so ``state_dict_from_torch`` only turns torch
  tensors into NumPy arrays and ``state_dict_to_torch`` the other way.

Multi-layer and bidirectional layers take one weight set per layer and direction, in PyTorch's
order: layer 0, layer 0 reverse, layer 1, ...  (a Keras ``Bidirectional`` layer gives the forward
then the backward layer's weights).
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np

from ..tensor import Tensor

# Column blocks of the source layout that give PyTorch's gate order.
_TF1_LSTM_TO_TORCH = (0, 2, 1, 3)    # TF1 i, j, f, o   -> i, f, g(=j), o
_KERAS_LSTM_TO_TORCH = (0, 1, 2, 3)  # Keras i, f, c, o -> i, f, g(=c), o (the same order)
_KERAS_GRU_TO_TORCH = (1, 0, 2)      # Keras z, r, h    -> r, z, n(=h)


def _array(value, what: str) -> np.ndarray:
    """A NumPy copy of a NumPy array, a minigrad Tensor or a torch tensor."""
    if isinstance(value, Tensor):
        value = value.data
    elif hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch.Tensor (torch is not imported)
        value = value.detach().cpu().numpy()
    array = np.array(value, copy=True)
    if array.dtype.kind != "f":
        raise TypeError(f"{what}: expected float weights, got {array.dtype}")
    return array


def _blocks(array: np.ndarray, order: tuple, axis: int) -> np.ndarray:
    """Reorder the len(order) equal gate blocks of ``array`` along ``axis``."""
    return np.concatenate([np.split(array, len(order), axis=axis)[k] for k in order], axis=axis)


def _inverse(order: tuple) -> tuple:
    return tuple(int(k) for k in np.argsort(order))


def _gate_width(what: str, array: np.ndarray, gates: int, axis: int) -> int:
    width = array.shape[axis]
    if width % gates or width == 0:
        raise ValueError(f"{what}: dimension {axis} of shape {array.shape} must be {gates}·hidden_size, "
                         f"got {width}")
    return width // gates


# ----------------------------------------------------------------------------- TF1 LSTM

def lstm_from_tf1(kernel, bias, forget_bias: float = 1.0) -> dict:
    """PyTorch-layout arrays from a TF1 BasicLSTMCell/LSTMCell ``kernel [I+H, 4H]`` and ``bias [4H]``.

    TF1 computes ``i, j, f, o = split(concat([x, h]) @ kernel + bias)``,
    ``c = σ(f + forget_bias)·c + σ(i)·tanh(j)``, ``h = tanh(c)·σ(o)``; forget_bias lands in bias_ih's
    f block and bias_hh is zero.
    """
    kernel, bias = _array(kernel, "lstm_from_tf1: kernel"), _array(bias, "lstm_from_tf1: bias")
    if kernel.ndim != 2:
        raise ValueError(f"lstm_from_tf1: the kernel must be 2-D [input_size + hidden_size, 4·hidden_size], "
                         f"got shape {kernel.shape}")
    H = _gate_width("lstm_from_tf1: kernel", kernel, 4, 1)
    if kernel.shape[0] <= H:
        raise ValueError(f"lstm_from_tf1: the kernel {kernel.shape} has {kernel.shape[0]} rows, but "
                         f"input_size + hidden_size must exceed hidden_size {H}")
    if bias.shape != (4 * H,):
        raise ValueError(f"lstm_from_tf1: bias must have shape ({4 * H},) for hidden_size {H}, got {bias.shape}")
    I = kernel.shape[0] - H
    weights = _blocks(kernel, _TF1_LSTM_TO_TORCH, axis=1).T  # [4H, I + H]
    bias_ih = _blocks(bias, _TF1_LSTM_TO_TORCH, axis=0)
    bias_ih[H:2 * H] += forget_bias
    return {"weight_ih": np.ascontiguousarray(weights[:, :I]), "weight_hh": np.ascontiguousarray(weights[:, I:]),
            "bias_ih": bias_ih, "bias_hh": np.zeros_like(bias_ih)}


def lstm_to_tf1(weight_ih, weight_hh, bias_ih=None, bias_hh=None, forget_bias: float = 1.0) -> tuple:
    """(kernel [I+H, 4H], bias [4H]) of a TF1 LSTMCell computing the same as these PyTorch-layout
    weights when run with ``forget_bias``."""
    w_ih, w_hh = _array(weight_ih, "lstm_to_tf1: weight_ih"), _array(weight_hh, "lstm_to_tf1: weight_hh")
    H = _gate_width("lstm_to_tf1: weight_hh", w_hh, 4, 0)
    total = np.zeros(4 * H, w_ih.dtype)
    for b in (bias_ih, bias_hh):
        if b is not None:
            total = total + _array(b, "lstm_to_tf1: bias")
    total[H:2 * H] -= forget_bias
    back = _inverse(_TF1_LSTM_TO_TORCH)
    kernel = _blocks(np.concatenate([w_ih, w_hh], axis=1).T, back, axis=1)
    return np.ascontiguousarray(kernel), _blocks(total, back, axis=0)


# ----------------------------------------------------------------------------- Keras LSTM / GRU

def _from_keras(what: str, gates: int, order: tuple, kernel, recurrent_kernel) -> tuple:
    kernel = _array(kernel, f"{what}: kernel")
    recurrent = _array(recurrent_kernel, f"{what}: recurrent_kernel")
    if kernel.ndim != 2 or recurrent.ndim != 2:
        raise ValueError(f"{what}: kernel and recurrent_kernel must be 2-D, got {kernel.shape} and {recurrent.shape}")
    H = _gate_width(f"{what}: recurrent_kernel", recurrent, gates, 1)
    if recurrent.shape[0] != H or kernel.shape[1] != gates * H:
        raise ValueError(f"{what}: expected recurrent_kernel ({H}, {gates * H}) and kernel (input_size, "
                         f"{gates * H}), got {recurrent.shape} and {kernel.shape}")
    return (np.ascontiguousarray(_blocks(kernel, order, axis=1).T),
            np.ascontiguousarray(_blocks(recurrent, order, axis=1).T), H)


def lstm_from_keras(kernel, recurrent_kernel, bias=None) -> dict:
    """PyTorch-layout arrays from a Keras LSTM's ``kernel [I, 4H]``, ``recurrent_kernel [H, 4H]``,
    ``bias [4H]`` (gate order i, f, c, o; the bias goes to bias_ih, bias_hh is zero)."""
    w_ih, w_hh, H = _from_keras("lstm_from_keras", 4, _KERAS_LSTM_TO_TORCH, kernel, recurrent_kernel)
    bias_ih = np.zeros(4 * H, w_ih.dtype)
    if bias is not None:
        bias = _array(bias, "lstm_from_keras: bias")
        if bias.shape != (4 * H,):
            raise ValueError(f"lstm_from_keras: bias must have shape ({4 * H},), got {bias.shape}")
        bias_ih = _blocks(bias, _KERAS_LSTM_TO_TORCH, axis=0)
    return {"weight_ih": w_ih, "weight_hh": w_hh, "bias_ih": bias_ih, "bias_hh": np.zeros_like(bias_ih)}


def lstm_to_keras(weight_ih, weight_hh, bias_ih=None, bias_hh=None) -> list:
    """[kernel, recurrent_kernel, bias] for a Keras LSTM (``layer.set_weights``); bias = b_ih + b_hh."""
    back = _inverse(_KERAS_LSTM_TO_TORCH)
    w_ih, w_hh = _array(weight_ih, "lstm_to_keras: weight_ih"), _array(weight_hh, "lstm_to_keras: weight_hh")
    H = _gate_width("lstm_to_keras: weight_hh", w_hh, 4, 0)
    total = np.zeros(4 * H, w_ih.dtype)
    for b in (bias_ih, bias_hh):
        if b is not None:
            total = total + _array(b, "lstm_to_keras: bias")
    return [np.ascontiguousarray(_blocks(w_ih.T, back, axis=1)), np.ascontiguousarray(_blocks(w_hh.T, back, axis=1)),
            _blocks(total, back, axis=0)]


def gru_from_keras(kernel, recurrent_kernel, bias=None, reset_after: bool = True) -> dict:
    """PyTorch-layout arrays from a Keras GRU with ``reset_after=True``: ``kernel [I, 3H]``,
    ``recurrent_kernel [H, 3H]``, ``bias [2, 3H]`` (input bias, recurrent bias), gate order z, r, h."""
    if not reset_after:
        raise ValueError("gru_from_keras: reset_after=False applies the reset gate before the recurrent matmul "
                         "(n = tanh(x W_in + (r⊙h) W_hn + b)), which PyTorch's GRU layout cannot express; only "
                         "reset_after=True (the TF2 default) converts")
    w_ih, w_hh, H = _from_keras("gru_from_keras", 3, _KERAS_GRU_TO_TORCH, kernel, recurrent_kernel)
    biases = np.zeros((2, 3 * H), w_ih.dtype)
    if bias is not None:
        bias = _array(bias, "gru_from_keras: bias")
        if bias.shape != (2, 3 * H):
            raise ValueError(f"gru_from_keras: with reset_after=True the bias has shape (2, {3 * H}) "
                             f"(input bias, recurrent bias), got {bias.shape}")
        biases = bias
    return {"weight_ih": w_ih, "weight_hh": w_hh, "bias_ih": _blocks(biases[0], _KERAS_GRU_TO_TORCH, axis=0),
            "bias_hh": _blocks(biases[1], _KERAS_GRU_TO_TORCH, axis=0)}


def gru_to_keras(weight_ih, weight_hh, bias_ih=None, bias_hh=None) -> list:
    """[kernel, recurrent_kernel, bias [2, 3H]] for a Keras GRU with reset_after=True."""
    back = _inverse(_KERAS_GRU_TO_TORCH)
    w_ih, w_hh = _array(weight_ih, "gru_to_keras: weight_ih"), _array(weight_hh, "gru_to_keras: weight_hh")
    H = _gate_width("gru_to_keras: weight_hh", w_hh, 3, 0)
    rows = [np.zeros(3 * H, w_ih.dtype) if b is None else _blocks(_array(b, "gru_to_keras: bias"), back, axis=0)
            for b in (bias_ih, bias_hh)]
    return [np.ascontiguousarray(_blocks(w_ih.T, back, axis=1)), np.ascontiguousarray(_blocks(w_hh.T, back, axis=1)),
            np.stack(rows)]


# ----------------------------------------------------------------------------- whole layers

def _name_sets(module) -> list:
    """Per layer and direction, the module's parameter names for (weight_ih, weight_hh, bias_ih, bias_hh)."""
    if hasattr(module, "_all_weights"):  # RNN, LSTM, GRU
        sets = []
        for k in range(module.num_layers * module.num_directions):
            suffix = f"_l{k // module.num_directions}" + ("_reverse" if k % module.num_directions else "")
            sets.append([f"{p}{suffix}" for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")])
        return sets
    return [["weight_ih", "weight_hh", "bias_ih", "bias_hh"]]  # a cell


def load_converted(module, converted: list) -> None:
    """Load a list of converted weight dicts (one per layer and direction) into an RNN/LSTM/GRU or a
    cell.  A layer built with bias=False accepts only all-zero biases."""
    sets = _name_sets(module)
    if len(converted) != len(sets):
        raise ValueError(f"{type(module).__name__}: expected {len(sets)} weight sets (one per layer and direction), "
                         f"got {len(converted)}")
    state = OrderedDict()
    for names, weights in zip(sets, converted):
        for name, key in zip(names, ("weight_ih", "weight_hh", "bias_ih", "bias_hh")):
            if key.startswith("bias") and not module.bias:
                if np.any(weights[key] != 0):
                    raise ValueError(f"{type(module).__name__} has bias=False, but the converted {key} is "
                                     "non-zero; build the layer with bias=True")
                continue
            state[name] = weights[key]
    module.load_state_dict(state)


def _per_layer(weights) -> list:
    """One weight set (its first item a 2-D array) as a one-element list; a list of sets unchanged."""
    first = weights[0]
    return [weights] if hasattr(first, "shape") and len(first.shape) == 2 else list(weights)


def load_tf1_lstm(module, cells, forget_bias: float = 1.0) -> None:
    """Fill an LSTM or LSTMCell from TF1 cells: ``(kernel, bias)``, or a list of them per layer and direction
    (e.g. the cells of a ``MultiRNNCell`` in order)."""
    load_converted(module, [lstm_from_tf1(kernel, bias, forget_bias) for kernel, bias in _per_layer(cells)])


def load_keras_lstm(module, weights) -> None:
    """Fill an LSTM or LSTMCell from Keras weights: one ``layer.get_weights()`` list
    ``[kernel, recurrent_kernel(, bias)]``, or a list of them per layer and direction."""
    load_converted(module, [lstm_from_keras(*w) for w in _per_layer(weights)])


def load_keras_gru(module, weights, reset_after: bool = True) -> None:
    """Fill a GRU or GRUCell from Keras GRU weights (reset_after=True), one list or one per layer and direction."""
    load_converted(module, [gru_from_keras(*w, reset_after=reset_after) for w in _per_layer(weights)])


def _weight_sets(module) -> list:
    params = dict(module.named_parameters())
    return [[params.get(name) for name in names] for names in _name_sets(module)]


def keras_weights(module) -> list:
    """Per layer and direction, the Keras ``set_weights`` list of an LSTM/LSTMCell or GRU/GRUCell."""
    convert = gru_to_keras if type(module).__name__.startswith("GRU") else lstm_to_keras
    return [convert(*weights) for weights in _weight_sets(module)]


def tf1_weights(module, forget_bias: float = 1.0) -> list:
    """Per layer and direction, the TF1 LSTMCell ``(kernel, bias)`` of an LSTM or LSTMCell."""
    return [lstm_to_tf1(*weights, forget_bias=forget_bias) for weights in _weight_sets(module)]


# ----------------------------------------------------------------------------- PyTorch

def state_dict_from_torch(state_dict) -> OrderedDict:
    """A PyTorch state dict (torch tensors) as NumPy arrays under the same names, ready for
    ``module.load_state_dict``."""
    return OrderedDict((key, _array(value, f"state_dict_from_torch: {key}")) for key, value in state_dict.items())


def state_dict_to_torch(module_or_state_dict, as_torch: bool = False) -> OrderedDict:
    """A minigrad module's (or state dict's) parameters as NumPy copies under PyTorch's names; with
    ``as_torch=True`` as torch tensors, ready for ``torch_module.load_state_dict``."""
    state = module_or_state_dict.state_dict() if hasattr(module_or_state_dict, "state_dict") \
        else module_or_state_dict
    arrays = OrderedDict((key, _array(value, f"state_dict_to_torch: {key}")) for key, value in state.items())
    if as_torch:
        import torch

        return OrderedDict((key, torch.from_numpy(value)) for key, value in arrays.items())
    return arrays
