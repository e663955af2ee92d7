"""Facts the first-half examples (07-12) rest on, checked directly on their building blocks."""
import importlib

import numpy as np
import pytest

import minigrad as mg
import minigrad.optim as optim


def example(name: str):
    return importlib.import_module(f"minigrad.examples.{name}")


# -- 11: backprop by hand ----------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_hand_gradients_and_update_equal_autograd_and_sgd(seed):
    ex = example("11_backprop_by_hand")
    rng = np.random.default_rng(seed)
    params = {"W1": rng.normal(size=(3, 4)), "b1": rng.normal(size=3),
              "W2": rng.normal(size=(2, 3)), "b2": rng.normal(size=2)}
    x, y = rng.normal(size=4), rng.normal(size=2)
    E, _, grads_hand, updated_hand = ex.hand_step(params, x, y, lr=0.3)
    model = ex.make_model(params)
    E_auto, grads_auto = ex.autograd_step(model, optim.SGD(model.parameters(), lr=0.3), x, y)
    assert E == pytest.approx(E_auto, abs=1e-12)
    assert ex.max_diff(grads_hand, grads_auto) < 1e-12
    assert ex.max_diff(updated_hand, ex.model_params(model)) < 1e-12


def test_hand_gradient_matches_finite_differences():
    """The hand-written chain rule is right on its own, not only in agreement with autograd."""
    ex = example("11_backprop_by_hand")
    rng = np.random.default_rng(3)
    params = {"W1": rng.normal(size=(3, 4)), "b1": rng.normal(size=3),
              "W2": rng.normal(size=(2, 3)), "b2": rng.normal(size=2)}
    x, y = rng.normal(size=4), rng.normal(size=2)
    _, _, grads, _ = ex.hand_step(params, x, y, lr=0.0)
    h = 1e-6
    for name in ex.NAMES:
        for index in np.ndindex(params[name].shape):
            up = {k: v.copy() for k, v in params.items()}
            down = {k: v.copy() for k, v in params.items()}
            up[name][index] += h
            down[name][index] -= h
            numeric = (ex.hand_step(up, x, y, 0.0)[0] - ex.hand_step(down, x, y, 0.0)[0]) / (2 * h)
            assert grads[name][index] == pytest.approx(numeric, abs=1e-7)


# -- 08: activations ---------------------------------------------------------------------------
def test_every_activation_derivative_matches_the_slide_formula():
    ex = example("08_activations")
    results = ex.check_all(np.linspace(-4, 4, 100))
    assert set(results) == {"identity", "binary step", "sigmoid", "tanh", "arctan", "ReLU", "PReLU", "ELU",
                            "softplus"}
    for name, (_, _, _, vs_formula, vs_numeric) in results.items():
        assert vs_formula < 1e-5, name
        assert vs_numeric < 1e-5, name


def test_binary_step_gradient_is_zero_and_straight_through_is_one():
    import minigrad.nn as nn

    ex = example("08_activations")
    x = np.linspace(-2, 2, 9)
    assert np.all(ex.autograd_derivative(nn.BinaryStep(), x)[1] == 0)
    assert np.all(ex.autograd_derivative(nn.BinaryStep(straight_through=True), x)[1] == 1)


# -- 09: initialisation -------------------------------------------------------------------------
def _small_digits():
    from minigrad.data import load_digits

    X, y = load_digits()
    return X[:300] / 16.0, X[300:400] / 16.0, y[:300], y[300:400]


@pytest.mark.parametrize("name", ["constant 0", "constant 1"])
def test_constant_init_keeps_hidden_units_identical(name):
    # Judged in float64: in float32 the BLAS kernel's summation order may differ between output
    # columns on some CPUs, and training grows that rounding (see the example's docstring).
    ex = example("09_initialisation")
    _, model, history = ex.train(name, _small_digits(), epochs=3, seed=0, dtype=mg.float64)
    assert len(history.epochs) == 3
    assert model[0].weight.dtype == mg.float64
    assert ex.unit_spread(model) < 1e-6


@pytest.mark.parametrize("name", ["constant 0", "constant 1"])
def test_constant_init_in_float32_stays_far_below_a_random_spread(name):
    ex = example("09_initialisation")
    _, constant, _ = ex.train(name, _small_digits(), epochs=3, seed=0)
    _, random, _ = ex.train("He (Kaiming) normal", _small_digits(), epochs=3, seed=0)
    assert ex.unit_spread(constant) < 1e-2 * ex.unit_spread(random)


def test_random_init_breaks_the_symmetry():
    ex = example("09_initialisation")
    start, model, _ = ex.train("He (Kaiming) normal", _small_digits(), epochs=3, seed=0)
    assert np.ptp(start, axis=0).max() > 0.1
    assert ex.unit_spread(model) > 0.1


# -- 12: the stock MLP ----------------------------------------------------------------------------
def test_stock_mlp_has_the_course_layers_and_initialisation():
    import minigrad.nn as nn

    ex = example("12_stock_mlp")
    mg.manual_seed(0)
    model = ex.make_model(100)
    linears = [m for m in model if isinstance(m, nn.Linear)]
    sizes = [(m.in_features, m.out_features) for m in linears]
    assert sizes == [(100, 1024), (1024, 512), (512, 256), (256, 128), (128, 1)]
    assert sum(isinstance(m, nn.ReLU) for m in model) == 4 and isinstance(model[-1], nn.Linear)
    for m in linears[:-1]:
        w = m.weight.numpy()
        std = np.sqrt(1.0 / ((m.in_features + m.out_features) / 2))   # TF variance scaling, fan_avg, scale 1
        assert w.std() == pytest.approx(std, rel=0.05)
        assert np.abs(w).max() <= 2 * std / 0.87962566103423978 + 1e-6  # truncated at ±2σ of the untruncated normal
        assert np.all(m.bias.numpy() == 0)


def test_stock_recipe_scales_on_the_training_part_only():
    """A target that is a fixed sum of the stocks: the scaler is fitted on the first 80 %, so the
    scaled training target spans exactly [-1, 1] and the naive baseline is the training mean."""
    ex = example("12_stock_mlp")
    mg.manual_seed(0)
    rng = np.random.default_rng(0)
    stocks = 50 + rng.normal(size=(200, 5)).cumsum(axis=0)
    data = np.column_stack([stocks.sum(axis=1), stocks])
    run = ex.train_and_test(data, epochs=2, batch_size=64)
    assert len(run["y_test"]) == 40 and run["n_train"] == 160
    train_target = data[:160, 0]
    scaled = 2 * (train_target - train_target.min()) / np.ptp(train_target) - 1
    assert run["naive"] == pytest.approx(scaled.mean())
    assert run["unscale"](1.0) == pytest.approx(train_target.max())
