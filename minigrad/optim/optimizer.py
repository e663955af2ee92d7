"""Optimizer: parameter groups, per-parameter state, zero_grad, step, and state dicts (as PyTorch)."""
from __future__ import annotations

import copy

import numpy as np

from ..autograd import enable_grad
from ..tensor import Tensor


class _Required:
    """Marks a hyperparameter with no default (``SGD``'s lr), as ``torch.optim.optimizer.required``."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _Required()


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
        self.param_groups.append(group)

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
        each parameter's dtype). The groups must have the same sizes as this optimizer's."""
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has a different number of parameter groups "
                             f"({len(saved_groups)} != {len(self.param_groups)})")
        for i, (saved, group) in enumerate(zip(saved_groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(f"loaded state dict contains a parameter group that doesn't match "
                                 f"the size of optimizer's group {i} ({len(saved['params'])} != "
                                 f"{len(group['params'])})")
        params = {i: p for saved, group in zip(saved_groups, self.param_groups)
                  for i, p in zip(saved["params"], group["params"])}
        new_state = {}
        for key, saved_state in state_dict["state"].items():
            key = int(key)
            if key not in params:
                continue
            p = params[key]
            entry = {}
            for name, value in saved_state.items():
                if isinstance(value, Tensor):
                    value = value.data
                if isinstance(value, np.ndarray) and value.ndim > 0:
                    if value.shape != p.shape:
                        raise ValueError(f"loaded state {name!r} of parameter {key} has shape "
                                         f"{value.shape}, but the parameter has shape {p.shape}")
                    value = value.astype(p.dtype, copy=True)
                elif isinstance(value, (np.ndarray, np.generic)):
                    value = value.item()  # a 0-d step count
                entry[name] = value
            new_state[p] = entry
        self.state = new_state
        for saved, group in zip(saved_groups, self.param_groups):
            for name, value in saved.items():
                if name != "params":
                    group[name] = tuple(value) if isinstance(group.get(name), tuple) else copy.deepcopy(value)
