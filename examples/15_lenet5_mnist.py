"""LeNet-5 on MNIST (--mnist DIR), else on the 8×8 digits upscaled to 28×28; training images/s beside PyTorch's.

LeNet-5 (LeCun et al., 1998 — the network p.23 credits) is two [Conv → activation → pool] blocks and
three fully connected layers: 28×28 → 6@28×28 → 6@14×14 → 16@10×10 → 16@5×5 → 400 → 120 → 84 → 10.
This is its modern form, with ReLU and max pooling where the original had tanh-like units and average
pooling.  Point ``--mnist`` at a folder with MNIST's IDX files (train-images-idx3-ubyte[.gz], ...,
t10k-labels-idx1-ubyte[.gz]); without it the example trains on scikit-learn's 8×8 digits enlarged to
MNIST's format, so it always runs offline — that is not MNIST, and the output says so.
"""
from __future__ import annotations

import os
import time

import numpy as np
from scipy import ndimage
from sklearn.model_selection import train_test_split

import minigrad as mg
import minigrad.nn as nn
import minigrad.optim as optim
from minigrad.course import Result, exit_code, parse_example_args, print_epochs
from minigrad.data import DataLoader, TensorDataset, load_digits, load_mnist
from minigrad.metrics import accuracy
from minigrad.train import fit, predict
from minigrad.viz import save_figure

BATCH = 32


def lenet5(nn=nn):
    """LeNet-5 from ``nn`` — minigrad.nn here, torch.nn for the speed comparison (the same names)."""
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2),   # [1, 28, 28] -> [6, 28, 28]: padding (5 − 1)/2 keeps 28
        nn.ReLU(),
        nn.MaxPool2d(2),                             # -> [6, 14, 14]
        nn.Conv2d(6, 16, kernel_size=5),             # -> [16, 10, 10]: no padding, 14 − 5 + 1 = 10
        nn.ReLU(),
        nn.MaxPool2d(2),                             # -> [16, 5, 5]
        nn.Flatten(),                                # -> 400
        nn.Linear(400, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10),                           # one score per digit; softmax is inside the loss
    )


def upscaled_digits(seed: int):
    """scikit-learn's 8×8 digits at MNIST's size: a bilinear zoom ×3.5 to 28×28 (MNIST's digits sit in a
    20×20 box with an empty border; these fill the frame, which LeNet-5 learns a little better from);
    values 0..1; a stratified 75/25 split."""
    X, y = load_digits(as_images=True)
    small = X[:, 0] / 16.0
    large = ndimage.zoom(small, (1, 3.5, 3.5), order=1)[:, None].astype(np.float32)   # order=1: bilinear
    X_train, X_test, y_train, y_test, small_train, _ = train_test_split(
        large, y, small, test_size=0.25, stratify=y, random_state=seed)
    return X_train, y_train, X_test, y_test, small_train


def mnist(root, quick: bool):
    """MNIST's IDX files from ``root``, values 0..1; --quick trains on the first 10,000 training images."""
    train, test = load_mnist(root, train=True, as_images=True), load_mnist(root, train=False, as_images=True)
    keep = 10_000 if quick else len(train.X)
    return train.X[:keep] / 255.0, train.y[:keep], test.X / 255.0, test.y


def training_step(model, loss_fn, optimizer):
    """One step of training; the same code drives minigrad and PyTorch (the same API)."""
    def step(x, target):
        loss = loss_fn(model(x), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return step


def race(contenders: dict, blocks: int, block_steps: int, warmup: int = 3) -> dict:
    """Training images per second of each ``name -> (step, batches)``, after ``warmup`` untimed steps
    (first-call costs).  The contenders take turns, a block of steps each, so that a change in the
    machine's load slows all of them alike."""
    seconds = dict.fromkeys(contenders, 0.0)
    for step, batches in contenders.values():
        for x, y in batches[:warmup]:
            step(x, y)
    for block in range(blocks):
        first = warmup + block * block_steps
        for name, (step, batches) in contenders.items():
            started = time.perf_counter()
            for x, y in batches[first:first + block_steps]:
                step(x, y)
            seconds[name] += time.perf_counter() - started
    return {name: blocks * block_steps * BATCH / s for name, s in seconds.items()}


def compare_speed(X, y, backends, threads: int, blocks: int, block_steps: int) -> dict:
    """LeNet-5's training speed in minigrad (each backend) and PyTorch (when installed, on ``threads``
    threads): the same network, batch size, batches and number of steps."""
    starts = [(k * BATCH) % (len(X) - BATCH + 1) for k in range(3 + blocks * block_steps)]
    batches = [(X[i:i + BATCH], y[i:i + BATCH]) for i in starts]
    contenders = {}
    for backend in backends:
        model = lenet5()
        step = training_step(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=1e-3))

        def on_backend(x, target, step=step, backend=backend):    # defaults bind this turn's step and backend
            with mg.use_backend(backend):
                step(x, target)
        contenders[f"minigrad ({backend})"] = (on_backend, [(mg.tensor(a), mg.tensor(b)) for a, b in batches])
    try:
        import torch
    except ImportError:
        return race(contenders, blocks, block_steps)
    model = lenet5(torch.nn)
    contenders[f"PyTorch {torch.__version__.split('+')[0]}"] = (
        training_step(model, torch.nn.CrossEntropyLoss(), torch.optim.Adam(model.parameters(), lr=1e-3)),
        [(torch.from_numpy(a), torch.from_numpy(b)) for a, b in batches])
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        return race(contenders, blocks, block_steps)
    finally:
        torch.set_num_threads(previous)


