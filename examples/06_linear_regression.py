"""Linear regression for a continuous label (diabetes), checked against NumPy's least squares (p.8).

Ten measurements of 442 patients (age, sex, body-mass index, blood pressure, six blood serum
values) and a number to predict: disease progression one year later.  The model is one nn.Linear
trained by gradient descent on the mean squared error; for a linear model the best weights also
have a closed form, least squares, so we can check that training found them.
"""
from __future__ import annotations

import os

import numpy as np
from sklearn.datasets import load_diabetes
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import minigrad.nn as nn
import minigrad.optim as optim
from minigrad.course import Result, exit_code, parse_example_args
from minigrad.data import DataLoader, TensorDataset
from minigrad.metrics import r2
from minigrad.train import fit, predict
from minigrad.viz import save_figure

WEIGHT_TOLERANCE = 1e-3      # |w - w_ls| / |w_ls|
R2_TOLERANCE = 1e-3          # |R² - R²_ls|


def plot_predictions_vs_actual(actual, predicted, predicted_ls, score: float, path: str) -> str:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 5.2))
    ax.scatter(actual, predicted, s=18, alpha=0.7, label=f"minigrad (R² = {score:.3f})")
    ax.scatter(actual, predicted_ls, s=40, facecolors="none", edgecolors="black", linewidths=0.5,
               label="least squares (NumPy)")
    ends = [min(actual.min(), predicted.min()), max(actual.max(), predicted.max())]
    ax.plot(ends, ends, color="gray", linestyle="--", label="perfect prediction")
    ax.set_xlabel("actual disease progression")
    ax.set_ylabel("predicted disease progression")
    ax.set_title("Linear regression, diabetes test set:\neach dot is one patient; closer to the line is better",
                 fontsize=10)
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    return save_figure(fig, path)


def plot_weights(names, w, w_ls, path: str) -> str:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4))
    x = np.arange(len(names))
    ax.bar(x - 0.2, w, width=0.4, label="minigrad (gradient descent)")
    ax.bar(x + 0.2, w_ls, width=0.4, label="least squares (NumPy)")
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(x, names)
    ax.set_xlabel("feature (standardized: the weight is the effect of one standard deviation)")
    ax.set_ylabel("weight")
    ax.set_title("The learned weights are the least-squares weights")
    ax.legend()
    ax.grid(axis="y", alpha=0.3)
    return save_figure(fig, path)


def main(argv=None) -> Result:
    args = parse_example_args(__doc__.splitlines()[0], argv)
    epochs = 300 if args.quick else 1000

    data = load_diabetes()
    X, y = data.data.astype(np.float32), data.target.astype(np.float32)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=args.seed)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

    # Closed form: the w, b that minimise the squared error, by NumPy (in float64)
    with_ones = np.hstack([X_train, np.ones((len(X_train), 1))]).astype(np.float64)
    solution = np.linalg.lstsq(with_ones, y_train.astype(np.float64), rcond=None)[0]
    w_ls, b_ls = solution[:-1], solution[-1]

    # Gradient descent on the same problem: one batch holding every training sample, so each step
    # follows the exact gradient.  The serum values s1..s6 are strongly correlated, which makes the
    # loss a long narrow valley; momentum keeps the speed along it where plain steps would crawl.
    model = nn.Linear(X.shape[1], 1)
    train = TensorDataset(X_train, y_train.reshape(-1, 1))
    history = fit(model, nn.MSELoss(), optim.SGD(model.parameters(), lr=0.2, momentum=0.9),
                  DataLoader(train, batch_size=len(train)), epochs=epochs, progress=False)
    w, b = model.weight.numpy().reshape(-1).astype(np.float64), model.bias.item()

    predicted = predict(model, X_test).numpy().reshape(-1)
    predicted_ls = X_test @ w_ls + b_ls
    score, score_ls = r2(predicted, y_test), r2(predicted_ls, y_test)
    weight_error = float(np.linalg.norm(w - w_ls) / np.linalg.norm(w_ls))

    print(f"{len(X_train)} training / {len(X_test)} test patients, {epochs} full-batch steps "
          f"(final training MSE {history.last('loss'):.1f})")
    print(f"{'feature':<8} {'w (minigrad)':>13} {'w (least squares)':>18}")
    for name, mine, best in zip(data.feature_names, w, w_ls):
        print(f"{name:<8} {mine:>13.3f} {best:>18.3f}")
    print(f"{'bias':<8} {b:>13.3f} {b_ls:>18.3f}")
    print(f"|w - w_ls| / |w_ls| = {weight_error:.2e} (target < {WEIGHT_TOLERANCE:g})")
    print(f"test R² {score:.4f}, least squares {score_ls:.4f} (target: within {R2_TOLERANCE:g}).  No straight "
          f"line does better on these features: about {1 - score_ls:.0%} of the variation is left unexplained.")

    plots = [plot_predictions_vs_actual(y_test, predicted, predicted_ls, score,
                                        os.path.join(args.out, "predicted_vs_actual.png")),
             plot_weights(data.feature_names, w, w_ls, os.path.join(args.out, "weights.png"))]
    passed = weight_error < WEIGHT_TOLERANCE and abs(score - score_ls) < R2_TOLERANCE
    return Result(metric="test R²", value=score, target=f"least squares {score_ls:.3f} ± {R2_TOLERANCE}, "
                  f"|Δw| < {WEIGHT_TOLERANCE:g}", passed=passed, plots=plots,
                  details={"weight_error": weight_error, "r2_least_squares": score_ls,
                           "bias_error": abs(b - b_ls), "epochs": epochs})


if __name__ == "__main__":
    raise SystemExit(exit_code(main()))
