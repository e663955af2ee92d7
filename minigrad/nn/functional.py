"""minigrad.nn.functional: the stateless form of every layer, activation and loss (as torch's F).

The modules in ``minigrad.nn`` hold parameters and call these.  Argument, shape and range
checks live here and raise with the numbers involved; the Functions in ``minigrad.ops``
then trust their input.
"""
from __future__ import annotations

import numbers
import warnings

import numpy as np

from .._argcheck import ArgumentError
from ..ops import activation as _act
from ..ops import linalg as _linalg
from ..ops import loss as _loss
from ..ops.dropout import Dropout as _Dropout
from ..ops.embedding import Embedding as _Embedding
from ..ops.normalization import BatchNorm as _BatchNorm
from ..ops.normalization import channel_axes
from ..ops.reduce import normalize_dim
# convolution, pooling and recurrent layers: the ops check their arguments, then run the kernels
from ..ops.conv import conv1d, conv2d  # noqa: F401
from ..ops.pool import avg_pool1d, avg_pool2d, max_pool1d, max_pool2d  # noqa: F401
from ..ops.recurrent import (StepRecord, gru_cell, gru_sequence, lstm_cell, lstm_sequence,  # noqa: F401
                             rnn_cell, rnn_sequence)
from ..tensor import Tensor


def _tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _float_tensor(op: str, x) -> Tensor:
    """``x`` as a Tensor, refused as PyTorch does (NotImplementedError) unless it is floating-point."""
    x = _tensor(x)
    if x.dtype.kind != "f":
        raise NotImplementedError(f"{op}: not implemented for dtype {x.dtype} (input of shape {x.shape}); "
                                  f"it needs a floating-point input, e.g. input.float()")
    return x


def _array(x):
    """A Tensor's array, or None; for constants such as class weights (no gradient flows)."""
    if x is None:
        return None
    return x.data if isinstance(x, Tensor) else np.asarray(x)


# ================================================================ layers =========================
def _scalar(value, what: str, name: str) -> float:
    """A number argument (alpha, beta, negative_slope, ...): a string, None or a tensor is
    PyTorch's TypeError naming the argument, not float()'s message."""
    if not isinstance(value, numbers.Real):
        raise TypeError(f"{what}(): argument '{name}' must be a number, got {value!r:.40} ({type(value).__name__})")
    return float(value)


