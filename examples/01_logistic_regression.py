"""Logistic regression for a binary label: breast cancer, nn.Linear + sigmoid/BCE (p.3).

One linear score per sample, z = w·x + b, squashed by the sigmoid into a probability
p = σ(z) = P(benign); the prediction is "benign" when p > 0.5, i.e. when z > 0.  The loss is
binary cross-entropy.  nn.BCEWithLogitsLoss takes z itself and applies the sigmoid inside, in a
form that never overflows — the same model as sigmoid followed by BCELoss, computed safely.
"""
from __future__ import annotations

import os

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import minigrad as mg
import minigrad.nn as nn
import minigrad.optim as optim
from minigrad.course import Result, exit_code, parse_example_args
from minigrad.data import DataLoader, TensorDataset, load_breast_cancer
from minigrad.train import fit, predict
from minigrad.viz import save_figure

TARGET = 0.95


def plot_sigmoid_decision(z, y, path, class_names) -> str:
    """The predicted probability σ(z) against the linear score z, one dot per test sample."""
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 4.5))
    grid = np.linspace(z.min() - 1, z.max() + 1, 400)
    ax.plot(grid, 1 / (1 + np.exp(-grid)), color="gray", linewidth=1, label="σ(z) = 1 / (1 + e^-z)")
    for label, color, marker in ((0, "tab:red", "x"), (1, "tab:blue", "o")):
        chosen = y == label
        ax.scatter(z[chosen], 1 / (1 + np.exp(-z[chosen])), c=color, marker=marker, s=22, alpha=0.7,
                   label=f"true class: {class_names[label]} ({chosen.sum()})")
    ax.axhline(0.5, color="black", linestyle="--", linewidth=1, label="threshold p = 0.5, i.e. z = 0")
    ax.axvspan(grid[0], 0, color="tab:red", alpha=0.06)      # the two decisions, left and right of z = 0
    ax.axvspan(0, grid[-1], color="tab:blue", alpha=0.06)
    ax.set_xlim(grid[0], grid[-1])
    ax.text(0.02, 0.95, f"z < 0: predicted {class_names[0]}", transform=ax.transAxes, color="tab:red", va="top")
    ax.text(0.98, 0.05, f"z > 0: predicted {class_names[1]}", transform=ax.transAxes, color="tab:blue",
            ha="right")
    ax.set_xlabel("linear score z = w·x + b")
    ax.set_ylabel(f"predicted probability P({class_names[1]}) = σ(z)")
    ax.set_title("Logistic regression, breast cancer test set\n"
                 "(an x above the dashed line or a dot below it is a mistake)", fontsize=10)
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, 0.88), fontsize=8)
    ax.grid(alpha=0.3)
    return save_figure(fig, path)


def main(argv=None) -> Result:
    args = parse_example_args(__doc__.splitlines()[0], argv)
    epochs = 10 if args.quick else 40

    data = load_breast_cancer()
    X_train, X_test, y_train, y_test = train_test_split(data.X, data.y, test_size=0.25, stratify=data.y,
                                                        random_state=args.seed)
    scaler = StandardScaler().fit(X_train)            # fitted on the training part only
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    # BCE wants float targets shaped like the model's output [N, 1]
    train = TensorDataset(X_train, y_train.astype(np.float32).reshape(-1, 1))
    test = TensorDataset(X_test, y_test.astype(np.float32).reshape(-1, 1))

    model = nn.Linear(X_train.shape[1], 1)            # z = w·x + b: 30 weights and a bias
    history = fit(model, nn.BCEWithLogitsLoss(), optim.SGD(model.parameters(), lr=0.1),
                  DataLoader(train, batch_size=32, shuffle=True), DataLoader(test, batch_size=256),
                  epochs=epochs, metrics=["accuracy"], progress=False)

    z = predict(model, X_test).numpy().reshape(-1)
    probability = mg.sigmoid(mg.tensor(z)).numpy()
    test_accuracy = float(np.mean((probability > 0.5) == y_test))
    print(f"{len(X_train)} training / {len(X_test)} test samples, {epochs} epochs of SGD (lr 0.1)")
    print(f"train loss {history.last('loss'):.4f}, test loss {history.last('val_loss'):.4f}")
    print(f"test accuracy {test_accuracy:.4f} (target >= {TARGET}); "
          f"{int(np.sum((probability > 0.5) != y_test))} of {len(y_test)} test samples misclassified")

    plots = [plot_sigmoid_decision(z, y_test, os.path.join(args.out, "sigmoid_decision.png"), data.target_names),
             history.plot(os.path.join(args.out, "learning_curves.png"),
                          title="logistic regression, breast cancer (validation = the test set)")]
    return Result(metric="test accuracy", value=test_accuracy, target=f">= {TARGET}",
                  passed=test_accuracy >= TARGET, details={"epochs": epochs}, plots=plots)


if __name__ == "__main__":
    raise SystemExit(exit_code(main()))
