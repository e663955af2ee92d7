"""Gradient flow: per-layer gradient norms at every training step, and per-time-step norms in recurrent layers.

    flow = mg.viz.GradientFlow(model)
    fit(model, loss_fn, optimizer, loader, epochs=5, callbacks=[flow])
    flow.plot("gradient_flow.png")        # norm per layer over the steps, and its mean per layer
    flow.norms["0"]                       # one norm per step for layer "0"
    flow.time_norms["lstm"][-1]           # ‖dLoss/dh_t‖ for t = 0..T-1 at the last step

A layer is a module that owns parameters directly (``0`` for ``0.weight`` and ``0.bias``); its norm
is the L2 norm of all its parameters' gradients together.  Layers are listed input to output, so
gradients that shrink towards the input (vanishing) or grow (exploding) show as a slope.
Recurrent layers (RNN, LSTM, GRU) keep ``last_hidden_grads`` — dLoss/dh_t for every step — and the
recorder stores its norm per time step: how far back in time the gradient still reaches.
Without ``fit``, call ``flow.record()`` after each ``backward()``.
"""
from __future__ import annotations

import numpy as np


def _layer_of(name: str) -> str:
    return name.rsplit(".", 1)[0] if "." in name else "(model)"


def hidden_grad_norms(layer, k: int = 0) -> np.ndarray | None:
    """‖dLoss/dh_t‖ (over batch and units) for every time step t of a recurrent layer's last
    backward, for its k-th layer·direction; None before any backward."""
    grads = getattr(layer, "last_hidden_grads", None)
    if not grads or grads[k] is None:
        return None
    g = np.asarray(grads[k], dtype=np.float64)
    return np.sqrt((g.reshape(g.shape[0], -1) ** 2).sum(axis=1))


class GradientFlow:
    """Records gradient norms per layer (and per time step of recurrent layers) at each step.

    Pass it to ``fit(..., callbacks=[flow])`` (it records in ``on_step_end``) or call ``record()``
    yourself after ``backward()``.  ``every`` records one step in ``every``.
    """

    def __init__(self, model, every: int = 1):
        self.model, self.every = model, max(1, int(every))
        self.layers: dict[str, list] = {}
        for name, param in model.named_parameters():
            self.layers.setdefault(_layer_of(name), []).append(param)
        self.norms: dict[str, list[float]] = {layer: [] for layer in self.layers}
        self.recurrent = {(name or "(model)"): module for name, module in model.named_modules()
                          if hasattr(module, "last_hidden_grads")}
        self.time_norms: dict[str, list[np.ndarray]] = {}
        self.steps: list[tuple[int, int]] = []
        self._calls = 0

    # -- recording ---------------------------------------------------------------------------
    def on_step_end(self, epoch: int, step: int, loss: float | None = None) -> None:
        self._calls += 1
        if (self._calls - 1) % self.every == 0:
            self.record(epoch, step)

    def record(self, epoch: int | None = None, step: int | None = None) -> None:
        """Store the current gradients' norms (NaN for a layer whose parameters have no grad)."""
        self.steps.append((epoch, step if step is not None else len(self.steps) + 1))
        for layer, params in self.layers.items():
            squares = [float((p.grad.data.astype(np.float64) ** 2).sum()) for p in params if p.grad is not None]
            self.norms[layer].append(float(np.sqrt(sum(squares))) if squares else float("nan"))
        for name, module in self.recurrent.items():
            grads = module.last_hidden_grads or []
            for k in range(len(grads)):
                norms = hidden_grad_norms(module, k)
                if norms is not None:
                    key = name if len(grads) == 1 else f"{name}[{k}]"
                    self.time_norms.setdefault(key, []).append(norms)

    # -- reading -----------------------------------------------------------------------------
    def to_frame(self):
        """Norms as a pandas DataFrame: one row per recorded step, one column per layer."""
        import pandas as pd

        index = pd.MultiIndex.from_tuples(self.steps, names=["epoch", "step"])
        return pd.DataFrame(self.norms, index=index)

    def summary(self) -> str:
        """Mean, first and last norm per layer, input to output."""
        lines = [f"{'layer':<16} {'first':>10} {'last':>10} {'mean':>10}"]
        for layer, values in self.norms.items():
            if values:
                lines.append(f"{layer:<16} {values[0]:>10.3g} {values[-1]:>10.3g} {np.nanmean(values):>10.3g}")
        for name, series in self.time_norms.items():
            last = series[-1]
            lines.append(f"{name}: ‖dL/dh_t‖ at the last step, t = 0..{len(last) - 1}: "
                         + " ".join(f"{v:.2g}" for v in last))
        return "\n".join(lines)

    def plot(self, path, title: str | None = None) -> str:
        return plot_gradient_flow(self, path, title)

    def plot_time_steps(self, path, title: str | None = None) -> str:
        return plot_time_step_gradients(self, path, title)

    def __repr__(self) -> str:
        return f"<GradientFlow: {len(self.layers)} layers, {len(self.steps)} steps recorded>"


