"""Does a faster ReLU pay? Plain ReLU against in-place masking on batch threads, in whole steps.

minigrad's ReLU is plain: ``np.maximum`` forward, ``grad * (out > 0)`` backward.  The
alternative kept here writes the forward into a fresh array and masks the gradient in place
(when the engine says nothing else holds it), both passes cut into batch slices on the batch
threads.  Each training step (Cython backend) runs with either ReLU, interleaved in one
process; prints median wall / CPU milliseconds a step, and the ReLU passes alone on the course
CNN's largest feature map.
Usage: python benchmarks/relu_variants.py [--threads 1 2] [--models stock_mlp course_cnn lenet5]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import minigrad  # noqa: F401  (first, as a user's script would)
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import limit_threads, machine_line  # noqa: E402
import models as bench  # noqa: E402
from minigrad.ops import activation  # noqa: E402
from minigrad.parallel import run_over_batch  # noqa: E402


def _relu_into(a, out):
    np.maximum(a, 0, out=out)


def _mask_into(grad, out, result):
    np.multiply(grad, out > 0, out=result)


def threaded_forward(ctx, a):
    if a.dtype.kind != "f" or a.ndim == 0:
        out = np.maximum(a, a.dtype.type(0))
    else:
        out = np.empty_like(a)
        run_over_batch(_relu_into, split=dict(a=a, out=out))
    ctx.save_for_backward(out)
    return out


def threaded_backward(ctx, grad):
    (out,) = ctx.saved_tensors
    if grad.ndim == 0 or grad.shape != out.shape:
        return grad * (out > 0)
    result = grad if ctx.owns_grad else np.empty_like(grad)
    run_over_batch(_mask_into, split=dict(grad=grad, out=out, result=result))
    return result


VARIANTS = {"plain": (activation.ReLU.forward, activation.ReLU.backward),
            "in place + threads": (threaded_forward, threaded_backward)}


def timed(runs: dict, blocks: int = 8, repeats: int = 4, warmup: int = 3) -> dict:
    """{name: (median wall s, median CPU s)} over interleaved blocks of each run."""
    for run in runs.values():
        for _ in range(warmup):
            run()
    wall = {name: [] for name in runs}
    cpu = {name: [] for name in runs}
    for _ in range(blocks):
        for name, run in runs.items():
            for _ in range(repeats):
                w, c = time.perf_counter(), time.process_time()
                run()
                wall[name].append(time.perf_counter() - w)
                cpu[name].append(time.process_time() - c)
    return {name: (statistics.median(wall[name]), statistics.median(cpu[name])) for name in runs}


def with_relu(step, forward, backward):
    def run():
        activation.ReLU.forward, activation.ReLU.backward = staticmethod(forward), staticmethod(backward)
        step()
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--models", nargs="+", default=["stock_mlp", "course_cnn", "lenet5"])
    args = parser.parse_args()
    print(f"machine: {machine_line()}")
    a = np.random.default_rng(0).standard_normal((64, 32, 28, 28)).astype(np.float32)
    grad = np.random.default_rng(1).standard_normal(a.shape).astype(np.float32)
    owned = np.empty_like(grad)  # stands for the gradient the engine hands over, written over

    def plain_passes():
        out = np.maximum(a, np.float32(0))
        return grad * (out > 0)

    def threaded_passes():
        out = np.empty_like(a)
        run_over_batch(_relu_into, split=dict(a=a, out=out))
        run_over_batch(_mask_into, split=dict(grad=grad, out=out, result=owned))
        return owned

    try:
        for threads in args.threads:
            with limit_threads(threads):
                for name in args.models:
                    runs = {v: with_relu(bench.make_step("minigrad", name, "cython"), f, b)
                            for v, (f, b) in VARIANTS.items()}
                    times = timed(runs)
                    print(f"{name} @ {threads} thread(s): " + ", ".join(
                        f"{v} {w * 1e3:.1f} / {c * 1e3:.1f} ms" for v, (w, c) in times.items()), flush=True)
                times = timed({"plain": plain_passes, "in place + threads": threaded_passes}, blocks=10, repeats=10)
                print(f"ReLU passes alone, [64, 32, 28, 28] float32 @ {threads} thread(s): " + ", ".join(
                    f"{v} {w * 1e3:.2f} / {c * 1e3:.2f} ms" for v, (w, c) in times.items()), flush=True)
    finally:
        activation.ReLU.forward, activation.ReLU.backward = (staticmethod(f) for f in VARIANTS["plain"])


if __name__ == "__main__":
    main()
