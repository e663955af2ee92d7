"""The limit of linear classification: XOR defeats a linear model, one hidden layer solves it (p.6).

XOR's truth table puts class 1 at (0, 1) and (1, 0), class 0 at (0, 0) and (1, 1).  A linear model
predicts class 1 on one side of a straight line, and no line has both class-1 corners on one side
and both class-0 corners on the other, so it gets at most 3 of the 4 right.  A hidden layer bends
the boundary: its units draw several lines and the output layer combines them.
"""
from __future__ import annotations

import os

import numpy as np

import minigrad.nn as nn
import minigrad.optim as optim
from minigrad.course import Result, exit_code, parse_example_args
from minigrad.data import DataLoader, TensorDataset
from minigrad.metrics import accuracy
from minigrad.train import fit, predict
from minigrad.viz.plots import plot_decision_boundary

CORNERS = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
XOR = np.array([0, 1, 1, 0])


def xor_clouds(per_corner: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Noisy copies of the four corners, labelled by XOR: enough points to train on and to see."""
    rng = np.random.default_rng(seed)
    corner = np.repeat(np.arange(4), per_corner)
    X = CORNERS[corner] + rng.normal(0, noise, (len(corner), 2)).astype(np.float32)
    return X, XOR[corner]


def best_line_on_corners(lines: int = 10_000, seed: int = 0) -> float:
    """The best truth-table accuracy of many random lines w·x + b = 0 (it is 0.75: never 4 of 4)."""
    rng = np.random.default_rng(seed)
    w, b = rng.normal(size=(2, lines)), rng.normal(size=lines)
    predicted = (CORNERS @ w + b > 0).astype(int)                # [4 corners, lines]
    return float(np.max(np.mean(predicted == XOR[:, None], axis=0)))


def train(model, X, y, epochs: int) -> None:
    targets = y.astype(np.float32).reshape(-1, 1)              # one score per point, BCE on logits
    fit(model, nn.BCEWithLogitsLoss(), optim.Adam(model.parameters(), lr=0.05),
        DataLoader(TensorDataset(X, targets), batch_size=50, shuffle=True), epochs=epochs, progress=False)


def main(argv=None) -> Result:
    args = parse_example_args(__doc__.splitlines()[0], argv)
    epochs = 60 if args.quick else 200
    X, y = xor_clouds(per_corner=50, noise=0.15, seed=args.seed)

    models = {
        "linear": nn.Linear(2, 1),                                            # one straight line
        "MLP": nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1)),  # 8 lines, bent together
    }
    results, plots = {}, []
    print(f"{len(X)} noisy points around the 4 corners, {epochs} epochs of Adam each")
    print(f"{'model':<8} {'truth table (4 corners)':>24} {'all points':>11}")
    for name, model in models.items():
        train(model, X, y, epochs)
        on_corners = accuracy(predict(model, CORNERS), XOR)
        on_points = accuracy(predict(model, X), y)
        results[name] = on_corners
        print(f"{name:<8} {on_corners:>24.2f} {on_points:>11.3f}")
        plots.append(plot_decision_boundary(
            model, X, y, os.path.join(args.out, f"xor_{name.lower()}.png"),
            title=f"XOR, {name}: {on_corners:.0%} of the truth table, {on_points:.1%} of the points\n"
                  "red: class 1 (x1 XOR x2 = 1), blue: class 0"))
    print(f"best of 10,000 random lines on the truth table: {best_line_on_corners(seed=args.seed):.2f}")

    linear, mlp = results["linear"], results["MLP"]
    passed = linear <= 0.75 and mlp == 1.0
    print(f"linear {linear:.2f} (must be <= 0.75: it cannot learn XOR), MLP {mlp:.2f} (target 1.0)")
    return Result(metric="XOR accuracy, MLP", value=mlp, target=f"= 1 and linear ({linear:.2f}) <= 0.75",
                  passed=passed, plots=plots, details={"linear": linear, "mlp": mlp, "epochs": epochs})


if __name__ == "__main__":
    raise SystemExit(exit_code(main()))
