"""Helpers for the nn tests: run the same function in minigrad and PyTorch and compare values and
gradients (float inputs get gradients, integer inputs are passed as labels/indices)."""
from __future__ import annotations

import numpy as np
import pytest

import minigrad as mg

# (rtol, atol) per dtype for values and gradients
TOLERANCES = {"float32": (2e-5, 2e-6), "float64": (1e-10, 1e-12)}
DTYPES = ["float32", "float64"]


def torch_or_skip():
    torch = pytest.importorskip("torch")
    # These tensors are tiny: one thread avoids OpenMP start-up and spin costs (5-10x faster here).
    torch.set_num_threads(1)
    return torch


def torch_dtype(dtype: str):
    torch = torch_or_skip()
    return {"float32": torch.float32, "float64": torch.float64}[dtype]


def to_torch(array, dtype: str, requires_grad: bool):
    torch = torch_or_skip()
    array = np.asarray(array)
    if array.dtype.kind == "f":
        return torch.tensor(array, dtype=torch_dtype(dtype), requires_grad=requires_grad)
    return torch.tensor(array)


def to_minigrad(array, dtype: str, requires_grad: bool):
    array = np.asarray(array)
    if array.dtype.kind == "f":
        return mg.tensor(array, dtype=dtype, requires_grad=requires_grad)
    return mg.tensor(array)


def assert_close(actual, expected, dtype: str = "float64", what: str = "", scale: float = 1.0):
    rtol, atol = TOLERANCES[dtype]
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != torch's {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=rtol * scale, atol=atol * scale, err_msg=what)


def compare(mg_fn, torch_fn, *arrays, dtype: str = "float64", grad=None, scale: float = 1.0, seed: int = 1):
    """Run ``mg_fn`` and ``torch_fn`` on the same inputs; compare outputs and input gradients.

    Float arrays become tensors of ``dtype`` that require grad (unless ``grad`` lists the
    positions that should); integer arrays are passed as index tensors.  The output is
    contracted with a fixed random cotangent so every gradient element is exercised.
    Returns the minigrad output.
    """
    grad = [i for i, a in enumerate(arrays) if np.asarray(a).dtype.kind == "f"] if grad is None else grad
    mg_in = [to_minigrad(a, dtype, i in grad) for i, a in enumerate(arrays)]
    th_in = [to_torch(a, dtype, i in grad) for i, a in enumerate(arrays)]
    mg_out, th_out = mg_fn(*mg_in), torch_fn(*th_in)
    assert str(mg_out.dtype) == str(th_out.dtype).replace("torch.", ""), \
        f"dtype {mg_out.dtype} != torch's {th_out.dtype}"
    assert_close(mg_out.numpy(), th_out.detach().numpy(), dtype, "forward", scale)
    if th_out.requires_grad:
        cotangent = np.random.default_rng(seed).standard_normal(mg_out.shape)
        (mg_out * mg.tensor(cotangent, dtype=mg_out.dtype)).sum().backward()
        (th_out * to_torch(cotangent, dtype, False)).sum().backward()
        for i in grad:
            expected = th_in[i].grad
            actual = mg_in[i].grad
            if expected is None:
                assert actual is None or not np.any(actual.numpy()), f"input {i}: torch has no gradient"
                continue
            assert actual is not None, f"input {i}: no gradient in minigrad"
            assert_close(actual.numpy(), expected.numpy(), dtype, f"gradient of input {i}", scale)
    return mg_out


def copy_to_torch(module, torch_module, dtype: str = "float64"):
    """Load a minigrad module's state_dict into the torch module of the same architecture."""
    torch = torch_or_skip()
    state = {k: torch.tensor(v.numpy()) for k, v in module.state_dict().items()}
    torch_module.load_state_dict(state)
    return torch_module.to(torch_dtype(dtype))


def compare_modules(module, torch_module, *arrays, dtype: str = "float64", scale: float = 1.0, seed: int = 1):
    """Forward and backward through both modules; compare outputs, input and parameter gradients."""
    mg_in = [to_minigrad(a, dtype, np.asarray(a).dtype.kind == "f") for a in arrays]
    th_in = [to_torch(a, dtype, np.asarray(a).dtype.kind == "f") for a in arrays]
    mg_out, th_out = module(*mg_in), torch_module(*th_in)
    assert_close(mg_out.numpy(), th_out.detach().numpy(), dtype, "forward", scale)
    cotangent = np.random.default_rng(seed).standard_normal(mg_out.shape)
    (mg_out * mg.tensor(cotangent, dtype=mg_out.dtype)).sum().backward()
    (th_out * to_torch(cotangent, dtype, False)).sum().backward()
    for i, (a, b) in enumerate(zip(mg_in, th_in)):
        if b.requires_grad:
            assert_close(a.grad.numpy(), b.grad.numpy(), dtype, f"gradient of input {i}", scale)
    torch_params = dict(torch_module.named_parameters())
    for name, param in module.named_parameters():
        assert_close(param.grad.numpy(), torch_params[name].grad.numpy(), dtype, f"gradient of {name}", scale)
    return mg_out, th_out
