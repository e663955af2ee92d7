"""Helpers shared by the core tests: PyTorch as an optional oracle, and running one expression
in both libraries to compare values and gradients."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg


def torch_or_skip():
    """The torch module, or skip the calling test cleanly when PyTorch is not installed."""
    return pytest.importorskip("torch")


def as_outputs(result) -> list:
    """An op's result as a flat list of tensors (max(dim) and split return several)."""
    return list(result) if isinstance(result, (tuple, list)) else [result]


def run_minigrad(fn, arrays, dtype=mg.float64, cotangent_seed: int = 1):
    """fn(*tensors) in minigrad: (outputs as arrays, gradient of every input as arrays).

    The outputs are reduced to a scalar with fixed random cotangents, so every element of
    every input's gradient is exercised (not just the all-ones direction of ``.sum()``).
    """
    inputs = [mg.tensor(a, dtype=dtype, requires_grad=True) for a in arrays]
    outputs = as_outputs(fn(*inputs))
    rng = np.random.default_rng(cotangent_seed)
    differentiable = [o for o in outputs if o.requires_grad]
    if differentiable:
        total = sum((o * mg.tensor(rng.standard_normal(o.shape), dtype=o.dtype)).sum()
                    for o in differentiable)
        total.backward()
    grads = [None if t.grad is None else t.grad.numpy() for t in inputs]
    return [o.numpy() for o in outputs], grads, outputs, inputs


def run_torch(fn, arrays, dtype=None, cotangent_seed: int = 1):
    """The same as run_minigrad, in PyTorch (same cotangents)."""
    torch = torch_or_skip()
    dtype = dtype or torch.float64
    inputs = [torch.tensor(np.array(a), dtype=dtype, requires_grad=True) for a in arrays]
    outputs = as_outputs(fn(*inputs))
    rng = np.random.default_rng(cotangent_seed)
    differentiable = [o for o in outputs if o.requires_grad]
    if differentiable:
        total = sum((o * torch.tensor(rng.standard_normal(tuple(o.shape)), dtype=o.dtype)).sum()
                    for o in differentiable)
        total.backward()
    grads = [None if t.grad is None else t.grad.numpy() for t in inputs]
    return [o.detach().numpy() for o in outputs], grads, outputs, inputs


def assert_close(actual, expected, rtol=1e-7, atol=1e-9, what=""):
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != torch {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)