def _int_arg(value, what: str, name: str) -> int:
    """An int argument (ignore_index, padding_idx, num_classes): a float is PyTorch's TypeError."""
    if isinstance(value, (bool, np.bool_)) or not hasattr(value, "__index__"):
        raise TypeError(f"{what}(): argument '{name}' must be an int, got {value!r:.40} ({type(value).__name__})")
    return int(value.__index__())


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """y = x·Wᵀ + b with W of shape [out_features, in_features]; x may have any leading dims."""
    for name, value in (("input", input), ("weight", weight)):
        if not isinstance(value, Tensor):  # PyTorch: TypeError, not an AttributeError from inside
            raise TypeError(f"linear(): argument '{name}' must be a Tensor, got {type(value).__name__}")
    if input.ndim == 0 or input.shape[-1] != weight.shape[-1]:
        raise ArgumentError(f"linear: input of shape {input.shape} has {input.shape[-1] if input.ndim else 0} "
                         f"features, but the weight of shape {weight.shape} ([out_features, in_features]) "
                         f"expects {weight.shape[-1]}")
    out_features = weight.shape[0]
    # a 1-D bias goes into the fused node; any other bias broadcasts afterwards, as in PyTorch
    fused_bias = bias if bias is None or bias.ndim <= 1 else None
    if fused_bias is not None and fused_bias.shape not in ((out_features,), (1,)):
        raise ValueError(f"linear: bias of shape {bias.shape} does not match the {out_features} "
                         f"output features of the weight of shape {weight.shape}")
    if input.ndim == 2:
        out = _linalg.Linear.apply(input, weight, fused_bias)
    else:  # one 2-D product over the flattened leading dims: one weight gradient, not one per batch
        leading = input.shape[:-1]
        out = _linalg.Linear.apply(input.reshape(-1, input.shape[-1]), weight, fused_bias)
        out = out.reshape(*leading, out_features)
    return out if bias is fused_bias else out + bias


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by 1/(1 − p); the identity when
    not training.  ``inplace`` is accepted for PyTorch compatibility; the result is a new tensor."""
    if not isinstance(p, numbers.Real):  # True is 1.0, as PyTorch
        raise TypeError(f"dropout(): argument 'p' must be a number, got {p!r:.40} ({type(p).__name__})")
    if not isinstance(training, (bool, np.bool_)):
        raise TypeError(f"dropout(): argument 'training' must be a bool, got {training!r:.40} "
                        f"({type(training).__name__})")
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    input = _tensor(input)
    if not training or p == 0:
        return input
    return _Dropout.apply(input, float(p))


def _check_indices(what: str, indices: Tensor) -> None:
    if indices.dtype.kind not in "iu":
        raise TypeError(f"{what}: indices must be an integer tensor, got dtype {indices.dtype} "
                        "(convert with .long())")


def embedding(input, weight: Tensor, padding_idx: int | None = None) -> Tensor:
    """Rows of ``weight`` [num_embeddings, embedding_dim] picked by the integer ``input`` of any shape;
    the output has shape input.shape + (embedding_dim,)."""
    input = _tensor(input)
    _check_indices("embedding", input)
    count = weight.shape[0]
    if input.data.size:
        low, high = int(input.data.min()), int(input.data.max())
        bad = high if high >= count else low if low < 0 else None
        if bad is not None:
            raise IndexError(f"embedding: index {bad} is out of range for {count} embeddings "
                             f"(valid indices 0..{count - 1})")
    if padding_idx is not None:
        padding_idx = _int_arg(padding_idx, "embedding", "padding_idx")
        if not -count <= padding_idx < count:
            raise ValueError(f"embedding: padding_idx {padding_idx} is out of range for {count} embeddings")
        padding_idx %= count
    return _Embedding.apply(weight, input.data, padding_idx)


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Normalise each channel (dim 1) of ``input`` (N, C, *), then scale by ``weight`` and shift by
    ``bias``.  Training uses the batch's mean and biased variance and updates the running
    statistics in place: running = (1 − momentum)·running + momentum·batch, with the unbiased
    variance (as PyTorch).  Otherwise the running statistics are used."""
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected an input with a channel dim (N, C, ...), got shape "
                         f"{input.shape}")
    channels = input.shape[1]
    for name, tensor in (("running_mean", running_mean), ("running_var", running_var),
                         ("weight", weight), ("bias", bias)):
        if tensor is not None and tensor.shape != (channels,):
            raise ValueError(f"batch_norm: input of shape {input.shape} has {channels} channels, but "
                             f"{name} has shape {tensor.shape}")
    momentum = momentum if momentum is None else _scalar(momentum, "batch_norm", "momentum")
    eps = _scalar(eps, "batch_norm", "eps")
    if training and not eps > 0:  # PyTorch refuses it too: eps <= 0 gives NaN or inf silently
        raise ValueError(f"batch_norm: eps must be positive during training, but got eps={eps}")
    if training:
        count = input.data.size // max(channels, 1)
        if count <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, got "
                             f"input of shape {input.shape}")
        axes = channel_axes(input.ndim)
        mean, var = input.data.mean(axis=axes), input.data.var(axis=axes)
        for running, batch in ((running_mean, mean), (running_var, var * (count / (count - 1)))):
            if running is not None:
                running.data[...] = (1 - momentum) * running.data + momentum * batch
                running._bump_version()
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: running_mean and running_var are needed when not training")
        mean, var = running_mean.data, running_var.data
    return _BatchNorm.apply(input, weight, bias, mean, var, eps, training)


