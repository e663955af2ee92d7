"""Layers against PyTorch (weights copied across): Linear, Flatten, Unflatten, Dropout, Embedding,
BatchNorm1d/2d — values, gradients, running statistics, train/eval, errors."""
from __future__ import annotations

import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from nn_oracle import DTYPES, assert_close, compare, compare_modules, copy_to_torch, torch_or_skip

torch = torch_or_skip()


def data(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def cast(module, dtype):
    return module.double() if dtype == "float64" else module


# ---------------------------------------------------------------- Linear -----------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(5, 4), (4,), (2, 3, 4)])
def test_linear_matches_torch(shape, bias, dtype):
    layer = cast(nn.Linear(4, 3, bias=bias), dtype)
    reference = copy_to_torch(layer, torch.nn.Linear(4, 3, bias=bias), dtype)
    out, _ = compare_modules(layer, reference, data(*shape), dtype=dtype)
    assert out.shape == shape[:-1] + (3,)
    assert out.dtype == np.dtype(dtype)


def test_linear_parameters_names_shapes_and_default_init():
    mg.manual_seed(0)
    layer = nn.Linear(50, 20)
    assert [(n, p.shape) for n, p in layer.named_parameters()] == [("weight", (20, 50)), ("bias", (20,))]
    assert layer.weight.dtype == mg.float32 and layer.weight.requires_grad
    bound = 1 / math.sqrt(50)  # kaiming_uniform_(a=√5) on fan_in 50 gives U(-1/√50, 1/√50)
    for p in layer.parameters():
        assert np.abs(p.numpy()).max() <= bound
        assert np.abs(p.numpy()).max() > 0.8 * bound
    assert np.std(layer.weight.numpy()) == pytest.approx(bound / math.sqrt(3), rel=0.1)
    mg.manual_seed(0)
    np.testing.assert_array_equal(nn.Linear(50, 20).weight.numpy(), layer.weight.numpy())
    assert nn.Linear(3, 2, bias=False).bias is None
    assert [n for n, _ in nn.Linear(3, 2, bias=False).named_parameters()] == ["weight"]


def test_linear_gradcheck_and_shape_error():
    layer = nn.Linear(3, 2).double()
    x = mg.tensor(data(4, 3), dtype=mg.float64, requires_grad=True)
    assert mg.autograd.gradcheck(lambda x, w, b: F.linear(x, w, b), (x, layer.weight, layer.bias))
    x3 = mg.tensor(data(2, 2, 3), dtype=mg.float64, requires_grad=True)
    assert mg.autograd.gradcheck(lambda x, w, b: F.linear(x, w, b), (x3, layer.weight, layer.bias))
    with pytest.raises(ValueError, match=r"linear: input of shape \(4, 5\) has 5 features, but the weight of "
                                         r"shape \(2, 3\) \(\[out_features, in_features\]\) expects 3"):
        layer(mg.randn(4, 5))



def test_linear_is_one_graph_node_with_c_contiguous_weight_gradient():
    layer = nn.Linear(4, 3)
    out = layer(mg.randn(5, 4))
    assert out.grad_fn.name() == "LinearBackward"
    assert [t is not None for t in out.grad_fn.inputs] == [False, True, True]
    out.sum().backward()
    assert layer.weight.grad.numpy().flags.c_contiguous


@pytest.mark.parametrize("bias_shape", [(3,), (1,), (1, 3), (5, 3)])
def test_linear_bias_broadcasts_as_torch(bias_shape):
    x, w, b = data(5, 4), data(3, 4, seed=1), data(*bias_shape, seed=2)
    tensors = [mg.tensor(a, dtype=mg.float64, requires_grad=True) for a in (x, w, b)]
    F.linear(*tensors).sum().backward()
    reference = [torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    torch.nn.functional.linear(*reference).sum().backward()
    for ours, theirs in zip(tensors, reference):
        assert_close(ours.grad.numpy(), theirs.grad.numpy())
    with pytest.raises(ValueError, match=r"linear: bias of shape \(4,\) does not match the 3 output "):
        F.linear(mg.randn(5, 4), mg.randn(3, 4), mg.randn(4))

# ---------------------------------------------------------------- Flatten ----------------------
@pytest.mark.parametrize("start,end", [(1, -1), (0, -1), (1, 2), (2, 3)])
def test_flatten_matches_torch(start, end):
    compare(nn.Flatten(start, end), torch.nn.Flatten(start, end), data(2, 3, 4, 5))
    assert repr(nn.Flatten()) == repr(torch.nn.Flatten())


def test_unflatten_matches_torch():
    compare(nn.Unflatten(1, (3, 4)), torch.nn.Unflatten(1, (3, 4)), data(2, 12, 5))
    compare(nn.Unflatten(-1, (2, -1)), torch.nn.Unflatten(-1, (2, -1)), data(2, 12))
    with pytest.raises(ValueError, match=r"dim 1 of the input of shape \(2, 10\) has size 10, which cannot be "
                                         r"unflattened into \(3, 4\)"):
        nn.Unflatten(1, (3, 4))(mg.randn(2, 10))


# ---------------------------------------------------------------- Dropout ----------------------
def test_dropout_training_zeroes_and_rescales():
    mg.manual_seed(1)
    layer = nn.Dropout(0.25)
    x = mg.ones(200, 100, requires_grad=True)
    out = layer(x)
    values = out.numpy()
    dropped = (values == 0).mean()
    assert dropped == pytest.approx(0.25, abs=0.01)
    np.testing.assert_allclose(values[values != 0], 1 / 0.75, rtol=1e-6)  # inverted dropout
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), values)  # the same mask and scale