def plot_gradient_flow(flow: GradientFlow, path, title: str | None = None) -> str:
    """Left: each layer's gradient norm over the recorded steps (log scale).  Right: mean and
    largest norm per layer, input to output.  With recurrent layers, a third panel:
    ‖dLoss/dh_t‖ per time step.  Saved as a PNG at ``path``; returns the path."""
    from .plots import _pyplot, _save

    plt = _pyplot()
    panels = 3 if flow.time_norms else 2
    fig, axes = plt.subplots(1, panels, figsize=(5.2 * panels, 3.8))
    steps = np.arange(1, len(flow.steps) + 1)
    for layer, values in flow.norms.items():
        axes[0].plot(steps, values, label=layer)
    axes[0].set_yscale("log")
    axes[0].set_xlabel("recorded step")
    axes[0].set_ylabel("‖grad‖ per layer")
    axes[0].legend(fontsize=7)
    names = list(flow.norms)
    means = [np.nanmean(v) if v else np.nan for v in flow.norms.values()]
    maxes = [np.nanmax(v) if v else np.nan for v in flow.norms.values()]
    x = np.arange(len(names))
    axes[1].bar(x, maxes, color="#9fc5e8", label="max")
    axes[1].bar(x, means, color="#3d85c6", label="mean")
    axes[1].set_xticks(x, names, rotation=45, ha="right")
    axes[1].set_yscale("log")
    axes[1].set_xlabel("layer (input → output)")
    axes[1].legend(fontsize=7)
    if flow.time_norms:
        _time_panel(axes[2], flow)
    fig.suptitle(title or "gradient flow")
    return _save(fig, path)


def _time_panel(ax, flow: GradientFlow) -> None:
    for name, series in flow.time_norms.items():
        same_length = [s for s in series if len(s) == len(series[-1])]
        t = np.arange(len(series[-1]))
        ax.plot(t, np.mean(same_length, axis=0), marker="o", label=f"{name} (mean over steps)")
        ax.plot(t, series[0], ls=":", alpha=0.6, label=f"{name} (first step)")
    ax.set_yscale("log")
    ax.set_xlabel("time step t")
    ax.set_ylabel("‖dLoss/dh_t‖")
    ax.legend(fontsize=7)


def plot_time_step_gradients(flow: GradientFlow, path, title: str | None = None) -> str:
    """‖dLoss/dh_t‖ per time step for every recurrent layer the recorder saw; PNG at ``path``."""
    from .plots import _pyplot, _save

    if not flow.time_norms:
        raise ValueError("plot_time_step_gradients: no recurrent layer recorded a gradient (the model "
                         "has no RNN/LSTM/GRU, or no backward ran)")
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.8))
    _time_panel(ax, flow)
    ax.set_title(title or "gradient per time step")
    return _save(fig, path)
