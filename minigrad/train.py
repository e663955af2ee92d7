"""fit, evaluate and predict: the training loop the examples share, with progress, validation and history.

Written against PyTorch's protocol only: ``model(*inputs)``, ``loss_fn(pred, target)``,
``loss.backward()``, ``optimizer.zero_grad()/step()``, ``model.train()/eval()``,
``model.state_dict()/load_state_dict()``.  A batch is a tuple ``(inputs..., target)``.

A loss that becomes NaN or inf stops training *before* the optimizer step, so the parameters stay
the finite values that produced it, and ``fit`` raises ``NonFiniteLossError`` (epoch, step and the
history so far attached).  It raises rather than returning because a model that diverged is not a
result: a caller who forgets to look at a flag would otherwise carry on with it silently.
"""
from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from .autograd.grad_mode import no_grad
from .metrics import get_metric
from .predict import evaluating as _evaluating
from .predict import predict  # noqa: F401  (fit, evaluate and predict are read together)
from .tensor import Tensor


class NonFiniteLossError(FloatingPointError):
    """The loss (or a gradient) became NaN/inf; raised before the optimizer step that would use it."""

    def __init__(self, message: str, epoch: int, step: int, history: "History"):
        super().__init__(message)
        self.epoch, self.step, self.history = epoch, step, history


@dataclass
class History:
    """What ``fit`` measured, one value per epoch under Keras-style keys: ``loss``, ``val_loss``,
    each metric and ``val_<metric>``.  ``history["val_loss"]`` reads a column.

    best_epoch:     the epoch (1-based) with the lowest ``val_loss``, if there was validation.
    stopped_reason: None when every epoch ran, ``"early_stopping"`` or ``"callback"`` otherwise.
    restored_best:  True when the weights of ``best_epoch`` were loaded back at the end.
    """

    history: dict = field(default_factory=dict)
    epochs: list = field(default_factory=list)
    epoch_seconds: list = field(default_factory=list)
    best_epoch: int | None = None
    stopped_epoch: int | None = None
    stopped_reason: str | None = None
    restored_best: bool = False

    def log(self, epoch: int, values: dict, seconds: float) -> None:
        self.epochs.append(epoch)
        self.epoch_seconds.append(seconds)
        for key, value in values.items():
            self.history.setdefault(key, []).append(float(value))

    def __getitem__(self, key: str) -> list:
        return self.history[key]

    def __contains__(self, key: str) -> bool:
        return key in self.history

    def last(self, key: str) -> float:
        return self.history[key][-1]

    @property
    def best_val_loss(self) -> float | None:
        if self.best_epoch is None:
            return None
        return self.history["val_loss"][self.epochs.index(self.best_epoch)]

    @property
    def seconds(self) -> float:
        return float(sum(self.epoch_seconds))

    def to_frame(self):
        import pandas as pd

        return pd.DataFrame(self.history, index=pd.Index(self.epochs, name="epoch"))

    def plot(self, path, title: str | None = None):
        """Save the learning curves (losses, and each metric in its own panel) as a PNG at ``path``."""
        from .viz.plots import plot_learning_curves

        return plot_learning_curves(self, path, title=title)

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v[-1]:.4g}" for k, v in self.history.items())
        extra = f", best_epoch={self.best_epoch}" if self.best_epoch is not None else ""
        extra += f", stopped_reason={self.stopped_reason!r}" if self.stopped_reason else ""
        return f"History({len(self.epochs)} epochs: {last}{extra})"


# ------------------------------------------------------------------------------ helpers ---
def _split_batch(batch) -> tuple[tuple, object]:
    if isinstance(batch, (tuple, list)) and len(batch) >= 2:
        return tuple(batch[:-1]), batch[-1]
    raise TypeError("fit/evaluate: each batch must be a tuple (inputs..., target); got "
                    f"{type(batch).__name__}{'' if not isinstance(batch, (tuple, list)) else f' of {len(batch)}'}")


def _count(target) -> int:
    shape = getattr(target, "shape", ())
    return int(shape[0]) if len(shape) else 1


def _numpy(x) -> np.ndarray:
    return np.array(x.data if isinstance(x, Tensor) else x, copy=True)


def _resolve_metrics(metrics) -> list:
    """[(name, fn)] from names, callables, (name, fn) pairs or a dict name -> fn."""
    if isinstance(metrics, dict):
        return list(metrics.items())
    return [m if isinstance(m, tuple) else get_metric(m) for m in metrics]


def _compute_metrics(metric_fns, preds: list, targets: list, prefix: str = "") -> dict:
    if not metric_fns or not preds:
        return {}
    pred, target = np.concatenate(preds), np.concatenate(targets)
    return {prefix + name: float(fn(pred, target)) for name, fn in metric_fns}


def _copy_state(model) -> dict:
    """A deep copy of the state dict as NumPy arrays (the live tensors keep changing)."""
    return {key: _numpy(value) for key, value in model.state_dict().items()}


