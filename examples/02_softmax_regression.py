"""Softmax regression for 3 classes (iris) and the course's evaluation table, with its "???" computed (p.4).

A linear layer gives one score per class; softmax turns the scores into probabilities that sum to 1.
The predicted class is the most probable one (its one-hot row is the "Pred" column of the slide),
accuracy counts the rows where it equals the actual one-hot row, and the cross-entropy is the mean
of −log(probability given to the actual class): small when the model is confidently right, large
when it gives the true class a small probability — even on a row that argmax gets right.
"""
from __future__ import annotations

import os

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
import minigrad.optim as optim
from minigrad.course import Result, exit_code, parse_example_args
from minigrad.data import DataLoader, TensorDataset, load_iris
from minigrad.metrics import confusion_matrix
from minigrad.train import fit, predict
from minigrad.viz.plots import plot_confusion_matrix

TARGET = 0.9
# The slide's three observations: softmax outputs and the actual classes (0-based: 2, 2, 1).
SLIDE_SOFTMAX = [[0.1, 0.1, 0.8], [0.6, 0.2, 0.2], [0.01, 0.97, 0.02]]
SLIDE_ACTUAL = [2, 2, 1]


def evaluate_softmax(softmax: mg.Tensor, actual: mg.Tensor) -> tuple[float, float]:
    """Accuracy and cross-entropy of softmax rows [N, C] against class indices [N], in minigrad ops."""
    _, predicted = softmax.max(dim=1)                    # argmax: the predicted class
    accuracy = (predicted == actual).float().mean()
    actual_one_hot = F.one_hot(actual, softmax.shape[1])
    cross_entropy = -(actual_one_hot * softmax.log()).sum(dim=1).mean()   # only the actual class counts
    return accuracy.item(), cross_entropy.item()


def print_table(softmax: mg.Tensor, actual: mg.Tensor, rows: int) -> None:
    """The slide's table: Obs, Softmax, Pred (one-hot), Actual (one-hot), and −log p(actual)."""
    p, classes = softmax.numpy(), softmax.shape[1]
    labels = actual.numpy()
    one_hot = lambda k: "[" + ",".join("1" if j == k else "0" for j in range(classes)) + "]"  # noqa: E731
    print(f"{'Obs':>3}  {'Softmax':<22} {'Pred':<8} {'Actual':<8} {'-log p(actual)':>14}")
    for i in range(min(rows, len(p))):
        probabilities = "[" + ",".join(f"{v:.2f}" for v in p[i]) + "]"
        print(f"{i + 1:>3}  {probabilities:<22} {one_hot(p[i].argmax()):<8} {one_hot(labels[i]):<8} "
              f"{-np.log(p[i, labels[i]]):>14.4f}")
    if rows < len(p):
        print(f"{'...':>3}  ({len(p) - rows} more)")


def slide_numbers() -> tuple[float, float, bool]:
    """The slide's own three rows: accuracy 2/3 and the cross-entropy it leaves as "???"."""
    softmax, actual = mg.tensor(SLIDE_SOFTMAX), mg.tensor(SLIDE_ACTUAL)
    print("The slide's three observations (p.4):")
    print_table(softmax, actual, rows=3)
    accuracy, cross_entropy = evaluate_softmax(softmax, actual)
    # the same numbers straight from NumPy, as a check on the minigrad ops above
    p, y = np.array(SLIDE_SOFTMAX), np.array(SLIDE_ACTUAL)
    expected_ce = float(np.mean(-np.log(p[np.arange(len(y)), y])))
    reproduced = abs(accuracy - 2 / 3) < 1e-6 and abs(cross_entropy - expected_ce) < 1e-5
    print(f"Accuracy = {accuracy:.2%} (slide: 66.67%)")
    print(f"Cross-entropy = {cross_entropy:.4f} (slide: ???; NumPy: (-ln 0.8 - ln 0.2 - ln 0.97) / 3 = "
          f"{expected_ce:.4f})")
    print("Row 2 alone costs -ln 0.2 = 1.61: the wrong, confident rows dominate the cross-entropy.\n")
    return accuracy, cross_entropy, reproduced


def main(argv=None) -> Result:
    args = parse_example_args(__doc__.splitlines()[0], argv)
    epochs = 100 if args.quick else 300

    slide_accuracy, slide_ce, reproduced = slide_numbers()

    data = load_iris()
    X_train, X_test, y_train, y_test = train_test_split(data.X, data.y, test_size=0.3, stratify=data.y,
                                                        random_state=args.seed)
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    model = nn.Linear(4, 3)        # 4 measurements -> 3 class scores; softmax comes with the loss
    # CrossEntropyLoss = log_softmax + the mean of -log p(actual): the table's cross-entropy, on scores
    # Adam (lr 0.05) reaches the least-loss weights in ~100 short epochs; plain SGD needs many more
    history = fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.05),
                  DataLoader(TensorDataset(X_train, y_train), batch_size=16, shuffle=True),
                  DataLoader(TensorDataset(X_test, y_test), batch_size=64),
                  epochs=epochs, metrics=["accuracy"], progress=False)

    softmax = mg.softmax(predict(model, X_test), dim=1)
    actual = mg.tensor(y_test)
    print(f"Iris: {len(X_train)} training / {len(X_test)} test flowers, {epochs} epochs; "
          f"classes 0-2 = {', '.join(data.target_names)}")
    print_table(softmax, actual, rows=6)
    test_accuracy, test_ce = evaluate_softmax(softmax, actual)
    print(f"Accuracy = {test_accuracy:.2%} (target >= {TARGET:.0%}), cross-entropy = {test_ce:.4f} "
          f"on all {len(X_test)} test flowers")

    plots = [history.plot(os.path.join(args.out, "learning_curves.png"),
                          title="softmax regression, iris (validation = the test set)"),
             plot_confusion_matrix(confusion_matrix(softmax, y_test, num_classes=3),
                                   os.path.join(args.out, "confusion_matrix.png"), class_names=data.target_names,
                                   title=f"iris test set: {test_accuracy:.1%} correct")]
    return Result(metric="test accuracy", value=test_accuracy,
                  target=f">= {TARGET}; slide 2/3, CE {slide_ce:.4f}",
                  passed=test_accuracy >= TARGET and reproduced, plots=plots,
                  details={"slide_accuracy": slide_accuracy, "slide_cross_entropy": slide_ce,
                           "test_cross_entropy": test_ce, "epochs": epochs})


if __name__ == "__main__":
    raise SystemExit(exit_code(main()))
