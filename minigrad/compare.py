"""compare: run a minigrad model and its PyTorch twin side by side and find the first layer that disagrees.

    report = mg.compare(model, torch_model, x)
    print(report)          # a table per layer (output and gradient differences) and a verdict
    report.first           # the first divergence (layer, what, size), or None

Parameters are matched by name (``named_parameters()`` uses the same names in both libraries for
the same architecture).  By default minigrad's weights (and buffers) are copied into the torch
model, so any difference comes from the computation; with ``copy_weights=False`` they are
compared instead and reported.  Both models run forward in eval mode (so dropout is off; modes are
restored afterwards) and backward from the sum of the outputs, or from ``loss_fn``.  A forward hook
on every submodule keeps its output, and a hook on that output keeps the gradient arriving at it.

The first divergence is searched the way the values flowed: forward, the first module (in call
order) whose output differs; if every output agrees, backward from the output, the first module
whose output gradient or parameter gradients differ — the culprit is then that module's backward
(for its parameters) or the backward of the module that consumes its output.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class LayerRow:
    name: str
    kind: str
    shape: tuple | None
    output_diff: float | None = None
    grad_diff: float | None = None
    output_ok: bool = True
    grad_ok: bool = True
    param_grad_diff: float | None = None
    param_ok: bool = True


@dataclass
class Divergence:
    layer: str
    what: str           # "parameter", "output", "output gradient", "parameter gradient"
    max_diff: float
    message: str


@dataclass
class CompareReport:
    """Per-module rows in call order, per-parameter differences, and the first divergence."""

    rows: list
    params: dict                        # name -> {"weight_diff", "grad_diff", "shape"}
    loss: tuple                         # (minigrad, torch)
    first: Divergence | None
    problems: list = field(default_factory=list)
    atol: float = 1e-5
    rtol: float = 1e-4

    @property
    def ok(self) -> bool:
        return self.first is None and not self.problems

    def row(self, name: str) -> LayerRow:
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(name)

    def __str__(self) -> str:
        def cell(value, ok):
            return "-" if value is None else f"{value:.2e}{'' if ok else ' !'}"

        header = (f"{'module':<14} {'type':<12} {'output shape':<18} {'|Δ output|':>12} {'|Δ out grad|':>13} "
                  f"{'|Δ param grad|':>15}")
        lines = [header, "-" * len(header)]
        for r in self.rows:
            shape = "-" if r.shape is None else str(r.shape)
            lines.append(f"{r.name:<14} {r.kind:<12} {shape:<18} {cell(r.output_diff, r.output_ok):>12} "
                         f"{cell(r.grad_diff, r.grad_ok):>13} {cell(r.param_grad_diff, r.param_ok):>15}")
        lines.append(f"loss: minigrad {self.loss[0]:.6g}, torch {self.loss[1]:.6g}")
        lines.extend(f"note: {p}" for p in self.problems)
        if self.first is None:
            lines.append(f"all outputs and gradients agree (atol {self.atol:g}, rtol {self.rtol:g})")
        else:
            lines.append(f"FIRST DIVERGENCE: {self.first.message}")
        return "\n".join(lines)

    __repr__ = __str__


# ---------------------------------------------------------------------------- helpers ----
def _flat(value) -> list:
    """The tensors in a module's output, in order (tuples such as LSTM's (out, (h, c)) flattened)."""
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in _flat(v)]
    return [value] if value is not None and hasattr(value, "shape") else []


def _np(t) -> np.ndarray:
    if hasattr(t, "detach") and hasattr(t, "cpu"):  # torch
        return t.detach().cpu().numpy().astype(np.float64)
    return np.asarray(getattr(t, "data", t), dtype=np.float64)


def _max_diff(a_list, b_list) -> float | None:
    if not a_list or len(a_list) != len(b_list):
        return None
    worst = 0.0
    for a, b in zip(a_list, b_list):
        a, b = _np(a), _np(b)
        if a.shape != b.shape:
            return float("inf")
        if a.size:
            worst = max(worst, float(np.max(np.abs(a - b))))
    return worst


def _close(diff, reference_list, atol, rtol) -> bool:
    if diff is None:
        return True
    arrays = [_np(r) for r in reference_list]
    scale = max((float(np.max(np.abs(a))) if a.size else 0.0 for a in arrays), default=0.0)
    return diff <= atol + rtol * scale


def _layer_of(name: str) -> str:
    return name.rsplit(".", 1)[0] if "." in name else ""


class _Recorder:
    """Forward hooks on every module: outputs per call, and hooks on them for their gradients."""

    def __init__(self, named_modules):
        self.order, self.outputs, self.grads, self.handles = [], {}, {}, []
        for name, module in named_modules:
            self.handles.append(module.register_forward_hook(self._hook(name)))

    def _hook(self, name):
        def hook(module, inputs, output):
            call = sum(1 for n, _ in self.order if n == name)
            key = (name, call)
            self.order.append(key)
            tensors = _flat(output)
            self.outputs[key] = [_np(t) for t in tensors]
            self.grads[key] = [None] * len(tensors)
            for i, t in enumerate(tensors):
                if getattr(t, "requires_grad", False):
                    t.register_hook(self._grad_hook(key, i))
            return None
        return hook

    def _grad_hook(self, key, i):
        def hook(grad):
            self.grads[key][i] = _np(grad)
            return None
        return hook

    def remove(self):
        for handle in self.handles:
            handle.remove()


def _torch_loss(loss_fn):
    """A minigrad loss module's torch twin (same class name and reduction), for loss_fn=module."""
    import torch

    cls = getattr(torch.nn, type(loss_fn).__name__, None)
    if cls is None:
        raise TypeError(f"compare: no torch.nn.{type(loss_fn).__name__} to mirror the loss; pass "
                        "loss_fn=(minigrad_loss, torch_loss)")
    return cls(reduction=getattr(loss_fn, "reduction", "mean"))


