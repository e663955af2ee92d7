"""Kernel speed: forward+backward milliseconds per kernel and backend, beside PyTorch.

Float32, median of >= 20 timed calls after warm-up, minigrad's backends and PyTorch timed
in interleaved blocks, at 1 thread and at 2 threads with both libraries limited alike
(PyTorch's threads; Numba, OpenMP and BLAS threads).  Matmul: GFLOP/s of the blocked loop
kernels against BLAS at 512x512x512.
Usage: python benchmarks/kernels.py [--threads 1 2] [--blocks 5]
"""
from __future__ import annotations

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _common import interleaved, limit_threads, machine_line, markdown_table  # noqa: E402

from minigrad.kernels import BACKENDS, BackendUnavailable, load_backend  # noqa: E402

CONVS = {
    "conv2d [64,1,28,28]→32 3×3 p1": ((64, 1, 28, 28), (32, 1, 3, 3), 1),
    "conv2d [64,32,14,14]→64 3×3 p1": ((64, 32, 14, 14), (64, 32, 3, 3), 1),
    "LeNet conv1 [64,1,28,28]→6 5×5 p2": ((64, 1, 28, 28), (6, 1, 5, 5), 2),
    "LeNet conv2 [64,6,14,14]→16 5×5": ((64, 6, 14, 14), (16, 6, 5, 5), 0),
}
POOL = ("max_pool2d 2×2 [64,32,28,28]", (64, 32, 28, 28))


def conv_step(kernels, x, w, pad):
    n, o = x.shape[0], w.shape[0]
    size = x.shape[2] + 2 * pad - w.shape[2] + 1
    out = np.empty((n, o, size, size), np.float32)
    grad_x, grad_w = np.empty_like(x), np.empty_like(w)
    grad_out = np.ones_like(out)
    geometry = (1, 1, pad, pad, 1, 1)

    def step():
        kernels.conv2d_forward(x, w, out, *geometry)
        kernels.conv2d_backward_input(grad_out, w, grad_x, *geometry)
        kernels.conv2d_backward_weight(x, grad_out, grad_w, *geometry)
    return step


def torch_conv_step(x, w, pad):
    import torch
    import torch.nn.functional as F
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)

    def step():
        tx.grad = tw.grad = None
        F.conv2d(tx, tw, padding=pad).sum().backward()
    return step


def pool_step(kernels, x):
    n, c, h, w = x.shape
    out = np.empty((n, c, h // 2, w // 2), np.float32)
    argmax = np.empty(out.shape, np.int64)
    grad_out, grad_x = np.ones_like(out), np.empty_like(x)

    def step():
        kernels.max_pool2d_forward(x, out, argmax, 2, 2, 2, 2, 0, 0)
        kernels.max_pool2d_backward(grad_out, argmax, grad_x)
    return step


def torch_pool_step(x):
    import torch
    import torch.nn.functional as F
    tx = torch.tensor(x, requires_grad=True)

    def step():
        tx.grad = None
        F.max_pool2d(tx, 2).sum().backward()
    return step


def backends() -> dict:
    found = {}
    for name in BACKENDS:
        try:
            found[name] = load_backend(name)
        except BackendUnavailable as exc:
            print(f"skipping backend {name}: {exc}")
    return found


def run(threads: int, blocks: int, available: dict, have_torch: bool) -> tuple[list, list]:
    rng = np.random.default_rng(0)
    rows = []
    with limit_threads(threads):
        cases = [(label, "conv", shapes) for label, shapes in CONVS.items()] + [(POOL[0], "pool", POOL[1])]
        for label, kind, spec in cases:
            steps = {}
            if kind == "conv":
                x_shape, w_shape, pad = spec
                x = rng.standard_normal(x_shape).astype(np.float32)
                w = rng.standard_normal(w_shape).astype(np.float32)
                for name, kernels in available.items():
                    steps[name] = conv_step(kernels, x, w, pad)
                if have_torch:
                    steps["torch"] = torch_conv_step(x, w, pad)
            else:
                x = rng.standard_normal(spec).astype(np.float32)
                for name, kernels in available.items():
                    steps[name] = pool_step(kernels, x)
                if have_torch:
                    steps["torch"] = torch_pool_step(x)
            times = interleaved(steps, blocks=blocks, repeats=4)
            best = min((t, n) for n, t in times.items() if n != "torch")
            torch_ms = times.get("torch", float("nan")) * 1e3
            rows.append([label, threads] + [times[n] * 1e3 if n in times else "-" for n in BACKENDS]
                        + [torch_ms, best[1], best[0] * 1e3 / torch_ms])
        matmul_rows = []
        size = 512
        a = rng.standard_normal((size, size)).astype(np.float32)
        b = rng.standard_normal((size, size)).astype(np.float32)
        out = np.empty((size, size), np.float32)
        steps = {"BLAS (np.matmul)": lambda: np.matmul(a, b, out=out)}
        for name, kernels in available.items():
            if name != "numpy":
                steps[f"{name} blocked"] = (lambda k: (lambda: k.matmul_blocked(a, b, out)))(kernels)
        times = interleaved(steps, blocks=max(2, blocks // 2), repeats=3)
        flops = 2 * size ** 3
        blas = flops / times["BLAS (np.matmul)"] / 1e9
        for name, seconds in times.items():
            gflops = flops / seconds / 1e9
            matmul_rows.append([name, threads, gflops, f"{100 * gflops / blas:.0f} %"])
    return rows, matmul_rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--blocks", type=int, default=5)
    args = parser.parse_args()
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
    available = backends()
    print(f"machine: {machine_line()}\n")
    all_rows, all_matmul = [], []
    for threads in args.threads:
        rows, matmul_rows = run(threads, args.blocks, available, have_torch)
        all_rows += rows
        all_matmul += matmul_rows
    header = ["kernel (fwd+bwd)", "threads"] + [f"{b} ms" for b in BACKENDS] + ["PyTorch ms", "best", "best/PyTorch"]
    print(markdown_table(header, all_rows))
    print()
    print(markdown_table(["matmul 512³ float32", "threads", "GFLOP/s", "of BLAS"], all_matmul))


if __name__ == "__main__":
    main()
