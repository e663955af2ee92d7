"""trace: record every forward op and backward step run inside a ``with`` block, as a table.

    with mg.autograd.trace() as t:
        loss = (x @ w).tanh().sum()
        loss.backward()
    t.table()            # prints (and returns) one row per forward op and per backward step
    t.to_dataframe()     # the same rows as a pandas DataFrame

It is an observer on ``minigrad.autograd.function.observers``: ``Function.apply`` calls its
``on_forward`` after every op and the engine calls its ``on_backward`` after every node's
backward.  Nothing else changes while tracing, so the numbers are those of a normal run (plus
the cost of the bookkeeping).  Forward and backward rows of one graph node share a ``node``
number, so you can see which forward op each backward step undoes.
"""
from __future__ import annotations

import numpy as np

from . import function as _function

COLUMNS = ["step", "phase", "node", "op", "inputs", "outputs", "dtype", "backend", "ms",
           "grad_out_norm", "grad_in_norms"]


def _shape_of(value):
    shape = getattr(value, "shape", None)
    return tuple(shape) if shape is not None else None


def _norm(array) -> float | None:
    if array is None:
        return None
    return float(np.linalg.norm(np.asarray(array, dtype=np.float64).ravel()))


def _backend_name(ctx) -> str:
    backend = getattr(ctx, "kernels", None)
    return getattr(backend, "name", "") if backend is not None else ""


def _format_shapes(shapes) -> str:
    return ", ".join("?" if s is None else str(tuple(s)) for s in shapes)


def _format_norms(norms) -> str:
    if norms is None:
        return ""
    return ", ".join("-" if n is None else f"{n:.4g}" for n in norms)


class trace:
    """Context manager that records forward ops and backward steps; see the module docstring.

    forward/backward: set False to leave that phase out.  ``rows`` is a list of dicts with the
    keys in ``COLUMNS``; ``ms`` is the op's own time (forward or backward) in milliseconds;
    ``grad_out_norm`` is the L2 norm of the gradient arriving at the node's output(s), and
    ``grad_in_norms`` the norm of each gradient it hands to its inputs (None where it gives none).
    """

    def __init__(self, forward: bool = True, backward: bool = True):
        self.record_forward, self.record_backward = forward, backward
        self.rows: list[dict] = []
        self._node_numbers: dict[int, int] = {}
        self._nodes: list = []  # keeps each traced ctx alive, so its id() is never reused

    # -- the observer protocol ---------------------------------------------------------------
    def _number(self, ctx) -> int:
        key = id(ctx)
        if key not in self._node_numbers:
            self._node_numbers[key] = len(self._node_numbers)
            self._nodes.append(ctx)
        return self._node_numbers[key]

    def on_forward(self, cls, args, result, ctx) -> None:
        if not self.record_forward:
            return
        outputs = result if isinstance(result, tuple) else (result,)
        inputs = [a for a in args if _shape_of(a) is not None]
        seconds = getattr(ctx, "forward_seconds", None)
        self.rows.append(dict(
            step=len(self.rows), phase="forward", node=self._number(ctx), op=cls.__name__,
            inputs=[_shape_of(a) for a in inputs], outputs=[_shape_of(o) for o in outputs],
            dtype=str(outputs[0].dtype) if outputs else "", backend=_backend_name(ctx),
            ms=None if seconds is None else seconds * 1e3, grad_out_norm=None, grad_in_norms=None))

    def on_backward(self, node, grads_out, grads_in, seconds) -> None:
        if not self.record_backward:
            return
        present = [g for g in grads_out if g is not None]
        out_norm = float(np.sqrt(sum(_norm(g) ** 2 for g in present))) if present else None
        self.rows.append(dict(
            step=len(self.rows), phase="backward", node=self._number(node), op=node.name(),
            inputs=[_shape_of(t) for t in node.inputs if t is not None],
            outputs=[_shape_of(g) for g in grads_out],
            dtype=str(present[0].dtype) if present else "", backend=_backend_name(node),
            ms=seconds * 1e3, grad_out_norm=out_norm,
            grad_in_norms=[_norm(g) for t, g in zip(node.inputs, grads_in) if t is not None]))

    # -- context manager ---------------------------------------------------------------------
    def __enter__(self) -> "trace":
        _function.observers.append(self)
        return self

    def __exit__(self, *exc_info) -> bool:
        if self in _function.observers:
            _function.observers.remove(self)
        return False

    # -- reading -----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self):
        return iter(self.rows)

    @property
    def forward_rows(self) -> list[dict]:
        return [r for r in self.rows if r["phase"] == "forward"]

    @property
    def backward_rows(self) -> list[dict]:
        return [r for r in self.rows if r["phase"] == "backward"]

    def format(self) -> str:
        """The rows as a fixed-width text table."""
        header = ["#", "phase", "node", "op", "input shapes", "output shapes", "dtype", "backend", "ms",
                  "|grad out|", "|grad in|"]
        body = [[str(r["step"]), r["phase"], str(r["node"]), r["op"], _format_shapes(r["inputs"]),
                 _format_shapes(r["outputs"]), r["dtype"], r["backend"] or "-",
                 "" if r["ms"] is None else f"{r['ms']:.3f}",
                 "" if r["grad_out_norm"] is None else f"{r['grad_out_norm']:.4g}",
                 _format_norms(r["grad_in_norms"])] for r in self.rows]
        widths = [max(len(row[i]) for row in [header] + body) for i in range(len(header))]
        numeric = {0, 2, 8, 9}

        def line(cells):
            return "  ".join(c.rjust(w) if i in numeric else c.ljust(w)
                             for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

        lines = [line(header), "-" * len(line(header))] + [line(row) for row in body]
        n_forward, n_backward = len(self.forward_rows), len(self.backward_rows)
        lines.append(f"{n_forward} forward ops, {n_backward} backward steps")
        return "\n".join(lines)

    def table(self) -> str:
        """Print the table and return it."""
        text = self.format()
        print(text)
        return text

    def to_dataframe(self):
        """The rows as a pandas DataFrame (one column per key of ``COLUMNS``)."""
        import pandas as pd

        return pd.DataFrame(self.rows, columns=COLUMNS)

    def __repr__(self) -> str:
        return f"<trace: {len(self.forward_rows)} forward ops, {len(self.backward_rows)} backward steps>"
