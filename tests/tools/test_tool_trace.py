"""mg.autograd.trace: one row per forward op and per backward step, matching the ops run."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.autograd.function as function_module
import minigrad.nn.functional as F


def test_rows_match_the_ops_run_forward_and_backward():
    x = mg.randn(3, 2, dtype=mg.float64, requires_grad=True)
    w = mg.randn(2, 4, dtype=mg.float64, requires_grad=True)
    with mg.autograd.trace() as t:
        loss = (x @ w).tanh().sum()
        loss.backward()
    assert [r["op"] for r in t.forward_rows] == ["MatMul", "Tanh", "Sum"]
    assert [r["op"] for r in t.backward_rows] == ["SumBackward", "TanhBackward", "MatMulBackward"]
    assert [r["node"] for r in t.backward_rows] == [2, 1, 0]       # each backward names its forward node
    matmul = t.forward_rows[0]
    assert matmul["inputs"] == [(3, 2), (2, 4)] and matmul["outputs"] == [(3, 4)] and matmul["ms"] >= 0
    back = t.backward_rows[-1]
    assert back["grad_in_norms"] == pytest.approx([np.linalg.norm(x.grad.numpy()), np.linalg.norm(w.grad.numpy())])
    assert t.backward_rows[0]["grad_out_norm"] == pytest.approx(1.0)
    assert function_module.observers == []                        # removed on exit


def test_table_prints_and_returns_the_text_and_dataframe_has_the_rows(capsys):
    a = mg.ones(2, requires_grad=True)
    with mg.autograd.trace() as t:
        (a * 3).sum().backward()
    text = t.table()
    assert text in capsys.readouterr().out
    assert "MulBackward" in text and "2 forward ops, 2 backward steps" in text
    frame = t.to_dataframe()
    assert list(frame["phase"]) == ["forward", "forward", "backward", "backward"]
    assert list(frame.columns)[:4] == ["step", "phase", "node", "op"]


def test_kernel_ops_show_their_backend_and_no_grad_ops_are_still_seen():
    x, w = mg.randn(1, 1, 4, 4, requires_grad=True), mg.randn(2, 1, 3, 3, requires_grad=True)
    with mg.use_backend("numpy"), mg.autograd.trace(backward=False) as t:
        F.conv2d(x, w).sum()
        with mg.no_grad():
            x * 2
    assert [r["op"] for r in t.rows] == ["Conv2d", "Sum", "Mul"]
    assert t.rows[0]["backend"] == "numpy" and t.rows[1]["backend"] == ""


def test_the_observer_is_removed_when_the_block_raises():
    with pytest.raises(ValueError):
        with mg.autograd.trace():
            mg.ones(2, 3) @ mg.ones(4, 5)
    assert function_module.observers == []