def _non_finite_grad(named_parameters) -> str | None:
    for name, param in named_parameters:
        grad = getattr(param, "grad", None)
        if grad is not None and not np.isfinite(grad.data).all():
            return name
    return None


def _interactive() -> bool:
    return sys.stderr.isatty() or "ipykernel" in sys.modules


class _Progress:
    """A tqdm bar per epoch on a terminal or in a notebook; one printed line per epoch when
    output goes to a file or pipe (where a bar would fill the log with carriage returns);
    nothing when ``progress`` is False.  ``progress="bar"`` or ``"lines"`` forces a mode."""

    def __init__(self, progress, epochs: int, steps: int | None):
        self.epochs, self.steps, self.bar = epochs, steps, None
        self.mode = progress if progress in ("bar", "lines") else \
            ("off" if not progress else "bar" if _interactive() else "lines")
        if self.mode == "bar":
            try:
                from tqdm.auto import tqdm
                self._tqdm = tqdm
            except ImportError:
                self.mode = "lines"

    def start(self, epoch: int) -> None:
        if self.mode == "bar":
            self.bar = self._tqdm(total=self.steps, desc=f"epoch {epoch}/{self.epochs}", leave=True,
                                  dynamic_ncols=True, file=sys.stderr)

    def step(self, running_loss: float) -> None:
        if self.bar is not None:
            self.bar.set_postfix(loss=f"{running_loss:.4g}", refresh=False)
            self.bar.update(1)

    def end(self, epoch: int, logs: dict, seconds: float) -> None:
        text = {k: f"{v:.4g}" for k, v in logs.items()}
        if self.bar is not None:
            self.bar.set_postfix(text, refresh=True)
            self.close()
        elif self.mode == "lines":
            values = "  ".join(f"{k} {v}" for k, v in text.items())
            print(f"epoch {epoch}/{self.epochs}  {values}  ({seconds:.1f}s)", flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


# ---------------------------------------------------------------------------------- fit ---
def fit(model, loss_fn, optimizer, train_loader, val_loader=None, epochs: int = 1, metrics=(),
        early_stopping: int | None = None, restore_best: bool = True, progress=True,
        grad_clip: float | None = None, on_epoch_end=None, callbacks=()) -> History:
    """Train ``model`` for ``epochs`` passes over ``train_loader``; return the History.

    metrics:        names ("accuracy", "mse", "mae", "rmse", "r2"), callables ``f(pred, target)``
                    or a dict name -> callable.  Training metrics use the predictions made during
                    the epoch (before each step), as Keras does; validation ones the end-of-epoch model.
    early_stopping: patience: stop after that many epochs without a lower ``val_loss`` (needs
                    ``val_loader``).  With ``restore_best`` the weights of the best epoch (copied
                    from ``state_dict()``) are loaded back at the end.
    grad_clip:      clip the gradients' total norm to this value (``nn.utils.clip_grad_norm_``).
    on_epoch_end:   ``f(epoch, history)`` after every epoch, the last included (e.g. to step an
                    lr scheduler); returning True stops training.
    progress:       True: a tqdm bar on a terminal, one line per epoch otherwise; False: silent.
    callbacks:      objects with either or both of ``on_step_end(epoch, step, loss)`` (after each
                    optimizer step; the step's gradients, clipped if asked, are still in ``.grad``)
                    and ``on_epoch_end(epoch, history)`` (after ``on_epoch_end``; True stops), e.g.
                    ``minigrad.viz.GradientFlow`` or ``minigrad.health.HealthMonitor``.
    Raises NonFiniteLossError, before the optimizer step, when the loss or a gradient is NaN/inf.
    """
    _check_early_stopping(early_stopping, val_loader)
    metric_fns = _resolve_metrics(metrics)
    trainer = _Trainer(model, loss_fn, optimizer, grad_clip, callbacks)
    history = History()
    steps = len(train_loader) if hasattr(train_loader, "__len__") else None
    reporter = _Progress(progress, epochs, steps)
    best_loss, best_state, epochs_without_gain = math.inf, None, 0
    for epoch in range(1, epochs + 1):
        started = time.perf_counter()
        logs = _train_epoch(trainer, train_loader, epoch, steps, metric_fns, history, reporter)
        if val_loader is not None:
            logs.update({"val_" + k: v for k, v in evaluate(model, val_loader, loss_fn, metric_fns).items()})
        seconds = time.perf_counter() - started
        history.log(epoch, logs, seconds)
        reporter.end(epoch, logs, seconds)
        if val_loader is not None:
            if logs["val_loss"] < best_loss:
                best_loss, history.best_epoch, epochs_without_gain = logs["val_loss"], epoch, 0
                if early_stopping is not None and restore_best:
                    best_state = _copy_state(model)
            else:
                epochs_without_gain += 1
        stop_asked = _stop_asked(epoch, history, on_epoch_end, callbacks)
        if stop_asked or (early_stopping is not None and epochs_without_gain >= early_stopping):
            history.stopped_epoch = epoch
            history.stopped_reason = "callback" if stop_asked else "early_stopping"
            break
    if best_state is not None and history.best_epoch != history.epochs[-1]:
        model.load_state_dict(best_state)
        history.restored_best = True
    return history


def _check_early_stopping(early_stopping, val_loader) -> None:
    if early_stopping is not None and val_loader is None:
        raise ValueError("fit: early_stopping watches the validation loss; pass a val_loader")
    if early_stopping is not None and early_stopping < 1:
        raise ValueError(f"fit: early_stopping is a patience in epochs (>= 1), got {early_stopping}")


class _Trainer:
    """What one optimizer step needs: the model, its loss, the optimizer, clipping, callbacks."""

    def __init__(self, model, loss_fn, optimizer, grad_clip, callbacks):
        self.model, self.loss_fn, self.optimizer, self.callbacks = model, loss_fn, optimizer, callbacks
        self.named_parameters = list(model.named_parameters())
        self.grad_clip = grad_clip
        if grad_clip is not None:
            from .nn.utils import clip_grad_norm_
            self.clip = clip_grad_norm_

    def step(self, batch, epoch: int, step: int, steps, history) -> tuple:
        """Forward, backward, (clip,) optimizer step, callbacks; returns (loss value, pred, target).
        A NaN/inf loss or gradient raises before the optimizer step."""
        inputs, target = _split_batch(batch)
        pred = self.model(*inputs)
        loss = self.loss_fn(pred, target)
        value = float(loss.item())
        if not math.isfinite(value):
            raise NonFiniteLossError(
                f"fit: the loss became {value} at epoch {epoch}, step {step} (of {steps or '?'}); "
                "stopped before the optimizer step, so the parameters are the finite ones that "
                "produced it. Try a lower learning rate, grad_clip=, or check the data for NaN/inf.",
                epoch, step, history)
        self.optimizer.zero_grad()
        loss.backward()
        bad = _non_finite_grad(self.named_parameters)
        if bad is not None:
            raise NonFiniteLossError(
                f"fit: the gradient of parameter {bad!r} became NaN/inf at epoch {epoch}, step {step} "
                f"(loss {value:.4g}); stopped before the optimizer step, so the parameters are still "
                "finite. Try a lower learning rate or grad_clip=.", epoch, step, history)
        if self.grad_clip is not None:
            self.clip([p for _, p in self.named_parameters], self.grad_clip)
        self.optimizer.step()
        for callback in self.callbacks:
            if hasattr(callback, "on_step_end"):
                callback.on_step_end(epoch, step, value)
        return value, pred, target


def _train_epoch(trainer: _Trainer, train_loader, epoch: int, steps, metric_fns, history, reporter) -> dict:
    """One pass over the training data in train mode; the epoch's mean loss and training metrics."""
    trainer.model.train()
    reporter.start(epoch)
    total, count, preds, targets = 0.0, 0, [], []
    try:
        for step, batch in enumerate(train_loader, 1):
            value, pred, target = trainer.step(batch, epoch, step, steps, history)
            n = _count(target)
            total, count = total + value * n, count + n
            if metric_fns:
                preds.append(_numpy(pred))
                targets.append(_numpy(target))
            reporter.step(total / count)
    except BaseException:
        reporter.close()
        raise
    return {"loss": total / max(count, 1), **_compute_metrics(metric_fns, preds, targets)}


def _stop_asked(epoch: int, history, on_epoch_end, callbacks) -> bool:
    """Run on_epoch_end and every callback's on_epoch_end (all of them); True if one returned True."""
    stop_asked = on_epoch_end is not None and on_epoch_end(epoch, history) is True
    for callback in callbacks:
        if hasattr(callback, "on_epoch_end") and callback.on_epoch_end(epoch, history) is True:
            stop_asked = True
    return stop_asked


# ------------------------------------------------------------------------------ evaluate ---
def evaluate(model, loader, loss_fn=None, metrics=()) -> dict:
    """Mean loss (weighted by batch size) and metrics over ``loader``, in eval mode without
    gradients; the model's train/eval mode is restored afterwards."""
    metric_fns = _resolve_metrics(metrics)
    total, count, preds, targets = 0.0, 0, [], []
    with _evaluating(model):
        for batch in loader:
            inputs, target = _split_batch(batch)
            pred = model(*inputs)
            n = _count(target)
            if loss_fn is not None:
                total += float(loss_fn(pred, target).item()) * n
            count += n
            if metric_fns:
                preds.append(_numpy(pred))
                targets.append(_numpy(target))
    results = {"loss": total / max(count, 1)} if loss_fn is not None else {}
    results.update(_compute_metrics(metric_fns, preds, targets))
    return results
