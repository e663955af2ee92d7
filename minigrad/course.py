"""The course's examples: how each one is found, run and judged.

Every example is a script ``examples/NN_name.py`` (installed as ``minigrad.examples``) with
a module docstring whose first line says what it shows, and a function
``main(argv=None) -> Result``.  Run as a script it exits non-zero when it misses its target:

    if __name__ == "__main__":
        raise SystemExit(exit_code(main()))
"""
from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import re
import time
from dataclasses import dataclass, field

EXAMPLE_NAME = re.compile(r"^(\d\d)_(\w+)$")


@dataclass
class Result:
    """What an example measured, against the target the course sets for it."""

    metric: str
    value: float
    target: str                 # human-readable target, e.g. ">= 0.95" or "< naive 3.1"
    passed: bool
    details: dict = field(default_factory=dict)
    plots: list = field(default_factory=list)
    seconds: float = 0.0

    def line(self) -> str:
        verdict = "PASS" if self.passed else "FAIL"
        return f"{self.metric} = {self.value:.4g} (target {self.target}) -> {verdict}"


def example_parser(description: str) -> argparse.ArgumentParser:
    """The knobs every example takes: --quick, --backend, --out."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="a short run (seconds) for tests and the course table")
    parser.add_argument("--backend", default=None, help="kernel backend: numpy, numba or cython")
    parser.add_argument("--out", default="out", help="folder for plots")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1,
                        help="threads for BLAS, OpenMP and Numba (default 1: the models are small, and a busy "
                             "second core stalls multi-threaded steps); 0 = no limit")
    return parser


def parse_example_args(description: str, argv=None, extra=None) -> argparse.Namespace:
    """Parse the standard knobs (plus ``extra(parser)`` ones), apply backend and seed, make --out."""
    import minigrad as mg

    parser = example_parser(description)
    if extra is not None:
        extra(parser)
    args = parser.parse_args(argv)
    if args.backend:
        mg.set_backend(args.backend)
    mg.manual_seed(args.seed)
    if args.threads:
        _keep_thread_limit(args.threads)
    os.makedirs(args.out, exist_ok=True)
    return args


def _keep_thread_limit(n: int) -> None:
    """Limit BLAS, OpenMP and Numba threads to ``n`` for the rest of the process."""
    import minigrad as mg
    from threadpoolctl import threadpool_limits

    # Load the kernels first, and start Numba's thread pool (its OpenMP layer resets OpenMP's count) before
    # threadpoolctl, which limits only the libraries already loaded (libgomp comes with the Cython kernels).
    mg.available_backends()
    try:
        import numba
        numba.set_num_threads(max(1, min(n, numba.config.NUMBA_NUM_THREADS)))
    except ImportError:
        pass
    threadpool_limits(limits=n)


def print_epochs(history, epochs: int) -> None:
    """Train loss, test loss and test accuracy at the first, middle and last epoch: the examples'
    progress report (their validation split is the test split)."""
    for epoch in sorted({1, epochs // 2, epochs}):
        i = history.epochs.index(epoch)
        print(f"  epoch {epoch:3d}: train loss {history['loss'][i]:.4f}, test loss {history['val_loss'][i]:.4f}, "
              f"test accuracy {history['val_accuracy'][i]:.4f}")


def exit_code(result: Result) -> int:
    print(result.line())
    return 0 if result.passed else 1


def list_examples() -> list[tuple[str, str, str]]:
    """(number, module name, one-line description) of every example, in course order."""
    from . import examples

    found = []
    for info in pkgutil.iter_modules(examples.__path__):
        match = EXAMPLE_NAME.match(info.name)
        if match:
            try:
                module = importlib.import_module(f"{examples.__name__}.{info.name}")
            except Exception as exc:  # one broken example must not hide the others
                summary = f"(cannot import: {type(exc).__name__}: {exc})"
            else:
                summary = (module.__doc__ or "").strip().splitlines()[0] if module.__doc__ else ""
            found.append((match.group(1), info.name, summary))
    return sorted(found)


def find_example(name: str) -> str:
    """Accept "3", "03", "03_single_hidden_layer" or "single_hidden_layer"."""
    examples = list_examples()
    for number, module, _ in examples:
        if name in (module, number, str(int(number)), module[3:]):
            return module
    known = ", ".join(m for _, m, _ in examples)
    raise KeyError(f"no example named {name!r}; known examples: {known}")


def run_example(module_name: str, argv=None) -> Result:
    """Import and run one example's main, timing it."""
    from . import examples

    module = importlib.import_module(f"{examples.__name__}.{module_name}")
    started = time.perf_counter()
    result = module.main(argv)
    result.seconds = time.perf_counter() - started
    return result
