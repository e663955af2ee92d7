"""draw_graph: the recorded autograd graph of a tensor as DOT text, a PNG/SVG picture, or inline in Jupyter.

    loss = model(x).sum()
    mg.viz.retain_grads(loss)      # optional, before backward: keep the non-leaf gradients too
    loss.backward()
    view = mg.viz.draw_graph(loss, "graph.png", params=dict(model.named_parameters()))
    print(view)                    # the DOT text

One box per op (its Function's name, output shape and dtype, the kernel backend it ran on) and
one per leaf tensor that requires grad (its name, shape and dtype); arrows follow the data from
the leaves to the output.  Each box also says what is known about its gradient:
``|grad| = 0.123`` (the L2 norm of ``.grad``), ``no grad yet`` (backward has not run through it),
or ``grad not kept`` (backward ran, but a non-leaf tensor keeps its gradient only when asked:
call ``retain_grads(tensor)`` before ``backward()``, which calls ``retain_grad()`` on every
non-leaf tensor of the graph — the PyTorch mechanism, nothing added to the engine).

Rendering: through Graphviz when the ``dot`` program is on the PATH, otherwise through matplotlib
with a simple layered layout (each node one row below the lowest of its inputs).
"""
from __future__ import annotations

import io
import os
import shutil
import subprocess
from dataclasses import dataclass, field

import numpy as np

from ..tensor import Tensor

COLORS = {"leaf": "#cfe2f3", "op": "#eeeeee", "output": "#d9ead3"}


@dataclass
class Node:
    """One box of the picture: an op (a graph node, i.e. a ctx) or a leaf tensor."""

    id: str
    kind: str                   # "op" or "leaf"
    op: str                     # the Function's name (op) or the leaf's name
    shape: tuple | None
    dtype: str
    backend: str | None = None
    grad_norm: float | None = None
    grad_state: str = "no grad yet"     # "|grad| = ...", "no grad yet" or "grad not kept"
    is_output: bool = False

    @property
    def label(self) -> str:
        shape = "?" if self.shape is None else str(tuple(self.shape))
        lines = [self.op, f"{shape} {self.dtype}"]
        if self.backend:
            lines.append(f"backend: {self.backend}")
        lines.append(self.grad_state)
        return "\n".join(lines)