def test_dropout_is_reproducible_under_manual_seed_and_identity_in_eval():
    x = mg.randn(10, 10)
    mg.manual_seed(7)
    first = nn.Dropout()(x).numpy()
    mg.manual_seed(7)
    np.testing.assert_array_equal(nn.Dropout()(x).numpy(), first)
    layer = nn.Dropout(0.5).eval()
    assert layer(x) is x
    assert F.dropout(x, 0.5, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert not np.any(F.dropout(x, 1.0).numpy())
    assert F.dropout(mg.randn(3, dtype=mg.float64), 0.5).dtype == mg.float64


def test_dropout_gradcheck_with_fixed_mask():
    x = mg.tensor(data(3, 4), dtype=mg.float64, requires_grad=True)

    def fn(x):
        mg.manual_seed(3)  # the same mask on every evaluation
        return F.dropout(x, 0.4)
    assert mg.autograd.gradcheck(fn, (x,))


def test_dropout_probability_error_and_repr():
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match="but got -0.1"):
        F.dropout(mg.randn(2), -0.1)
    assert repr(nn.Dropout(0.3)) == repr(torch.nn.Dropout(0.3)) == "Dropout(p=0.3, inplace=False)"


# ---------------------------------------------------------------- Embedding --------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding_matches_torch(padding_idx, dtype):
    layer = cast(nn.Embedding(6, 3, padding_idx=padding_idx), dtype)
    reference = copy_to_torch(layer, torch.nn.Embedding(6, 3, padding_idx=padding_idx), dtype)
    ids = np.array([[0, 2, 5, 2], [5, 5, 1, 2]])  # repeats: gradients must accumulate
    out, _ = compare_modules(layer, reference, ids, dtype=dtype)
    assert out.shape == (2, 4, 3)
    assert repr(layer) == repr(reference)


def test_embedding_init_padding_and_repeated_indices():
    mg.manual_seed(0)
    layer = nn.Embedding(1000, 20, padding_idx=3)
    w = layer.weight.numpy()
    assert not np.any(w[3])
    assert w.mean() == pytest.approx(0, abs=0.01) and w.std() == pytest.approx(1, abs=0.02)  # N(0, 1)
    out = layer(mg.tensor([1, 1, 1, 3]))
    out.sum().backward()
    np.testing.assert_array_equal(layer.weight.grad.numpy()[1], np.full(20, 3.0))  # three uses, summed
    assert not np.any(layer.weight.grad.numpy()[3])  # padding row gets no gradient


