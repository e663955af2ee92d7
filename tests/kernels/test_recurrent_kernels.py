"""Recurrent kernels: the reference against PyTorch, cells against sequences and finite
differences, every backend against the reference, and truncated BPTT."""
import numpy as np
import pytest

TOL = {np.float32: dict(rtol=2e-4, atol=2e-5), np.float64: dict(rtol=1e-9, atol=1e-11)}
N_GATES = {"rnn": 1, "lstm": 4, "gru": 3}

# kernel -> (input names, output names); every signature lists its inputs, then its outputs
# (then bptt_chunk for the sequence backwards).  "pre" is the cell's gate pre-activation
# (gh for the GRU cell), "ws" a cell workspace and "wss" the sequence's gates/workspace.
SIGNATURES = {
    "rnn_cell_forward": (["pre"], ["h"]),
    "rnn_cell_backward": (["grad_h", "h"], ["grad_pre"]),
    "lstm_cell_forward": (["pre", "c_prev"], ["h", "c", "ws"]),
    "lstm_cell_backward": (["grad_h", "grad_c", "ws", "c_prev", "c"], ["grad_pre", "grad_c_prev"]),
    "gru_cell_forward": (["gi", "pre", "h_prev"], ["h", "ws"]),
    "gru_cell_backward": (["grad_h", "ws", "h_prev"], ["grad_gi", "grad_pre", "grad_h_prev"]),
    "rnn_sequence_forward": (["x_rows", "w_ih", "b_ih", "w_hh", "h0"], ["hs"]),
    "rnn_sequence_backward": (["grad_hs", "w_hh", "h0", "hs", "x_rows"],
                              ["grad_xproj", "grad_w_hh", "grad_w_ih", "grad_b_ih", "grad_h0", "grad_h_steps"]),
    "lstm_sequence_forward": (["x_rows", "w_ih", "b_ih", "w_hh", "h0", "c0"], ["hs", "cs", "wss"]),
    "lstm_sequence_backward": (["grad_hs", "grad_cT", "w_hh", "h0", "c0", "hs", "cs", "wss", "x_rows"],
                               ["grad_xproj", "grad_w_hh", "grad_w_ih", "grad_b_ih", "grad_h0", "grad_c0",
                                "grad_h_steps"]),
    "gru_sequence_forward": (["x_rows", "w_ih", "b_ih", "w_hh", "b_hh", "h0"], ["hs", "wss"]),
    "gru_sequence_backward": (["grad_hs", "w_hh", "b_hh", "h0", "hs", "wss", "x_rows"],
                              ["grad_xproj", "grad_w_hh", "grad_w_ih", "grad_b_ih", "grad_b_hh", "grad_h0",
                               "grad_h_steps"]),
}
# The sequence backwards' outputs a caller may pass as None (not wanted, not made).
OPTIONAL = ("grad_xproj", "grad_w_ih", "grad_b_ih")
# Every array name's shape: T steps, B batch, H hidden, G = gates * H, W = workspace width 4H,
# R = T * B rows and J columns of the projection's input (x_rows: row t·B + b is step t, sample b).
SHAPES = {
    "pre": "BG", "gi": "BG", "grad_pre": "BG", "grad_gi": "BG", "ws": "BW",
    "h": "BH", "c": "BH", "h_prev": "BH", "c_prev": "BH", "h0": "BH", "c0": "BH",
    "grad_h": "BH", "grad_c": "BH", "grad_h_prev": "BH", "grad_c_prev": "BH",
    "grad_h0": "BH", "grad_c0": "BH", "grad_cT": "BH",
    "xproj": "TBG", "grad_xproj": "TBG", "wss": "TBW",
    "hs": "TBH", "cs": "TBH", "grad_hs": "TBH", "grad_h_steps": "TBH",
    "w_hh": "GH", "grad_w_hh": "GH", "b_hh": "G", "grad_b_hh": "G", "b_ih": "G", "grad_b_ih": "G",
    "x_rows": "RJ", "w_ih": "GJ", "grad_w_ih": "GJ",
}


def kernel_names(cell):
    """The cell's four kernels, forwards first (their outputs feed the backwards)."""
    return [f"{cell}_{kind}_{pass_}" for kind in ("cell", "sequence") for pass_ in ("forward", "backward")]