@dataclass
class GraphView:
    """What ``draw_graph`` returns: ``source`` (DOT text; also ``str(view)``), ``nodes``,
    ``edges`` (pairs of node ids, inputs to consumers), ``path`` of the rendered file (or None),
    ``renderer`` ("graphviz", "matplotlib" or None).  Shown as an SVG in Jupyter."""

    nodes: list
    edges: list
    source: str
    path: str | None = None
    renderer: str | None = None
    _cache: dict = field(default_factory=dict, repr=False)

    def __str__(self) -> str:
        return self.source

    def node(self, op: str) -> Node:
        """The first node whose op (or leaf name) is ``op``."""
        for node in self.nodes:
            if node.op == op:
                return node
        raise KeyError(f"no node {op!r}; nodes: {', '.join(n.op for n in self.nodes)}")

    def render(self, path, format: str | None = None, engine: str = "auto") -> str:
        """Write the picture to ``path`` (format from the suffix unless given); return the path."""
        path = os.fspath(path)
        format = format or os.path.splitext(path)[1].lstrip(".") or "png"
        data, self.renderer = _render_bytes(self, format, engine)
        folder = os.path.dirname(path)
        if folder:
            os.makedirs(folder, exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
        self.path = path
        return path

    # -- Jupyter -----------------------------------------------------------------------------
    def _image(self, format: str) -> bytes:
        if format not in self._cache:
            self._cache[format] = _render_bytes(self, format, "auto")[0]
        return self._cache[format]

    def _repr_svg_(self) -> str:
        return self._image("svg").decode("utf-8")

    def _repr_png_(self) -> bytes:
        return self._image("png")

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        # one picture, not one per format: Jupyter would otherwise render it twice
        return {"image/svg+xml": self._repr_svg_(), "text/plain": self._summary()}

    def _summary(self) -> str:
        return f"<graph: {len(self.nodes)} nodes, {len(self.edges)} edges; str() gives the DOT text>"

    def __repr__(self) -> str:
        return self._summary()


# ---------------------------------------------------------------------------- the walk ----
def _grad_state(tensor: Tensor | None, ctx=None) -> tuple[float | None, str]:
    if tensor is not None and tensor.grad is not None:
        norm = float(np.linalg.norm(tensor.grad.data.astype(np.float64).ravel()))
        return norm, f"|grad| = {norm:.4g}"
    if ctx is not None and ctx.freed:
        return None, "grad not kept"
    return None, "no grad yet"


def _walk(tensor: Tensor):
    """(op ctxs in discovery order, {id(ctx): {output index: tensor}}, leaves, edges as (src, dst)
    pairs of the objects — a leaf Tensor or a ctx — in discovery order)."""
    ctxs, outputs, leaves, edges = [], {}, [], []
    if tensor.grad_fn is None:
        return ctxs, outputs, [tensor], edges
    seen = {id(tensor.grad_fn)}
    ctxs.append(tensor.grad_fn)
    outputs[id(tensor.grad_fn)] = {tensor._output_index: tensor}
    leaf_ids = set()
    stack = [tensor.grad_fn]
    while stack:
        ctx = stack.pop()
        for t in ctx.inputs:
            if t is None:
                continue
            if t.grad_fn is None:
                if id(t) not in leaf_ids:
                    leaf_ids.add(id(t))
                    leaves.append(t)
                edges.append((t, ctx))
                continue
            producer = t.grad_fn
            outputs.setdefault(id(producer), {}).setdefault(t._output_index, t)
            edges.append((producer, ctx))
            if id(producer) not in seen:
                seen.add(id(producer))
                ctxs.append(producer)
                stack.append(producer)
    return ctxs, outputs, leaves, edges


def retain_grads(tensor: Tensor) -> Tensor:
    """Call ``retain_grad()`` on every non-leaf tensor of ``tensor``'s graph (itself included), so
    after ``backward()`` ``draw_graph`` can show each op's output gradient norm.  Returns ``tensor``."""
    ctxs, outputs, _, _ = _walk(tensor)
    for ctx in ctxs:
        for t in outputs[id(ctx)].values():
            t.retain_grad()
    return tensor


def build_graph(tensor: Tensor, params: dict | None = None) -> tuple[list, list]:
    """(nodes, edges) of ``tensor``'s graph; ``params`` maps names to leaf tensors (e.g.
    ``dict(model.named_parameters())``) to label them; otherwise a leaf shows ``tensor.name``
    or ``leaf``."""
    if not isinstance(tensor, Tensor):
        raise TypeError(f"draw_graph: expected a Tensor, got {type(tensor).__name__}")
    names = {id(t): name for name, t in (params or {}).items()}
    ctxs, outputs, leaves, edges = _walk(tensor)
    nodes, ids = [], {}
    for i, leaf in enumerate(leaves):
        ids[id(leaf)] = f"leaf{i}"  # provisional ids; renumbered below
        norm, state = _grad_state(leaf)
        if not leaf.requires_grad:
            state = "constant (no grad)"
        nodes.append(Node(f"leaf{i}", "leaf", names.get(id(leaf)) or leaf.name or "leaf", leaf.shape,
                          str(leaf.dtype), grad_norm=norm, grad_state=state, is_output=leaf is tensor))
    for i, ctx in enumerate(ctxs):
        ids[id(ctx)] = f"op{i}"
        known = outputs[id(ctx)]
        if getattr(ctx, "output_meta", None):      # several outputs: shape and dtype of the first
            shape, dtype = ctx.output_meta[0]
        else:
            shape, dtype = known[min(known)].shape, known[min(known)].dtype
        norm, state = _grad_state(known.get(0, next(iter(known.values()))), ctx)
        backend = getattr(ctx.kernels, "name", None) if ctx.kernels is not None else None
        nodes.append(Node(f"op{i}", "op", ctx.function.__name__, tuple(shape), str(np.dtype(dtype)),
                          backend=backend, grad_norm=norm, grad_state=state, is_output=i == 0))
    edge_ids = [(ids[id(src)], ids[id(dst)]) for src, dst in edges]
    # number the boxes n0, n1, ... in a topological order (inputs first, the output last)
    rename = {node.id: f"n{k}" for k, node in enumerate(_topological(nodes, edge_ids))}
    for node in nodes:
        node.id = rename[node.id]
    nodes.sort(key=lambda n: int(n.id[1:]))
    edge_ids = sorted(((rename[a], rename[b]) for a, b in edge_ids), key=lambda e: (int(e[1][1:]), int(e[0][1:])))
    return nodes, edge_ids


def _topological(nodes: list, edges: list) -> list:
    preds = {n.id: [] for n in nodes}
    for src, dst in edges:
        preds[dst].append(src)
    by_id = {n.id: n for n in nodes}
    done, order = set(), []
    for node in nodes[::-1]:
        stack = [(node.id, False)]
        while stack:
            key, expanded = stack.pop()
            if key in done:
                continue
            if expanded:
                done.add(key)
                order.append(by_id[key])
                continue
            stack.append((key, True))
            stack.extend((p, False) for p in preds[key] if p not in done)
    return order


# ------------------------------------------------------------------------------ DOT text ----
def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def to_dot(nodes: list, edges: list) -> str:
    lines = ["digraph minigrad {", "  node [shape=box, fontname=Helvetica, fontsize=10];"]
    for node in nodes:
        color = COLORS["output"] if node.is_output else COLORS[node.kind]
        style = "filled" if node.kind == "leaf" else "rounded,filled"
        lines.append(f"  {node.id} [label={_quote(node.label)}, style={_quote(style)}, fillcolor={_quote(color)}];")
    for src, dst in edges:
        lines.append(f"  {src} -> {dst};")
    lines.append("}")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- rendering ----
def _layers(nodes: list, edges: list) -> dict:
    """Each node's row, counted up from the output: one above the highest of its consumers
    (the longest path to the output), so every box sits just above where it is used."""
    succs = {n.id: [] for n in nodes}
    for src, dst in edges:
        succs[src].append(dst)
    layer = {}
    for node in reversed(nodes):  # reverse topological order: consumers first
        layer[node.id] = 1 + max((layer[s] for s in succs[node.id]), default=-1)
    return layer


def _positions(nodes: list, edges: list) -> dict:
    layer = _layers(nodes, edges)
    rows: dict[int, list] = {}
    for node in nodes:
        rows.setdefault(layer[node.id], []).append(node.id)
    neighbours = {n.id: [] for n in nodes}
    for src, dst in edges:
        neighbours[src].append(dst)
        neighbours[dst].append(src)
    x = {}
    for row in rows.values():
        for k, key in enumerate(row):
            x[key] = k - (len(row) - 1) / 2
    for _ in range(4):  # barycentre sweeps: pull each node towards its neighbours' mean
        for level in sorted(rows):
            row = rows[level]
            row.sort(key=lambda key: np.mean([x[n] for n in neighbours[key]]) if neighbours[key] else x[key])
            for k, key in enumerate(row):
                x[key] = k - (len(row) - 1) / 2
    return {key: (x[key], layer[key]) for key in x}


def _render_matplotlib(view: GraphView, format: str) -> bytes:
    from .plots import _pyplot

    plt = _pyplot()
    position = _positions(view.nodes, view.edges)
    xs = [p[0] for p in position.values()] or [0]
    ys = [p[1] for p in position.values()] or [0]
    width, height = max(xs) - min(xs) + 1, max(ys) - min(ys) + 1
    fig, ax = plt.subplots(figsize=(max(3.0, 2.4 * width), max(2.0, 1.25 * height)))
    texts = {}
    for node in view.nodes:
        color = COLORS["output"] if node.is_output else COLORS[node.kind]
        style = "square,pad=0.4" if node.kind == "leaf" else "round,pad=0.4"
        texts[node.id] = ax.text(*position[node.id], node.label, ha="center", va="center", fontsize=8,
                                 bbox=dict(boxstyle=style, fc=color, ec="#555555"), zorder=3)
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.5, max(ys) + 0.5)
    fig.canvas.draw()  # lays the boxes out, so their heights are known in data units
    to_data = ax.transData.inverted()
    half_height = {}
    for key, text in texts.items():
        (_, y0), (_, y1) = to_data.transform(text.get_bbox_patch().get_window_extent())
        half_height[key] = abs(y1 - y0) / 2
    drawn: dict = {}
    for src, dst in view.edges:  # from the bottom of the input's box to the top of its consumer's
        (x0, y0), (x1, y1) = position[src], position[dst]
        # a repeated edge (x * x) or one that skips rows straight down would hide behind
        # another: bend it
        repeat = drawn[(src, dst)] = drawn.get((src, dst), -1) + 1
        bend = 0.3 * repeat + (0.35 if abs(y0 - y1) > 1 and abs(x0 - x1) < 0.5 else 0.0)
        ax.annotate("", xy=(x1, y1 + half_height[dst]), xytext=(x0, y0 - half_height[src]), zorder=2,
                    arrowprops=dict(arrowstyle="-|>", color="#555555", shrinkA=0, shrinkB=1,
                                    connectionstyle=f"arc3,rad={bend}"))
    ax.axis("off")
    buffer = io.BytesIO()
    fig.savefig(buffer, format=format, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buffer.getvalue()


def _render_graphviz(view: GraphView, format: str) -> bytes:
    done = subprocess.run(["dot", f"-T{format}"], input=view.source.encode("utf-8"), capture_output=True,
                          timeout=60, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"draw_graph: dot failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def _render_bytes(view: GraphView, format: str, engine: str) -> tuple[bytes, str]:
    if format not in ("png", "svg", "pdf"):
        raise ValueError(f"draw_graph: format must be 'png', 'svg' or 'pdf', got {format!r}")
    if engine not in ("auto", "graphviz", "matplotlib"):
        raise ValueError(f"draw_graph: engine must be 'auto', 'graphviz' or 'matplotlib', got {engine!r}")
    if engine == "graphviz" or (engine == "auto" and shutil.which("dot")):
        if not shutil.which("dot"):
            raise RuntimeError("draw_graph: engine='graphviz' needs the Graphviz `dot` program on the PATH")
        return _render_graphviz(view, format), "graphviz"
    return _render_matplotlib(view, format), "matplotlib"


def draw_graph(tensor: Tensor, path=None, format: str = "png", params: dict | None = None,
               engine: str = "auto") -> GraphView:
    """The graph that produced ``tensor``: returns a GraphView whose ``str()`` is the DOT text.

    path:   also render the picture there (format taken from the suffix, else ``format``).
    params: names for leaf tensors, e.g. ``dict(model.named_parameters())``.
    engine: "auto" (Graphviz if ``dot`` is installed, else matplotlib), "graphviz" or "matplotlib".
    """
    nodes, edges = build_graph(tensor, params)
    view = GraphView(nodes, edges, to_dot(nodes, edges))
    if path is not None:
        suffix = os.path.splitext(os.fspath(path))[1].lstrip(".")
        view.render(path, suffix or format, engine)
    return view