def test_embedding_errors_and_from_pretrained():
    layer = nn.Embedding(10, 3)
    with pytest.raises(IndexError, match=r"embedding: index 12 is out of range for 10 embeddings \(valid indices 0..9\)"):
        layer(mg.tensor([1, 12]))
    with pytest.raises(IndexError, match="index -1 is out of range for 10 embeddings"):
        layer(mg.tensor([-1, 2]))
    with pytest.raises(TypeError, match="embedding: indices must be an integer tensor, got dtype float32"):
        layer(mg.tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match="padding_idx 10 is out of range for 10 embeddings"):
        nn.Embedding(10, 3, padding_idx=10)
    table = mg.tensor(data(4, 2))
    frozen = nn.Embedding.from_pretrained(table)
    assert not frozen.weight.requires_grad
    np.testing.assert_array_equal(frozen(mg.tensor([3])).numpy(), table.numpy()[[3]])
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad


def test_embedding_gradcheck():
    layer = nn.Embedding(5, 3).double()
    ids = mg.tensor([[0, 4], [4, 4]])
    assert mg.autograd.gradcheck(lambda w: F.embedding(ids, w), (layer.weight,))


# ---------------------------------------------------------------- BatchNorm --------------------
BN_CASES = {
    "1d-2d": (lambda **k: nn.BatchNorm1d(3, **k), lambda **k: torch.nn.BatchNorm1d(3, **k), (8, 3)),
    "1d-3d": (lambda **k: nn.BatchNorm1d(3, **k), lambda **k: torch.nn.BatchNorm1d(3, **k), (4, 3, 5)),
    "2d": (lambda **k: nn.BatchNorm2d(3, **k), lambda **k: torch.nn.BatchNorm2d(3, **k), (4, 3, 2, 5)),
}


def _randomise_affine(layer):
    if layer.weight is not None:
        layer.weight.data[...] = np.random.default_rng(9).random(layer.num_features) + 0.5
    if layer.bias is not None:
        layer.bias.data[...] = np.random.default_rng(10).standard_normal(layer.num_features)
    return layer


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", BN_CASES)
@pytest.mark.parametrize("options", [{}, {"affine": False}, {"bias": False}, {"momentum": None},
                                     {"track_running_stats": False}],
                         ids=["default", "no-affine", "no-bias", "cumulative", "no-running-stats"])
def test_batchnorm_matches_torch_in_training_and_eval(options, case, dtype):
    make, make_torch, shape = BN_CASES[case]
    layer = cast(_randomise_affine(make(**options)), dtype)
    reference = copy_to_torch(layer, make_torch(**options), dtype)
    for step in range(3):  # running statistics accumulate over steps as torch's do
        x = data(*shape, seed=step) * 2 + 1
        layer.zero_grad()
        reference.zero_grad()
        compare_modules(layer, reference, x, dtype=dtype, scale=5)
        for name, buffer in reference.named_buffers():
            assert_close(dict(layer.named_buffers())[name].numpy(), buffer.numpy(), dtype, name, scale=5)
    layer.eval()
    reference.eval()
    layer.zero_grad()
    reference.zero_grad()
    compare_modules(layer, reference, data(*shape, seed=5), dtype=dtype, scale=5)


