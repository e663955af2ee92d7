"""mg.viz.zoom: one output element as scalars; its terms, summed over every element, are the tensor gradient."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.viz.zoom import Value


@pytest.fixture
def rng():
    return np.random.default_rng(1)


def summed_terms(zooms, names, shapes):
    total = {n: np.zeros(s) for n, s in zip(names, shapes)}
    for z in zooms:
        for term in z.terms:
            total[term.input][term.index] += term.contribution
    return total


def test_matmul_terms_sum_to_the_tensor_gradient(rng):
    A, B, G = rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal((3, 2))
    zooms = [mg.viz.zoom("matmul", A, B, index=ij, grad_output=G) for ij in np.ndindex(3, 2)]
    a, b = mg.tensor(A, dtype=mg.float64, requires_grad=True), mg.tensor(B, dtype=mg.float64, requires_grad=True)
    (a @ b).backward(mg.tensor(G, dtype=mg.float64))
    total = summed_terms(zooms, ["A", "B"], [A.shape, B.shape])
    np.testing.assert_allclose(total["A"], a.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(total["B"], b.grad.numpy(), atol=1e-12)
    one = zooms[1]                                   # C[0, 1]: dL/dA[0, k] = dL/dC[0, 1]·B[k, 1]
    assert one.value == pytest.approx((A @ B)[0, 1])
    for term in one.terms:
        if term.input == "A":
            assert term.contribution == pytest.approx(G[0, 1] * B[term.index[1], 1])
            assert term.symbols == [[f"B[{term.index[1]}, 1]"]]
    assert one.max_diff < 1e-12
    text = str(one)
    assert "C[0, 1] = Σ_k A[0, k]·B[k, 1]" in text and "dL/dA[0, 2] = dL/dC[0, 1] · B[2, 1]" in text


@pytest.mark.parametrize("stride,padding,bias", [(1, 0, True), (2, 1, False)])
def test_conv2d_terms_sum_to_the_tensor_gradient(rng, stride, padding, bias):
    x, w = rng.standard_normal((2, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3))
    b = rng.standard_normal(3) if bias else None
    xt = mg.tensor(x, dtype=mg.float64, requires_grad=True)
    wt = mg.tensor(w, dtype=mg.float64, requires_grad=True)
    bt = mg.tensor(b, dtype=mg.float64, requires_grad=True) if bias else None
    out = F.conv2d(xt, wt, bt, stride=stride, padding=padding)
    G = rng.standard_normal(out.shape)
    out.backward(mg.tensor(G, dtype=mg.float64))
    zooms = [mg.viz.zoom("conv2d", x, w, bias=b, index=idx, grad_output=G, stride=stride, padding=padding)
             for idx in np.ndindex(*out.shape)]
    names, shapes = ["x", "w"] + (["b"] if bias else []), [x.shape, w.shape] + ([b.shape] if bias else [])
    total = summed_terms(zooms, names, shapes)
    np.testing.assert_allclose(total["x"], xt.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(total["w"], wt.grad.numpy(), atol=1e-12)
    if bias:
        np.testing.assert_allclose(total["b"], bt.grad.numpy(), atol=1e-12)
    assert max(z.max_diff for z in zooms) < 1e-12
    np.testing.assert_allclose([z.value for z in zooms], out.numpy().ravel(), atol=1e-12)


@pytest.mark.parametrize("gate", ["i", "f", "g", "o"])
def test_lstm_gate_matches_the_layer_readout_and_its_gradient(rng, gate):
    lstm = nn.LSTM(3, 4).double()
    x = rng.standard_normal((1, 2, 3))              # one step, batch 2
    lstm(mg.tensor(x, dtype=mg.float64))
    H, k = 4, "ifgo".index(gate)
    readout = lstm.last_gates[0][0]                 # [B, 4H], activated gates of step 0 (h0 = 0)
    h0 = np.zeros((2, 4))
    zooms = [mg.viz.zoom("lstm_gate", x[0], h0, lstm, gate=gate, index=(b, u)) for b in range(2) for u in range(H)]
    np.testing.assert_allclose([z.value for z in zooms], readout[:, k * H:(k + 1) * H].ravel(), atol=1e-12)
    # the terms summed over every element of the gate = autograd's gradient of gate.sum()
    W_ih = lstm.weight_ih_l0.detach().requires_grad_()
    xt = mg.tensor(x[0], dtype=mg.float64, requires_grad=True)
    pre = xt @ W_ih.T + lstm.bias_ih_l0.detach() + lstm.bias_hh_l0.detach()
    part = pre[:, k * H:(k + 1) * H]
    (part.tanh() if gate == "g" else part.sigmoid()).sum().backward()
    total = summed_terms(zooms, ["x", "W_ih", "h", "W_hh", "b_ih", "b_hh"],
                         [(2, 3), (16, 3), (2, 4), (16, 4), (16,), (16,)])
    np.testing.assert_allclose(total["x"], xt.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(total["W_ih"], W_ih.grad.numpy(), atol=1e-12)
    assert max(z.max_diff for z in zooms) < 1e-12


def test_a_function_of_arrays_runs_on_values():
    A = np.array([[1.0, 2.0]])
    B = np.array([[0.5], [-1.0]])
    z = mg.viz.zoom(lambda a, b: np.tanh(a @ b), A, B, names=["A", "B"])
    expected = 1 - np.tanh(-1.5) ** 2
    assert z.value == pytest.approx(np.tanh(-1.5))
    assert z.grads["A"][0, 0] == pytest.approx(expected * 0.5)
    assert z.tensor_grads is None                     # np.tanh does not run on Tensors: not checked
    checked = mg.viz.zoom(lambda a, b: (a @ b).tanh() if isinstance(a, mg.Tensor) else np.tanh(a @ b), A, B)
    assert checked.max_diff < 1e-12


def test_value_is_a_micrograd_style_scalar_autograd():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    y = (a * b + a).tanh()
    y.backward()
    t = np.tanh(-4.0)
    assert a.grad == pytest.approx((1 - t * t) * (-3.0 + 1.0)) and b.grad == pytest.approx((1 - t * t) * 2.0)
    assert y.expression() == "tanh(a·b + a)"


def test_unknown_op_is_refused():
    with pytest.raises(ValueError, match="unknown op"):
        mg.viz.zoom("softmax", np.ones(3))
