"""Each plot writes a PNG and closes its figure."""
import numpy as np
import pytest

import minigrad.nn as nn
from minigrad.viz import plot_confusion_matrix, plot_decision_boundary, plot_learning_curves, plot_predictions

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def pyplot():
    import matplotlib.pyplot as plt
    plt.close("all")
    yield plt
    assert plt.get_fignums() == []


def is_png(path):
    with open(path, "rb") as f:
        return f.read(8) == PNG


def test_learning_curves_from_a_dict(tmp_path, pyplot):
    logs = {"loss": [1.0, 0.5, 0.3], "val_loss": [1.1, 0.6, 0.5], "val_accuracy": [0.5, 0.7, 0.8]}
    assert is_png(plot_learning_curves(logs, tmp_path / "a" / "curves.png", title="t"))


def test_predictions(tmp_path, pyplot):
    t = np.arange(50)
    assert is_png(plot_predictions(np.sin(t / 5), np.sin(t / 5 + 0.1), tmp_path / "p.png"))
    assert is_png(plot_predictions(np.ones((50, 2)), np.zeros((50, 2)), tmp_path / "p2.png"))
    with pytest.raises(ValueError, match="differ"):
        plot_predictions(np.ones(5), np.ones(4), tmp_path / "bad.png")


def test_confusion_matrix(tmp_path, pyplot):
    assert is_png(plot_confusion_matrix(np.array([[5, 1], [2, 7]]), tmp_path / "cm.png", ["no", "yes"]))


@pytest.mark.parametrize("outputs", [2, 1])
def test_decision_boundary(tmp_path, pyplot, outputs):
    X = np.random.default_rng(0).normal(size=(40, 2))
    y = (X[:, 0] > 0).astype(np.int64)
    model = nn.Linear(2, outputs)
    assert is_png(plot_decision_boundary(model, X, y, tmp_path / "db.png", resolution=50))
    assert model.training
    with pytest.raises(ValueError, match=r"\[N, 2\]"):
        plot_decision_boundary(model, np.ones((4, 3)), y[:4], tmp_path / "x.png")
