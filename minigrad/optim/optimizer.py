"""Optimizer: parameter groups, per-parameter state, zero_grad, step, and state dicts (as PyTorch)."""
from __future__ import annotations

import copy
import numbers
from collections.abc import Mapping

import numpy as np

from ..autograd import enable_grad
from ..tensor import Tensor


class _Required:
    """Marks a hyperparameter with no default (``SGD``'s lr), as ``torch.optim.optimizer.required``."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _Required()


def check_real(optimizer: str, name: str, value) -> None:
    """A hyperparameter must be a real number (not a string, a Tensor or None): the update rules
    do plain float arithmetic with it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{optimizer}: {name} must be a real number, got {type(value).__name__} {value!r}")


def check_betas(optimizer: str, betas) -> None:
    """``betas`` is a pair ``(beta1, beta2)``, each in [0, 1) (PyTorch's messages)."""
    if not isinstance(betas, (tuple, list)):
        raise TypeError(f"{optimizer}: betas must be a tuple (beta1, beta2), got {type(betas).__name__} "
                        f"{betas!r}")
    if len(betas) < 2:
        raise IndexError(f"{optimizer}: betas must be a tuple (beta1, beta2), got {tuple(betas)!r} "
                         f"({len(betas)} value{'s' if len(betas) != 1 else ''})")
    for i in (0, 1):
        check_real(optimizer, f"betas[{i}]", betas[i])
        if not 0.0 <= betas[i] < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {betas[i]}")


