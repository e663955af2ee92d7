"""fit / evaluate / predict: loss goes down, early stopping restores the best weights, a NaN loss
stops before the optimizer step, and eval mode is restored."""
import math

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.optim as optim
from minigrad.data import DataLoader, TensorDataset
from minigrad.train import History, NonFiniteLossError, evaluate, fit, predict


def regression_data(n=64, slope=2.0, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 1))
    return TensorDataset(X, slope * X + 0.5)


def snapshot(model):
    return {k: v.numpy().copy() for k, v in model.state_dict().items()}


def test_fit_reduces_the_loss():
    mg.manual_seed(0)
    model = nn.Linear(1, 1)
    data = regression_data()
    history = fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1),
                  DataLoader(data, batch_size=16, shuffle=True), epochs=10, progress=False)
    assert isinstance(history, History) and history.epochs == list(range(1, 11))
    assert len(history["loss"]) == 10 and "val_loss" not in history
    assert history["loss"][-1] < 0.01 * history["loss"][0]
    assert history.stopped_reason is None and history.best_epoch is None


def test_metrics_and_validation_are_logged():
    mg.manual_seed(0)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 2))
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    data = TensorDataset(X, y)
    model = nn.Linear(2, 2)
    history = fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.5),
                  DataLoader(data, batch_size=32, shuffle=True), DataLoader(data, batch_size=100), epochs=5,
                  metrics=["accuracy", ("fraction_one", lambda p, t: float(np.mean(t)))], progress=False)
    assert set(history.history) == {"loss", "accuracy", "fraction_one", "val_loss", "val_accuracy",
                                    "val_fraction_one"}
    assert history.last("val_accuracy") > 0.9
    assert history["val_fraction_one"][-1] == pytest.approx(y.mean())
    assert evaluate(model, DataLoader(data, 50), nn.CrossEntropyLoss(), ["accuracy"]) == \
        pytest.approx({"loss": history.last("val_loss"), "accuracy": history.last("val_accuracy")})


def test_early_stopping_restores_the_best_weights():
    # Train on y = 2x from w = 0, validate on y = x: the validation loss falls until w passes 1,
    # then rises, so training stops `patience` epochs after the best one.
    mg.manual_seed(0)
    model = nn.Linear(1, 1, bias=False)
    with mg.no_grad():
        model.weight.zero_()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(32, 1))
    train, val = TensorDataset(X, 2 * X), TensorDataset(X, 1 * X)
    weights = {}

    def remember(epoch, history):
        weights[epoch] = snapshot(model)

    history = fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.05), DataLoader(train, 8),
                  DataLoader(val, 32), epochs=50, early_stopping=3, progress=False, on_epoch_end=remember)
    val_loss = history["val_loss"]
    best = int(np.argmin(val_loss)) + 1
    assert history.stopped_reason == "early_stopping" and history.best_epoch == best
    assert history.stopped_epoch == best + 3 == len(val_loss) < 50
    assert history.restored_best and history.best_val_loss == min(val_loss)
    np.testing.assert_array_equal(model.weight.numpy(), weights[best]["weight"])
    assert not np.array_equal(weights[best]["weight"], weights[history.stopped_epoch]["weight"])
    assert evaluate(model, DataLoader(val, 32), nn.MSELoss())["loss"] == pytest.approx(min(val_loss))


def test_early_stopping_without_restore_keeps_the_last_weights():
    model = nn.Linear(1, 1, bias=False)
    with mg.no_grad():
        model.weight.zero_()
    X = np.linspace(-1, 1, 16).reshape(-1, 1)
    weights = {}
    history = fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1),
                  DataLoader(TensorDataset(X, 2 * X), 4), DataLoader(TensorDataset(X, X), 16),
                  epochs=50, early_stopping=2, restore_best=False, progress=False,
                  on_epoch_end=lambda epoch, h: weights.update({epoch: model.weight.item()}))
    assert history.stopped_reason == "early_stopping" and not history.restored_best
    assert history.epochs[-1] > history.best_epoch
    assert model.weight.item() == weights[history.epochs[-1]] != weights[history.best_epoch]


def test_early_stopping_needs_validation():
    model = nn.Linear(1, 1)
    with pytest.raises(ValueError, match="val_loader"):
        fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), DataLoader(regression_data()),
            early_stopping=2)


class NanAtCall:
    """MSE, except that call number ``bad_call`` returns NaN; records the parameters at each call."""

    def __init__(self, model, bad_call):
        self.model, self.bad_call, self.calls, self.seen = model, bad_call, 0, []

    def __call__(self, pred, target):
        self.calls += 1
        self.seen.append(snapshot(self.model))
        loss = nn.functional.mse_loss(pred, target)
        return loss * math.nan if self.calls == self.bad_call else loss


class CountingSGD(optim.SGD):
    steps = 0

    def step(self, *args, **kwargs):
        CountingSGD.steps += 1
        return super().step(*args, **kwargs)