def plot_inputs(X_train, y_train, small, path, source: str) -> str:
    """Eight training images as LeNet-5 sees them (and, for the digits, the 8×8 originals above them)."""
    import matplotlib.pyplot as plt

    rows = 2 if small is not None else 1
    fig, axes = plt.subplots(rows, 8, figsize=(12, 1.8 * rows + 0.6), squeeze=False)
    for i in range(8):
        if small is not None:
            axes[0, i].imshow(small[i], cmap="gray_r", vmin=0, vmax=1)
            axes[0, i].set_title(f"label {y_train[i]}: 8×8", fontsize=9)
        axes[-1, i].imshow(X_train[i, 0], cmap="gray_r", vmin=0, vmax=1)
        axes[-1, i].set_title(f"label {y_train[i]}: 28×28" if small is not None else f"label {y_train[i]}",
                              fontsize=9)
    for ax in axes.ravel():
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(f"LeNet-5's inputs: {source}", fontsize=10)
    return save_figure(fig, path)


def plot_speed(speeds: dict, path, title: str) -> str:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 0.6 * len(speeds) + 1.4))
    names, speeds = list(speeds), list(speeds.values())
    bars = ax.barh(names, speeds, color=["tab:gray" if name.startswith("PyTorch") else "tab:blue" for name in names])
    ax.bar_label(bars, labels=[f"{s:,.0f}" for s in speeds], padding=3)
    ax.invert_yaxis()
    ax.set_xlim(0, max(speeds) * 1.2)
    ax.set_xlabel("training images per second (higher is faster)")
    ax.set_title(title, fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return save_figure(fig, path)


def extra_args(parser) -> None:
    parser.add_argument("--mnist", default=None, help="folder with MNIST's IDX files (gzip or not)")


def main(argv=None) -> Result:
    args = parse_example_args(__doc__.splitlines()[0], argv, extra=extra_args)
    if args.mnist:
        X_train, y_train, X_test, y_test = mnist(args.mnist, args.quick)
        small, source = None, f"MNIST from {args.mnist}"
        epochs, target = (2, 0.95) if args.quick else (3, 0.98)
    else:
        X_train, y_train, X_test, y_test, small = upscaled_digits(args.seed)
        source = "NOT MNIST: scikit-learn's 8×8 digits upscaled ×3.5 to 28×28 (bilinear); --mnist DIR for MNIST"
        epochs, target = (10, 0.95) if args.quick else (20, 0.95)
    print(f"data: {source}; {len(X_train):,} training / {len(X_test):,} test images of {X_train.shape[1:]}")
    mean, std = X_train.mean(), X_train.std()                    # one pixel scale, from the training part
    X_train, X_test = ((X_train - mean) / std).astype(np.float32), ((X_test - mean) / std).astype(np.float32)

    model = lenet5()
    optimizer = optim.Adam(model.parameters(), lr=2e-3)
    scheduler = optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.8)     # smaller steps as it learns
    history = fit(model, nn.CrossEntropyLoss(), optimizer,
                  DataLoader(TensorDataset(X_train, y_train), batch_size=BATCH, shuffle=True),
                  DataLoader(TensorDataset(X_test, y_test), batch_size=1000),
                  epochs=epochs, metrics=["accuracy"], progress=False,
                  on_epoch_end=lambda epoch, history: scheduler.step())
    test_accuracy = accuracy(predict(model, X_test, batch_size=1000), y_test)
    parameters = sum(p.numel() for p in model.parameters())
    print(f"LeNet-5, {parameters:,} parameters, {epochs} epochs of Adam (batches of {BATCH}) on the "
          f"{mg.get_backend()} backend: {history.seconds:.1f} s with evaluation")
    print_epochs(history, epochs)
    print(f"test accuracy {test_accuracy:.4f} (target >= {target})")

    # Speed: the same network, batch size, data and number of steps in each framework, on as many
    # threads as minigrad's kernels may use (--threads, 1 by default; 0 = no limit, i.e. one per core).
    threads, (blocks, block_steps) = args.threads or os.cpu_count(), ((4, 5) if args.quick else (6, 10))
    backends = [mg.get_backend()] if args.quick else mg.available_backends()
    speeds = compare_speed(X_train, y_train, backends, threads, blocks, block_steps)
    torch_speed = next((speed for name, speed in speeds.items() if name.startswith("PyTorch")), None)
    print(f"training speed, LeNet-5, batches of {BATCH}, {blocks * block_steps} timed steps each (taking turns), "
          f"{threads} thread(s):")
    for name, speed in speeds.items():
        ratio = f"  ({speed / torch_speed:.2f}× PyTorch)" if torch_speed and not name.startswith("PyTorch") else ""
        print(f"  {name:<20} {speed:>8,.0f} images/s{ratio}")
    if torch_speed is None:
        print("  (PyTorch is not installed: no comparison)")

    source_short = "MNIST" if args.mnist else "digits upscaled to 28×28 (not MNIST)"
    plots = [plot_inputs(X_train * std + mean, y_train, small, os.path.join(args.out, "inputs.png"), source),
             history.plot(os.path.join(args.out, "learning_curves.png"),
                          title=f"LeNet-5 on {source_short} (validation = the test set)"),
             plot_speed(speeds, os.path.join(args.out, "speed.png"),
                        f"LeNet-5 training: batches of {BATCH}, the same {blocks * block_steps} timed steps each, "
                        f"{threads} thread(s)")]
    return Result(metric=f"test accuracy ({'MNIST' if args.mnist else 'upscaled digits'})", value=test_accuracy,
                  target=f">= {target}", passed=test_accuracy >= target, plots=plots,
                  details={"epochs": epochs, "threads": threads, "images_per_second": speeds,
                           "data": source})


if __name__ == "__main__":
    raise SystemExit(exit_code(main()))