def random_inputs(rng, cell, T, B, H, dtype, J=5):
    """Every array name's shape, and random values for the names no forward kernel produces."""
    dims = dict(T=T, B=B, H=H, G=N_GATES[cell] * H, W=4 * H, R=T * B, J=J)
    shapes = {name: tuple(dims[d] for d in code) for name, code in SHAPES.items()}
    produced = {out for name in kernel_names(cell) for out in SIGNATURES[name][1]}
    data = {name: (rng.standard_normal(shape) * (1.5 if "pre" in name or name == "gi" else 1.0))
            for name, shape in shapes.items() if name not in produced}
    data["w_hh"] = data["w_hh"] / np.sqrt(H)
    data["w_ih"] = data["w_ih"] * 1.5 / np.sqrt(max(J, 1))  # pre-activations of about 1.5 from the input
    return shapes, {name: a.astype(dtype) for name, a in data.items()}


def call(kernels, name, data, shapes, dtype, bptt_chunk=0, unwanted=()):
    """Run one kernel on data[inputs]; outputs start as NaN so a kernel must write all of them,
    except those named in `unwanted`, passed as None."""
    inputs, outputs = SIGNATURES[name]
    outs = {o: None if o in unwanted else np.full(shapes[o], np.nan, dtype=dtype) for o in outputs}
    extra = [bptt_chunk] if name.endswith("sequence_backward") else []
    getattr(kernels, name)(*[data[i] for i in inputs], *outs.values(), *extra)
    return outs


def read_only(a):
    a = a.copy()
    a.setflags(write=False)
    return a


# ----------------------------------------------------------------------------- reference vs PyTorch

def torch_run(torch, cell, x, h0, c0, grad_out, grad_hn, grad_cn):
    """nn.RNN/LSTM/GRU forward and backward; returns the module, outputs and input gradients."""
    dtype = torch.float64 if x.dtype == np.float64 else torch.float32
    module = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell](
        x.shape[2], h0.shape[1]).to(dtype)
    x_t, h0_t, c0_t = (torch.tensor(a, requires_grad=True) for a in (x, h0[None], c0[None]))
    if cell == "lstm":
        out, (hn, cn) = module(x_t, (h0_t, c0_t))
        loss = (cn * torch.tensor(grad_cn[None])).sum()
    else:
        out, hn = module(x_t, h0_t)
        cn, loss = None, 0
    loss = loss + (out * torch.tensor(grad_out)).sum() + (hn * torch.tensor(grad_hn[None])).sum()
    loss.backward()
    return module, out, hn, cn, x_t, h0_t, c0_t


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("T,B", [(1, 1), (1, 3), (7, 1), (7, 3)])
def test_reference_sequence_matches_torch(reference, rng, cell, dtype, T, B):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    I, H = 5, 4
    x, grad_out = (rng.standard_normal((T, B, n)).astype(dtype) for n in (I, H))
    h0, c0, grad_hn, grad_cn = (rng.standard_normal((B, H)).astype(dtype) for _ in range(4))
    module, out, hn, cn, x_t, h0_t, c0_t = torch_run(torch, cell, x, h0, c0, grad_out, grad_hn, grad_cn)
    w_ih, w_hh, b_ih, b_hh = (p.detach().numpy() for p in
                              (module.weight_ih_l0, module.weight_hh_l0, module.bias_ih_l0, module.bias_hh_l0))

    # The contract: x_rows @ w_ih.T + b_ih is the input projection, b_ih the sum of both biases
    # for the RNN and LSTM (they enter the same sum); the GRU keeps b_hh apart.
    bias = b_ih + (0 if cell == "gru" else b_hh)
    grad_hs = grad_out.copy()
    grad_hs[-1] += grad_hn
    shapes, _ = random_inputs(rng, cell, T, B, H, dtype, J=I)
    data = dict(x_rows=x.reshape(T * B, I), w_ih=w_ih, b_ih=bias, w_hh=w_hh, b_hh=b_hh, h0=h0,
                c0=c0, grad_hs=grad_hs, grad_cT=grad_cn)
    data.update(call(reference, f"{cell}_sequence_forward", data, shapes, dtype))
    grads = call(reference, f"{cell}_sequence_backward", data, shapes, dtype)

    tol = TOL[dtype]
    grad_b = grads["grad_xproj"].sum(axis=(0, 1))
    expected = {
        "hs": (data["hs"], out), "h_n": (data["hs"][-1], hn[0]),
        "grad_x": (grads["grad_xproj"] @ w_ih, x_t.grad),
        "grad_w_ih": (grads["grad_w_ih"], module.weight_ih_l0.grad),
        "grad_w_hh": (grads["grad_w_hh"], module.weight_hh_l0.grad),
        "grad_b_ih": (grads["grad_b_ih"], module.bias_ih_l0.grad),
        "grad_b_ih as the sum of grad_xproj": (grad_b, module.bias_ih_l0.grad),
        "grad_b_hh": (grads["grad_b_hh"] if cell == "gru" else grads["grad_b_ih"], module.bias_hh_l0.grad),
        "grad_h0": (grads["grad_h0"], h0_t.grad[0]),
    }
    if cell == "lstm":
        expected.update({"c_n": (data["cs"][-1], cn[0]), "grad_c0": (grads["grad_c0"], c0_t.grad[0])})
    for what, (ours, theirs) in expected.items():
        np.testing.assert_allclose(ours, theirs.detach().numpy(), **tol, err_msg=what)


