"""A single hidden layer for softmax classification: 8×8 digits, 64 → 32 ReLU → 10 (p.5).

The hidden layer computes 32 new features from the 64 pixels (each a weighted sum passed through
ReLU); the output layer is softmax regression on those features instead of on the raw pixels.
"""
from __future__ import annotations

import os

from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import minigrad.nn as nn
import minigrad.optim as optim
from minigrad.course import Result, exit_code, parse_example_args, print_epochs
from minigrad.data import DataLoader, TensorDataset, load_digits
from minigrad.metrics import accuracy, confusion_matrix
from minigrad.train import fit, predict
from minigrad.viz.plots import plot_confusion_matrix

TARGET = 0.95
HIDDEN = 32


def main(argv=None) -> Result:
    args = parse_example_args(__doc__.splitlines()[0], argv)
    epochs = 10 if args.quick else 30

    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=args.seed)
    scaler = StandardScaler().fit(X_train)            # every pixel to mean 0, spread 1 (fitted on training only)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

    model = nn.Sequential(
        nn.Linear(64, HIDDEN),    # input layer -> hidden layer
        nn.ReLU(),                # the non-linearity: without it, two linear layers are still one linear map
        nn.Linear(HIDDEN, 10),    # hidden layer -> one score per digit; softmax is inside the loss
    )
    history = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=3e-3),
                  DataLoader(TensorDataset(X_train, y_train), batch_size=32, shuffle=True),
                  DataLoader(TensorDataset(X_test, y_test), batch_size=512),
                  epochs=epochs, metrics=["accuracy"], progress=False)

    logits = predict(model, X_test)
    test_accuracy = accuracy(logits, y_test)
    parameters = sum(p.numel() for p in model.parameters())
    print(f"{len(X_train)} training / {len(X_test)} test digits; 64 -> {HIDDEN} ReLU -> 10 "
          f"({parameters} parameters), {epochs} epochs of Adam")
    print_epochs(history, epochs)
    print(f"test accuracy {test_accuracy:.4f} (target >= {TARGET})")

    plots = [history.plot(os.path.join(args.out, "learning_curves.png"),
                          title=f"one hidden layer (64 -> {HIDDEN} -> 10), digits (validation = the test set)"),
             plot_confusion_matrix(confusion_matrix(logits, y_test, num_classes=10),
                                   os.path.join(args.out, "confusion_matrix.png"),
                                   title=f"digits test set: {test_accuracy:.1%} correct")]
    return Result(metric="test accuracy", value=test_accuracy, target=f">= {TARGET}",
                  passed=test_accuracy >= TARGET, plots=plots,
                  details={"epochs": epochs, "hidden": HIDDEN, "parameters": parameters})


if __name__ == "__main__":
    raise SystemExit(exit_code(main()))
