"""Per-op cost, forward plus backward, minigrad beside PyTorch in the same run.

For each op and size: y = op(x); y.backward(ones) on a fresh graph, timed in blocks that
alternate between the two libraries (so a machine hiccup hits both), median over blocks.
One thread for both (the per-op overhead is what we measure, not the maths).
Usage: python benchmarks/overhead.py [--blocks 7] [--markdown]
"""
import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import argparse  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import minigrad as mg  # noqa: E402

OPS = {
    "add": (lambda x, y: x + y),
    "mul": (lambda x, y: x * y),
    "div": (lambda x, y: x / y),
    "exp": (lambda x, y: x.exp()),
    "tanh": (lambda x, y: x.tanh()),
    "sigmoid": (lambda x, y: x.sigmoid()),
    "relu": (lambda x, y: x.relu()),
    "sum": (lambda x, y: x.sum()),
    "mean(dim=0)": (lambda x, y: x.mean(0)),
    "reshape": (lambda x, y: x.reshape(-1)),
    "transpose": (lambda x, y: x.T),
    "getitem": (lambda x, y: x[:1]),
    "matmul": (lambda x, y: x @ y),
    "softmax": (lambda x, y: x.softmax(-1)),
}
SIZES = {"tiny (1x1)": (1, 1), "small (64x64)": (64, 64)}


def time_block(step, repeats: int) -> float:
    started = time.perf_counter()
    for _ in range(repeats):
        step()
    return (time.perf_counter() - started) / repeats * 1e6


def make_step(lib, op, shape, rng):
    a, b = rng.standard_normal(shape).astype(np.float32), rng.standard_normal(shape).astype(np.float32)
    if lib == "minigrad":
        x, y = mg.tensor(a, requires_grad=True), mg.tensor(b, requires_grad=True)
    else:
        import torch
        x, y = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)

    def step():
        out = op(x, y)
        out.backward(lib_ones(lib, out))
    return step


def lib_ones(lib, out):
    if lib == "minigrad":
        return np.ones(out.shape, dtype=np.float32)
    import torch
    return torch.ones_like(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=7)
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args()
    try:
        import torch
        torch.set_num_threads(1)
    except ImportError:
        torch = None
    rng = np.random.default_rng(0)
    rows = []
    for size_name, shape in SIZES.items():
        for name, op in OPS.items():
            steps = {"minigrad": make_step("minigrad", op, shape, rng)}
            if torch is not None:
                steps["torch"] = make_step("torch", op, shape, rng)
            for step in steps.values():  # warm-up
                time_block(step, 20)
            samples = {lib: [] for lib in steps}
            for _ in range(args.blocks):  # interleaved blocks
                for lib, step in steps.items():
                    samples[lib].append(time_block(step, args.repeats))
            mine = statistics.median(samples["minigrad"])
            theirs = statistics.median(samples["torch"]) if torch is not None else float("nan")
            rows.append((size_name, name, mine, theirs, mine / theirs))
    header = f"| size | op | minigrad µs | PyTorch µs | ratio |\n|---|---|---:|---:|---:|"
    print(f"machine: {platform.machine()}, {platform.processor() or platform.platform()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, NumPy {np.__version__}, "
          f"torch {torch.__version__ if torch else 'not installed'}; 1 thread")
    print(header)
    for size_name, name, mine, theirs, ratio in rows:
        print(f"| {size_name} | {name} | {mine:.1f} | {theirs:.1f} | {ratio:.2f} |")
    ratios = [r[4] for r in rows]
    print(f"\ngeometric-mean ratio minigrad/PyTorch: {statistics.geometric_mean(ratios):.2f} "
          f"(max {max(ratios):.2f})")


if __name__ == "__main__":
    main()
