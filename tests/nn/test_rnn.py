"""RNN, LSTM, GRU and their cells against PyTorch with copied weights (outputs, final states and
every gradient), on every kernel backend; one graph node per layer and direction; float64
gradcheck; truncated BPTT; the per-step readout; errors that carry their numbers."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.kernels import BACKENDS
from minigrad.nn.modules.rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from minigrad.ops import recurrent as ops
from conftest import get_kernels

torch = pytest.importorskip("torch")

TOL = {np.float32: dict(rtol=1e-4, atol=1e-5), np.float64: dict(rtol=1e-9, atol=1e-10)}
LAYERS = {"RNN": RNN, "LSTM": LSTM, "GRU": GRU}
CELLS = {"RNNCell": RNNCell, "LSTMCell": LSTMCell, "GRUCell": GRUCell}
TORCH_DTYPE = {np.float32: torch.float32, np.float64: torch.float64}


@pytest.fixture(params=BACKENDS)
def backend(request):
    """Run the test body on each kernel backend in turn (skipped, or failed if required, when missing)."""
    get_kernels(request.param)
    with mg.use_backend(request.param):
        yield request.param


def close(actual, expected, dtype, what):
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected), err_msg=what, **TOL[dtype])


def copy_from_torch(layer, torch_layer):
    layer.load_state_dict({k: v.detach().numpy() for k, v in torch_layer.state_dict().items()})


def backward_both(mg_outputs, torch_outputs, rng, dtype):
    """Backpropagate the same random projection of every output in both libraries."""
    cotangents = [rng.standard_normal(tuple(t.shape)).astype(dtype) for t in torch_outputs]
    sum((t * torch.tensor(c)).sum() for t, c in zip(torch_outputs, cotangents)).backward()
    total = None
    for m, c in zip(mg_outputs, cotangents):
        term = (m * mg.tensor(c, dtype=dtype)).sum()
        total = term if total is None else total + term
    total.backward()


def compare_module(layer, torch_layer, x, states, rng, dtype):
    """Forward and backward both layers on x (and initial states), compare everything."""
    mx, tx = mg.tensor(x, dtype=dtype, requires_grad=True), torch.tensor(x, requires_grad=True)
    ms = [mg.tensor(s, dtype=dtype, requires_grad=True) for s in states]
    ts = [torch.tensor(s, requires_grad=True) for s in states]
    pack = (lambda s: tuple(s) if len(s) == 2 else s[0]) if states else (lambda s: None)
    m_out, m_state = layer(mx, pack(ms))
    t_out, t_state = torch_layer(tx, pack(ts))
    m_outputs = [m_out, *(m_state if isinstance(m_state, tuple) else (m_state,))]
    t_outputs = [t_out, *(t_state if isinstance(t_state, tuple) else (t_state,))]
    for i, (m, t) in enumerate(zip(m_outputs, t_outputs)):
        assert m.shape == tuple(t.shape) and m.dtype == dtype
        close(m.numpy(), t.detach().numpy(), dtype, f"output {i}")
    backward_both(m_outputs, t_outputs, rng, dtype)
    close(mx.grad.numpy(), tx.grad.numpy(), dtype, "grad input")
    for i, (m, t) in enumerate(zip(ms, ts)):
        close(m.grad.numpy(), t.grad.numpy(), dtype, f"grad initial state {i}")
    torch_params = dict(torch_layer.named_parameters())
    for name, param in layer.named_parameters():
        close(param.grad.numpy(), torch_params[name].grad.numpy(), dtype, f"grad {name}")


# ----------------------------------------------------------------------------- layers vs PyTorch

CONFIGS = {  # name: (num_layers, batch_first, bidirectional, initial states, dtype, T, bias)
    "1layer-h0-f64": (1, False, False, True, np.float64, 5, True),
    "2layer-bf-bi-f32": (2, True, True, False, np.float32, 4, True),
    "2layer-bi-h0-f64": (2, False, True, True, np.float64, 3, True),
    "T1-bf-h0-f32": (1, True, False, True, np.float32, 1, True),
    "nobias-bf-f64": (1, True, False, False, np.float64, 4, False),
}


@pytest.mark.parametrize("config", CONFIGS)
@pytest.mark.parametrize("kind", LAYERS)
def test_layer_matches_torch(backend, kind, config):
    num_layers, batch_first, bidirectional, with_states, dtype, T, bias = CONFIGS[config]
    rng = np.random.default_rng(0)
    I, H, B = 3, 4, 2
    options = dict(num_layers=num_layers, batch_first=batch_first, bidirectional=bidirectional, bias=bias)
    torch_layer = getattr(torch.nn, kind)(I, H, **options).to(TORCH_DTYPE[dtype])
    layer = LAYERS[kind](I, H, dtype=dtype, **options)
    copy_from_torch(layer, torch_layer)
    x = rng.standard_normal((B, T, I) if batch_first else (T, B, I)).astype(dtype)
    n_states = 2 if kind == "LSTM" else 1
    states = [rng.standard_normal((num_layers * (1 + bidirectional), B, H)).astype(dtype)
              for _ in range(n_states)] if with_states else []
    compare_module(layer, torch_layer, x, states, rng, dtype)


@pytest.mark.parametrize("kind", LAYERS)
def test_unbatched_input_matches_torch(kind):
    rng = np.random.default_rng(1)
    torch_layer = getattr(torch.nn, kind)(3, 4, num_layers=2).double()
    layer = LAYERS[kind](3, 4, num_layers=2, dtype=np.float64)
    copy_from_torch(layer, torch_layer)
    states = [rng.standard_normal((2, 4)) for _ in range(2 if kind == "LSTM" else 1)]
    compare_module(layer, torch_layer, rng.standard_normal((5, 3)), states, rng, np.float64)


def test_parameters_names_shapes_order_and_init_as_torch():
    torch_layer = torch.nn.LSTM(5, 6, num_layers=2, bidirectional=True, bias=False)
    layer = LSTM(5, 6, num_layers=2, bidirectional=True, bias=False)
    assert [(n, p.shape) for n, p in layer.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in torch_layer.named_parameters()]
    gru = GRU(5, 16, bidirectional=True)
    assert [n for n, _ in gru.named_parameters()] == [n for n, _ in torch.nn.GRU(5, 16, bidirectional=True)
                                                       .named_parameters()]
    for _, p in gru.named_parameters():  # U(-1/√16, 1/√16) = U(-0.25, 0.25), spread over the range
        assert np.abs(p.numpy()).max() <= 0.25 and np.abs(p.numpy()).max() > 0.2
    assert [n for n, _ in GRUCell(3, 4).named_parameters()] == ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]


# ----------------------------------------------------------------------------- cells vs PyTorch

@pytest.mark.parametrize("dtype,with_state", [(np.float64, True), (np.float32, False)], ids=["f64-hx", "f32"])
@pytest.mark.parametrize("kind", CELLS)
def test_cell_matches_torch(backend, kind, dtype, with_state):
    rng = np.random.default_rng(2)
    B, I, H = 3, 4, 5
    torch_cell = getattr(torch.nn, kind)(I, H).to(TORCH_DTYPE[dtype])
    cell = CELLS[kind](I, H, dtype=dtype)
    copy_from_torch(cell, torch_cell)
    x = rng.standard_normal((B, I)).astype(dtype)
    states = [rng.standard_normal((B, H)).astype(dtype) for _ in range(2 if kind == "LSTMCell" else 1)]
    mx, tx = mg.tensor(x, dtype=dtype, requires_grad=True), torch.tensor(x, requires_grad=True)
    ms = [mg.tensor(s, dtype=dtype, requires_grad=True) for s in states]
    ts = [torch.tensor(s, requires_grad=True) for s in states]
    if kind == "LSTMCell":
        m_out = cell(mx, tuple(ms) if with_state else None)
        t_out = torch_cell(tx, tuple(ts) if with_state else None)
    else:
        m_out, t_out = (cell(mx, ms[0] if with_state else None),), (torch_cell(tx, ts[0] if with_state else None),)
    for m, t in zip(m_out, t_out):
        close(m.numpy(), t.detach().numpy(), dtype, "cell output")
    backward_both(m_out, t_out, rng, dtype)
    close(mx.grad.numpy(), tx.grad.numpy(), dtype, "grad input")
    if with_state:
        for m, t in zip(ms, ts):
            close(m.grad.numpy(), t.grad.numpy(), dtype, "grad state")
    torch_params = dict(torch_cell.named_parameters())
    for name, param in cell.named_parameters():
        close(param.grad.numpy(), torch_params[name].grad.numpy(), dtype, f"grad {name}")


@pytest.mark.parametrize("kind", CELLS)
def test_unbatched_cell_matches_torch(kind):
    torch_cell = getattr(torch.nn, kind)(3, 4).double()
    cell = CELLS[kind](3, 4, dtype=np.float64)
    copy_from_torch(cell, torch_cell)
    x = np.random.default_rng(3).standard_normal(3)
    m, t = cell(mg.tensor(x, dtype=np.float64)), torch_cell(torch.tensor(x))
    m, t = (m, t) if kind != "LSTMCell" else (m[1], t[1])
    assert m.shape == (4,)
    close(m.numpy(), t.detach().numpy(), np.float64, "unbatched cell")


# ----------------------------------------------------------------------------- graph shape

@pytest.mark.parametrize("kind", LAYERS)
def test_one_graph_node_per_layer_and_direction(kind):
    layer = LAYERS[kind](3, 4, num_layers=2, bidirectional=True)
    x = mg.randn(6, 2, 3, requires_grad=True)
    out, _ = layer(x)
    seen, stack, sequence_nodes = set(), [out.grad_fn], 0
    while stack:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        sequence_nodes += node.name().endswith("SequenceBackward")
        stack.extend(t.grad_fn for t in node.inputs if t is not None)
    assert sequence_nodes == 4          # 2 layers × 2 directions, whatever the 6 steps
    assert len(seen) <= 4 + 2           # plus one cat per layer: no per-step nodes

    single = LAYERS[kind](3, 4)
    out, _ = single(x)
    node = out.grad_fn
    assert node.name() == f"{kind}SequenceBackward"
    assert all(t is None or t.is_leaf for t in node.inputs)  # x and the parameters, directly


# ----------------------------------------------------------------------------- gradcheck (float64)

@pytest.mark.parametrize("kind", ["rnn", "lstm", "gru"])
def test_gradcheck_sequences_and_cells(backend, kind):
    rng = np.random.default_rng(4)
    T, B, I, H = 3, 2, 2, 3
    G = ops.GATES[kind] * H

    def leaf(*shape, scale=1.0):
        return mg.tensor(rng.standard_normal(shape) * scale, dtype=mg.float64, requires_grad=True)

    x, h0, c0 = leaf(T, B, I), leaf(B, H), leaf(B, H)
    weights = [leaf(G, I, scale=0.5), leaf(G, H, scale=0.5), leaf(G, scale=0.3), leaf(G, scale=0.3)]
    if kind == "lstm":
        seq = [lambda *a: ops.lstm_sequence(*a), lambda *a: ops.lstm_sequence(*a, reverse=True)]
        mg.autograd.gradcheck(seq[0], (x, h0, c0, *weights))
        mg.autograd.gradcheck(seq[1], (x, h0, c0, *weights))
        mg.autograd.gradcheck(ops.lstm_cell, (x[0].detach().requires_grad_(), h0, c0, *weights))
    else:
        sequence, cell = (ops.rnn_sequence, ops.rnn_cell) if kind == "rnn" else (ops.gru_sequence, ops.gru_cell)
        mg.autograd.gradcheck(sequence, (x, h0, *weights))
        mg.autograd.gradcheck(lambda *a: sequence(*a, reverse=True), (x, h0, *weights))
        mg.autograd.gradcheck(cell, (x[0].detach().requires_grad_(), h0, *weights))


# ----------------------------------------------------------------------------- truncated BPTT

@pytest.mark.parametrize("kind", LAYERS)
def test_truncated_bptt_equals_detached_chunks(backend, kind):
    """bptt_chunk=k gives the gradients of running k-step chunks whose initial state is detached
    from the previous chunk; with the loss on the last step only, every earlier chunk gets zero."""
    T, k = 7, 3
    rng = np.random.default_rng(5)
    x_data, cot = rng.standard_normal((T, 2, 3)), rng.standard_normal((T, 2, 4))
    truncated = LAYERS[kind](3, 4, dtype=np.float64, bptt_chunk=k)
    chunked = LAYERS[kind](3, 4, dtype=np.float64)
    chunked.load_state_dict(truncated.state_dict())

    x = mg.tensor(x_data, dtype=mg.float64, requires_grad=True)
    out, _ = truncated(x)
    (out * mg.tensor(cot, dtype=mg.float64)).sum().backward()

    xs, state, outs = mg.tensor(x_data, dtype=mg.float64, requires_grad=True), None, []
    for start in range(0, T, k):
        piece, state = chunked(xs[start:start + k], state)
        state = tuple(s.detach() for s in state) if kind == "LSTM" else state.detach()
        outs.append(piece)
    (mg.cat(outs, 0) * mg.tensor(cot, dtype=mg.float64)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), xs.grad.numpy(), rtol=1e-10, atol=1e-12)
    chunked_params = dict(chunked.named_parameters())
    for name, p in truncated.named_parameters():
        np.testing.assert_allclose(p.grad.numpy(), chunked_params[name].grad.numpy(), rtol=1e-10, atol=1e-12)

    # the loss on the last step only: steps before the last chunk (t < 6) get exactly zero
    truncated.zero_grad()
    x.grad = None
    out, _ = truncated(x)
    out[-1].sum().backward()
    grads = truncated.last_hidden_grads[0]
    assert np.all(grads[:6] == 0) and np.all(x.grad.numpy()[:6] == 0)
    assert np.all(grads[6] != 0)


# ----------------------------------------------------------------------------- per-step readout

def test_hidden_grads_equal_unrolled_cells_and_gates_rebuild_the_outputs():
    rng = np.random.default_rng(6)
    T, B, I, H = 5, 2, 3, 4
    x_data, cot = rng.standard_normal((T, B, I)), rng.standard_normal((T, B, H))
    for kind, cell_class in (("LSTM", LSTMCell), ("GRU", GRUCell), ("RNN", RNNCell)):
        layer = LAYERS[kind](I, H, dtype=np.float64, batch_first=False)
        out, _ = layer(mg.tensor(x_data, dtype=mg.float64))
        (out * mg.tensor(cot, dtype=mg.float64)).sum().backward()

        cell = cell_class(I, H, dtype=np.float64)
        cell.load_state_dict({name[:-3]: p for name, p in layer.state_dict().items()})  # drop "_l0"
        state, hs = None, []
        for t in range(T):
            state = cell(mg.tensor(x_data[t], dtype=mg.float64), state)
            h = state[0] if kind == "LSTM" else state
            h.retain_grad()
            hs.append(h)
        (mg.stack(hs, 0) * mg.tensor(cot, dtype=mg.float64)).sum().backward()
        expected = np.stack([h.grad.numpy() for h in hs])
        np.testing.assert_allclose(layer.last_hidden_grads[0], expected, rtol=1e-10, atol=1e-12)

        gates, outputs = layer.last_gates[0], out.numpy()
        if kind == "RNN":
            np.testing.assert_array_equal(gates, outputs)
        elif kind == "LSTM":  # c_t = f c_{t-1} + i g, h_t = o tanh(c_t)
            i, f, g, o = np.split(gates, 4, axis=2)
            c = np.zeros((B, H))
            for t in range(T):
                c = f[t] * c + i[t] * g[t]
                np.testing.assert_allclose(o[t] * np.tanh(c), outputs[t], rtol=1e-12, atol=1e-14)
        else:  # h_t = (1 - z) n + z h_{t-1}
            r, z, n = np.split(gates, 3, axis=2)
            h_prev = np.zeros((B, H))
            for t in range(T):
                h_prev = (1 - z[t]) * n[t] + z[t] * h_prev
                np.testing.assert_allclose(h_prev, outputs[t], rtol=1e-12, atol=1e-14)


def test_readout_of_the_reverse_direction_is_in_input_time_order():
    layer = GRU(2, 3, bidirectional=True, batch_first=True, dtype=np.float64)
    out, h_n = layer(mg.randn(1, 4, 2, dtype=mg.float64))
    assert layer.last_hidden_grads == [None, None]
    h_n[1].sum().backward()  # the reverse direction's final state is its state at input step 0
    forward_grads, reverse_grads = layer.last_hidden_grads
    assert np.all(forward_grads == 0)
    np.testing.assert_array_equal(reverse_grads[0], np.ones((1, 3)))
    assert np.all(reverse_grads[1:] != 0)
    assert layer.last_gates[1].shape == (4, 1, 9)


# ----------------------------------------------------------------------------- dropout, dtype

def test_dropout_between_layers_only_in_training():
    mg.manual_seed(0)
    layer = LSTM(3, 8, num_layers=2, dropout=0.5)
    x = mg.randn(4, 2, 3)
    layer.eval()
    first, second = layer(x)[0].numpy(), layer(x)[0].numpy()
    np.testing.assert_array_equal(first, second)
    layer.train()
    assert not np.allclose(layer(x)[0].numpy(), first)
    # p = 1 zeroes the second layer's input: its output is the second layer run on zeros
    layer.dropout = 1.0
    out = layer(x)[0].numpy()
    top = LSTM(8, 8)
    top.load_state_dict({k.replace("_l1", "_l0"): v for k, v in layer.state_dict().items() if "_l1" in k})
    np.testing.assert_allclose(out, top(mg.zeros(4, 2, 8))[0].numpy(), rtol=1e-6)
    with pytest.warns(UserWarning, match="num_layers=1"):
        GRU(3, 4, dropout=0.2)


def test_float32_and_float64_layers_keep_their_dtype():
    for dtype in (mg.float32, mg.float64):
        out, (h, c) = LSTM(2, 3, dtype=dtype)(mg.randn(2, 1, 2, dtype=dtype))
        assert out.dtype == h.dtype == c.dtype == dtype
    layer = GRU(2, 3).double()
    assert layer(mg.randn(2, 1, 2))[0].dtype == mg.float64  # float32 input meets float64 weights


# ----------------------------------------------------------------------------- errors

def test_errors_carry_the_numbers():
    with pytest.raises(ValueError, match="LSTM: input has 7 features but input_size is 5"):
        LSTM(5, 3)(mg.randn(4, 2, 7))
    with pytest.raises(ValueError, match=r"GRU: expected a 3-D input.*got a 4-D input of shape \(1, 2, 3, 5\)"):
        GRU(5, 3)(mg.randn(1, 2, 3, 5))
    with pytest.raises(ValueError, match=r"expected h_0 of shape \(2, 4, 3\) .*got \(1, 4, 3\)"):
        RNN(5, 3, num_layers=2)(mg.randn(6, 4, 5), mg.zeros(1, 4, 3))
    with pytest.raises(ValueError, match=r"expected c_0 of shape \(1, 4, 3\) .*got \(1, 4, 2\)"):
        LSTM(5, 3)(mg.randn(6, 4, 5), (mg.zeros(1, 4, 3), mg.zeros(1, 4, 2)))
    # a batch-major input given to a time-major layer: the states' batch (4) disagrees
    with pytest.raises(ValueError, match=r"batch_first=False has batch size 6; did you mean batch_first=True"):
        LSTM(5, 3)(mg.randn(4, 6, 5), (mg.zeros(1, 4, 3), mg.zeros(1, 4, 3)))
    with pytest.raises(ValueError, match=r"batch_first=True has batch size 4; did you mean batch_first=False"):
        GRU(5, 3, batch_first=True)(mg.randn(4, 6, 5), mg.zeros(1, 6, 3))
    with pytest.raises(ValueError, match="unbatched 2-D input the state is 2-D"):
        GRU(5, 3)(mg.randn(6, 5), mg.zeros(1, 1, 3))
    with pytest.raises(TypeError, match=r"tuple \(h_0, c_0\)"):
        LSTM(5, 3)(mg.randn(6, 4, 5), mg.zeros(1, 4, 3))
    with pytest.raises(ValueError, match="nonlinearity='relu' is not supported"):
        RNN(5, 3, nonlinearity="relu")
    with pytest.raises(ValueError, match="LSTMCell: input has 4 features but input_size is 5"):
        LSTMCell(5, 3)(mg.randn(2, 4))
    with pytest.raises(ValueError, match=r"GRUCell: expected hx of shape \(2, 3\), got \(3, 3\)"):
        GRUCell(5, 3)(mg.randn(2, 5), mg.zeros(3, 3))
    with pytest.raises(ValueError, match=r"bptt_chunk must be an int >= 0.*-1"):
        LSTM(5, 3, bptt_chunk=-1)(mg.randn(2, 1, 5))
    with pytest.raises(ValueError, match=r"lstm: weight_ih must have shape \[12, input_size\]"):
        ops.lstm_sequence(mg.randn(2, 1, 5), None, None, mg.randn(8, 5), mg.randn(12, 3))