# ----------------------------------------------------------------------------- cells vs sequences, cells vs finite differences

@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_reference_cells_equal_one_step_sequence(reference, rng, cell):
    T, B, H, dtype = 1, 3, 4, np.float64
    shapes, d = random_inputs(rng, cell, T, B, H, dtype)
    d.update(call(reference, f"{cell}_sequence_forward", d, shapes, dtype))
    seq = call(reference, f"{cell}_sequence_backward", d, shapes, dtype)

    # One step by hand: the matmuls outside, the cell kernels inside.
    hh = d["h0"] @ d["w_hh"].T
    xproj = d["x_rows"] @ d["w_ih"].T + d["b_ih"]
    cell_in = dict(d, grad_h=d["grad_hs"][0], grad_c=d["grad_cT"], c_prev=d["c0"], h_prev=d["h0"],
                   pre=xproj + hh, gi=xproj)
    if cell == "gru":
        cell_in["pre"] = hh + d["b_hh"]  # the GRU cell takes gh = h W_hh^T + b_hh
    fwd = call(reference, f"{cell}_cell_forward", cell_in, shapes, dtype)
    bwd = call(reference, f"{cell}_cell_backward", dict(cell_in, **fwd), shapes, dtype)
    grad_gh = bwd["grad_pre"]
    grad_h0 = grad_gh @ d["w_hh"] + (bwd["grad_h_prev"] if cell == "gru" else 0)
    grad_gi = bwd["grad_gi" if cell == "gru" else "grad_pre"]
    pairs = [(fwd["h"], d["hs"][0]), (grad_gh.T @ d["h0"], seq["grad_w_hh"]), (grad_h0, seq["grad_h0"]),
             (grad_gi, seq["grad_xproj"][0]), (grad_gi.T @ d["x_rows"], seq["grad_w_ih"]),
             (grad_gi.sum(axis=0), seq["grad_b_ih"])]
    if cell == "lstm":
        pairs += [(fwd["c"], d["cs"][0]), (fwd["ws"], d["wss"][0]), (bwd["grad_c_prev"], seq["grad_c0"])]
    if cell == "gru":
        pairs += [(fwd["ws"], d["wss"][0]), (grad_gh.sum(axis=0), seq["grad_b_hh"])]
    for ours, theirs in pairs:
        np.testing.assert_allclose(ours, theirs, **TOL[dtype])


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_reference_cell_backward_matches_central_differences(reference, rng, cell):
    B, H, dtype, eps = 2, 3, np.float64, 1e-6
    shapes, d = random_inputs(rng, cell, 1, B, H, dtype)
    forward, backward = f"{cell}_cell_forward", f"{cell}_cell_backward"
    weights = {"h": d["grad_h"], "c": d["grad_c"]}  # loss = sum(h * grad_h) + sum(c * grad_c)

    def loss(data):
        outs = call(reference, forward, data, shapes, dtype)
        return sum((outs[o] * w).sum() for o, w in weights.items() if o in outs)

    grads = call(reference, backward, dict(d, **call(reference, forward, d, shapes, dtype)), shapes, dtype)
    for wrt in SIGNATURES[forward][0]:
        numeric = np.zeros_like(d[wrt])
        for idx in np.ndindex(d[wrt].shape):
            plus, minus = d[wrt].copy(), d[wrt].copy()
            plus[idx] += eps
            minus[idx] -= eps
            numeric[idx] = (loss(dict(d, **{wrt: plus})) - loss(dict(d, **{wrt: minus}))) / (2 * eps)
        np.testing.assert_allclose(grads[f"grad_{wrt}"], numeric, rtol=1e-6, atol=1e-8, err_msg=wrt)


