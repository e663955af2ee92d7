"""Backprop by hand (p.18): the chain rule in NumPy through 4 -> 3 (sigmoid) -> 2 equals minigrad's autograd and SGD.

The course's loss is E = ½·Σ(predicted − actual)² and its update W ← W − lr·dE/dW (p.18), the
gradient found by the chain rule backwards through the layers (p.19).  Here one small network
does one step twice — once with every derivative written out in NumPy, once with
``loss.backward()`` and ``optim.SGD`` — and then keeps training both ways: the numbers agree
to float64 precision.
"""
from __future__ import annotations

import os

import numpy as np

import minigrad as mg
import minigrad.nn as nn
import minigrad.optim as optim
from minigrad.course import Result, exit_code, parse_example_args
from minigrad.viz import save_figure

TOLERANCE = 1e-6
NAMES = ("W1", "b1", "W2", "b2")          # W is [out, in], as nn.Linear stores it


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def hand_step(params: dict, x: np.ndarray, y: np.ndarray, lr: float) -> tuple[float, dict, dict, dict]:
    """One forward and backward pass by the chain rule, then W ← W − lr·dE/dW.
    Returns (E, the forward values, the gradients, the updated parameters)."""
    W1, b1, W2, b2 = (params[n] for n in NAMES)
    # forward
    z1 = W1 @ x + b1                      # hidden pre-activation      [3]
    h = sigmoid(z1)                       # hidden output              [3]
    y_hat = W2 @ h + b2                   # prediction (linear output) [2]
    E = 0.5 * np.sum((y_hat - y) ** 2)
    # backward: each line is one link of the chain dE/dW = dE/dŷ · dŷ/dh · dh/dz1 · dz1/dW
    dE_dyhat = y_hat - y                  # d(½(ŷ−y)²)/dŷ
    dE_dW2 = np.outer(dE_dyhat, h)        # ŷ = W2·h + b2  →  dŷ_i/dW2_ij = h_j
    dE_db2 = dE_dyhat
    dE_dh = W2.T @ dE_dyhat               # every output that h_j feeds sends its share back
    dE_dz1 = dE_dh * h * (1 - h)          # sigmoid' = σ(1 − σ)  (p.14)
    dE_dW1 = np.outer(dE_dz1, x)
    dE_db1 = dE_dz1
    grads = dict(W1=dE_dW1, b1=dE_db1, W2=dE_dW2, b2=dE_db2)
    updated = {n: params[n] - lr * grads[n] for n in NAMES}
    forward = dict(z1=z1, h=h, y_hat=y_hat, dE_dyhat=dE_dyhat, dE_dz1=dE_dz1)
    return float(E), forward, grads, updated


def make_model(params: dict) -> nn.Sequential:
    """The same network as minigrad modules (float64), holding copies of ``params``."""
    model = nn.Sequential(nn.Linear(4, 3), nn.Sigmoid(), nn.Linear(3, 2)).double()
    model.load_state_dict({"0.weight": params["W1"], "0.bias": params["b1"],
                           "2.weight": params["W2"], "2.bias": params["b2"]})
    return model


def model_params(model: nn.Sequential) -> dict:
    state = model.state_dict()
    return {n: state[k].numpy().copy() for n, k in zip(NAMES, ("0.weight", "0.bias", "2.weight", "2.bias"))}


def autograd_step(model: nn.Sequential, optimizer, x: np.ndarray, y: np.ndarray) -> tuple[float, dict]:
    """The same step by autograd: loss.backward() fills every .grad, SGD applies W ← W − lr·grad."""
    prediction = model(mg.tensor(x, dtype=mg.float64))
    E = 0.5 * ((prediction - mg.tensor(y, dtype=mg.float64)) ** 2).sum()
    optimizer.zero_grad()
    E.backward()
    grads = {n: p.grad.numpy().copy() for n, p in zip(NAMES, model.parameters())}
    optimizer.step()
    return E.item(), grads


def max_diff(a: dict, b: dict) -> float:
    return max(float(np.max(np.abs(a[n] - b[n]))) for n in NAMES)


