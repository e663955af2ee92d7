"""The ``minigrad`` command: list, run and grade the course's examples; the kernel report.

    minigrad list
    minigrad run NAME [--quick] [--backend B] [--out DIR] [--seed N]
    minigrad course [--quick] [--backend B] [--out DIR] [--seed N] [--threads N] [--only 1,2,5]
    minigrad kernels [...]          (the kernel report, when minigrad.kernel_report exists)

``course`` runs every example in-process and prints one table; an example that raises is a FAIL
row (its traceback goes to stderr) and the run goes on.  Exit code: 0 when every example passed,
1 when any failed, 2 for a usage error such as an unknown example name.
"""
from __future__ import annotations

import argparse
import math
import os
import sys
import time
import traceback
import unicodedata

from .course import Result, find_example, list_examples, run_example
from .threads import limit_threads

COLUMNS = ["example", "what it shows", "metric", "value", "target", "seconds", "result"]


def _add_knobs(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--quick", action="store_true", help="short runs (seconds each)")
    parser.add_argument("--backend", default=None, help="kernel backend: numpy, numba or cython")
    parser.add_argument("--out", default="out", help="folder for plots; each example writes to OUT/<example>/")
    parser.add_argument("--seed", type=int, default=None, help="seed passed to every example")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads for BLAS, OpenMP and Numba (default 1: the course's models are small, "
                             "and a busy second core stalls multi-threaded steps); 0 = no limit")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="minigrad", description="minigrad: run and check the course's examples.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands.add_parser("list", help="list the examples")
    run = commands.add_parser("run", help="run one example")
    run.add_argument("name", help='a number ("3", "03"), module name ("03_x") or its short name ("x")')
    _add_knobs(run)
    course = commands.add_parser("course", help="run every example and print one table")
    _add_knobs(course)
    course.add_argument("--only", default=None, help="comma-separated examples to run, e.g. 1,2,5")
    commands.add_parser("kernels", help="the kernel report (arguments are passed on)")
    return parser


def _example_argv(args, module: str) -> list[str]:
    argv = ["--out", os.path.join(args.out, module)]
    if args.quick:
        argv.append("--quick")
    if args.backend:
        argv += ["--backend", args.backend]
    if args.seed is not None:
        argv += ["--seed", str(args.seed)]
    argv += ["--threads", str(args.threads)]
    return argv


def _shorten(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[:width - 3] + "..."


def _run_row(module: str, summary: str, argv: list[str]) -> tuple[dict, Result | None]:
    """Run one example; a raised exception becomes a FAIL row with the error as its metric."""
    import minigrad as mg

    backend = mg.get_backend()
    started = time.perf_counter()
    result, error = None, None
    try:
        result = run_example(module, argv)
        if not isinstance(result, Result):
            error = f"main() returned {type(result).__name__}, not a course.Result"
            result = None
    except SystemExit as exc:          # argparse errors or sys.exit inside the example
        error = f"SystemExit: {exc.code}"
        traceback.print_exc()
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        traceback.print_exc()
    finally:
        if mg.get_backend() != backend:
            mg.set_backend(backend)
        _close_figures()
    if result is None:
        row = {"metric": _shorten("error: " + error, 60), "value": math.nan, "target": "", "result": "FAIL",
               "seconds": time.perf_counter() - started}
    else:
        row = {"metric": result.metric, "value": result.value, "target": result.target,
               "result": "PASS" if result.passed else "FAIL", "seconds": result.seconds}
    return {"example": module, "what it shows": summary, **row}, result


def _close_figures() -> None:
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")


def _display_width(text: str) -> int:
    """Terminal columns: East Asian wide characters (Korean, for one) take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    fill = " " * (width - _display_width(text))
    return fill + text if right else text + fill


def format_table(rows: list[dict], summary_width: int = 48) -> str:
    """The results as aligned text: a header, a rule, one line per example (numbers right-aligned)."""
    def cell(row: dict, column: str) -> str:
        value = row.get(column, "")
        if column == "value":
            return "" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.4g}"
        if column == "seconds":
            return f"{value:.1f}"
        return _shorten(value, summary_width if column == "what it shows" else 60)

    cells = [[cell(row, column) for column in COLUMNS] for row in rows]
    widths = [max([_display_width(column)] + [_display_width(line[i]) for line in cells])
              for i, column in enumerate(COLUMNS)]
    right = [column in ("value", "seconds") for column in COLUMNS]
    lines = ["  ".join(_pad(c, w, r) for c, w, r in zip(COLUMNS, widths, right)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(_pad(c, w, r) for c, w, r in zip(line, widths, right)).rstrip() for line in cells]
    return "\n".join(lines)


def _select(only: str | None) -> list[tuple[str, str, str]]:
    examples = list_examples()
    if not only:
        return examples
    wanted = {find_example(name.strip()) for name in only.split(",") if name.strip()}
    return [e for e in examples if e[1] in wanted]


def cmd_list() -> int:
    examples = list_examples()
    if not examples:
        print("no examples found")
        return 0
    width = max(len(m) for _, m, _ in examples)
    for _, module, summary in examples:
        print(f"{module:<{width}}  {summary}")
    return 0


def _unknown(command: str, exc: KeyError) -> int:
    print(f"minigrad {command}: {exc.args[0]}", file=sys.stderr)
    return 2


def cmd_run(args) -> int:
    try:
        module = find_example(args.name)
    except KeyError as exc:
        return _unknown("run", exc)
    summary = dict((m, s) for _, m, s in list_examples()).get(module, "")
    with limit_threads(args.threads or None):
        row, result = _run_row(module, summary, _example_argv(args, module))
    if result is not None:
        print(result.line())
        for plot in result.plots:
            print(f"plot: {plot}")
    print(format_table([row]))
    return 0 if row["result"] == "PASS" else 1


def cmd_course(args) -> int:
    try:
        examples = _select(args.only)
    except KeyError as exc:
        return _unknown("course", exc)
    rows = []
    started = time.perf_counter()
    for _, module, summary in examples:
        print(f"\n=== {module}: {summary}", flush=True)
        with limit_threads(args.threads or None):
            row, result = _run_row(module, summary, _example_argv(args, module))
        if result is not None:
            print(result.line(), flush=True)
        rows.append(row)
    failed = sum(row["result"] != "PASS" for row in rows)
    print()
    print(format_table(rows))
    print(f"\n{len(rows) - failed} passed, {failed} failed of {len(rows)} examples "
          f"in {time.perf_counter() - started:.1f}s; plots under {args.out}/<example>/")
    return 1 if failed or not rows else 0


def cmd_kernels(argv: list[str]) -> int:
    from .kernel_report import main as report  # imported here: it loads every backend
    return int(report(argv) or 0)


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "kernels":  # everything after it belongs to the report
        return cmd_kernels(argv[1:])
    args = _parser().parse_args(argv)
    if args.command == "list":
        return cmd_list()
    if args.command == "run":
        return cmd_run(args)
    return cmd_course(args)


if __name__ == "__main__":
    raise SystemExit(main())
