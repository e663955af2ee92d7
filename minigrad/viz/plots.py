"""Training plots: learning curves, predictions vs actual, confusion matrix, 2-D decision boundary.

Each function draws one figure, saves it as a PNG at ``path`` (folders created), closes it and
returns the path.  Without a display (and outside a notebook) the Agg backend is chosen before
pyplot is first imported, so the plots work on servers and in CI.
"""
from __future__ import annotations

import os
import sys

import numpy as np

from ..tensor import Tensor


def _in_notebook() -> bool:
    return "ipykernel" in sys.modules


def _pyplot():
    import matplotlib

    if "matplotlib.pyplot" not in sys.modules and not os.environ.get("MPLBACKEND") \
            and not os.environ.get("DISPLAY") and not _in_notebook():
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, path, tight_layout: bool = True) -> str:
    """Lay the figure out (``tight_layout``), save it as a PNG at ``path`` (folders created),
    close it and return the path: the last lines of every plot in the examples."""
    if tight_layout:
        fig.tight_layout()
    path = os.fspath(path)
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    _pyplot().close(fig)
    return path


def _save(fig, path) -> str:
    return save_figure(fig, path, tight_layout=False)


def _values(x) -> np.ndarray:
    return x.data if isinstance(x, Tensor) else np.asarray(x)


def plot_learning_curves(history, path, title: str | None = None) -> str:
    """Loss per epoch (train and validation) and one panel per metric; ``history`` is a
    ``minigrad.train.History`` or a dict of per-epoch lists with Keras-style keys."""
    plt = _pyplot()
    logs = history.history if hasattr(history, "history") else dict(history)
    epochs = list(getattr(history, "epochs", [])) or list(range(1, len(next(iter(logs.values()), [])) + 1))
    names = list(dict.fromkeys(["loss"] + [k.removeprefix("val_") for k in logs]))
    fig, axes = plt.subplots(1, len(names), figsize=(5 * len(names), 3.6), squeeze=False)
    best = getattr(history, "best_epoch", None)
    for ax, name in zip(axes[0], names):
        for key, label in ((name, "train"), ("val_" + name, "validation")):
            if key in logs:
                ax.plot(epochs, logs[key], marker="o" if len(epochs) < 30 else None, label=label)
        if best is not None:
            ax.axvline(best, color="gray", linestyle=":", label=f"best epoch {best}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    return _save(fig, path)


def plot_predictions(actual, predicted, path, title: str | None = None, x=None,
                     labels: tuple = ("actual", "predicted")) -> str:
    """Actual and predicted values along ``x`` (sample index by default; dates work): one line
    pair per output column."""
    plt = _pyplot()
    actual, predicted = _values(actual), _values(predicted)
    actual = actual.reshape(len(actual), -1)
    predicted = predicted.reshape(len(predicted), -1)
    if actual.shape != predicted.shape:
        raise ValueError(f"plot_predictions: actual {actual.shape} and predicted {predicted.shape} differ")
    x = np.arange(len(actual)) if x is None else x
    fig, ax = plt.subplots(figsize=(10, 4))
    for column in range(actual.shape[1]):
        suffix = f" [{column}]" if actual.shape[1] > 1 else ""
        line, = ax.plot(x, actual[:, column], label=labels[0] + suffix, linewidth=1.2)
        ax.plot(x, predicted[:, column], label=labels[1] + suffix, linewidth=1.2, linestyle="--",
                color=line.get_color() if actual.shape[1] > 1 else None)
    ax.grid(alpha=0.3)
    ax.legend()
    if title:
        ax.set_title(title)
    return _save(fig, path)


def plot_confusion_matrix(matrix, path, class_names=None, title: str | None = None) -> str:
    """Counts with true classes down the rows and predicted classes across (as
    ``minigrad.metrics.confusion_matrix`` returns them)."""
    plt = _pyplot()
    matrix = _values(matrix)
    n = matrix.shape[0]
    names = [str(c) for c in class_names] if class_names is not None else [str(i) for i in range(n)]
    # room for the longest class name beside and below the grid, so the axis labels stay visible
    label_room = 0.09 * max(len(name) for name in names)
    fig, ax = plt.subplots(figsize=(max(4.0, 1.6 + 0.6 * n) + label_room, max(3.4, 1.2 + 0.6 * n) + label_room))
    image = ax.imshow(matrix, cmap="Blues")
    fig.colorbar(image, ax=ax, fraction=0.046)
    threshold = matrix.max() / 2 if matrix.size else 0
    for i in range(n):
        for j in range(matrix.shape[1]):
            ax.text(j, i, f"{matrix[i, j]:g}", ha="center", va="center",
                    color="white" if matrix[i, j] > threshold else "black", fontsize=8)
    ax.set_xticks(range(matrix.shape[1]), names[:matrix.shape[1]], rotation=45 if n > 6 else 0)
    ax.set_yticks(range(n), names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if title:
        ax.set_title(title)
    return _save(fig, path)


def plot_decision_boundary(model, X, y, path, title: str | None = None, resolution: int = 200,
                           margin: float = 0.5, threshold: float = 0.0) -> str:
    """The class ``model`` predicts over the plane of 2-D inputs ``X`` (logits ``[N, C]``, or one
    score ``[N]``/``[N, 1]`` above ``threshold``), with the samples coloured by label ``y``."""
    from ..metrics import to_labels
    from ..predict import predict

    plt = _pyplot()
    X, y = _values(X), _values(y).reshape(-1)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary: X must be [N, 2], got {X.shape}")
    (x0, y0), (x1, y1) = X.min(axis=0) - margin, X.max(axis=0) + margin
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(X.dtype if X.dtype.kind == "f" else np.float32)
    classes = to_labels(predict(model, grid, batch_size=8192), threshold).reshape(gx.shape)
    fig, ax = plt.subplots(figsize=(5.5, 5))
    levels = np.arange(max(classes.max(), y.max()) + 2) - 0.5
    ax.contourf(gx, gy, classes, levels=levels, cmap="coolwarm", alpha=0.3)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm", edgecolors="k", linewidths=0.4, s=18,
               vmin=levels[0], vmax=levels[-1])
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    if title:
        ax.set_title(title)
    return _save(fig, path)
