"""End-to-end training-step speed of the course's models: minigrad beside PyTorch.

A step is forward, loss, backward and optimiser step, float32, median of >= 20 steps after
warm-up, every available backend and PyTorch timed in interleaved blocks, at 1 and 2
threads with both libraries limited alike.  Also: cold start (fresh process, empty Numba
cache: import + first step), warm start (same, cache filled), and peak resident memory of
the course-CNN run beside PyTorch's (each in its own process).
Writes the table between the markers in BENCHMARKS.md and a bar chart to docs/.
Usage: python benchmarks/models.py [--threads 1 2] [--steps 20] [--models lenet5 ...] [--no-write]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

import minigrad  # noqa: F401  (first, as a user's script would: it configures OpenBLAS before NumPy loads it)
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from _common import interleaved, limit_threads, machine_line, markdown_table  # noqa: E402

MODELS = ("lenet5", "course_cnn", "lstm", "gru", "stock_mlp", "char_lstm")
AIMS = {"lenet5": 1.5, "course_cnn": 1.3, "lstm": 1.0, "gru": 1.0, "stock_mlp": 1.1, "char_lstm": 1.5}
DESCRIPTIONS = {
    "lenet5": "LeNet-5, batch 64 of 28×28, SGD",
    "course_cnn": "course CNN 32-64 3×3, batch 64 of 28×28, SGD",
    "lstm": "LSTM 28→128 ×28 steps, batch 64, SGD",
    "gru": "GRU 28→128 ×28 steps, batch 64, SGD",
    "stock_mlp": "stock MLP 500→1024→512→256→128→1, batch 256, Adam",
    "char_lstm": "char-LSTM vocab 5, hidden 6, 6 steps, batch 1, Adam",
}


def build(lib, name: str, torch_state: dict | None = None):
    """(model, loss_fn, optimizer, inputs, targets) for library ``lib`` ("minigrad" or "torch");
    ``torch_state`` (a state dict of NumPy arrays) sets the initial weights."""
    if lib == "torch":
        import torch as L
        import torch.nn as nn
        import torch.optim as optim
        tensor = (lambda a: L.tensor(a))
    else:
        import minigrad as L
        import minigrad.nn as nn
        import minigrad.optim as optim
        tensor = (lambda a: L.tensor(a))
    rng = np.random.default_rng(0)

    class Recurrent(nn.Module):
        def __init__(self, cell, input_size, hidden, classes):
            super().__init__()
            self.rnn = cell(input_size, hidden, batch_first=True)
            self.head = nn.Linear(hidden, classes)

        def forward(self, x):
            output, _ = self.rnn(x)
            return self.head(output[:, -1])

    class CharModel(nn.Module):
        """The course's "hihello" model: one-hot chars → LSTM(hidden 6) → Linear → next char."""

        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(5, 6, batch_first=True)
            self.head = nn.Linear(6, 5)

        def forward(self, x):
            output, _ = self.lstm(x)
            return self.head(output[0])

    if name == "lenet5":
        model = nn.Sequential(
            nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
        x = rng.standard_normal((64, 1, 28, 28)).astype(np.float32)
        y = rng.integers(0, 10, 64)
        loss_fn, opt = nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.01)
    elif name == "course_cnn":
        model = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(3136, 128), nn.ReLU(), nn.Linear(128, 10))
        x = rng.standard_normal((64, 1, 28, 28)).astype(np.float32)
        y = rng.integers(0, 10, 64)
        loss_fn, opt = nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.01)
    elif name in ("lstm", "gru", "rnn"):
        model = Recurrent({"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[name], 28, 128, 10)
        x = rng.standard_normal((64, 28, 28)).astype(np.float32)
        y = rng.integers(0, 10, 64)
        loss_fn, opt = nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.01)
    elif name == "stock_mlp":
        model = nn.Sequential(nn.Linear(500, 1024), nn.ReLU(), nn.Linear(1024, 512), nn.ReLU(),
                              nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 1))
        x = rng.standard_normal((256, 500)).astype(np.float32)
        y = rng.standard_normal((256, 1)).astype(np.float32)
        loss_fn, opt = nn.MSELoss(), optim.Adam(model.parameters(), lr=1e-3)
    elif name == "char_lstm":
        model = CharModel()
        x = np.eye(5, dtype=np.float32)[rng.integers(0, 5, (1, 6))]
        y = rng.integers(0, 5, 6)
        loss_fn, opt = nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.1)
    else:
        raise KeyError(name)
    if torch_state is not None:
        model.load_state_dict(torch_state)
    return model, loss_fn, opt, tensor(x), tensor(y)


