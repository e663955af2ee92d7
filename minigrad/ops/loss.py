"""Losses: where the forwards and backwards of MSE, L1, BCE, BCE-with-logits, NLL and
cross-entropy live, each one fused Function in a numerically stable form.

Arguments are checked by the callers in ``minigrad.nn.functional``; these Functions trust
their input.  ``reduction`` is "mean", "sum" or "none"; the "mean" of the class losses
divides by the total weight of the targets that are not ignored, as PyTorch does.
Weights (class weights, ``pos_weight``) are constants: no gradient flows into them.
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from .activation import stable_sigmoid
from .arithmetic import _promote

REDUCTIONS = ("mean", "sum", "none")


def _describe(x, y) -> str:
    return f"input {x.dtype} of shape {x.shape}, target {y.dtype} of shape {y.shape}"


def float_only(what: str, x, y=None) -> None:
    """PyTorch's loss kernels exist for floating dtypes only; an integer or bool input (after
    promotion with the target) raises its NotImplementedError instead of an integer "loss"."""
    if x.dtype.kind != "f":
        detail = f"input {x.dtype} of shape {x.shape}" if y is None else _describe(x, y)
        raise NotImplementedError(f"{what}: not implemented for {x.dtype} inputs ({detail}); losses need a "
                                  "floating-point input: convert with .float()")


def reduce(loss: np.ndarray, reduction: str, denominator=None) -> np.ndarray:
    """Sum or average the elementwise ``loss`` (over ``denominator`` if given, else its size)."""
    if reduction == "none":
        return loss
    total = loss.sum(dtype=np.int64 if loss.dtype.kind in "biu" else loss.dtype)  # as PyTorch: an int sum is int64
    if reduction == "sum":
        return np.asarray(total)
    count = loss.size if denominator is None else denominator
    with np.errstate(invalid="ignore", divide="ignore"):  # nothing to average: nan, as PyTorch
        return np.asarray(total / count, dtype=loss.dtype)


def reduce_backward(grad: np.ndarray, shape: tuple, reduction: str, denominator=None) -> np.ndarray:
    """The gradient of ``reduce`` with respect to the elementwise loss of ``shape``."""
    if reduction == "none":
        return grad
    if reduction == "mean":
        count = int(np.prod(shape)) if denominator is None else denominator
        grad = grad / count if count else np.zeros_like(grad)
    return np.broadcast_to(grad, shape)


# ---------------------------------------------------------------- regression ---------------------
class MSELoss(Function):
    """ℓ = (x − y)²;  ∂ℓ/∂x = 2(x − y) = −∂ℓ/∂y."""

    @staticmethod
    def forward(ctx, x, y, reduction):
        x0, y0 = x, y
        x, y = _promote(x, y)
        if x.dtype.kind != "f":
            float_only("mse_loss", x0, y0)
        diff = x - y
        ctx.save_for_backward(diff)
        ctx.reduction = reduction
        return reduce(diff * diff, reduction)

    @staticmethod
    def backward(ctx, grad):
        (diff,) = ctx.saved_tensors
        g = reduce_backward(grad, diff.shape, ctx.reduction) * 2 * diff
        return (g if ctx.needs_input_grad[0] else None,
                -g if ctx.needs_input_grad[1] else None, None)


class L1Loss(Function):
    """ℓ = |x − y|;  ∂ℓ/∂x = sign(x − y) (0 where x = y) = −∂ℓ/∂y."""

    @staticmethod
    def forward(ctx, x, y, reduction):
        x0, y0 = x, y
        x, y = _promote(x, y)
        if x.dtype.kind == "b":  # as PyTorch, whose l1_loss is (x - y).abs() then the reduction
            raise RuntimeError(f"l1_loss: subtraction of two bool tensors is not supported ({_describe(x0, y0)}); "
                               "convert with .float()")
        if x.dtype.kind != "f" and reduction == "mean":
            raise RuntimeError(f"l1_loss: mean(): could not infer output dtype; the input dtype must be a "
                               f"floating point one, got {x.dtype} ({_describe(x0, y0)}); convert with .float()")
        diff = x - y
        ctx.save_for_backward(np.sign(diff))
        ctx.reduction = reduction
        return reduce(np.abs(diff), reduction)

    @staticmethod
    def backward(ctx, grad):
        (sign,) = ctx.saved_tensors
        g = reduce_backward(grad, sign.shape, ctx.reduction) * sign
        return (g if ctx.needs_input_grad[0] else None,
                -g if ctx.needs_input_grad[1] else None, None)


# ---------------------------------------------------------------- binary classification ----------
class BCELoss(Function):
    """ℓ = −w[y·log p + (1 − y)·log(1 − p)], each log clamped at −100 (as PyTorch), so p = 0 or 1
    gives a finite loss.  ∂ℓ/∂p = w(p − y) / max(p(1 − p), 1e-12);  ∂ℓ/∂y = w[log(1 − p) − log p]."""

    EPSILON = float(np.float32(1e-12))  # PyTorch's constant is a C float, also for double inputs

    @staticmethod
    def forward(ctx, p, y, weight, reduction):
        float_only("binary_cross_entropy", p, y)
        p, y = _promote(p, y)
        with np.errstate(divide="ignore"):  # log(0) = -inf, clamped just below
            log_p = np.maximum(np.log(p), -100)
            log_1mp = np.maximum(np.log1p(-p), -100)
        loss = -(y * log_p + (1 - y) * log_1mp)
        if weight is not None:
            loss = loss * weight
        ctx.save_for_backward(p, y, log_p, log_1mp, weight)
        ctx.reduction = reduction
        return reduce(loss.astype(p.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, grad):
        p, y, log_p, log_1mp, weight = ctx.saved_tensors
        g = reduce_backward(grad, p.shape, ctx.reduction)
        if weight is not None:
            g = g * weight
        grad_p = grad_y = None
        if ctx.needs_input_grad[0]:
            grad_p = g * (p - y) / np.maximum(p * (1 - p), p.dtype.type(BCELoss.EPSILON))
        if ctx.needs_input_grad[1]:  # as PyTorch: the unclamped logs (p = 0 or 1 gives ±inf)
            with np.errstate(divide="ignore", invalid="ignore"):
                grad_y = g * (np.log1p(-p) - np.log(p))
        return grad_p, grad_y, None, None


class BCEWithLogitsLoss(Function):
    """BCE of σ(x) from the logit x, never computing σ(x) or log σ(x) directly:
    ℓ = w[(1 − y)·x + (1 + (pw − 1)·y)·softplus(−x)],  softplus(−x) = max(−x, 0) + log(1 + e^{−|x|}).
    ∂ℓ/∂x = w[(1 − y) − (1 + (pw − 1)·y)·σ(−x)]  (= w(σ(x) − y) without pos_weight);
    ∂ℓ/∂y = w[−x + (pw − 1)·softplus(−x)]."""

    @staticmethod
    def forward(ctx, x, y, weight, pos_weight, reduction):
        float_only("binary_cross_entropy_with_logits", x, y)
        out_dtype = y.dtype  # as PyTorch: the loss has the target's dtype (a float32 input, float64 target: float64)
        ctx.input_dtype = x.dtype
        # −log σ(x) in the input's own dtype, as PyTorch's log_sigmoid (then promoted with the target)
        softplus_neg = np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x)))
        x, y = _promote(x, y)
        log_weight = 1 if pos_weight is None else 1 + (pos_weight - 1) * y
        loss = (1 - y) * x + log_weight * softplus_neg
        if weight is not None:
            loss = loss * weight
        ctx.save_for_backward(x, y, softplus_neg, weight, pos_weight)
        ctx.reduction = reduction
        return reduce(loss.astype(out_dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, grad):
        x, y, softplus_neg, weight, pos_weight = ctx.saved_tensors
        g = reduce_backward(grad, np.broadcast_shapes(x.shape, y.shape), ctx.reduction)
        if weight is not None:
            g = g * weight
        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:
            if pos_weight is None:
                grad_x = g * (stable_sigmoid(x) - y)
            else:
                grad_x = g * ((1 - y) - (1 + (pos_weight - 1) * y) * stable_sigmoid(-x))
        if (ctx.needs_input_grad[1] and pos_weight is None and weight is None and x.dtype != ctx.input_dtype
                and ctx.reduction != "none" and x.ndim):
            # as PyTorch: −x·grad with the reduced (0-d) grad is computed in x's own narrower dtype (a 0-d
            # operand does not widen), then widened to the target's
            grad_y = -x.astype(ctx.input_dtype) * np.asarray(grad).astype(ctx.input_dtype)
            if ctx.reduction == "mean" and grad_y.size:
                grad_y = grad_y / ctx.input_dtype.type(grad_y.size)
        elif ctx.needs_input_grad[1]:
            grad_y = g * (-x if pos_weight is None else -x + (pos_weight - 1) * softplus_neg)
        return grad_x, grad_y, None, None, None


# ---------------------------------------------------------------- multi-class --------------------
# Shapes: input (N, C, d1, ...) with the classes on dim 1; class-index target (N, d1, ...);
# probability target (N, C, d1, ...).  The callers add a batch dim to an unbatched (C,) input.
def log_softmax(x: np.ndarray, axis: int = 1) -> np.ndarray:
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def at_class(target: np.ndarray) -> tuple:
    """The index of each sample's class in an (N, C, d1, ...) array: ``a[at_class(t)]`` is
    a[i, t[i, j...], j...] of t's shape, for reading or writing one value per target."""
    positions = np.indices(target.shape, sparse=True)  # open grids: (N, 1, ...), (1, d1, ...), ...
    return (positions[0], target, *positions[1:])


