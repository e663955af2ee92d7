"""Activations and their derivatives (p.14): each f' by autograd equals the slide's formula (float64).

For every activation in the course's table the derivative is computed by autograd — x.grad after
``f(x).sum().backward()``, since d/dx_i of Σ_j f(x_j) is f'(x_i) — and compared with the formula
the slide gives.  The binary step's slide derivative is 0 for x ≠ 0 and so is its autograd
gradient, which is why a step cannot be trained through; the straight-through estimator
(backward as if f were the identity) is the usual surrogate and is shown beside it.
"""
from __future__ import annotations

import os

import numpy as np

import minigrad as mg
import minigrad.nn as nn
from minigrad.course import Result, exit_code, parse_example_args
from minigrad.viz import save_figure

TOLERANCE = 1e-5
ALPHA_PRELU, ALPHA_ELU = 0.25, 1.0


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


# name -> (module, f' as the slide writes it (in terms of x and f = f(x)), the formula as text).
ACTIVATIONS = {
    "identity": (nn.Identity(), lambda x, f: np.ones_like(x), "1"),
    "binary step": (nn.BinaryStep(), lambda x, f: np.zeros_like(x), "0 for x ≠ 0"),
    "sigmoid": (nn.Sigmoid(), lambda x, f: f * (1 - f), "f(1 − f)"),
    "tanh": (nn.Tanh(), lambda x, f: 1 - f ** 2, "1 − f²"),
    "arctan": (nn.ArcTan(), lambda x, f: 1 / (x ** 2 + 1), "1 / (x² + 1)"),
    "ReLU": (nn.ReLU(), lambda x, f: (x >= 0).astype(x.dtype), "0 (x<0), 1 (x≥0)"),
    "PReLU": (nn.PReLU(init=ALPHA_PRELU).double(), lambda x, f: np.where(x < 0, ALPHA_PRELU, 1.0),
              f"α={ALPHA_PRELU} (x<0), 1 (x≥0)"),
    "ELU": (nn.ELU(alpha=ALPHA_ELU), lambda x, f: np.where(x < 0, f + ALPHA_ELU, 1.0),
            f"f + α, α={ALPHA_ELU} (x<0)"),
    "softplus": (nn.Softplus(), lambda x, f: sigmoid(x), "1 / (1 + e^−x)"),
}


def autograd_derivative(f, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(f(x), f'(x)) with f' from autograd: the gradient of Σ f(x_i) with respect to each x_i."""
    t = mg.tensor(x, dtype=mg.float64, requires_grad=True)
    y = f(t)
    y.sum().backward()
    return y.detach().numpy(), t.grad.numpy()


def central_difference(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """(f(x + h) − f(x − h)) / 2h: a check that does not share code with autograd or the formulas."""
    with mg.no_grad():
        up, down = (f(mg.tensor(x + s, dtype=mg.float64)).numpy() for s in (h, -h))
    return (up - down) / (2 * h)


def check_all(x: np.ndarray) -> dict:
    """name -> (f(x), autograd f'(x), formula f'(x), max |autograd − formula|, max |autograd − difference|)."""
    results = {}
    for name, (module, formula, _) in ACTIVATIONS.items():
        f, grad = autograd_derivative(module, x)
        expected = formula(x, f)
        numeric = central_difference(module, x)
        results[name] = (f, grad, expected, float(np.max(np.abs(grad - expected))),
                         float(np.max(np.abs(grad - numeric))))
    return results


def plot(x: np.ndarray, results: dict, straight_through: np.ndarray, path: str) -> str:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(3, 3, figsize=(12, 10), sharex=True)
    every = max(1, len(x) // 25)                     # markers for the formula, sparse enough to see the line
    for ax, (name, (f, grad, expected, diff, _)) in zip(axes.ravel(), results.items()):
        ax.plot(x, f, color="tab:blue", linewidth=2, label="f(x)")
        ax.plot(x, grad, color="tab:red", linestyle="--", linewidth=2, label="f'(x) by autograd")
        ax.plot(x[::every], expected[::every], "k.", markersize=5, label=f"f'(x) = {ACTIVATIONS[name][2]}")
        legend_at = "upper left"
        if name == "binary step":
            ax.plot(x, straight_through, color="tab:green", linestyle=":", linewidth=2,
                    label="straight-through surrogate f'")
            ax.set_ylim(-0.1, 1.15)
            legend_at = "center left"                # the empty middle of the step
        ax.set_title(f"{name}   (max |diff| {diff:.1e})")
        ax.axhline(0, color="gray", linewidth=0.5)
        ax.axvline(0, color="gray", linewidth=0.5)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7, loc=legend_at)
    for ax in axes[-1]:
        ax.set_xlabel("x")
    for ax in axes[:, 0]:
        ax.set_ylabel("f(x), f'(x)")
    fig.suptitle("activations (solid) and their derivatives (dashed: autograd, dots: the slide's formula)")
    return save_figure(fig, path)


def main(argv=None) -> Result:
    args = parse_example_args(__doc__.splitlines()[0], argv)
    # An even number of points: the grid misses x = 0, where ReLU, PReLU and the step have a kink.
    x = np.linspace(-4, 4, 400 if args.quick else 2000)
    results = check_all(x)

    print(f"{'activation':<12} {'slide derivative':<24} {'max |autograd - formula|':>25} "
          f"{'vs (f(x+h)-f(x-h))/2h':>22} {'autograd at x=0':>16}")
    for name, (module, _, text) in ACTIVATIONS.items():
        at_zero = autograd_derivative(module, np.zeros(1))[1][0]
        print(f"{name:<12} {text:<24} {results[name][3]:>25.2e} {results[name][4]:>22.2e} {at_zero:>16.4g}")
    print("At the kink x = 0 the slide's ReLU/PReLU derivative is 1 (x ≥ 0); autograd uses PyTorch's 0 / α\n"
          "(any value between the one-sided slopes is a valid subgradient there).")

    # The step: its gradient is 0 everywhere autograd can see, so nothing before it would learn.
    _, step_grad = autograd_derivative(nn.BinaryStep(), x)
    _, straight_through = autograd_derivative(nn.BinaryStep(straight_through=True), x)
    print(f"binary step: the autograd gradient is 0 at every point (max |grad| = {np.abs(step_grad).max():g}),\n"
          "as the slide's 0 for x ≠ 0 (it leaves x = 0 as '?'): nothing before a step could learn.\n"
          "The straight-through surrogate (nn.BinaryStep(straight_through=True)) passes the gradient on "
          f"unchanged: {straight_through.min():g}..{straight_through.max():g}.")

    worst = max(r[3] for r in results.values())
    worst_numeric = max(r[4] for r in results.values())
    path = plot(x, results, straight_through, os.path.join(args.out, "activations.png"))
    return Result(metric="max |autograd f' − slide f'|", value=worst,
                  target=f"< {TOLERANCE:g} for all 9 (and vs finite differences)",
                  passed=worst < TOLERANCE and worst_numeric < TOLERANCE,
                  details={"vs_formula": {name: r[3] for name, r in results.items()},
                           "vs_finite_difference": worst_numeric}, plots=[path])


if __name__ == "__main__":
    raise SystemExit(exit_code(main()))