def test_nan_loss_stops_before_the_optimizer_step():
    mg.manual_seed(0)
    model = nn.Linear(1, 1)
    loss_fn = NanAtCall(model, bad_call=7)                 # epoch 2, step 3 with 4 batches per epoch
    CountingSGD.steps = 0
    with pytest.raises(NonFiniteLossError, match="epoch 2, step 3") as info:
        fit(model, loss_fn, CountingSGD(model.parameters(), lr=0.1), DataLoader(regression_data(64), 16),
            epochs=5, progress=False)
    assert (info.value.epoch, info.value.step) == (2, 3) and CountingSGD.steps == 6
    assert info.value.history.epochs == [1] and "nan" in str(info.value)
    after = snapshot(model)
    for key, value in after.items():
        assert np.isfinite(value).all()
        np.testing.assert_array_equal(value, loss_fn.seen[-1][key])        # the pre-step values
    assert not np.array_equal(after["weight"], loss_fn.seen[0]["weight"])  # earlier steps did run


@pytest.mark.filterwarnings("ignore:divide by zero")
def test_non_finite_gradient_stops_before_the_optimizer_step():
    model = nn.Linear(1, 1)
    before = snapshot(model)

    def sqrt_of_zero(pred, target):                        # loss 0, gradient inf * 0 = nan
        return ((pred - pred.detach()) ** 2).sqrt().mean()

    with pytest.raises(NonFiniteLossError, match="gradient of parameter .* epoch 1, step 1"):
        fit(model, sqrt_of_zero, optim.SGD(model.parameters(), lr=0.1), DataLoader(regression_data(8), 4),
            progress=False)
    for key, value in snapshot(model).items():
        np.testing.assert_array_equal(value, before[key])


class ModeRecorder(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(1, 1)
        self.modes = []

    def forward(self, x):
        self.modes.append(self.training)
        return self.linear(x)


@pytest.mark.parametrize("start_in_train_mode", [True, False])
def test_evaluate_and_predict_run_in_eval_mode_and_restore_it(start_in_train_mode):
    model = ModeRecorder()
    model.train(start_in_train_mode)
    data = regression_data(10)
    evaluate(model, DataLoader(data, 4), nn.MSELoss())
    assert model.training is start_in_train_mode and model.linear.training is start_in_train_mode
    out = predict(model, DataLoader(data, 4))
    assert out.shape == (10, 1) and not out.requires_grad
    assert model.training is start_in_train_mode
    assert model.modes == [False] * 6


def test_predict_on_tensors_and_arrays_in_chunks():
    model = nn.Linear(3, 2)
    X = np.random.default_rng(0).normal(size=(10, 3))
    whole = predict(model, mg.tensor(X))
    np.testing.assert_allclose(predict(model, X, batch_size=3).numpy(), whole.numpy(), rtol=1e-6)
    np.testing.assert_allclose(whole.numpy(), model(mg.tensor(X)).detach().numpy(), rtol=1e-6)


def test_grad_clip_bounds_the_update():
    model = nn.Linear(1, 1)
    before = snapshot(model)
    X = np.full((4, 1), 100.0)
    fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=1.0), DataLoader(TensorDataset(X, -X), 4),
        grad_clip=0.1, progress=False)
    change = np.sqrt(sum(np.sum((snapshot(model)[k] - before[k]) ** 2) for k in before))
    assert change == pytest.approx(0.1, rel=1e-3)


def test_on_epoch_end_can_stop():
    model = nn.Linear(1, 1)
    history = fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), DataLoader(regression_data(8), 4),
                  epochs=10, progress=False, on_epoch_end=lambda epoch, history: epoch == 3)
    assert history.epochs == [1, 2, 3] and history.stopped_reason == "callback"


def test_progress_modes(capsys):
    def run(progress):
        model = nn.Linear(1, 1)
        fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.1), DataLoader(regression_data(8), 4),
            epochs=2, progress=progress)
        return capsys.readouterr()

    assert run(False).out == "" and run(False).err == ""
    lines = run(True).out.splitlines()                     # captured output is not a TTY: one line per epoch
    assert len(lines) == 2 and lines[0].startswith("epoch 1/2  loss ")
    bar = run("bar")
    assert "epoch 2/2" in bar.err and bar.out == ""


def test_history_plot_and_frame(tmp_path):
    history = History()
    for epoch in (1, 2, 3):
        history.log(epoch, {"loss": 1.0 / epoch, "val_loss": 1.2 / epoch, "accuracy": 0.5 + 0.1 * epoch}, 0.1)
    path = history.plot(tmp_path / "curves" / "learning.png")
    with open(path, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    frame = history.to_frame()
    assert list(frame.index) == [1, 2, 3] and list(frame.columns) == ["loss", "val_loss", "accuracy"]
    assert history.seconds == pytest.approx(0.3) and "3 epochs" in repr(history)
