"""Chain rule as Jacobians (p.19): dPred/dFeatures = dPred/dC · dC/dB · dB/dA · dA/dFeatures equals autograd.

A network of three hidden layers, features 4 → A 3 (sigmoid) → B 3 (tanh) → C 2 (sigmoid) →
Pred 1 (linear), in float64.  Each link of the chain is written by hand as a Jacobian matrix
(row i, column j = d out_i / d in_j) — for a layer y = act(W·x + b) it is diag(act'(·))·W — and
checked against the same Jacobian computed by autograd one row at a time.  Their product, a
1×4 matrix, must equal the gradient ``loss.backward()`` puts in ``features.grad``.  The graph
autograd recorded is drawn (Graphviz when installed, else matplotlib) with each node's gradient
norm, and the backward steps are listed with ``mg.autograd.trace``.
"""
from __future__ import annotations

import os

import numpy as np

import minigrad as mg
from minigrad.course import Result, exit_code, parse_example_args

TOLERANCE = 1e-10
SIZES = {"features": 4, "A": 3, "B": 3, "C": 2, "Pred": 1}


def layers(params: dict, features: mg.Tensor) -> dict:
    """The forward pass, keeping every layer's output."""
    A = (params["W1"] @ features + params["b1"]).sigmoid()
    B = (params["W2"] @ A + params["b2"]).tanh()
    C = (params["W3"] @ B + params["b3"]).sigmoid()
    Pred = params["W4"] @ C + params["b4"]
    return {"A": A, "B": B, "C": C, "Pred": Pred}


def jacobians_by_hand(params: dict, values: dict) -> dict:
    """Each link of the chain from the course's derivative formulas (p.14): y = act(W·x + b)
    gives dy/dx = diag(act'(W·x + b))·W with σ' = σ(1 − σ) and tanh' = 1 − tanh²."""
    W = {k: params[k].numpy() for k in ("W1", "W2", "W3", "W4")}
    A, B, C = (values[k].numpy() for k in ("A", "B", "C"))
    return {
        "dA/dFeatures": np.diag(A * (1 - A)) @ W["W1"],      # 3×4
        "dB/dA": np.diag(1 - B ** 2) @ W["W2"],              # 3×3
        "dC/dB": np.diag(C * (1 - C)) @ W["W3"],             # 2×3
        "dPred/dC": W["W4"],                                 # 1×2 (a linear output)
    }


def jacobian_by_autograd(fn, x: np.ndarray) -> np.ndarray:
    """d fn(x) / dx one row at a time: backward from each output with a one-hot seed."""
    x = mg.tensor(x, dtype=mg.float64, requires_grad=True)
    y = fn(x)
    rows = []
    for i in range(y.shape[0]):
        x.grad = None
        seed = np.zeros(y.shape)
        seed[i] = 1.0
        y.backward(mg.tensor(seed, dtype=mg.float64), retain_graph=True)
        rows.append(x.grad.numpy().copy())
    return np.array(rows)


def matrix(name: str, m: np.ndarray) -> str:
    body = np.array2string(m, precision=4, suppress_small=True, separator="  ", max_line_width=120)
    return f"{name}  [{m.shape[0]}×{m.shape[1]}]\n" + "\n".join("    " + line for line in body.splitlines())


def main(argv=None) -> Result:
    args = parse_example_args(__doc__.splitlines()[0], argv)
    rng = np.random.default_rng(args.seed)
    names = list(SIZES)
    params = {}
    for k, (n_in, n_out) in enumerate(zip(names, names[1:]), 1):
        params[f"W{k}"] = mg.tensor(rng.normal(0, 0.8, (SIZES[n_out], SIZES[n_in])), dtype=mg.float64,
                                    requires_grad=True)
        params[f"b{k}"] = mg.tensor(rng.normal(0, 0.2, SIZES[n_out]), dtype=mg.float64, requires_grad=True)
    for name, tensor in params.items():
        tensor.name = name
    features = mg.tensor(rng.normal(0, 1, 4), dtype=mg.float64, requires_grad=True)
    features.name = "features"

    # autograd: one forward, one backward; the trace lists what backward did
    values = layers(params, features)
    pred = values["Pred"]
    mg.viz.retain_grads(pred)
    with mg.autograd.trace(forward=False) as trace:
        pred.backward()
    autograd = features.grad.numpy().reshape(1, -1)

    # by hand: four Jacobians, multiplied in the order of the chain
    J = jacobians_by_hand(params, values)
    product = J["dPred/dC"] @ J["dC/dB"] @ J["dB/dA"] @ J["dA/dFeatures"]

    # each factor also by autograd (a sub-network at a time), to see where a mistake would be
    with mg.no_grad():
        A, B, C = (values[k].numpy() for k in ("A", "B", "C"))
    P = {k: v.detach() for k, v in params.items()}  # so these backward passes leave params' .grad alone
    checks = {
        "dA/dFeatures": jacobian_by_autograd(lambda f: (P["W1"] @ f + P["b1"]).sigmoid(), features.numpy()),
        "dB/dA": jacobian_by_autograd(lambda a: (P["W2"] @ a + P["b2"]).tanh(), A),
        "dC/dB": jacobian_by_autograd(lambda b: (P["W3"] @ b + P["b3"]).sigmoid(), B),
        "dPred/dC": jacobian_by_autograd(lambda c: P["W4"] @ c + P["b4"], C),
    }

    print(f"features = {np.array2string(features.numpy(), precision=4)},  Pred = {pred.item():.6f}\n")
    print("The chain, each link a Jacobian written by hand (and its largest difference from autograd's):")
    for name in ("dPred/dC", "dC/dB", "dB/dA", "dA/dFeatures"):
        print(matrix(name, J[name]) + f"\n    autograd agrees to {np.max(np.abs(J[name] - checks[name])):.1e}")
    print()
    print(matrix("dPred/dC · dC/dB · dB/dA · dA/dFeatures", product))
    print(matrix("autograd: features.grad after Pred.backward()", autograd))
    difference = float(np.max(np.abs(product - autograd)))
    factor_difference = max(float(np.max(np.abs(J[k] - checks[k]))) for k in J)
    print(f"\nmax |product − autograd| = {difference:.2e}  (each factor: {factor_difference:.2e})\n")
    print("What backward ran, last op first (mg.autograd.trace):")
    trace.table()

    path = os.path.join(args.out, "chain_rule_graph.png")
    view = mg.viz.draw_graph(pred, path)
    print(f"\nthe graph ({len(view.nodes)} boxes, drawn by {view.renderer}) -> {path}")
    worst = max(difference, factor_difference)
    return Result(metric="max |Jacobian product − autograd|", value=worst, target=f"< {TOLERANCE:g}",
                  passed=worst < TOLERANCE, details={"difference": difference, "factors": factor_difference},
                  plots=[path])


if __name__ == "__main__":
    raise SystemExit(exit_code(main()))
