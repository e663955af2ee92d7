"""Weight converters: TF1 LSTM cells, Keras LSTM/GRU and PyTorch state dicts.

Each source framework's equations are written below in NumPy from its documentation/source
(TF1 rnn_cell_impl.BasicLSTMCell/LSTMCell, Keras LSTMCell/GRUCell with reset_after=True);
converted weights loaded into minigrad must give the same outputs."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.nn import rnn_convert as convert
from minigrad.nn.modules.rnn import GRU, LSTM, GRUCell, LSTMCell

T, B, I, H = 5, 3, 4, 6


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


# ----------------------------------------------------------------------------- source frameworks in NumPy

def tf1_lstm(x, kernel, bias, forget_bias=1.0):
    """TF1 BasicLSTMCell over x [T, B, I], zero initial state: i, j, f, o = split([x, h] @ kernel + bias);
    c = σ(f + forget_bias)·c + σ(i)·tanh(j); h = tanh(c)·σ(o).  Returns all h [T, B, H]."""
    hidden = kernel.shape[1] // 4
    h, c, out = np.zeros((x.shape[1], hidden)), np.zeros((x.shape[1], hidden)), []
    for x_t in x:
        i, j, f, o = np.split(np.concatenate([x_t, h], axis=1) @ kernel + bias, 4, axis=1)
        c = sigmoid(f + forget_bias) * c + sigmoid(i) * np.tanh(j)
        h = np.tanh(c) * sigmoid(o)
        out.append(h)
    return np.stack(out)


def keras_lstm(x, kernel, recurrent_kernel, bias):
    """Keras LSTMCell (implementation 2): z = x K + h R + b; i, f, c̃, o = split(z);
    c = σ(f)·c + σ(i)·tanh(c̃); h = σ(o)·tanh(c)."""
    hidden = recurrent_kernel.shape[0]
    h, c, out = np.zeros((x.shape[1], hidden)), np.zeros((x.shape[1], hidden)), []
    for x_t in x:
        i, f, cc, o = np.split(x_t @ kernel + h @ recurrent_kernel + bias, 4, axis=1)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(cc)
        h = sigmoid(o) * np.tanh(c)
        out.append(h)
    return np.stack(out)


def keras_gru(x, kernel, recurrent_kernel, bias):
    """Keras GRUCell, reset_after=True: x_z, x_r, x_h = split(x K + b[0]); r_z, r_r, r_h = split(h R + b[1]);
    z = σ(x_z + r_z); r = σ(x_r + r_r); hh = tanh(x_h + r·r_h); h = z·h + (1 − z)·hh."""
    hidden = recurrent_kernel.shape[0]
    h, out = np.zeros((x.shape[1], hidden)), []
    for x_t in x:
        x_z, x_r, x_h = np.split(x_t @ kernel + bias[0], 3, axis=1)
        r_z, r_r, r_h = np.split(h @ recurrent_kernel + bias[1], 3, axis=1)
        z, r = sigmoid(x_z + r_z), sigmoid(x_r + r_r)
        hh = np.tanh(x_h + r * r_h)
        h = z * h + (1 - z) * hh
        out.append(h)
    return np.stack(out)


def random(rng, *shape):
    return rng.standard_normal(shape) * 0.5


def run(layer, x):
    return layer(mg.tensor(x, dtype=mg.float64))[0].numpy()


# ----------------------------------------------------------------------------- TF1

@pytest.mark.parametrize("forget_bias", [1.0, 0.0, 2.5])
def test_tf1_lstm_cell(forget_bias):
    rng = np.random.default_rng(0)
    kernel, bias, x = random(rng, I + H, 4 * H), random(rng, 4 * H), random(rng, T, B, I)
    layer = LSTM(I, H, dtype=mg.float64)
    convert.load_tf1_lstm(layer, (kernel, bias), forget_bias=forget_bias)
    np.testing.assert_allclose(run(layer, x), tf1_lstm(x, kernel, bias, forget_bias), rtol=1e-12, atol=1e-13)
    # the forget bias is folded into bias_ih's f block; bias_hh stays zero
    np.testing.assert_allclose(layer.bias_ih_l0.numpy()[H:2 * H], bias[2 * H:3 * H] + forget_bias)
    assert np.all(layer.bias_hh_l0.numpy() == 0)
    # and the LSTMCell takes the same weights, one step at a time
    cell = LSTMCell(I, H, dtype=mg.float64)
    convert.load_tf1_lstm(cell, (kernel, bias), forget_bias=forget_bias)
    h, _ = cell(mg.tensor(x[0], dtype=mg.float64))
    np.testing.assert_allclose(h.numpy(), tf1_lstm(x[:1], kernel, bias, forget_bias)[0], rtol=1e-12, atol=1e-13)


def test_tf1_multi_rnn_cell_and_round_trip():
    rng = np.random.default_rng(1)
    cells = [(random(rng, I + H, 4 * H), random(rng, 4 * H)), (random(rng, H + H, 4 * H), random(rng, 4 * H))]
    x = random(rng, T, B, I)
    layer = LSTM(I, H, num_layers=2, dtype=mg.float64)
    convert.load_tf1_lstm(layer, cells)
    expected = tf1_lstm(tf1_lstm(x, *cells[0]), *cells[1])
    np.testing.assert_allclose(run(layer, x), expected, rtol=1e-12, atol=1e-13)
    for (kernel, bias), (back_kernel, back_bias) in zip(cells, convert.tf1_weights(layer)):
        np.testing.assert_allclose(back_kernel, kernel, rtol=1e-15)
        np.testing.assert_allclose(back_bias, bias, rtol=1e-14, atol=1e-15)


# ----------------------------------------------------------------------------- Keras

def test_keras_lstm_stacked_and_bidirectional():
    rng = np.random.default_rng(2)
    x = random(rng, T, B, I)
    single = [random(rng, I, 4 * H), random(rng, H, 4 * H), random(rng, 4 * H)]
    layer = LSTM(I, H, batch_first=True, dtype=mg.float64)
    convert.load_keras_lstm(layer, single)  # one layer.get_weights() list
    out = layer(mg.tensor(x.transpose(1, 0, 2), dtype=mg.float64))[0].numpy().transpose(1, 0, 2)
    np.testing.assert_allclose(out, keras_lstm(x, *single), rtol=1e-12, atol=1e-13)

    # Bidirectional(LSTM) then LSTM: forward weights, backward weights, then the second layer
    forward, backward = single, [random(rng, I, 4 * H), random(rng, H, 4 * H), random(rng, 4 * H)]
    second = [[random(rng, 2 * H, 4 * H), random(rng, H, 4 * H), random(rng, 4 * H)] for _ in range(2)]
    deep = LSTM(I, H, num_layers=2, bidirectional=True, dtype=mg.float64)
    convert.load_keras_lstm(deep, [forward, backward, *second])
    first = np.concatenate([keras_lstm(x, *forward), keras_lstm(x[::-1], *backward)[::-1]], axis=2)
    expected = np.concatenate([keras_lstm(first, *second[0]), keras_lstm(first[::-1], *second[1])[::-1]], axis=2)
    np.testing.assert_allclose(run(deep, x), expected, rtol=1e-12, atol=1e-13)
    for original, back in zip([forward, backward, *second], convert.keras_weights(deep)):
        for a, b in zip(original, back):
            np.testing.assert_allclose(b, a, rtol=1e-15)


def test_keras_gru_reset_after():
    rng = np.random.default_rng(3)
    x = random(rng, T, B, I)
    weights = [random(rng, I, 3 * H), random(rng, H, 3 * H), random(rng, 2, 3 * H)]
    layer = GRU(I, H, dtype=mg.float64)
    convert.load_keras_gru(layer, weights)
    np.testing.assert_allclose(run(layer, x), keras_gru(x, *weights), rtol=1e-12, atol=1e-13)
    cell = GRUCell(I, H, dtype=mg.float64)
    convert.load_keras_gru(cell, weights)
    np.testing.assert_allclose(cell(mg.tensor(x[0], dtype=mg.float64)).numpy(), keras_gru(x[:1], *weights)[0],
                               rtol=1e-12, atol=1e-13)
    for a, b in zip(weights, convert.keras_weights(layer)[0]):
        np.testing.assert_allclose(b, a, rtol=1e-15)


def test_unsupported_and_mismatched_layouts_raise_clearly():
    rng = np.random.default_rng(4)
    with pytest.raises(ValueError, match="reset_after=False .* cannot express"):
        convert.gru_from_keras(random(rng, I, 3 * H), random(rng, H, 3 * H), random(rng, 3 * H), reset_after=False)
    with pytest.raises(ValueError, match=r"bias has shape \(2, 18\).*got \(18,\)"):
        convert.gru_from_keras(random(rng, I, 3 * H), random(rng, H, 3 * H), random(rng, 3 * H))
    with pytest.raises(ValueError, match=r"bias must have shape \(24,\) for hidden_size 6, got \(20,\)"):
        convert.lstm_from_tf1(random(rng, I + H, 4 * H), random(rng, 20))
    with pytest.raises(ValueError, match="expected 2 weight sets"):
        convert.load_keras_lstm(LSTM(I, H, num_layers=2), [random(rng, I, 4 * H), random(rng, H, 4 * H)])
    with pytest.raises(ValueError, match="bias=False, but the converted bias_ih is non-zero"):
        convert.load_keras_lstm(LSTM(I, H, bias=False),
                                [random(rng, I, 4 * H), random(rng, H, 4 * H), random(rng, 4 * H)])
    with pytest.raises(RuntimeError, match="size mismatch for weight_ih_l0"):  # input sizes disagree
        convert.load_keras_lstm(LSTM(I + 1, H), [random(rng, I, 4 * H), random(rng, H, 4 * H)])


# ----------------------------------------------------------------------------- PyTorch

def test_torch_state_dict_both_ways():
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(5).standard_normal((T, B, I)).astype(np.float32)
    torch_layer = torch.nn.GRU(I, H, num_layers=2, bidirectional=True)
    layer = GRU(I, H, num_layers=2, bidirectional=True)
    layer.load_state_dict(convert.state_dict_from_torch(torch_layer.state_dict()))
    np.testing.assert_allclose(run(layer, x).astype(np.float32), torch_layer(torch.tensor(x))[0].detach().numpy(),
                               rtol=1e-5, atol=1e-6)

    back = torch.nn.LSTM(I, H)
    source = LSTM(I, H)
    back.load_state_dict(convert.state_dict_to_torch(source, as_torch=True))
    np.testing.assert_allclose(back(torch.tensor(x))[0].detach().numpy(),
                               source(mg.tensor(x))[0].numpy(), rtol=1e-5, atol=1e-6)
    arrays = convert.state_dict_to_torch(source)
    assert list(arrays) == list(back.state_dict()) and all(isinstance(a, np.ndarray) for a in arrays.values())
