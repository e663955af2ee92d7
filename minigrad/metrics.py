"""Metrics on predictions and targets (NumPy in, float out), in the loss functions' order: (pred, target).

Each takes Tensors, NumPy arrays or lists.  scikit-learn's versions are used where they exist.
"""
from __future__ import annotations

import numpy as np

from .tensor import Tensor


def _array(x) -> np.ndarray:
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def to_labels(pred, threshold: float = 0.0) -> np.ndarray:
    """Class labels from predictions: argmax of scores ``[N, C]`` (logits, probabilities or
    one-hot rows); integer or bool values are labels already; otherwise one score per sample
    ``[N]``/``[N, 1]`` is class 1 when above ``threshold`` (0.0 for logits, 0.5 for probabilities)."""
    values = _array(pred)
    if values.ndim == 2 and values.shape[1] > 1:
        return values.argmax(axis=1)
    if values.dtype.kind in "iub":
        return values.reshape(-1).astype(np.int64)
    return (values.reshape(-1) > threshold).astype(np.int64)


def accuracy(pred, target, threshold: float = 0.0) -> float:
    """Fraction of samples whose predicted class is the target class.

    ``pred``: logits or probabilities ``[N, C]``, single scores ``[N]``/``[N, 1]`` (above
    ``threshold`` = class 1), or labels.  ``target``: labels ``[N]`` or one-hot rows ``[N, C]``.
    The course's p.4 table: rows [.1,.1,.8], [.6,.2,.2], [.01,.97,.02] against classes 2, 2, 1 -> 2/3.
    """
    predicted = to_labels(pred, threshold)
    actual = to_labels(target, 0.5)
    if predicted.shape != actual.shape:
        raise ValueError(f"accuracy: {predicted.shape[0]} predictions but {actual.shape[0]} targets")
    return float(np.mean(predicted == actual)) if actual.size else float("nan")


def confusion_matrix(pred, target, num_classes: int | None = None, threshold: float = 0.0) -> np.ndarray:
    """Counts ``[num_classes, num_classes]``: row = true class, column = predicted (scikit-learn's layout)."""
    from sklearn.metrics import confusion_matrix as sk_confusion_matrix

    predicted, actual = to_labels(pred, threshold), to_labels(target, 0.5)
    if num_classes is None:
        num_classes = int(max(predicted.max(initial=0), actual.max(initial=0))) + 1
    return sk_confusion_matrix(actual, predicted, labels=np.arange(num_classes))


def _pair(pred, target) -> tuple[np.ndarray, np.ndarray]:
    p, t = _array(pred).astype(np.float64), _array(target).astype(np.float64)
    if p.size != t.size:
        raise ValueError(f"shapes {p.shape} (pred) and {t.shape} (target) hold different numbers of values")
    return p.reshape(t.shape), t


def mse(pred, target) -> float:
    """Mean squared error."""
    p, t = _pair(pred, target)
    return float(np.mean((p - t) ** 2))


def mae(pred, target) -> float:
    """Mean absolute error."""
    p, t = _pair(pred, target)
    return float(np.mean(np.abs(p - t)))


def rmse(pred, target) -> float:
    """Root mean squared error, in the target's units."""
    return float(np.sqrt(mse(pred, target)))


def r2(pred, target) -> float:
    """Coefficient of determination (1 = perfect, 0 = as good as predicting the mean), averaged
    uniformly over output columns (scikit-learn's r2_score)."""
    from sklearn.metrics import r2_score

    p, t = _pair(pred, target)
    if t.ndim > 2:
        p, t = p.reshape(t.shape[0], -1), t.reshape(t.shape[0], -1)
    return float(r2_score(t, p))


METRICS = {"accuracy": accuracy, "acc": accuracy, "mse": mse, "mae": mae, "rmse": rmse, "r2": r2}


def get_metric(metric):
    """(name, function) for a metric given by name (``"accuracy"``, ``"mse"``, ...) or as a callable."""
    if isinstance(metric, str):
        if metric not in METRICS:
            raise KeyError(f"unknown metric {metric!r}; known: {sorted(METRICS)}")
        return metric, METRICS[metric]
    if callable(metric):
        return getattr(metric, "__name__", type(metric).__name__), metric
    raise TypeError(f"a metric is a name or a callable(pred, target) -> float, got {metric!r}")