def test_reference_sigmoid_does_not_overflow(reference):
    pre = np.array([[-1000.0, 1000.0, 0.0, -50.0]] * 2)  # LSTM gates of H = 1
    out = {n: np.empty((2, k)) for n, k in (("h", 1), ("c", 1), ("ws", 4))}
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        reference.lstm_cell_forward(pre, np.ones((2, 1)), out["h"], out["c"], out["ws"])
    np.testing.assert_allclose(out["ws"][0], [0.0, 1.0, 0.0, 1.9287498479639178e-22], rtol=1e-15)


SPECIAL = [0.0, -0.0, 1e-30, -1e-30, 5e-8, 0.3, -0.3, 20.0, -20.0, 50.0, -50.0, 100.0, -100.0,
           800.0, -800.0, 1000.0, -1000.0, np.inf, -np.inf, np.nan]


@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_gate_math_special_values_and_accuracy(kernels, reference, dtype):
    """The compiled backends write their own exp/sigmoid/tanh: check them against NumPy's."""
    values = np.concatenate([SPECIAL, np.linspace(-40, 40, 4001)]).astype(dtype)
    pre = np.repeat(values[:, None], 4, axis=1)  # LSTM gates of H = 1: i, f, g, o all = value
    tol = dict(rtol=2e-6, atol=0) if dtype == np.float32 else dict(rtol=1e-14, atol=0)
    for k in (kernels, reference):
        k.rnn_cell_forward(values[:, None].copy(), h := np.empty((len(values), 1), dtype))
        k.lstm_cell_forward(pre, np.zeros((len(values), 1), dtype), np.empty((len(values), 1), dtype),
                            np.empty((len(values), 1), dtype), ws := np.empty_like(pre))
        if k is reference:
            expected = h, ws
    with np.errstate(invalid="ignore"):
        np.testing.assert_allclose(h, expected[0], **tol)   # tanh
        np.testing.assert_allclose(ws, expected[1], **tol)  # sigmoid (i, f, o) and tanh (g)
    assert np.signbit(h[1, 0]) and not np.signbit(h[0, 0])  # tanh(-0.0) = -0.0


# ----------------------------------------------------------------------------- every backend vs the reference

@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("B,H", [(2, 1), (1, 6), (3, 33), (11, 40)], ids=["H1", "H6-B1", "H33", "H40-B11"])
@pytest.mark.parametrize("bptt_chunk", [0, 3], ids=["full", "chunk3"])
@pytest.mark.parametrize("readonly", [False, True], ids=["writable", "readonly"])
def test_backend_matches_reference(kernels, reference, rng, cell, dtype, B, H, bptt_chunk, readonly):
    shapes, data = random_inputs(rng, cell, 7, B, H, dtype)
    for name in kernel_names(cell):
        inputs = {k: read_only(v) if readonly else v for k, v in data.items()}
        expected = call(reference, name, inputs, shapes, dtype, bptt_chunk)
        got = call(kernels, name, inputs, shapes, dtype, bptt_chunk)
        for out in expected:
            np.testing.assert_allclose(got[out], expected[out], **TOL[dtype], err_msg=f"{name}: {out}")
        data.update(expected)  # forward outputs feed the backward kernels


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
def test_sequence_kernels_with_no_input_features(kernels, reference, rng, cell, dtype):
    """x_rows with 0 columns (input_size 0): the projection is b_ih alone, grad_w_ih is [G, 0]."""
    shapes, data = random_inputs(rng, cell, 4, 9, 10, dtype, J=0)
    for name in (f"{cell}_sequence_forward", f"{cell}_sequence_backward"):
        expected = call(reference, name, data, shapes, dtype)
        got = call(kernels, name, data, shapes, dtype)
        for out in expected:
            np.testing.assert_allclose(got[out], expected[out], **TOL[dtype], err_msg=f"{name}: {out}")
        data.update(expected)
    assert got["grad_w_ih"].shape == (N_GATES[cell] * 10, 0)