def _sum_outputs(output):
    tensors = [t for t in _flat(output) if getattr(t, "requires_grad", False)]
    total = tensors[0].sum()
    for t in tensors[1:]:
        total = total + t.sum()
    return total


# ------------------------------------------------------------------------------ compare ----
def compare(model, torch_model, x, loss_fn=None, target=None, copy_weights: bool = True,
            atol: float = 1e-5, rtol: float = 1e-4) -> CompareReport:
    """Compare ``model`` (minigrad) with ``torch_model`` on input ``x`` (array, Tensor or tuple).

    loss_fn: None (backward from the sum of the outputs), a minigrad loss module whose torch.nn
    namesake is used on the torch side, or a pair ``(minigrad_loss, torch_loss)``; called as
    ``loss_fn(output, target)``.  copy_weights: copy minigrad's parameters and buffers into the
    torch model first (True) or only compare them (False).  atol/rtol: a difference counts when
    ``max|a − b| > atol + rtol · max|torch value|``.  The torch model is cast to minigrad's dtype.
    """
    import torch

    problems = []
    mg_params = dict(model.named_parameters())
    dtype = next(iter(mg_params.values())).dtype if mg_params else np.dtype(np.float32)
    torch_model.to(torch.float64 if dtype == np.float64 else torch.float32)
    torch_params = dict(torch_model.named_parameters())
    problems += _unmatched_parameters(mg_params, torch_params)
    param_info, first_param = _match_weights(model, torch_model, mg_params, copy_weights, atol, rtol, problems)
    mg_recorder, torch_recorder = _Recorder(model.named_modules()), _Recorder(torch_model.named_modules())
    try:
        mg_loss, torch_loss = _forward_backward(model, torch_model, _inputs(x, dtype), loss_fn, target, dtype)
    finally:
        mg_recorder.remove()
        torch_recorder.remove()
    _compare_parameter_grads(mg_params, torch_params, param_info, atol, rtol)
    rows = _layer_rows(model, mg_recorder, torch_recorder, param_info, atol, rtol, problems)
    first = first_param or _first_divergence(rows)
    loss = (float(mg_loss.item()), float(torch_loss.item()))
    return CompareReport(rows, param_info, loss, first, problems, atol, rtol)


def _unmatched_parameters(mg_params: dict, torch_params: dict) -> list:
    return ([f"parameter {name!r} exists in minigrad only" for name in mg_params.keys() - torch_params.keys()]
            + [f"parameter {name!r} exists in torch only" for name in torch_params.keys() - mg_params.keys()])


def _match_weights(model, torch_model, mg_params, copy_weights, atol, rtol, problems) -> tuple:
    """Copy minigrad's parameters and buffers into torch, or (copy_weights=False) measure how far
    apart they start; returns ({name: info}, the first parameter that differs or None)."""
    import torch

    param_info, first_param = {}, None
    torch_state = torch_model.state_dict()
    with torch.no_grad():
        for name, value in model.state_dict().items():
            if name not in torch_state:
                continue
            mine, theirs = _np(value), torch_state[name]
            if tuple(theirs.shape) != mine.shape:
                problems.append(f"{name!r} has shape {mine.shape} in minigrad but {tuple(theirs.shape)} in torch")
                continue
            if copy_weights:
                theirs.copy_(torch.from_numpy(mine).to(theirs.dtype))
            elif name in mg_params:
                diff = float(np.max(np.abs(mine - _np(theirs)))) if mine.size else 0.0
                param_info.setdefault(name, {})["weight_diff"] = diff
                if not _close(diff, [theirs], atol, rtol) and first_param is None:
                    first_param = Divergence(_layer_of(name), "parameter", diff,
                                             f"parameter {name!r} differs before anything runs (max |Δ| {diff:.3g}); "
                                             "pass copy_weights=True to copy minigrad's weights into torch")
    return param_info, first_param


def _inputs(x, dtype) -> tuple[list, list]:
    """The same input values as minigrad and torch tensors (floats in the model's dtype, with grad)."""
    import torch

    from .creation import tensor

    mg_inputs, torch_inputs = [], []
    for value in x if isinstance(x, tuple) else (x,):
        array = np.asarray(getattr(value, "data", value))
        if array.dtype.kind == "f":
            array = array.astype(dtype)
            mg_inputs.append(tensor(array, dtype=dtype, requires_grad=True))
            torch_inputs.append(torch.tensor(array, requires_grad=True))
        else:
            mg_inputs.append(tensor(array))
            torch_inputs.append(torch.tensor(array))
    return mg_inputs, torch_inputs