def _class_weights(weight, ndim: int):
    """(C,) → (1, C, 1, ...) to broadcast against the input, or None."""
    return None if weight is None else weight.reshape((1, -1) + (1,) * (ndim - 2))


class NLLLoss(Function):
    """ℓᵢ = −w[tᵢ]·x[i, tᵢ] for log-probabilities x;  ∂ℓᵢ/∂x[i, c] = −w[tᵢ] where c = tᵢ, else 0.
    Targets equal to ``ignore_index`` contribute nothing, to the loss or to the mean's divisor."""

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction):
        float_only("nll_loss", x)
        valid = target != ignore_index
        index = at_class(np.where(valid, target, 0))
        target_weight = valid.astype(x.dtype) if weight is None else weight[index[1]] * valid
        loss = -x[index] * target_weight
        total_weight = target_weight.sum(dtype=x.dtype)
        ctx.save_for_backward(index[1], target_weight)
        ctx.shape, ctx.reduction, ctx.total_weight = x.shape, reduction, total_weight
        return reduce(loss, reduction, total_weight)

    @staticmethod
    def backward(ctx, grad):
        target, target_weight = ctx.saved_tensors
        g = reduce_backward(grad, target_weight.shape, ctx.reduction, ctx.total_weight)
        grad_x = np.zeros(ctx.shape, dtype=g.dtype)
        grad_x[at_class(target)] = -g * target_weight
        return grad_x, None, None, None, None