UNWANTED = [("grad_xproj",), ("grad_w_ih", "grad_b_ih"), ("grad_b_ih",), OPTIONAL]


def check_unwanted_outputs(kernels, reference, rng, cell, dtype, T, B, H, unwanted):
    """The sequence backward with the outputs in `unwanted` passed as None (not made): every other
    output as when all are made."""
    shapes, data = random_inputs(rng, cell, T, B, H, dtype)
    data.update(call(reference, f"{cell}_sequence_forward", data, shapes, dtype))
    expected = call(reference, f"{cell}_sequence_backward", data, shapes, dtype, 3)
    for k in (reference, kernels):
        got = call(k, f"{cell}_sequence_backward", data, shapes, dtype, 3, unwanted)
        for out in expected:
            if out in unwanted:
                assert got[out] is None
            else:
                np.testing.assert_allclose(got[out], expected[out], **TOL[dtype], err_msg=out)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["f32", "f64"])
@pytest.mark.parametrize("T,B,H", [(7, 3, 10), (13, 40, 24)], ids=["short", "chunks"])
@pytest.mark.parametrize("unwanted", UNWANTED, ids="+".join)
def test_sequence_backward_without_optional_outputs(kernels, reference, rng, cell, dtype, T, B, H, unwanted):
    """grad_xproj None: the op does not want the gate gradients, only what they make; grad_w_ih,
    grad_b_ih None: a frozen projection, a layer without bias."""
    check_unwanted_outputs(kernels, reference, rng, cell, dtype, T, B, H, unwanted)


@pytest.fixture
def cython_recurrent():
    return pytest.importorskip("minigrad.kernels.cython_impl.recurrent", reason="Cython kernels not built")


@pytest.mark.parametrize("route", ["avx512", "avx2"])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("T,B,H", [(6, 1, 6), (6, 3, 33), (6, 8, 32), (6, 11, 40), (6, 17, 70), (13, 40, 24),
                                   (13, 100, 9), (7, 13, 50)])
def test_cython_packed_step_matmul_matches_blas(cython_recurrent, reference, rng, route, cell, T, B, H):
    """Each packed per-step matmul (AVX-512; AVX2 + FMA) against the BLAS one and the reference:
    batch rows beyond whole blocks (8 rows for AVX-512, 6 for AVX2, and the weight gradients'
    blocks of 8 split 4 + 4), columns beyond whole panels of 32 and beyond a half panel of 16,
    several blocks and panels, and sequences long enough (T·B > 256) for the weight gradients to
    come in several chunks of steps (the last one short)."""
    if route not in cython_recurrent.step_matmul_routes():
        pytest.skip(f"route {route} cannot run on this CPU (or is switched off): {cython_recurrent.step_matmul_route()}")
    dtype = np.float32
    shapes, data = random_inputs(rng, cell, T, B, H, dtype)
    previous = cython_recurrent.set_step_matmul_route(route)
    try:
        results = {}
        for name in (route, "blas"):
            cython_recurrent.set_step_matmul_route(name)
            d = dict(data)
            d.update(call(cython_recurrent, f"{cell}_sequence_forward", d, shapes, dtype))
            results[name] = {**d, **call(cython_recurrent, f"{cell}_sequence_backward", d, shapes, dtype, 2)}
    finally:
        cython_recurrent.set_step_matmul_route(previous)
    expected = dict(data)
    expected.update(call(reference, f"{cell}_sequence_forward", expected, shapes, dtype))
    expected.update(call(reference, f"{cell}_sequence_backward", expected, shapes, dtype, 2))
    for name in results[route]:
        np.testing.assert_allclose(results[route][name], results["blas"][name], rtol=2e-5, atol=2e-5, err_msg=name)
        np.testing.assert_allclose(results[route][name], expected[name], **TOL[dtype], err_msg=name)


