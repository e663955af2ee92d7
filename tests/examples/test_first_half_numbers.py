"""The exact numbers of the course's first half (perceptron and MLP), computed with minigrad ops."""
import importlib

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn.functional as F

softmax_example = importlib.import_module("minigrad.examples.02_softmax_regression")

SLIDE_P = np.array([[0.1, 0.1, 0.8], [0.6, 0.2, 0.2], [0.01, 0.97, 0.02]])
SLIDE_Y = np.array([2, 2, 1])


def test_the_example_holds_the_slides_table():
    np.testing.assert_array_equal(softmax_example.SLIDE_SOFTMAX, SLIDE_P)
    np.testing.assert_array_equal(softmax_example.SLIDE_ACTUAL, SLIDE_Y)


@pytest.mark.parametrize("dtype", [mg.float32, mg.float64])
def test_p4_accuracy_and_cross_entropy(dtype):
    accuracy, cross_entropy = softmax_example.evaluate_softmax(mg.tensor(SLIDE_P, dtype=dtype), mg.tensor(SLIDE_Y))
    assert accuracy == pytest.approx(2 / 3, abs=1e-7)                  # the slide's 66.67 %
    expected = np.mean(-np.log(SLIDE_P[np.arange(3), SLIDE_Y]))          # (-ln .8 - ln .2 - ln .97) / 3
    assert expected == pytest.approx(0.621014, abs=1e-6)
    assert cross_entropy == pytest.approx(expected, rel=1e-6)


def test_p4_cross_entropy_is_what_the_loss_function_computes():
    # rows that already sum to 1: log_softmax(log p) = log p, so cross_entropy on log p is the table's value
    log_p = mg.tensor(SLIDE_P, dtype=mg.float64).log()
    assert F.cross_entropy(log_p, mg.tensor(SLIDE_Y)).item() == pytest.approx(0.6210135570776728, rel=1e-12)
    assert F.nll_loss(log_p, mg.tensor(SLIDE_Y)).item() == pytest.approx(0.6210135570776728, rel=1e-12)


def test_slide_numbers_are_reproduced_and_printed(capsys):
    accuracy, cross_entropy, reproduced = softmax_example.slide_numbers()
    assert reproduced
    out = capsys.readouterr().out
    assert "Accuracy = 66.67%" in out and "Cross-entropy = 0.6210" in out
    assert "[0,0,1]  [0,0,1]" in out and "[1,0,0]  [0,0,1]" in out and "[0,1,0]  [0,1,0]" in out


def test_p18_gradient_of_the_squared_error_loss():
    # Loss = sum 1/2 (predicted - actual)^2, so dLoss/dpredicted = predicted - actual
    predicted = mg.tensor([[0.1, 0.1, 0.8], [0.6, 0.2, 0.2]], requires_grad=True)
    actual = mg.tensor([[0.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
    loss = (0.5 * (predicted - actual) ** 2).sum()
    loss.backward()
    np.testing.assert_allclose(predicted.grad.numpy(), (predicted - actual).numpy(), rtol=1e-6)
    assert loss.item() == pytest.approx(0.5 * (0.01 + 0.01 + 0.04 + 0.36 + 0.04 + 0.64), rel=1e-6)


def test_p11_hidden_sizes_8_3_5_parameter_count():
    mlp = importlib.import_module("minigrad.examples.05_mlp_digits").mlp
    # the course's 784 -> 8 -> 3 -> 5 hidden layers, with 10 classes out: weights + biases of 4 layers
    model = mlp(784, [8, 3, 5], 10)
    assert sum(p.numel() for p in model.parameters()) == (784 * 8 + 8) + (8 * 3 + 3) + (3 * 5 + 5) + (5 * 10 + 10)
    assert [m.out_features for m in model if hasattr(m, "out_features")] == [8, 3, 5, 10]