def _forward_backward(model, torch_model, inputs: tuple, loss_fn, target, dtype) -> tuple:
    """One forward and backward of each model in eval mode (modes restored); the two losses."""
    import torch

    from .creation import tensor

    (mg_inputs, torch_inputs) = inputs
    was_training, torch_was_training = model.training, torch_model.training
    model.eval()
    torch_model.eval()
    try:
        for p in model.parameters():
            p.grad = None
        torch_model.zero_grad(set_to_none=True)
        mg_out, torch_out = model(*mg_inputs), torch_model(*torch_inputs)
        if loss_fn is None:
            mg_loss, torch_loss = _sum_outputs(mg_out), _sum_outputs(torch_out)
        else:
            mg_fn, torch_fn = loss_fn if isinstance(loss_fn, tuple) else (loss_fn, _torch_loss(loss_fn))
            t = np.asarray(getattr(target, "data", target))
            t = t.astype(dtype) if t.dtype.kind == "f" else t
            mg_loss, torch_loss = mg_fn(mg_out, tensor(t)), torch_fn(torch_out, torch.tensor(t))
        mg_loss.backward()
        torch_loss.backward()
    finally:
        model.train(was_training)
        torch_model.train(torch_was_training)
    return mg_loss, torch_loss


def _compare_parameter_grads(mg_params: dict, torch_params: dict, param_info: dict, atol, rtol) -> None:
    """Record each shared parameter's gradient difference (and shape, and whether it is close)."""
    for name, p in mg_params.items():
        tp = torch_params.get(name)
        if tp is None:
            continue
        a = [p.grad] if p.grad is not None else []
        b = [tp.grad] if tp.grad is not None else []
        diff = _max_diff(a, b) if a and b else (None if not a and not b else float("inf"))
        ok = diff != float("inf") and _close(diff, b, atol, rtol)
        param_info.setdefault(name, {}).update(grad_diff=diff, shape=tuple(p.shape), ok=ok)


def _layer_rows(model, mg_recorder, torch_recorder, param_info, atol, rtol, problems) -> list:
    """One row per module call in minigrad's order: its output, output-gradient and parameter-
    gradient differences from torch's."""
    rows = []
    for key in mg_recorder.order:
        name, call = key
        label = (name or "(model)") + (f"#{call}" if call else "")
        outputs = mg_recorder.outputs[key]
        module = model.get_submodule(name)
        row = LayerRow(label, type(module).__name__, tuple(outputs[0].shape) if outputs else None)
        if key in torch_recorder.outputs:
            theirs = torch_recorder.outputs[key]
            row.output_diff = _max_diff(outputs, theirs)
            row.output_ok = _close(row.output_diff, theirs, atol, rtol)
            mine_g = [g for g in mg_recorder.grads[key] if g is not None]
            theirs_g = [g for g in torch_recorder.grads[key] if g is not None]
            if mine_g or theirs_g:
                row.grad_diff = _max_diff(mine_g, theirs_g) if len(mine_g) == len(theirs_g) else float("inf")
                row.grad_ok = row.grad_diff != float("inf") and _close(row.grad_diff, theirs_g, atol, rtol)
        else:
            problems.append(f"module {label!r} ran in minigrad but has no torch counterpart that ran")
        own = [info for pname, info in param_info.items() if _layer_of(pname) == name and "grad_diff" in info]
        if own and call == 0:
            diffs = [i["grad_diff"] for i in own if i["grad_diff"] is not None]
            row.param_grad_diff = max(diffs) if diffs else None
            row.param_ok = all(i.get("ok", True) for i in own)
        rows.append(row)
    return rows


def _first_divergence(rows: list) -> Divergence | None:
    for row in rows:  # forward, in call order
        if not row.output_ok:
            return Divergence(row.name, "output", row.output_diff,
                              f"the output of {row.name} ({row.kind}) differs by {row.output_diff:.3g} while every "
                              "module before it agrees: look at its forward")
    consumers = {}
    for earlier, later in zip(rows, rows[1:]):
        consumers[earlier.name] = later
    for row in reversed(rows):  # backward, from the output
        if not row.grad_ok:
            after = consumers.get(row.name)
            culprit = f"the backward of {after.name} ({after.kind}), the module called next" if after else "the loss"
            return Divergence(row.name, "output gradient", row.grad_diff,
                              f"the gradient arriving at the output of {row.name} ({row.kind}) differs by "
                              f"{row.grad_diff:.3g} while everything after it agrees: look at {culprit}")
        if not row.param_ok:
            return Divergence(row.name, "parameter gradient", row.param_grad_diff,
                              f"the parameter gradients of {row.name} ({row.kind}) differ by {row.param_grad_diff:.3g} "
                              "while the gradient arriving at its output agrees: look at its backward")
    return None