def one_hot(tensor, num_classes: int = -1) -> Tensor:
    """Integer class indices of any shape → int64 one-hot vectors of shape tensor.shape + (C,);
    ``num_classes=-1`` takes C = max index + 1."""
    tensor = _tensor(tensor)
    _check_indices("one_hot", tensor)
    num_classes = _int_arg(num_classes, "one_hot", "num_classes")
    data = tensor.data
    if data.size and data.min() < 0:
        raise ArgumentError(f"one_hot: class values must be non-negative, got {int(data.min())}")
    if num_classes == -1:
        num_classes = int(data.max()) + 1 if data.size else 0
    if data.size and data.max() >= num_classes:
        raise ArgumentError(f"one_hot: class {int(data.max())} is out of range for {num_classes} classes")
    out = np.zeros(data.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(out, data[..., None].astype(np.int64), 1, axis=-1)
    return Tensor._wrap(out)


# ================================================================ activations ====================
def binary_step(input, straight_through: bool = False) -> Tensor:
    """1 for x ≥ 0, else 0.  Zero gradient, or with ``straight_through`` the identity
    straight-through estimator (the gradient passes unchanged)."""
    return _act.BinaryStep.apply(_tensor(input), bool(straight_through))


def sigmoid(input) -> Tensor:
    return _act.Sigmoid.apply(_tensor(input))


def tanh(input) -> Tensor:
    return _act.Tanh.apply(_tensor(input))


def arctan(input) -> Tensor:
    return _act.ArcTan.apply(_tensor(input))


def relu(input, inplace: bool = False) -> Tensor:
    return _act.ReLU.apply(_tensor(input))


def leaky_relu(input, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    return _act.LeakyReLU.apply(_float_tensor("leaky_relu", input),
                                _scalar(negative_slope, "leaky_relu", "negative_slope"))


def prelu(input, weight: Tensor) -> Tensor:
    """x for x > 0, else α·x; ``weight`` holds one α (shared) or one per channel of dim 1."""
    input = _tensor(input)
    if weight.ndim != 1:
        raise ValueError(f"prelu: weight must be 1-D, got shape {weight.shape}")
    if weight.shape[0] != 1:
        channels = input.shape[1] if input.ndim >= 2 else None
        if channels != weight.shape[0]:
            raise ValueError(f"prelu: weight has {weight.shape[0]} parameters but the input of shape "
                             f"{input.shape} has {channels if channels is not None else 1} channels (dim 1)")
    return _act.PReLU.apply(input, weight)


def elu(input, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    return _act.ELU.apply(_float_tensor("elu", input), _scalar(alpha, "elu", "alpha"), 1.0)


def selu(input, inplace: bool = False) -> Tensor:
    """scale·ELU(x, α) with the self-normalising constants α ≈ 1.6733, scale ≈ 1.0507."""
    return _act.ELU.apply(_float_tensor("selu", input), _act.SELU_ALPHA, _act.SELU_SCALE)


def softplus(input, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    return _act.Softplus.apply(_float_tensor("softplus", input), _scalar(beta, "softplus", "beta"),
                                _scalar(threshold, "softplus", "threshold"))


def gelu(input, approximate: str = "none") -> Tensor:
    if approximate not in ("none", "tanh"):
        raise ArgumentError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return _act.GELU.apply(_float_tensor("gelu", input), approximate)


def _softmax_dim(what: str, dim, ndim: int) -> int:
    if dim is None:  # PyTorch's legacy rule, with its warning
        warnings.warn(f"Implicit dimension choice for {what} has been deprecated. Change the call to "
                      "include dim=X as an argument.", stacklevel=3)
        dim = 0 if ndim in (0, 1, 3) else 1
    return normalize_dim(dim, ndim)


def softmax(input, dim: int | None = None, dtype=None) -> Tensor:
    input = _tensor(input) if dtype is None else _tensor(input).astype(dtype)
    return _act.Softmax.apply(input, _softmax_dim("softmax", dim, input.ndim))


def log_softmax(input, dim: int | None = None, dtype=None) -> Tensor:
    input = _tensor(input) if dtype is None else _tensor(input).astype(dtype)
    return _act.LogSoftmax.apply(input, _softmax_dim("log_softmax", dim, input.ndim))


# ================================================================ losses =========================
def _check_reduction(what: str, reduction: str) -> None:
    if reduction not in _loss.REDUCTIONS:
        raise ValueError(f"{what}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _check_same_shape(what: str, input: Tensor, target: Tensor) -> None:
    if input.shape != target.shape:
        raise ValueError(f"{what}: input shape {input.shape} and target shape {target.shape} differ")


def mse_loss(input, target, reduction: str = "mean") -> Tensor:
    """Mean squared error (x − y)².

    Unlike PyTorch, input and target must have the same shape: PyTorch warns and broadcasts,
    and an (N, 1) prediction against an (N,) target then silently becomes an (N, N) loss
    that trains a regression model to predict the mean.  Reshape one side instead.
    """
    input, target = _tensor(input), _tensor(target)
    _check_reduction("mse_loss", reduction)
    _check_same_shape("mse_loss", input, target)
    return _loss.MSELoss.apply(input, target, reduction)


def l1_loss(input, target, reduction: str = "mean") -> Tensor:
    """Mean absolute error |x − y|; shapes must match, as in ``mse_loss``."""
    input, target = _tensor(input), _tensor(target)
    _check_reduction("l1_loss", reduction)
    if input.dtype.kind == "b" or target.dtype.kind == "b":  # PyTorch's RuntimeError: l1 is (x - y).abs()
        which = "of two bool tensors" if input.dtype == target.dtype else "with a bool tensor"
        raise RuntimeError(f"l1_loss: subtraction {which}, the `-` operator, is not supported (input "
                           f"{input.dtype} of shape {input.shape}, target {target.dtype} of shape {target.shape}); "
                           "convert with .float()")
    _check_same_shape("l1_loss", input, target)
    return _loss.L1Loss.apply(input, target, reduction)


def _check_broadcast_weight(what: str, name: str, weight, shape: tuple):
    weight = _array(weight)
    if weight is None:
        return None
    try:
        broadcast = np.broadcast_shapes(weight.shape, shape)
    except ValueError:
        broadcast = None
    if broadcast != shape:
        raise ValueError(f"{what}: {name} of shape {weight.shape} cannot be broadcast to the input's "
                         f"shape {shape}")
    return weight


def binary_cross_entropy(input, target, weight=None, reduction: str = "mean") -> Tensor:
    """BCE of probabilities ``input`` in [0, 1] (e.g. after sigmoid) against targets in [0, 1];
    each log is clamped at −100 (as PyTorch).  Prefer ``binary_cross_entropy_with_logits``."""
    input, target = _tensor(input), _tensor(target)
    _check_reduction("binary_cross_entropy", reduction)
    if input.dtype.kind != "f":  # (a NotImplementedError is a RuntimeError, PyTorch's class here)
        raise NotImplementedError(f"binary_cross_entropy: not implemented for {input.dtype} input "
                                  f"(shape {input.shape}, target {target.dtype}); convert with .float()")
    if input.dtype != target.dtype:  # PyTorch's RuntimeError: no promotion between input and target
        raise RuntimeError(f"binary_cross_entropy: Found dtype {target.dtype} but expected {input.dtype}: the "
                           f"target ({target.dtype}, shape {target.shape}) must have the input's dtype "
                           f"({input.dtype}, shape {input.shape})")
    _check_same_shape("binary_cross_entropy", input, target)
    if input.data.size:
        low, high = float(input.data.min()), float(input.data.max())
        if not (low >= 0 and high <= 1):  # NaN fails too; PyTorch raises RuntimeError
            raise RuntimeError(f"binary_cross_entropy: all elements of input should be between 0 and 1: "
                               f"input values must be probabilities in [0, 1], got min {low:g} and max "
                               f"{high:g} (apply sigmoid first, or use binary_cross_entropy_with_logits on "
                               "the raw scores)")
    if target.data.size:
        low, high = float(target.data.min()), float(target.data.max())
        if not (low >= 0 and high <= 1):
            raise RuntimeError(f"binary_cross_entropy: all elements of target should be between 0 and 1, "
                               f"got min {low:g} and max {high:g} (target shape {target.shape})")
    weight = _check_broadcast_weight("binary_cross_entropy", "weight", weight, input.shape)
    return _loss.BCELoss.apply(input, target, weight, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, reduction: str = "mean",
                                     pos_weight=None) -> Tensor:
    """BCE of sigmoid(input) computed stably from the logits.  ``pos_weight`` (broadcast along the
    last dim, one per class) multiplies the positive term: > 1 raises recall."""
    input, target = _tensor(input), _tensor(target)
    _check_reduction("binary_cross_entropy_with_logits", reduction)
    if input.dtype.kind != "f":  # as PyTorch: NotImplementedError for the input, RuntimeError for the target
        raise NotImplementedError(f"binary_cross_entropy_with_logits: not implemented for {input.dtype} input "
                                  f"(shape {input.shape}, target {target.dtype}); convert with .float()")
    if target.dtype.kind != "f":
        raise RuntimeError(f"binary_cross_entropy_with_logits: the target must be floating point, got "
                           f"{target.dtype} (shape {target.shape}, input {input.dtype}); convert with .float()")
    _check_same_shape("binary_cross_entropy_with_logits", input, target)
    weight = _check_broadcast_weight("binary_cross_entropy_with_logits", "weight", weight, input.shape)
    pos_weight = _check_broadcast_weight("binary_cross_entropy_with_logits", "pos_weight", pos_weight,
                                         input.shape)
    return _loss.BCEWithLogitsLoss.apply(input, target, weight, pos_weight, reduction)


def _check_class_target(what: str, input: Tensor, target: Tensor, ignore_index: int) -> None:
    """Class-index targets: integer, of shape (N, d1, ...) for input (N, C, d1, ...) (or () for an
    unbatched input (C,)), with values in [0, C) or equal to ignore_index."""
    expected = () if input.ndim == 1 else input.shape[:1] + input.shape[2:]
    kind, size = target.dtype.kind, target.dtype.itemsize
    if kind in "biu" and not ((kind == "i" and size == 8) or (kind == "u" and size == 1)):  # as PyTorch
        raise RuntimeError(f"{what}: expected target dtype to be Long or Byte (int64 or uint8), but got "
                           f"{target.dtype} (target shape {target.shape}, input shape {input.shape}); "
                           "convert with .long()")
    if target.dtype.kind not in "iu":
        raise TypeError(f"{what}: target must be an integer tensor of class indices, got dtype "
                        f"{target.dtype} (convert with .long())")
    if target.shape != expected:
        raise ValueError(f"{what}: target shape {target.shape} does not match input shape {input.shape} "
                         f"(expected a target of shape {expected}, the classes being on dim "
                         f"{0 if input.ndim == 1 else 1})")
    classes = input.shape[0 if input.ndim == 1 else 1]
    values = target.data[target.data != ignore_index]
    if values.size:
        low, high = int(values.min()), int(values.max())
        bad = high if high >= classes else low if low < 0 else None
        if bad is not None:
            raise IndexError(f"{what}: target {bad} is out of range for {classes} classes")


def _check_class_weight(what: str, weight, classes: int):
    weight = _array(weight)
    if weight is not None and weight.shape != (classes,):
        raise ValueError(f"{what}: weight of shape {weight.shape} does not match the input's {classes} "
                         f"classes (expected shape ({classes},))")
    return weight


def _batched(input: Tensor, target: Tensor, probabilities: bool):
    """Give an unbatched (C,) input (and its target) a batch dim, as PyTorch accepts them."""
    if input.ndim != 1:
        return input, target, False
    target = target.unsqueeze(0) if probabilities else Tensor._wrap(target.data.reshape(1))
    return input.unsqueeze(0), target, True


def nll_loss(input, target, weight=None, ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of log-probabilities ``input`` (N, C, d1, ...) at the class indices
    ``target`` (N, d1, ...); targets equal to ``ignore_index`` are skipped."""
    input, target = _tensor(input), _tensor(target)
    ignore_index = _int_arg(ignore_index, "nll_loss", "ignore_index")
    _check_reduction("nll_loss", reduction)
    if input.ndim == 0:
        raise ValueError("nll_loss: input must have a class dim, got a 0-d tensor")
    _check_class_target("nll_loss", input, target, ignore_index)
    input, target, unbatched = _batched(input, target, False)
    weight = _check_class_weight("nll_loss", weight, input.shape[1])
    out = _loss.NLLLoss.apply(input, target.data, weight, ignore_index, reduction)
    return out.squeeze(0) if unbatched and reduction == "none" else out


def cross_entropy(input, target, weight=None, ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy of the logits ``input`` (N, C, d1, ...), classes on dim 1, in one fused step
    (log_softmax + NLL).

    ``target`` is either class indices (integer, shape (N, d1, ...)), where ``ignore_index``
    entries are skipped, or class probabilities (float, the input's shape).
    ``label_smoothing`` ε mixes the target with the uniform distribution: (1 − ε)·y + ε/C.
    """
    input, target = _tensor(input), _tensor(target)
    _check_reduction("cross_entropy", reduction)
    if input.ndim == 0:
        raise ValueError("cross_entropy: input must have a class dim, got a 0-d tensor")
    if input.dtype.kind != "f":
        raise TypeError(f"cross_entropy: input must be floating-point logits, got dtype {input.dtype}")
    if isinstance(label_smoothing, bool) or not isinstance(label_smoothing, numbers.Real):
        raise TypeError(f"cross_entropy(): argument 'label_smoothing' must be a float, got {label_smoothing!r:.40} "
                        f"({type(label_smoothing).__name__})")
    if isinstance(ignore_index, bool) or not hasattr(ignore_index, "__index__"):
        raise TypeError(f"cross_entropy(): argument 'ignore_index' must be an int, got {ignore_index!r:.40} "
                        f"({type(ignore_index).__name__})")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    probabilities = target.dtype.kind == "f"
    if probabilities:
        if target.shape != input.shape:
            raise ValueError(f"cross_entropy: a float target holds class probabilities and must have the "
                             f"input's shape {input.shape}, got {target.shape}; class indices must be an "
                             "integer tensor (convert with .long())")
        if ignore_index >= 0:
            raise ValueError(f"cross_entropy: ignore_index ({ignore_index}) is not supported with "
                             "probability targets")
    if not probabilities:
        _check_class_target("cross_entropy", input, target, ignore_index)
    input, target, unbatched = _batched(input, target, probabilities)
    weight = _check_class_weight("cross_entropy", weight, input.shape[1])
    # a probability target may require grad (distillation), so it is passed as a Tensor
    out = _loss.CrossEntropyLoss.apply(input, target if probabilities else target.data, weight,
                                       ignore_index, reduction, float(label_smoothing))
    return out.squeeze(0) if unbatched and reduction == "none" else out
