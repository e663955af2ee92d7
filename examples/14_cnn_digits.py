"""A CNN on the 8×8 digits: [Conv → ReLU → MaxPool] twice, then a fully connected layer (p.23–33).

Each flat 64-pixel vector is reshaped to a [channels, height, width] = [1, 8, 8] image (p.23: "reshape
flattened input vector to 3d tensor"; PyTorch puts channels first).  A convolution slides 32 learned
3×3 filters over it, ReLU keeps the positive responses, max pooling keeps the largest of each 2×2
block; a second block does the same with 64 filters, and a linear layer maps the 64 × 2 × 2 = 256
features to the 10 digits.  The feature maps of one digit after each stage are drawn as on p.30–31.
"""
from __future__ import annotations

import os

import numpy as np
from sklearn.model_selection import train_test_split

import minigrad as mg
import minigrad.nn as nn
import minigrad.optim as optim
from minigrad.course import Result, exit_code, parse_example_args, print_epochs
from minigrad.data import DataLoader, TensorDataset, load_digits
from minigrad.metrics import accuracy
from minigrad.train import fit, predict
from minigrad.viz import save_figure

TARGET = 0.97


def cnn() -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(1, 32, kernel_size=3, padding=1),    # [1, 8, 8] -> [32, 8, 8]: padding (3 − 1)/2 keeps 8×8
        nn.ReLU(),
        nn.MaxPool2d(2),                               # -> [32, 4, 4]: the largest of each 2×2 block
        nn.Conv2d(32, 64, kernel_size=3, padding=1),   # -> [64, 4, 4]: each filter sees all 32 maps
        nn.ReLU(),
        nn.MaxPool2d(2),                               # -> [64, 2, 2]
        nn.Flatten(),                                  # -> 256 features, "fully connected" from here (p.23)
        nn.Linear(64 * 2 * 2, 10),                     # one score per digit; softmax is inside the loss
    )


def plot_feature_maps(model, image, label, path) -> str:
    """The first block's 32 feature maps of one digit after conv, ReLU and max pooling (one band per stage,
    channels 1-16 and 17-32 in its two rows), on one colour scale where 0 is white."""
    import matplotlib.pyplot as plt

    with mg.no_grad():
        stages, x = [], mg.tensor(image[None])          # a batch of one: [1, 1, 8, 8]
        for layer, name in zip(model[:3], ("after the convolution", "after ReLU", "after max pooling 2×2")):
            x = layer(x)
            stages.append((name, x.numpy()[0]))
        predicted = int(model(mg.tensor(image[None])).numpy().argmax())
    channels = stages[0][1].shape[0]
    per_row = channels // 2
    limit = np.abs(stages[0][1]).max()

    fig = plt.figure(figsize=(15, 7.2), layout="constrained")
    left, right = fig.subfigures(1, 2, width_ratios=[1.4, 10])
    ax = left.subplots()                                  # the input, and below it the maps' colour scale
    ax.imshow(image[0], cmap="gray_r")
    ax.set_title(f"input (standardised)\na {label}, predicted {predicted}\nshape (1, 8, 8)", fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    for band, (name, maps) in zip(right.subfigures(3, 1), stages):
        band.suptitle(f"{name}: shape {tuple(maps.shape)}", fontsize=11, fontweight="bold")
        axes = band.subplots(2, per_row)
        for c, cell in enumerate(axes.ravel()):
            shown = cell.imshow(maps[c], cmap="RdBu_r", vmin=-limit, vmax=limit)
            cell.set_xticks([])
            cell.set_yticks([])
            cell.set_title(f"ch {c + 1}", fontsize=7, pad=2)
    left.colorbar(shown, ax=ax, location="bottom", label="activation in the maps\n(0 = white)")
    fig.suptitle("One digit through Conv(1→32, 3×3) → ReLU → MaxPool(2), one small image per channel (filter): "
                 "ReLU turns the negative (blue) responses to 0, pooling keeps the strongest of each 2×2 block",
                 fontsize=10)
    return save_figure(fig, path, tight_layout=False)


def main(argv=None) -> Result:
    args = parse_example_args(__doc__.splitlines()[0], argv)
    # Adam's step shrinks by `decay` every epoch: large steps first, then fine tuning.
    epochs, decay = (6, 0.7) if args.quick else (20, 0.85)

    X, y = load_digits()                                         # X: [1797, 64] flat pixel vectors, 0..16
    X = X.reshape(-1, 1, 8, 8)                                   # -> [N, channels, height, width]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, stratify=y, random_state=args.seed)
    mean, std = X_train.mean(), X_train.std()                   # one pixel scale, from the training part
    X_train, X_test = (X_train - mean) / std, (X_test - mean) / std

    model = cnn()
    optimizer = optim.Adam(model.parameters(), lr=5e-3)
    scheduler = optim.lr_scheduler.ExponentialLR(optimizer, gamma=decay)
    history = fit(model, nn.CrossEntropyLoss(), optimizer,
                  DataLoader(TensorDataset(X_train, y_train), batch_size=32, shuffle=True),
                  DataLoader(TensorDataset(X_test, y_test), batch_size=512),
                  epochs=epochs, metrics=["accuracy"], progress=False,
                  on_epoch_end=lambda epoch, history: scheduler.step())

    test_accuracy = accuracy(predict(model, X_test), y_test)
    parameters = sum(p.numel() for p in model.parameters())
    print(f"{len(X_train)} training / {len(X_test)} test digits, each a [1, 8, 8] image; {parameters:,} parameters; "
          f"{epochs} epochs of Adam on the {mg.get_backend()} backend ({history.seconds:.1f} s)")
    x = mg.zeros(1, 1, 8, 8)
    shapes = [f"{list(x.shape[1:])}"]
    with mg.no_grad():
        for layer in model:
            x = layer(x)
            shapes.append(f"{type(layer).__name__} {list(x.shape[1:])}")
    print("shapes:", " -> ".join(shapes))
    print_epochs(history, epochs)
    print(f"test accuracy {test_accuracy:.4f} (target >= {TARGET})")

    first = int(np.flatnonzero(y_test == 3)[0])                  # a digit with curves and a stroke in the middle
    plots = [plot_feature_maps(model, X_test[first], int(y_test[first]), os.path.join(args.out, "feature_maps.png")),
             history.plot(os.path.join(args.out, "learning_curves.png"),
                          title="CNN on the 8×8 digits (validation = the test set)")]
    return Result(metric="test accuracy", value=test_accuracy, target=f">= {TARGET}",
                  passed=test_accuracy >= TARGET, plots=plots,
                  details={"epochs": epochs, "parameters": parameters, "seconds_training": history.seconds})


if __name__ == "__main__":
    raise SystemExit(exit_code(main()))