def make_step(lib: str, name: str, backend: str | None = None):
    model, loss_fn, opt, x, y = build(lib, name)

    def step():
        if backend is not None:
            import minigrad as mg
            with mg.use_backend(backend):
                loss = loss_fn(model(x), y)
                opt.zero_grad()
                loss.backward()
                opt.step()
        else:
            loss = loss_fn(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
    return step


def speed_rows(models, threads_list, steps: int, backends: list, have_torch: bool):
    rows = []
    for threads in threads_list:
        with limit_threads(threads):
            for name in models:
                runs = {b: make_step("minigrad", name, b) for b in backends}
                if have_torch:
                    runs["torch"] = make_step("torch", name)
                repeats = 4
                blocks = max(5, -(-steps // repeats))
                times = interleaved(runs, blocks=blocks, repeats=repeats, warmup=3)
                torch_ms = times.get("torch", float("nan")) * 1e3
                best_name, best = min(((b, times[b]) for b in backends), key=lambda p: p[1])
                ratio = best * 1e3 / torch_ms
                rows.append(dict(model=name, threads=threads, **{f"{b}": times[b] * 1e3 for b in backends},
                                 torch=torch_ms, best=best_name, ratio=ratio, aim=AIMS[name]))
                print(f"  {name} @ {threads} thread(s): " + ", ".join(f"{k} {v * 1e3:.1f} ms" for k, v in times.items()),
                      flush=True)
    return rows


SUBPROCESS_STEP = """
import os, sys, time, resource, json
started = time.perf_counter()
sys.path.insert(0, {here!r})
lib, name, backend, n = {lib!r}, {name!r}, {backend!r}, {n}
if lib == "minigrad":
    import minigrad as mg
    mg.set_backend(backend)
else:
    import torch
    torch.set_num_threads(1)
import models as bench
step = bench.make_step(lib, name)
step()
first = time.perf_counter() - started
for _ in range(n - 1):
    step()
# VmHWM is this process's own peak; ru_maxrss also counts the parent's peak at the fork (Linux
# carries the high-water mark across exec), so every run would report the benchmark's own size
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    with open("/proc/self/status") as status:
        peak_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
except (OSError, StopIteration):
    pass
print(json.dumps(dict(first=first, peak_mb=peak_kb / 1024)))
"""


def in_fresh_process(lib, name, backend, n, cache_dir) -> dict:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache_dir, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               NUMBA_NUM_THREADS="1")
    code = SUBPROCESS_STEP.format(here=HERE, lib=lib, name=name, backend=backend, n=n)
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def start_rows(backends, have_torch):
    """Cold and warm start (import + first step of the course CNN) and its peak memory."""
    rows = []
    for backend in backends:
        with tempfile.TemporaryDirectory() as cache:
            cold = in_fresh_process("minigrad", "course_cnn", backend, 1, cache)
            warm = in_fresh_process("minigrad", "course_cnn", backend, 1, cache)
        rows.append([f"minigrad ({backend})", cold["first"], warm["first"]])
    if have_torch:
        with tempfile.TemporaryDirectory() as cache:
            first = in_fresh_process("torch", "course_cnn", None, 1, cache)["first"]
        rows.append(["PyTorch", first, first])
    memory = []
    with tempfile.TemporaryDirectory() as cache:
        for backend in backends:
            memory.append([f"minigrad ({backend})", in_fresh_process("minigrad", "course_cnn", backend, 20, cache)["peak_mb"]])
        if have_torch:
            memory.append(["PyTorch", in_fresh_process("torch", "course_cnn", None, 20, cache)["peak_mb"]])
    return rows, memory


def bar_chart(rows, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(9, 4))
    labels = [f"{r['model']}\n{r['threads']}t" for r in rows]
    ax.bar(range(len(rows)), [r["ratio"] for r in rows], color="tab:blue")
    ax.scatter(range(len(rows)), [r["aim"] for r in rows], marker="_", s=400, color="tab:red", label="aim")
    ax.axhline(1.0, color="grey", lw=0.8)
    ax.set_xticks(range(len(rows)), labels, fontsize=8)
    ax.set_ylabel("step time, minigrad (best backend) / PyTorch")
    ax.set_title("Training step, minigrad vs PyTorch (lower is better)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_section(text: str) -> None:
    path = os.path.join(ROOT, "BENCHMARKS.md")
    start, end = "<!-- models:start -->", "<!-- models:end -->"
    content = open(path).read() if os.path.exists(path) else f"# Benchmarks\n\n{start}\n{end}\n"
    if start not in content:
        content += f"\n{start}\n{end}\n"
    before, rest = content.split(start, 1)
    after = rest.split(end, 1)[1]
    with open(path, "w") as f:
        f.write(before + start + "\n" + text + "\n" + end + after)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--models", nargs="+", default=list(MODELS))
    parser.add_argument("--no-start", action="store_true", help="skip cold/warm start and memory")
    parser.add_argument("--no-write", action="store_true", help="print only; do not touch BENCHMARKS.md")
    args = parser.parse_args()
    import minigrad as mg
    try:
        import torch  # noqa: F401
        have_torch = True
    except ImportError:
        have_torch = False
    backends = mg.available_backends()
    print(f"machine: {machine_line()}", flush=True)
    rows = speed_rows(args.models, args.threads, args.steps, backends, have_torch)
    header = ["model", "threads"] + [f"{b} ms" for b in backends] + ["PyTorch ms", "best", "best/PyTorch", "aim"]
    table = markdown_table(header, [[DESCRIPTIONS[r["model"]], r["threads"]] + [r[b] for b in backends]
                                    + [r["torch"], r["best"], r["ratio"], f"≤ {r['aim']}"] for r in rows])
    text = f"Machine: {machine_line()}\n\n{table}\n"
    if not args.no_start:
        starts, memory = start_rows(backends, have_torch)
        text += "\nCourse CNN, fresh process (aims: cold ≤ 20 s, warm ≤ 2 s):\n\n"
        text += markdown_table(["run", "cold start s (empty Numba cache)", "warm start s (cache filled)"], starts)
        text += "\n\nPeak resident memory, 20 course-CNN steps (aim ≤ 1.5× PyTorch):\n\n"
        text += markdown_table(["run", "peak MB"], memory) + "\n"
    print(text)
    if not args.no_write:
        os.makedirs(os.path.join(ROOT, "docs"), exist_ok=True)
        bar_chart(rows, os.path.join(ROOT, "docs", "benchmark_models.png"))
        write_section(text + "\n![training step ratios](docs/benchmark_models.png)\n")


if __name__ == "__main__":
    main()
