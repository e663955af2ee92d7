"""Generalisation (p.10, p.20): a big MLP over-fits 60 digits; dropout, L1 and L2 keep the validation loss down.

The course's three sets (p.10): the training set fits the weights, the validation set judges the
models while we choose between them, and the test set is looked at once, at the end, for the
chosen model only.  With 60 training samples and 64 -> 256 -> 256 -> 10 (about 84,000 weights) the
network can learn every training sample by heart: its training loss goes to 0 while the
validation loss, after a minimum, climbs (over-fitting).  The cures of p.20 — dropout,
L1 (lasso: + λ·Σ|w| in the loss) and L2 (ridge: weight_decay in the optimizer) — each make
memorising harder and keep the validation loss lower.
"""
from __future__ import annotations

import os

import numpy as np
from sklearn.model_selection import train_test_split

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
import minigrad.optim as optim
from minigrad.course import Result, exit_code, parse_example_args
from minigrad.data import DataLoader, TensorDataset, load_digits
from minigrad.metrics import accuracy
from minigrad.train import evaluate, predict
from minigrad.viz import save_figure

OVERFIT = 1.25           # the plain model's last validation loss must be this much above its best
N_TRAIN, N_VAL = 60, 300
HIDDEN = 256

# name -> (dropout rate, L1 weight λ, L2 weight_decay)
MODELS = {
    "plain": (0.0, 0.0, 0.0),
    "dropout 0.5": (0.5, 0.0, 0.0),
    "L1 (λ = 1e-4)": (0.0, 1e-4, 0.0),
    "L2 (weight_decay = 1e-2)": (0.0, 0.0, 1e-2),
}


def make_model(dropout: float) -> nn.Sequential:
    layers = [nn.Linear(64, HIDDEN), nn.ReLU(), nn.Dropout(dropout),
              nn.Linear(HIDDEN, HIDDEN), nn.ReLU(), nn.Dropout(dropout), nn.Linear(HIDDEN, 10)]
    return nn.Sequential(*[layer for layer in layers if not (isinstance(layer, nn.Dropout) and dropout == 0)])


def train(name: str, train_set: TensorDataset, val_set: TensorDataset, epochs: int, seed: int):
    """Train one model; return it and its per-epoch cross-entropy on the training and validation sets."""
    dropout, l1, weight_decay = MODELS[name]
    mg.manual_seed(seed)                                   # the same start for every model
    model = make_model(dropout)
    weights = [layer.weight for layer in model if isinstance(layer, nn.Linear)]   # L1 on weights, not biases
    optimizer = optim.Adam(model.parameters(), lr=3e-3, weight_decay=weight_decay)
    loader = DataLoader(train_set, batch_size=N_TRAIN, shuffle=True)
    train_all = DataLoader(train_set, batch_size=len(train_set))
    val_all = DataLoader(val_set, batch_size=len(val_set))
    curves = {"train": [], "validation": []}
    for _ in range(epochs):
        model.train()
        for x, y in loader:
            loss = F.cross_entropy(model(x), y)
            if l1:
                loss = loss + nn.utils.l1_penalty(weights, l1)     # the penalty is part of what is minimised...
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        # ...but the curves show the plain cross-entropy (eval mode, no dropout), comparable between models.
        curves["train"].append(evaluate(model, train_all, F.cross_entropy)["loss"])
        curves["validation"].append(evaluate(model, val_all, F.cross_entropy)["loss"])
    return model, {k: np.array(v) for k, v in curves.items()}