def plot(grads_hand: dict, grads_auto: dict, losses_hand: list, losses_auto: list, path: str) -> str:
    import matplotlib.pyplot as plt

    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.2))
    labels = [f"{n}[{','.join(map(str, i))}]" for n in NAMES for i in np.ndindex(grads_hand[n].shape)]
    hand = np.concatenate([grads_hand[n].ravel() for n in NAMES])
    auto = np.concatenate([grads_auto[n].ravel() for n in NAMES])
    positions = np.arange(len(hand))
    left.bar(positions, hand, color="tab:blue", alpha=0.6, label="by hand (NumPy chain rule)")
    left.plot(positions, auto, "k_", markersize=14, markeredgewidth=2, label="autograd (loss.backward())")
    left.set_xticks(positions, labels, rotation=90, fontsize=7)
    left.axhline(0, color="gray", linewidth=0.6)
    left.set_ylabel("dE/dparameter")
    left.set_title("step 1: every gradient entry, by hand and by autograd")
    left.legend()
    steps = np.arange(1, len(losses_hand) + 1)
    right.plot(steps, losses_hand, "o-", color="tab:blue", alpha=0.6, label="by hand: W ← W − lr·dE/dW")
    right.plot(steps, losses_auto, "k.", label="minigrad optim.SGD")
    right.set_yscale("log")
    right.set_xlabel("step")
    right.set_ylabel("E = ½·Σ(predicted − actual)²")
    right.set_title("training one sample: both ways give the same losses")
    right.grid(alpha=0.3)
    right.legend()
    return save_figure(fig, path)


def main(argv=None) -> Result:
    with np.printoptions(precision=4, suppress=True):   # restored afterwards: other examples share the process
        return run(parse_example_args(__doc__.splitlines()[0], argv))


def run(args) -> Result:
    steps, lr = (30, 0.1) if args.quick else (60, 0.1)

    # Small round numbers, so a learner can redo the first step on paper.
    rng = np.random.default_rng(args.seed)
    params = {"W1": rng.normal(0, 0.5, (3, 4)).round(1), "b1": np.zeros(3),
              "W2": rng.normal(0, 0.5, (2, 3)).round(1), "b2": np.zeros(2)}
    x, y = np.array([1.0, 0.5, -0.5, 2.0]), np.array([1.0, 0.0])
    print(f"x = {x}, actual = {y}, lr = {lr}")
    for n in NAMES:
        print(f"{n} =\n{params[n]}")

    E, fwd, grads_hand, updated_hand = hand_step(params, x, y, lr)
    print("\n-- forward, by hand --")
    print(f"z1 = W1·x + b1 = {fwd['z1']}\nh = sigmoid(z1) = {fwd['h']}\npredicted = W2·h + b2 = {fwd['y_hat']}")
    print(f"E = ½·Σ(predicted − actual)² = {E:.6f}")
    print("\n-- backward, by hand --")
    print(f"dE/dpredicted = predicted − actual = {fwd['dE_dyhat']}")
    print("  (the slide writes −2·½[Predicted − Actual]: that is dE/dActual; dE/dPredicted has the + sign)")
    print(f"dE/dW2 = dE/dpredicted ⊗ h =\n{grads_hand['W2']}")
    print(f"dE/dz1 = (W2ᵀ·dE/dpredicted) · h(1 − h) = {fwd['dE_dz1']}")
    print(f"dE/dW1 = dE/dz1 ⊗ x =\n{grads_hand['W1']}")

    model = make_model(params)
    optimizer = optim.SGD(model.parameters(), lr=lr)
    E_auto, grads_auto = autograd_step(model, optimizer, x, y)
    updated_auto = model_params(model)
    print("\n-- the same step by minigrad: loss.backward(), optim.SGD(lr).step() --")
    print(f"E = {E_auto:.6f}")
    print(f"dE/dW2 (autograd) =\n{grads_auto['W2']}\ndE/dW1 (autograd) =\n{grads_auto['W1']}")
    print(f"W2 after the step: by hand\n{updated_hand['W2']}\n                   by SGD\n{updated_auto['W2']}")
    grad_diff, weight_diff = max_diff(grads_hand, grads_auto), max_diff(updated_hand, updated_auto)
    print(f"max |hand − autograd| over all gradients: {grad_diff:.2e}; over the updated weights: {weight_diff:.2e}")

    # Keep going: the p.18 loop, "iterate until the loss is small enough", both ways.
    losses_hand, losses_auto, current = [E], [E_auto], updated_hand
    for _ in range(steps - 1):
        E, _, _, current = hand_step(current, x, y, lr)
        losses_hand.append(E)
        losses_auto.append(autograd_step(model, optimizer, x, y)[0])
    final_diff = max_diff(current, model_params(model))
    print(f"after {steps} steps: E = {losses_hand[-1]:.3g} (by hand), {losses_auto[-1]:.3g} (SGD); "
          f"max weight difference {final_diff:.2e}")

    worst = max(grad_diff, weight_diff, final_diff)
    path = plot(grads_hand, grads_auto, losses_hand, losses_auto, os.path.join(args.out, "backprop_by_hand.png"))
    return Result(metric="max |hand − autograd|", value=worst, target=f"< {TOLERANCE:g}", passed=worst < TOLERANCE,
                  details={"gradient_diff": grad_diff, "weight_diff": weight_diff, "after_steps_diff": final_diff,
                           "loss_first": losses_hand[0], "loss_last": losses_hand[-1]}, plots=[path])


if __name__ == "__main__":
    raise SystemExit(exit_code(main()))