class CrossEntropyLoss(Function):
    """log_softmax and NLL in one node.  With target distribution q over the classes
    (one-hot, smoothed, weighted), ℓᵢ = −Σ_c q[i, c]·log softmax(x)[i, c] and
    ∂ℓᵢ/∂x[i, c] = softmax(x)[i, c]·Σ_k q[i, k] − q[i, c]   (= p − onehot for plain targets).

    Label smoothing ε mixes the target with the uniform distribution:
    q = (1 − ε)·w[t]·onehot(t) + (ε / C)·w (class indices), q = w·((1 − ε)·y + ε / C)
    (probabilities).  "mean" divides by Σ w[tᵢ] over the non-ignored targets for class
    indices, by the number of samples for probabilities — both as PyTorch.
    """

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction, label_smoothing):
        num_classes = x.shape[1]
        eps = label_smoothing
        logp = log_softmax(x, axis=1)
        w = _class_weights(weight, x.ndim)
        ctx.probabilities = target.dtype.kind == "f"
        if ctx.probabilities:  # soft targets of the input's shape
            target = target.astype(x.dtype, copy=False)
            q = target * (1 - eps) + eps / num_classes if eps else target
            if w is not None:
                q = q * w
            loss = -(q * logp).sum(axis=1)
            denominator = loss.size
            ctx.save_for_backward(logp, q, target, w)
        else:
            valid = target != ignore_index
            index = at_class(np.where(valid, target, 0))
            target_weight = valid.astype(x.dtype) if weight is None else weight[index[1]] * valid
            loss = -(1 - eps) * target_weight * logp[index]
            if eps:
                smooth = -(logp if w is None else logp * w).sum(axis=1)
                loss = loss + (eps / num_classes) * smooth * valid
            denominator = target_weight.sum(dtype=x.dtype)
            ctx.save_for_backward(logp, index[1], valid, target_weight, w)
        ctx.reduction, ctx.denominator, ctx.eps = reduction, denominator, eps
        return reduce(loss.astype(x.dtype, copy=False), reduction, denominator)

    @staticmethod
    def backward(ctx, grad):
        eps = ctx.eps
        if ctx.probabilities:
            logp, q, target, w = ctx.saved_tensors
        else:
            logp, target, valid, target_weight, w = ctx.saved_tensors
        loss_shape = logp.shape[:1] + logp.shape[2:]
        g = reduce_backward(grad, loss_shape, ctx.reduction, ctx.denominator)  # one per sample
        p = np.exp(logp)
        grad_x = grad_target = None
        if ctx.probabilities:
            g = np.expand_dims(g, 1)
            if ctx.needs_input_grad[0]:
                grad_x = g * (p * q.sum(axis=1, keepdims=True) - q)
            if ctx.needs_input_grad[1]:  # ∂ℓ/∂y = −(1 − ε)·w·log p
                grad_target = -g * (1 - eps) * (logp if w is None else w * logp)
            return grad_x, grad_target, None, None, None, None
        # q = (1 − ε)·w[t]·onehot(t) + (ε / C)·w·valid, built without materialising the one-hot:
        # g·p·Σ_k q_k, then the smoothing part of q, then the target part at each target
        q_sum = (1 - eps) * target_weight
        if eps:
            num_classes = logp.shape[1]
            weights = np.ones_like(logp) if w is None else np.broadcast_to(w, logp.shape)
            smooth = (eps / num_classes) * weights
            q_sum = q_sum + smooth.sum(axis=1) * valid
        grad_x = np.expand_dims(g * q_sum, 1) * p
        if eps:
            grad_x -= np.expand_dims(g * valid, 1) * smooth
        grad_x[at_class(target)] -= g * (1 - eps) * target_weight
        return grad_x, None, None, None, None, None
