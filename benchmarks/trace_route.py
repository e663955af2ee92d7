"""Which source files Python runs through during one forward and one backward of a small model.

The route a student follows when reading ``loss.backward()``: for an MLP, a CNN and an LSTM,
one training step after a warm-up step is traced with ``sys.setprofile`` (and
``threading.setprofile``, so the batch threads count too); every Python call into a file of
the package (minigrad/, and kernels/, installed as minigrad.kernels) counts that file, and a
call into a different file than the previous call of the same thread counts as a switch.
Forward is the model and the loss; backward is ``loss.backward()`` and ``optimizer.step()``.
Usage: python benchmarks/trace_route.py [--threads 2] [--backend cython] [--files]
"""
from __future__ import annotations

import argparse
import collections
import os
import sys
import threading

import minigrad  # noqa: F401  (first, as a user's script would)
import minigrad.kernels
import numpy as np

# Where the package's files are, and the name each goes by: an editable install keeps kernels/
# beside minigrad/, not inside it.
ROOTS = {os.path.dirname(os.path.abspath(minigrad.kernels.__file__)) + os.sep: "minigrad/kernels/",
         os.path.dirname(os.path.abspath(minigrad.__file__)) + os.sep: "minigrad/"}
MODELS = ("mlp", "cnn", "lstm")
DESCRIPTIONS = {
    "mlp": "MLP 64→512→512→10, ReLU, batch 64, cross-entropy, Adam",
    "cnn": "CNN conv 1→8 3×3, ReLU, max-pool 2, conv 8→16 3×3, ReLU, max-pool 2, linear; batch 16 of 28×28, SGD",
    "lstm": "LSTM 28→64 ×28 steps, batch 32, linear head, cross-entropy, SGD",
}


def build(name: str):
    """(model, loss_fn, optimizer, x, y), seeded."""
    import minigrad as mg
    import minigrad.nn as nn
    import minigrad.optim as optim
    mg.manual_seed(0)
    rng = np.random.default_rng(0)
    if name == "mlp":
        model = nn.Sequential(nn.Linear(64, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
        x = rng.standard_normal((64, 64)).astype(np.float32)
        y = rng.integers(0, 10, 64)
        return model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=1e-3), mg.tensor(x), mg.tensor(y)
    if name == "cnn":
        model = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                              nn.Linear(16 * 7 * 7, 10))
        x = rng.standard_normal((16, 1, 28, 28)).astype(np.float32)
        y = rng.integers(0, 10, 16)
        return model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.01), mg.tensor(x), mg.tensor(y)
    if name == "lstm":
        class Recurrent(nn.Module):
            def __init__(self):
                super().__init__()
                self.rnn = nn.LSTM(28, 64, batch_first=True)
                self.head = nn.Linear(64, 10)

            def forward(self, x):
                output, _ = self.rnn(x)
                return self.head(output[:, -1])

        model = Recurrent()
        x = rng.standard_normal((32, 28, 28)).astype(np.float32)
        y = rng.integers(0, 10, 32)
        return model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.01), mg.tensor(x), mg.tensor(y)
    raise KeyError(name)


def _package_path(filename: str) -> str | None:
    """``minigrad/...`` for a file of the package (kernels as ``minigrad/kernels/...``), else None."""
    for root, name in ROOTS.items():  # kernels first: inside minigrad/ when installed normally
        if filename.startswith(root):
            return name + filename[len(root):]
    return None


class Route:
    """Counts the package files called into, per phase, while ``phase`` is set."""

    def __init__(self) -> None:
        self.phase = None
        self.calls = collections.defaultdict(collections.Counter)  # phase -> file -> calls
        self.switches = collections.Counter()  # phase -> switches
        self._last = {}  # thread id -> the file of its last call
        self._lock = threading.Lock()

    def profile(self, frame, event, arg):
        if event != "call" or self.phase is None:
            return
        path = _package_path(frame.f_code.co_filename)
        if path is None:
            return
        with self._lock:
            self.calls[self.phase][path] += 1
            thread = threading.get_ident()
            if self._last.get(thread, path) != path:
                self.switches[self.phase] += 1
            self._last[thread] = path

    def start(self, phase: str) -> None:
        self._last.clear()
        self.phase = phase

    def stop(self) -> None:
        self.phase = None


def trace_step(model, loss_fn, opt, x, y, threads: int = 2, backend: str | None = None) -> Route:
    """The route of one training step (after one untraced warm-up step, so that first-use work,
    a lazy import or a kernel compile, is not counted)."""
    import minigrad as mg
    from minigrad.threads import limit_threads
    route = Route()
    backend = backend or mg.get_backend()
    threading.setprofile(route.profile)  # threads started from here on (the batch pool) report too
    sys.setprofile(route.profile)
    try:
        with limit_threads(threads), mg.use_backend(backend):
            for traced in (False, True):
                opt.zero_grad()
                if traced:
                    route.start("forward")
                loss = loss_fn(model(x), y)
                if traced:
                    route.start("backward")
                loss.backward()
                opt.step()
                route.stop()
    finally:
        sys.setprofile(None)
        threading.setprofile(None)
    return route


def trace(name: str, threads: int = 2, backend: str | None = None) -> Route:
    """The route of one training step of model ``name`` (see ``MODELS``)."""
    return trace_step(*build(name), threads=threads, backend=backend)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--backend", default=None, help="default: minigrad's default backend")
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--files", action="store_true", help="also list each phase's files and call counts")
    args = parser.parse_args()
    import minigrad as mg
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from _common import machine_line
    backend = args.backend or mg.get_backend()
    print(f"machine: {machine_line()}\nbackend {backend}, {args.threads} thread(s)\n")
    print("| model | forward files | forward switches | backward files | backward switches |")
    print("|---|---|---|---|---|")
    routes = {}
    for name in args.models:
        route = routes[name] = trace(name, args.threads, backend)
        print(f"| {DESCRIPTIONS[name]} | {len(route.calls['forward'])} | {route.switches['forward']} | "
              f"{len(route.calls['backward'])} | {route.switches['backward']} |", flush=True)
    if args.files:
        for name, route in routes.items():
            for phase in ("forward", "backward"):
                print(f"\n{name} {phase}:")
                for path, count in sorted(route.calls[phase].items()):
                    print(f"  {count:6d}  {path}")


if __name__ == "__main__":
    main()