def test_batchnorm_buffers_state_dict_and_repr_match_torch():
    ours, theirs = nn.BatchNorm2d(4), torch.nn.BatchNorm2d(4)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == [
        "weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert ours.num_batches_tracked.dtype == mg.int64
    assert repr(ours) == repr(theirs)
    assert repr(nn.BatchNorm1d(3, momentum=None, affine=False)) == repr(
        torch.nn.BatchNorm1d(3, momentum=None, affine=False))
    assert list(nn.BatchNorm1d(2, track_running_stats=False).state_dict()) == ["weight", "bias"]
    ours(mg.randn(2, 4, 3, 3))
    ours(mg.randn(2, 4, 3, 3))
    assert ours.num_batches_tracked.item() == 2
    ours.eval()(mg.randn(2, 4, 3, 3))
    assert ours.num_batches_tracked.item() == 2


@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_gradcheck(training):
    layer = _randomise_affine(nn.BatchNorm2d(2)).double().train(training)
    layer.running_var.data[...] = [0.5, 2.0]
    x = mg.tensor(data(3, 2, 2, 2), dtype=mg.float64, requires_grad=True)

    def fn(x, w, b):  # F.batch_norm with no running stats to update: gradcheck calls it many times
        if training:
            return F.batch_norm(x, None, None, w, b, training=True)
        return F.batch_norm(x, layer.running_mean, layer.running_var, w, b, training=False)
    assert mg.autograd.gradcheck(fn, (x, layer.weight, layer.bias))


def test_batchnorm_errors_carry_the_numbers():
    with pytest.raises(ValueError, match=r"BatchNorm1d: expected 2D or 3D input, got 4D input of shape \(2, 3, 4, 4\)"):
        nn.BatchNorm1d(3)(mg.randn(2, 3, 4, 4))
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected 4D input, got 2D input of shape \(2, 3\)"):
        nn.BatchNorm2d(3)(mg.randn(2, 3))
    with pytest.raises(ValueError, match=r"input of shape \(5, 4\) has 4 channels, but running_mean has shape \(3,\)"):
        nn.BatchNorm1d(3)(mg.randn(5, 4))
    with pytest.raises(ValueError, match=r"expected more than 1 value per channel when training, got input of "
                                         r"shape \(1, 3\)"):
        nn.BatchNorm1d(3)(mg.randn(1, 3))
    nn.BatchNorm1d(3).eval()(mg.randn(1, 3))  # a single sample is fine in eval mode


def test_batchnorm_eval_uses_running_statistics():
    layer = nn.BatchNorm1d(2).double()
    layer.running_mean.data[...] = [1.0, -1.0]
    layer.running_var.data[...] = [4.0, 0.25]
    layer.eval()
    out = layer(mg.tensor([[3.0, 0.0]], dtype=mg.float64))
    np.testing.assert_allclose(out.numpy(), [[2 / math.sqrt(4 + 1e-5), 1 / math.sqrt(0.25 + 1e-5)]])


def test_functional_layer_errors_carry_the_numbers():
    with pytest.raises(ValueError, match="embedding: padding_idx -7 is out of range for 6 embeddings"):
        F.embedding(mg.tensor([0]), mg.randn(6, 2), padding_idx=-7)
    with pytest.raises(ValueError, match=r"Embedding: weight of shape \(3, 2\) does not match \(4, 2\)"):
        nn.Embedding(4, 2, _weight=mg.randn(3, 2))
    with pytest.raises(ValueError, match=r"embeddings must be 2-D, got shape \(3,\)"):
        nn.Embedding.from_pretrained(mg.randn(3))
    with pytest.raises(ValueError, match=r"batch_norm: expected an input with a channel dim \(N, C, ...\), got shape \(3,\)"):
        F.batch_norm(mg.randn(3), None, None, training=True)
    with pytest.raises(ValueError, match="running_mean and running_var are needed when not training"):
        F.batch_norm(mg.randn(3, 2), None, None, training=False)
    with pytest.raises(ValueError, match=r"input of shape \(3, 2\) has 2 channels, but weight has shape \(5,\)"):
        F.batch_norm(mg.randn(3, 2), None, None, weight=mg.ones(5), training=True)
    with pytest.raises(ValueError, match=r"prelu: weight must be 1-D, got shape \(2, 2\)"):
        F.prelu(mg.randn(3, 2), mg.ones(2, 2))
    with pytest.raises(ValueError, match="input must have a class dim, got a 0-d tensor"):
        F.cross_entropy(mg.tensor(1.0), mg.tensor(0))
    with pytest.raises(ValueError, match="CrossEntropyLoss: label_smoothing must be in \\[0, 1\\], got -0.1"):
        nn.CrossEntropyLoss(label_smoothing=-0.1)


def test_functional_accepts_numpy_inputs():
    x = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)
    assert F.relu(x).shape == (3, 4) and F.softmax(x, dim=1).dtype == mg.float32
    assert F.cross_entropy(x, np.array([0, 1, 3])).shape == ()
    assert F.one_hot(np.array([0, 2]), 3).tolist() == [[1, 0, 0], [0, 0, 1]]
