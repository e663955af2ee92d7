"""Gradient flow and training health during fit, through fit's callbacks."""
import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.optim as optim
from minigrad.data import DataLoader, TensorDataset
from minigrad.health import HealthMonitor
from minigrad.train import fit


def data(n=48, features=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, features)).astype(np.float32)
    return X, (X.sum(1, keepdims=True) > 0).astype(np.float32)


def mlp():
    mg.manual_seed(0)
    return nn.Sequential(nn.Linear(5, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 1))


def test_gradient_flow_collects_one_norm_per_layer_per_step(tmp_path):
    model, (X, y) = mlp(), data()
    flow = mg.viz.GradientFlow(model)
    fit(model, nn.BCEWithLogitsLoss(), optim.SGD(model.parameters(), lr=0.1),
        DataLoader(TensorDataset(X, y), batch_size=16), epochs=2, progress=False, callbacks=[flow])
    assert list(flow.norms) == ["0", "2", "4"]
    assert all(len(values) == 6 for values in flow.norms.values())          # 3 steps x 2 epochs
    assert flow.steps[0] == (1, 1) and flow.steps[-1] == (2, 3)
    assert all(np.isfinite(v) and v > 0 for values in flow.norms.values() for v in values)
    assert flow.to_frame().shape == (6, 3)
    path = flow.plot(tmp_path / "flow.png")
    assert (tmp_path / "flow.png").stat().st_size > 0 and path.endswith("flow.png")


def test_the_recorded_norm_is_the_norm_of_the_layers_gradients():
    model = mlp()
    flow = mg.viz.GradientFlow(model)
    model(mg.randn(4, 5)).sum().backward()
    flow.record()
    expected = np.sqrt(sum((p.grad.numpy().astype(np.float64) ** 2).sum() for p in model[2].parameters()))
    assert flow.norms["2"][0] == pytest.approx(expected)


class Recurrent(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(3, 4, batch_first=True)
        self.head = nn.Linear(4, 1)

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out[:, -1])


def test_per_time_step_norms_for_a_recurrent_layer(tmp_path):
    mg.manual_seed(0)
    model = Recurrent()
    X = np.random.default_rng(0).standard_normal((16, 7, 3)).astype(np.float32)
    flow = mg.viz.GradientFlow(model)
    fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.05),
        DataLoader(TensorDataset(X, X[:, 0, :1].copy()), batch_size=8), epochs=1, progress=False, callbacks=[flow])
    series = flow.time_norms["lstm"]
    assert len(series) == 2 and series[-1].shape == (7,)
    np.testing.assert_allclose(series[-1], mg.viz.hidden_grad_norms(model.lstm))
    assert series[-1][-1] > series[-1][0]          # the loss reads the last step: it gets the most gradient
    flow.plot_time_steps(tmp_path / "t.png")
    flow.plot(tmp_path / "all.png")


def test_health_monitor_reports_dead_relus_for_a_hugely_negative_bias(capsys):
    model, (X, y) = mlp(), data()
    with mg.no_grad():
        model[2].bias.fill_(-1e4)
    health = HealthMonitor(model)
    fit(model, nn.BCEWithLogitsLoss(), optim.SGD(model.parameters(), lr=0.01),
        DataLoader(TensorDataset(X, y), batch_size=16), val_loader=DataLoader(TensorDataset(X, y), batch_size=16),
        epochs=2, progress=False, callbacks=[health])
    assert [r["dead_relu"]["3"] for r in health.records] == [1.0, 1.0]
    assert health.records[0]["dead_relu"]["1"] < 1.0
    assert health.records[0]["grad_to_weight"]["0"] == 0.0        # nothing reaches below the dead layer
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("health epoch")]
    assert len(lines) == 2 and "3 100%" in lines[0]
    health.remove()
    assert all(not m._forward_hooks for m in model.modules())


def test_health_monitor_counts_saturated_units():
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(5, 6), nn.Tanh(), nn.Linear(6, 1), nn.Sigmoid())
    with mg.no_grad():
        model[0].weight.mul_(1000.0)
    health = HealthMonitor(model, verbose=False)
    X, y = data()
    fit(model, nn.BCELoss(), optim.SGD(model.parameters(), lr=0.01), DataLoader(TensorDataset(X, y), batch_size=16),
        epochs=1, progress=False, callbacks=[health])
    assert health.records[0]["saturated"]["1"] > 0.9
    assert "saturated: 1 (Tanh)" in health.format()