@pytest.mark.parametrize("route", ["avx512", "avx2", "blas"])
@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("T,B,H", [(7, 3, 10), (13, 40, 24)], ids=["short", "chunks"])
@pytest.mark.parametrize("unwanted", UNWANTED, ids="+".join)
def test_cython_routes_without_optional_outputs(cython_recurrent, reference, rng, route, cell, T, B, H, unwanted):
    """Every float32 route (the packed ones reuse a one-step buffer when grad_xproj is None)."""
    if route not in cython_recurrent.step_matmul_routes():
        pytest.skip(f"route {route} cannot run on this CPU (or is switched off): {cython_recurrent.step_matmul_route()}")
    previous = cython_recurrent.set_step_matmul_route(route)
    try:
        check_unwanted_outputs(cython_recurrent, reference, rng, cell, np.float32, T, B, H, unwanted)
    finally:
        cython_recurrent.set_step_matmul_route(previous)


def test_cython_packed_step_matmul_switch(cython_recurrent):
    routes = cython_recurrent.step_matmul_routes()
    assert routes[-1] == "blas" and set(routes) <= {"avx512", "avx2", "blas"}
    supported = cython_recurrent.packed_step_matmul_supported()
    assert supported == (routes[0] != "blas")
    previous = cython_recurrent.set_packed_step_matmul(False)
    try:
        assert previous == supported  # on by default where the CPU has it
        assert cython_recurrent.set_packed_step_matmul(False) is False
        assert cython_recurrent.step_matmul_route().startswith("BLAS")
        if supported:
            assert cython_recurrent.set_packed_step_matmul(True) is False
            assert cython_recurrent.set_step_matmul_route("blas") == routes[0]  # the fastest
        else:
            with pytest.raises(RuntimeError, match="AVX"):
                cython_recurrent.set_packed_step_matmul(True)
        for name in routes:
            cython_recurrent.set_step_matmul_route(name)
            assert cython_recurrent.step_matmul_route().startswith("BLAS" if name == "blas" else "packed")
        for name in {"avx512", "avx2"} - set(routes):
            with pytest.raises(RuntimeError, match=name):
                cython_recurrent.set_step_matmul_route(name)
        with pytest.raises(ValueError, match="unknown"):
            cython_recurrent.set_step_matmul_route("sse9")
    finally:
        cython_recurrent.set_packed_step_matmul(previous)


# ----------------------------------------------------------------------------- truncated BPTT

@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_bptt_chunk_cuts_gradient_between_chunks(kernels, rng, cell):
    T, B, H, k, dtype = 7, 2, 3, 3, np.float64
    shapes, d = random_inputs(rng, cell, T, B, H, dtype)
    d["grad_hs"][:-1] = 0  # a loss on the last step only (and on c_n for the LSTM)
    d.update(call(kernels, f"{cell}_sequence_forward", d, shapes, dtype))
    full = call(kernels, f"{cell}_sequence_backward", d, shapes, dtype, bptt_chunk=0)
    cut = call(kernels, f"{cell}_sequence_backward", d, shapes, dtype, bptt_chunk=k)
    longer = call(kernels, f"{cell}_sequence_backward", d, shapes, dtype, bptt_chunk=T)

    last_chunk = (T - 1) // k * k  # steps 6.. form the last chunk
    for h0_grad in ("grad_h0", "grad_c0") if cell == "lstm" else ("grad_h0",):
        assert np.all(cut[h0_grad] == 0) and np.any(full[h0_grad] != 0)
    assert np.all(cut["grad_xproj"][:last_chunk] == 0)
    assert np.all(cut["grad_h_steps"][:last_chunk] == 0)
    np.testing.assert_array_equal(cut["grad_xproj"][last_chunk:], full["grad_xproj"][last_chunk:])
    assert np.all(np.abs(full["grad_xproj"][:last_chunk]).sum(axis=(1, 2)) > 0)
    for out in full:  # a chunk as long as the sequence cuts nothing
        np.testing.assert_array_equal(longer[out], full[out], err_msg=out)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_bptt_chunk_keeps_local_gradients(kernels, rng, cell):
    """With a loss on every step, each step still gets the gradient of its own chunk."""
    T, B, H, k, dtype = 7, 2, 3, 3, np.float64
    shapes, d = random_inputs(rng, cell, T, B, H, dtype)
    d.update(call(kernels, f"{cell}_sequence_forward", d, shapes, dtype))
    cut = call(kernels, f"{cell}_sequence_backward", d, shapes, dtype, bptt_chunk=k)
    # The step before each cut receives only its own output's gradient.
    np.testing.assert_array_equal(cut["grad_h_steps"][k - 1::k], d["grad_hs"][k - 1::k])
    assert np.any(cut["grad_h0"] != 0)  # the first chunk still reaches h0
