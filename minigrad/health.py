"""Training health: dead ReLUs, saturated sigmoid/tanh units and gradient-to-weight ratios, one line per epoch.

    health = HealthMonitor(model)
    fit(model, loss_fn, optimizer, loader, epochs=5, callbacks=[health])
    # health epoch 1 | dead ReLU: 1 0%, 3 12% | saturated: 5 (Sigmoid) 3% | grad/weight: 0 2.1e-02, 2 8.0e-03, ...

What each number means, measured on the training steps of the epoch (eval-mode calls, such as
validation, are not counted):
- dead ReLU: the share of a ReLU module's units (features, or channels of a conv map) that were
  zero for every sample of the epoch.  A dead unit passes no gradient, so it never recovers.
- saturated: the share of a Sigmoid/Tanh module's outputs (and of a recurrent layer's gate
  activations) within ``1 − threshold`` of the flat ends (|tanh| > 0.99, sigmoid < 0.01 or > 0.99),
  where the derivative is below ~0.02 and the gradient all but stops.
- grad/weight: per layer, ‖grad‖ / ‖weight‖ averaged over the epoch's steps; around 1e-3 per step
  of plain SGD is healthy folklore, 1e-6 means the layer is hardly learning, 1 that it is thrashing.
Activations called as functions (F.relu) have no module to hook, so they are not seen.
"""
from __future__ import annotations

import numpy as np

SIGMOID_GATES = {"LSTM": "sstx", "GRU": "sst", "RNN_TANH": "t"}  # per gate: s = sigmoid, t = tanh


def _kind(module) -> str | None:
    name = type(module).__name__
    if name in ("ReLU", "Sigmoid", "Tanh"):
        return name
    if hasattr(module, "last_gates") and getattr(module, "mode", None) in SIGMOID_GATES:
        return "recurrent"
    return None


def _saturated(values: np.ndarray, sigmoid: bool, threshold: float) -> int:
    if sigmoid:
        return int(np.count_nonzero((values < 1 - threshold) | (values > threshold)))
    return int(np.count_nonzero(np.abs(values) > threshold))


class HealthMonitor:
    """Watches a model during ``fit(..., callbacks=[monitor])``; prints a line per epoch when
    ``verbose`` and keeps every epoch's numbers in ``records`` (a list of dicts).  ``remove()``
    takes its forward hooks off the model."""

    def __init__(self, model, verbose: bool = True, threshold: float = 0.99):
        self.model, self.verbose, self.threshold = model, verbose, float(threshold)
        self.records: list[dict] = []
        self.watched = {name or "(model)": (module, _kind(module)) for name, module in model.named_modules()
                        if _kind(module) is not None}
        self._handles = [module.register_forward_hook(self._hook(name, kind))
                         for name, (module, kind) in self.watched.items()]
        self.layers: dict[str, list] = {}
        for name, param in model.named_parameters():
            self.layers.setdefault(name.rsplit(".", 1)[0] if "." in name else "(model)", []).append(param)
        self._reset()

    def _reset(self) -> None:
        self._alive: dict[str, np.ndarray] = {}
        self._saturated: dict[str, list[int]] = {}      # name -> [saturated count, total count]
        self._ratios: dict[str, list[float]] = {layer: [] for layer in self.layers}

    # -- forward hooks: activations ----------------------------------------------------------
    def _hook(self, name: str, kind: str):
        def hook(module, inputs, output):
            if not module.training:
                return None
            if kind == "ReLU":
                out = np.asarray(output.data)
                axes = tuple(a for a in range(out.ndim) if a != 1) if out.ndim >= 2 else ()
                alive = (out > 0).any(axis=axes) if axes else out > 0
                self._alive[name] = alive if name not in self._alive else (self._alive[name] | alive)
            elif kind in ("Sigmoid", "Tanh"):
                out = np.asarray(output.data)
                self._count(name, _saturated(out, kind == "Sigmoid", self.threshold), out.size)
            else:  # recurrent: every layer·direction's gate activations, gate by gate
                pattern = SIGMOID_GATES[module.mode]
                for gates in module.last_gates:
                    if gates is None:
                        continue
                    for g, chunk in zip(pattern, np.split(gates, len(pattern), axis=-1)):
                        self._count(name, _saturated(chunk, g == "s", self.threshold), chunk.size)
            return None
        return hook

    def _count(self, name: str, saturated: int, total: int) -> None:
        counts = self._saturated.setdefault(name, [0, 0])
        counts[0] += saturated
        counts[1] += total

    # -- fit callbacks -------------------------------------------------------------------------
    def on_step_end(self, epoch: int, step: int, loss: float | None = None) -> None:
        for layer, params in self.layers.items():
            grads = [p.grad.data for p in params if p.grad is not None]
            if not grads:
                continue
            g = np.sqrt(sum(float((a.astype(np.float64) ** 2).sum()) for a in grads))
            w = np.sqrt(sum(float((p.data.astype(np.float64) ** 2).sum()) for p in params))
            self._ratios[layer].append(g / w if w > 0 else float("inf"))

    def on_epoch_end(self, epoch: int, history=None) -> None:
        record = {
            "epoch": epoch,
            "dead_relu": {name: float(1 - alive.mean()) for name, alive in self._alive.items()},
            "saturated": {name: counts[0] / counts[1] for name, counts in self._saturated.items() if counts[1]},
            "grad_to_weight": {layer: float(np.mean(r)) for layer, r in self._ratios.items() if r},
        }
        self.records.append(record)
        if self.verbose:
            print(self.format(record), flush=True)
        self._reset()
        return None

    # -- reading -------------------------------------------------------------------------------
    def format(self, record: dict | None = None) -> str:
        """One epoch's numbers as the printed line (the last epoch by default)."""
        record = record if record is not None else self.records[-1]
        kinds = {name: kind for name, (_, kind) in self.watched.items()}
        parts = [f"health epoch {record['epoch']}"]
        if record["dead_relu"]:
            parts.append("dead ReLU: " + ", ".join(f"{n} {v:.0%}" for n, v in record["dead_relu"].items()))
        if record["saturated"]:
            kind = {n: "gates" if k == "recurrent" else k for n, k in kinds.items()}
            parts.append("saturated: " + ", ".join(f"{n} ({kind[n]}) {v:.0%}" for n, v in record["saturated"].items()))
        if record["grad_to_weight"]:
            parts.append("grad/weight: " + ", ".join(f"{n} {v:.1e}" for n, v in record["grad_to_weight"].items()))
        return " | ".join(parts)

    def to_frame(self):
        """One row per epoch, columns like ``dead_relu/1``, ``saturated/3``, ``grad_to_weight/0``."""
        import pandas as pd

        rows = [{f"{key}/{name}": value for key in ("dead_relu", "saturated", "grad_to_weight")
                 for name, value in record[key].items()} for record in self.records]
        return pd.DataFrame(rows, index=pd.Index([r["epoch"] for r in self.records], name="epoch"))

    def remove(self) -> None:
        for handle in self._handles:
            handle.remove()
        self._handles = []

    def __repr__(self) -> str:
        return f"<HealthMonitor: {len(self.watched)} activation layers, {len(self.records)} epochs>"