class Optimizer:
    """Base class: holds ``param_groups`` (dicts with ``"params"`` and the hyperparameters) and
    ``state`` (per parameter: a dict of NumPy arrays and step counts).

    A subclass writes two methods over plain NumPy arrays:

    - ``_init_state(param, group)`` returns the state dict of a parameter on its first step
      (its arrays allocated here, once);
    - ``_update(param, grad, state, group)`` changes ``param`` (the parameter's ``.data``) in place.

    ``step()`` calls ``_update`` for every parameter whose ``.grad`` is not None, and bumps its
    version so a graph that saved the old value refuses to backpropagate through it.
    """

    def __init__(self, params, defaults: dict):
        self.defaults = defaults
        # Keyed by the parameter Tensor itself (hash is identity), as PyTorch does.
        self.state: dict = {}
        self.param_groups: list[dict] = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors "
                            "or dicts, but got a Tensor")
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {key}: {group[key]}" for key in sorted(group) if key != "params"]
        return "\n".join(lines) + "\n)"

    # -- parameter groups ------------------------------------------------------------------
    def add_param_group(self, param_group: dict) -> None:
        """Add a group of parameters (``{"params": [...], "lr": ..., ...}``); missing
        hyperparameters take the optimizer's defaults."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, got {type(param_group).__name__}")
        params = param_group["params"]
        if isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections (a set's "
                            "order changes between runs, which would scramble state dicts)")
        params = [params] if isinstance(params, Tensor) else list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is "
                                f"{type(p).__name__}")
            if not p.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
            if p.dtype.kind != "f":
                raise TypeError(f"optimizer can only optimize floating-point Tensors, got {p.dtype}")
        if len({id(p) for p in params}) != len(params):
            raise ValueError("optimizer parameter group contains a parameter more than once")
        group = dict(param_group, params=params)
        for name, default in self.defaults.items():
            if default is required and name not in group:
                raise ValueError(f"parameter group didn't specify a value of required optimization "
                                 f"parameter {name}")
            group.setdefault(name, default)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in params):
            raise ValueError("some parameters appear in more than one parameter group")
        # The constructor's checks again, on this group's own values (PyTorch checks only the
        # defaults, so a group's lr=nan would turn its parameters into NaN at the first step).
        self._check_hyperparameters(group)
        self.param_groups.append(group)

    def _check_hyperparameters(self, group: dict) -> None:
        """Raise ValueError/TypeError on a hyperparameter the update rule cannot use (a subclass
        checks its own, with PyTorch's messages). ``group`` may hold ``required`` for a value
        given later."""

    def _state_spec(self, group: dict) -> dict:
        """The per-parameter state this optimizer's ``_update`` reads, ``name -> kind``: "array"
        (shaped as the parameter), "array_or_none", or "count" (a number); ``load_state_dict``
        checks a loaded state against it."""
        return {}

    def _check_state_dtypes(self, param: np.ndarray, state: dict, names) -> None:
        """PyTorch's Adam and RMSprop refuse state arrays of another dtype than their parameter
        (the state of float32 steps after ``model.double()``); say so, and how to fix it, instead
        of letting each backend do something different."""
        for name in names:
            value = state.get(name)
            if isinstance(value, np.ndarray) and value.dtype != param.dtype:
                raise RuntimeError(
                    f"{type(self).__name__}.step: the state {name!r} of a parameter of shape {param.shape} "
                    f"is {value.dtype}, but the parameter is now {param.dtype} (it was converted, e.g. by "
                    f"model.double(), after the optimizer's first step). Convert the model before making "
                    f"the optimizer, or cast the state with optimizer.load_state_dict("
                    f"optimizer.state_dict()).")

    # -- the update ------------------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients: set ``.grad`` to None (default), or fill it with zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    p.grad.data.fill(0)
                    p.grad._bump_version()

    def step(self, closure=None):
        """One update of every parameter that has a gradient. ``closure``, if given, re-evaluates
        the loss (with grad enabled) and its value is returned."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad.data
                if grad.shape != p.shape:
                    raise RuntimeError(f"{type(self).__name__}.step: gradient of shape {grad.shape} "
                                       f"does not match its parameter's shape {p.shape}")
                state = self.state.get(p)
                if state is None:
                    state = self.state[p] = self._init_state(p.data, group)
                self._update(p.data, grad, state, group)
                p._bump_version()
        return loss

    def _init_state(self, param: np.ndarray, group: dict) -> dict:
        return {}

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        raise NotImplementedError(f"{type(self).__name__} must define _update() (its update rule)")

    # -- state dicts -----------------------------------------------------------------------
    def state_dict(self) -> dict:
        """``{"state": {index: {name: array or number}}, "param_groups": [{..., "params": [index]}]}``,
        parameters numbered in group order as PyTorch does. Arrays are copies, so the dict is a
        snapshot that later steps do not change (PyTorch hands out references instead)."""
        index, groups = {}, []
        for group in self.param_groups:
            for p in group["params"]:
                index.setdefault(id(p), len(index))
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = [index[id(p)] for p in group["params"]]
            groups.append(packed)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state:
                    state[index[id(p)]] = {k: (v.copy() if isinstance(v, np.ndarray) else v)
                                           for k, v in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore hyperparameters and state saved by ``state_dict()`` (arrays or Tensors; cast to
        each parameter's dtype). The groups must have the same sizes as this optimizer's, and the
        state the names this optimizer keeps. All or nothing: everything is checked before
        anything changes, so a refused dict leaves the optimizer as it was."""
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        for entry in ("state", "param_groups"):
            if entry not in state_dict:
                raise ValueError(f"loaded optimizer state dict has no {entry!r} entry (it has "
                                 f"{sorted(map(str, state_dict))}); expected a dict made by "
                                 f"Optimizer.state_dict()")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has a different number of parameter groups "
                             f"({len(saved_groups)} != {len(self.param_groups)})")
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if not isinstance(saved, Mapping) or "params" not in saved:
                raise ValueError(f"loaded state dict's parameter group {i} must be a dict with a 'params' "
                                 f"list, got {_describe(saved)}")
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"loaded state dict contains a parameter group that doesn't match "
                                 f"the size of optimizer's group {i} ({len(saved['params'])} != "
                                 f"{len(group['params'])})")
        # The groups as they will be, checked as add_param_group checks a new one.
        new_groups = []
        for saved, group in zip(saved_groups, self.param_groups):
            new_group = dict(group)
            for name, value in saved.items():
                if name != "params":
                    new_group[name] = tuple(value) if isinstance(group.get(name), tuple) and \
                        isinstance(value, (tuple, list)) else copy.deepcopy(value)
            self._check_hyperparameters(new_group)
            new_groups.append(new_group)
        params = {i: (p, new_group) for saved, new_group in zip(saved_groups, new_groups)
                  for i, p in zip(saved["params"], new_group["params"])}
        new_state = {}
        name = type(self).__name__
        for key, saved_state in state_dict["state"].items():
            try:
                key = int(key)
            except (TypeError, ValueError):
                raise ValueError(f"loaded state dict has a state entry under {key!r}; expected parameter "
                                 f"indices 0..{len(params) - 1}") from None
            if key not in params:
                continue
            p, group = params[key]
            where = f"parameter {key} (shape {p.shape}, {p.dtype})"
            if not isinstance(saved_state, Mapping):
                raise ValueError(f"loaded state of {where} is a {type(saved_state).__name__}, not a dict")
            spec = self._state_spec(group)
            absent = [n for n in spec if n not in saved_state]
            if absent:
                raise ValueError(f"loaded state of {where} has no {', '.join(map(repr, absent))}: {name} "
                                 f"keeps {', '.join(map(repr, spec))} (was the state dict saved by another "
                                 f"optimizer, or with other options?)")
            entry = {}
            for state_name, value in saved_state.items():
                kind = spec.get(state_name)
                if isinstance(value, Tensor):
                    value = value.data
                if kind in ("array", "array_or_none") or (kind is None and isinstance(value, np.ndarray)
                                                          and value.ndim > 0):
                    if value is None and kind == "array_or_none":
                        entry[state_name] = None
                        continue
                    array = np.asarray(value) if isinstance(value, (np.ndarray, np.generic)) else None
                    if array is None or array.dtype.kind not in "biuf":
                        raise ValueError(f"loaded state {state_name!r} of {where} must be a numeric array, "
                                         f"got {_describe(value)}")
                    if array.shape != p.shape:
                        raise ValueError(f"loaded state {state_name!r} of {where} has shape "
                                         f"{array.shape}, but the parameter has shape {p.shape}")
                    value = array.astype(p.dtype, copy=True)
                elif isinstance(value, (np.ndarray, np.generic)) and np.ndim(value) == 0:
                    value = value.item()  # a 0-d step count
                if kind == "count" and (isinstance(value, bool) or not isinstance(value, numbers.Real)
                                        or not value >= 0):
                    raise ValueError(f"loaded state {state_name!r} of {where} must be a number >= 0, got "
                                     f"{_describe(value)}")
                entry[state_name] = value
            new_state[p] = entry
        # Everything checked: commit.
        self.state = new_state
        for group, new_group in zip(self.param_groups, new_groups):
            group.update(new_group)


def _describe(value) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    return f"{type(value).__name__} {value!r}"