def plot(curves: dict, path: str) -> str:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplot_mosaic([["m0", "m1", "all"], ["m2", "m3", "all"]], figsize=(16, 8))
    for i, (name, c) in enumerate(curves.items()):
        ax, epochs = axes[f"m{i}"], np.arange(1, len(c["train"]) + 1)
        ax.plot(epochs, c["train"], label="train")
        ax.plot(epochs, c["validation"], label="validation")
        best = int(np.argmin(c["validation"]))
        ax.plot(best + 1, c["validation"][best], "ko", label=f"best validation {c['validation'][best]:.3f}")
        ax.annotate(f"last {c['validation'][-1]:.3f}", (epochs[-1], c["validation"][-1]), textcoords="offset points",
                    xytext=(-60, 8), fontsize=9)
        ax.set_yscale("log")                               # log: the training loss falls by orders of magnitude
        ax.set_ylim(1e-5, 5)
        ax.set_title(name)
        ax.set_xlabel("epoch")
        ax.set_ylabel("cross-entropy")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower left")
        axes["all"].plot(epochs, c["validation"], linewidth=2.5 if name == "plain" else 1.5, label=name)
    axes["all"].set_ylim(0, 2 * curves["plain"]["validation"][-1])   # the climb after the minimum, not epoch 1
    axes["all"].set_title("validation loss of every model (linear scale)")
    axes["all"].set_xlabel("epoch")
    axes["all"].set_ylabel("validation cross-entropy")
    axes["all"].grid(alpha=0.3)
    axes["all"].legend()
    fig.suptitle(f"{N_TRAIN} training digits, a 64-{HIDDEN}-{HIDDEN}-10 MLP: over-fitting and its cures")
    return save_figure(fig, path)


def main(argv=None) -> Result:
    args = parse_example_args(__doc__.splitlines()[0], argv)
    epochs = 100 if args.quick else 200

    X, y = load_digits()
    X_train, X_rest, y_train, y_rest = train_test_split(X / 16.0, y, train_size=N_TRAIN, stratify=y,
                                                        random_state=args.seed)
    X_val, X_test, y_val, y_test = train_test_split(X_rest, y_rest, train_size=N_VAL, stratify=y_rest,
                                                    random_state=args.seed)
    print(f"split: {len(X_train)} training, {len(X_val)} validation, {len(X_test)} test samples")
    train_set, val_set = TensorDataset(X_train, y_train), TensorDataset(X_val, y_val)

    models, curves = {}, {}
    print(f"{'model':<26} {'train loss':>10} {'best val loss':>14} {'(epoch)':>8} {'last val loss':>14}")
    for name in MODELS:
        models[name], curves[name] = train(name, train_set, val_set, epochs, args.seed)
        c = curves[name]
        best = int(np.argmin(c["validation"]))
        print(f"{name:<26} {c['train'][-1]:>10.4f} {c['validation'][best]:>14.4f} {best + 1:>8} "
              f"{c['validation'][-1]:>14.4f}")

    plain = curves["plain"]["validation"]
    overfit_ratio = plain[-1] / plain.min()
    last_val = {name: c["validation"][-1] for name, c in curves.items()}
    chosen = min(last_val, key=last_val.get)               # chosen on validation, never on test
    print(f"plain model: last validation loss / best = {overfit_ratio:.2f} (over-fitting if >= {OVERFIT})")
    print(f"lowest last validation loss: {chosen} ({last_val[chosen]:.4f} vs plain {last_val['plain']:.4f})")
    test_set = DataLoader(TensorDataset(X_test, y_test), batch_size=len(X_test))
    for name in ("plain", chosen):
        test_loss = evaluate(models[name], test_set, F.cross_entropy)["loss"]
        test_accuracy = accuracy(predict(models[name], X_test), y_test)
        print(f"test set, looked at once: {name:<26} loss {test_loss:.4f}, accuracy {test_accuracy:.4f}")
    print("(the cures mostly stop the over-confident wrong answers that raise the loss; accuracy moves less)")

    path = plot(curves, os.path.join(args.out, "generalisation.png"))
    passed = overfit_ratio >= OVERFIT and last_val[chosen] < last_val["plain"]
    return Result(metric="plain last/best val loss", value=overfit_ratio,
                  target=f">= {OVERFIT} and a cure ends below plain", passed=passed,
                  details={"last_val_loss": last_val, "chosen": chosen}, plots=[path])


if __name__ == "__main__":
    raise SystemExit(exit_code(main()))
