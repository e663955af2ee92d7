"""Element zoom: one output element of a small op as a graph of scalars, its chain rule term by term.

    z = mg.viz.zoom("matmul", A, B, index=(0, 1))
    print(z)        # C[0, 1] = Σ_k A[0, k]·B[k, 1], then dL/dA[0, k] = dL/dC[0, 1] · B[k, 1] for each k

A tensor op moves whole arrays; here the same element is rebuilt from scalar ``Value`` objects (a
tiny autograd in the style of micrograd: each Value keeps its inputs and the local derivative
towards each), backpropagated, and every input element it touches gets one printed term:
upstream gradient × the local derivatives along the path.  The same element is then run through
minigrad's real op (its backward seeded with the upstream gradient at that one element), and the
two must agree: ``z.max_diff`` is the largest difference, values and gradients included.

Ops: ``"matmul"`` (A, B), ``"conv2d"`` (x, weight, bias=None, stride=, padding=, dilation=),
``"lstm_gate"`` (x, h, then an LSTMCell/LSTM or weight_ih, weight_hh, bias_ih, bias_hh; gate=
"i" | "f" | "g" | "o"), or any function of NumPy arrays written with operators and ufuncs
(``lambda a, b: np.tanh(a @ b)``), which runs on object arrays of Values.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


# --------------------------------------------------------------------- a scalar autograd ----
class Value:
    """A scalar, the Values it was computed from, and the local derivative towards each of them.

    ``parents`` holds ``(value, local derivative, symbol)``: the symbol names that derivative in
    the printed chain rule (``B[2, 1]`` for ∂(A·B)/∂A, ``σ'`` for a sigmoid); None means 1.
    """

    __slots__ = ("data", "grad", "parents", "op", "label")

    def __init__(self, data: float, parents=(), op: str = "", label: str = ""):
        self.data = float(data)
        self.grad = 0.0
        self.parents = tuple(parents)
        self.op = op
        self.label = label

    def __repr__(self) -> str:
        return f"Value({self.label or self.op}={self.data:.6g}, grad={self.grad:.6g})"

    @staticmethod
    def lift(x) -> "Value":
        return x if isinstance(x, Value) else Value(x, label=f"{float(x):g}")

    # forward and its local derivatives, side by side
    def __add__(self, other):
        other = Value.lift(other)
        return Value(self.data + other.data, [(self, 1.0, None), (other, 1.0, None)], "+")

    __radd__ = __add__

    def __mul__(self, other):
        other = Value.lift(other)
        return Value(self.data * other.data, [(self, other.data, _name(other)), (other, self.data, _name(self))], "·")

    __rmul__ = __mul__

    def __neg__(self):
        return Value(-self.data, [(self, -1.0, "-1")], "neg")

    def __sub__(self, other):
        return self + (-Value.lift(other))

    def __rsub__(self, other):
        return Value.lift(other) + (-self)

    def __pow__(self, k: float):
        return Value(self.data ** k, [(self, k * self.data ** (k - 1), f"{k:g}·{_name(self)}^{k - 1:g}")], f"^{k:g}")

    def __truediv__(self, other):
        return self * Value.lift(other) ** -1

    def __rtruediv__(self, other):
        return Value.lift(other) * self ** -1

    def exp(self):
        e = math.exp(self.data)
        return Value(e, [(self, e, "exp")], "exp")

    def log(self):
        return Value(math.log(self.data), [(self, 1 / self.data, f"1/{_name(self)}")], "log")

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, [(self, 1 - t * t, "(1 − tanh²)")], "tanh")

    def sigmoid(self):
        s = 1 / (1 + math.exp(-self.data)) if self.data >= 0 else math.exp(self.data) / (1 + math.exp(self.data))
        return Value(s, [(self, s * (1 - s), "σ(1 − σ)")], "σ")

    def relu(self):
        return Value(max(self.data, 0.0), [(self, float(self.data > 0), "relu'")], "relu")

    @staticmethod
    def sum(values) -> "Value":
        """One n-ary sum node (a dot product reads as one Σ, not a chain of additions)."""
        values = [Value.lift(v) for v in values]
        return Value(sum(v.data for v in values), [(v, 1.0, None) for v in values], "Σ")

    # the backward pass: reverse topological order, gradients accumulate (+=)
    def backward(self, upstream: float = 1.0) -> None:
        order, seen = [], set()
        stack = [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p, _, _ in node.parents if id(p) not in seen)
        for node in order:
            node.grad = 0.0
        self.grad = float(upstream)
        for node in reversed(order):
            for parent, local, _ in node.parents:
                parent.grad += local * node.grad

    def expression(self, numbers: bool = False) -> str:
        """The formula of this Value in its inputs' labels (or values)."""
        if not self.parents:
            return _number(self.data) if numbers else (self.label or f"{self.data:g}")
        parts = [p.expression(numbers) for p, _, _ in self.parents]
        if self.op in ("+", "Σ"):
            return " + ".join(parts)
        if self.op == "·":
            return "·".join(f"({p})" if " + " in p else p for p in parts)
        if self.op == "neg":
            return f"−({parts[0]})"
        return f"{self.op}({parts[0]})"

    # numpy calls these on object arrays: np.tanh(array of Values) -> array of Values
    def arctan(self):
        return Value(math.atan(self.data), [(self, 1 / (1 + self.data ** 2), "1/(1 + x²)")], "arctan")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return NotImplemented


def _name(value: Value) -> str:
    return value.label or _number(value.data)


def _number(x: float) -> str:
    """A short number, negative ones in parentheses so products stay readable: 2·(−0.5)."""
    return f"{x:.4g}" if x >= 0 else f"({x:.4g})"


# ------------------------------------------------------------------------------ the result --
@dataclass
class Term:
    """One input element's share of the gradient: ``upstream · Π local derivatives`` along each path."""

    input: str
    index: tuple
    symbols: list           # one list of symbols per path (1s omitted)
    factors: list           # the matching numbers
    contribution: float     # dL/d input[index] from this output element

    @property
    def label(self) -> str:
        return f"{self.input}[{', '.join(map(str, self.index))}]"


@dataclass
class Zoom:
    """What ``zoom`` returns; ``str()`` prints the chain rule term by term.

    value / tensor_value:  the element from the scalar graph and from minigrad's op.
    upstream:              dL/d(element), the seed of both backward passes.
    grads / tensor_grads:  {input name: array of its shape} — the scalar graph's terms placed at
                           their indices, and minigrad's gradients for this one element.
    max_diff:              the largest difference between the two, values included.
    """

    op: str
    output: str
    formula: str
    root: Value
    upstream: float
    terms: list
    grads: dict
    tensor_value: float | None = None
    tensor_grads: dict | None = None
    max_terms: int = 12
    notes: list = field(default_factory=list)

    @property
    def value(self) -> float:
        return self.root.data

    @property
    def max_diff(self) -> float | None:
        if self.tensor_grads is None:
            return None
        diffs = [abs(self.value - self.tensor_value)]
        diffs += [float(np.max(np.abs(self.grads[k] - self.tensor_grads[k]))) if self.grads[k].size else 0.0
                  for k in self.grads if k in self.tensor_grads]
        return max(diffs)

    def __str__(self) -> str:
        out = self.output
        lines = [f"zoom into {self.op}: {self.formula}",
                 f"forward   {out} = {_shorten(self.root.expression())}",
                 f"          {' ' * len(out)} = {_shorten(self.root.expression(numbers=True))}",
                 f"          {' ' * len(out)} = {self.value:.6g}"
                 + ("" if self.tensor_value is None else f"   (minigrad's op: {self.tensor_value:.6g})"),
                 f"backward  dL/d{out} = {self.upstream:.4g}   (the upstream gradient, the seed)"]
        for term in self.terms[:self.max_terms]:
            paths_symbols = [" · ".join([f"dL/d{out}"] + s) for s in term.symbols]
            paths_numbers = [" · ".join([_number(self.upstream)] + [_number(f) for f in fs]) for fs in term.factors]
            numbers = "" if all(not fs for fs in term.factors) and len(term.factors) == 1 else \
                f" = {' + '.join(paths_numbers)}"
            lines.append(f"  dL/d{term.label} = {' + '.join(paths_symbols)}{numbers} = {term.contribution:.6g}")
        if len(self.terms) > self.max_terms:
            lines.append(f"  ... and {len(self.terms) - self.max_terms} more terms (z.terms has them all)")
        if self.tensor_grads is not None:
            lines.append(f"minigrad's backward for this element agrees: max |difference| = {self.max_diff:.3g}")
        lines.extend(self.notes)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Zoom {self.op} {self.output} = {self.value:.6g}, {len(self.terms)} terms>"


def _shorten(text: str, width: int = 150) -> str:
    return text if len(text) <= width else text[:width - 5] + " + …"


def _paths(root: Value, leaf_ids: set) -> dict:
    """For every leaf: the list of paths from root, each a list of (symbol, factor) with 1s dropped."""
    found: dict = {}

    def walk(node, path):
        if id(node) in leaf_ids:
            found.setdefault(id(node), []).append(path)
            return
        for parent, local, symbol in node.parents:
            walk(parent, path if symbol is None and local == 1.0 else path + [(symbol or f"{local:.4g}", local)])

    walk(root, [])
    return found


def _finish(op: str, output: str, formula: str, root: Value, leaves: dict, shapes: dict,
            upstream: float) -> Zoom:
    """Backpropagate the scalar graph and collect one Term per input element it touches.
    ``leaves`` maps id(Value) -> (Value, input name, index)."""
    root.backward(upstream)
    paths = _paths(root, set(leaves))
    grads = {name: np.zeros(shape) for name, shape in shapes.items()}
    terms = []
    for key, (leaf, name, index) in leaves.items():
        if key not in paths:
            continue
        grads[name][index] += leaf.grad
        terms.append(Term(name, index, [[s for s, _ in p] for p in paths[key]],
                          [[f for _, f in p] for p in paths[key]], leaf.grad))
    order = list(shapes)
    terms.sort(key=lambda t: (order.index(t.input), t.index))
    return Zoom(op, output, formula, root, upstream, terms, grads)


def _array(x) -> np.ndarray:
    return np.array(getattr(x, "data", x), dtype=np.float64)


def _leaf(leaves: dict, array: np.ndarray, name: str, index: tuple) -> Value:
    value = Value(array[index], label=f"{name}[{', '.join(map(str, index))}]")
    leaves[id(value)] = (value, name, index)
    return value


def _tensor_check(zoom: Zoom, run, arrays: dict, index: tuple) -> Zoom:
    """Run minigrad's op on float64 copies, seed its backward with the upstream gradient at
    ``index`` only, and keep the value and the gradients of every input."""
    from ..creation import tensor

    tensors = {name: tensor(a, dtype=np.float64, requires_grad=True) for name, a in arrays.items()}
    out = run(**tensors)
    seed = np.zeros(out.shape)
    seed[index] = zoom.upstream
    out.backward(tensor(seed, dtype=np.float64))
    zoom.tensor_value = float(out.data[index])
    zoom.tensor_grads = {name: (t.grad.data if t.grad is not None else np.zeros(t.shape))
                         for name, t in tensors.items()}
    return zoom


def _upstream(grad_output, index) -> float:
    if grad_output is None:
        return 1.0
    return float(np.asarray(getattr(grad_output, "data", grad_output), dtype=np.float64)[index])


# ---------------------------------------------------------------------------------- ops ----
def _zoom_matmul(A, B, index=None, grad_output=None) -> Zoom:
    A, B = _array(A), _array(B)
    if A.ndim != 2 or B.ndim != 2 or A.shape[1] != B.shape[0]:
        raise ValueError(f"zoom matmul: needs 2-D A [m, k] and B [k, n], got {A.shape} and {B.shape}")
    i, j = index if index is not None else (0, 0)
    leaves: dict = {}
    root = Value.sum(_leaf(leaves, A, "A", (i, k)) * _leaf(leaves, B, "B", (k, j)) for k in range(A.shape[1]))
    zoom = _finish("matmul", f"C[{i}, {j}]", f"C[{i}, {j}] = Σ_k A[{i}, k]·B[k, {j}]   (C = A @ B)", root,
                   leaves, {"A": A.shape, "B": B.shape}, _upstream(grad_output, (i, j)))
    zoom.notes.append(f"so dL/dA[{i}, k] = dL/dC[{i}, {j}]·B[k, {j}] and dL/dB[k, {j}] = dL/dC[{i}, {j}]·A[{i}, k]; "
                      "summed over every element of C these are dL/dA = dL/dC·Bᵀ and dL/dB = Aᵀ·dL/dC")
    return _tensor_check(zoom, lambda A, B: A @ B, {"A": A, "B": B}, (i, j))


def _pair(v) -> tuple:
    return (int(v), int(v)) if np.isscalar(v) else tuple(int(a) for a in v)


def _zoom_conv2d(x, weight, bias=None, index=None, grad_output=None, stride=1, padding=0, dilation=1) -> Zoom:
    x, w = _array(x), _array(weight)
    b = None if bias is None else _array(bias)
    (sh, sw), (ph, pw), (dh, dw) = _pair(stride), _pair(padding), _pair(dilation)
    n, o, i, j = index if index is not None else (0, 0, 0, 0)
    C, KH, KW = w.shape[1:]
    leaves: dict = {}
    products = []
    for c in range(C):
        for p in range(KH):
            for q in range(KW):
                r, s = i * sh - ph + p * dh, j * sw - pw + q * dw
                if 0 <= r < x.shape[2] and 0 <= s < x.shape[3]:  # a padding position adds 0·w: no term
                    products.append(_leaf(leaves, x, "x", (n, c, r, s)) * _leaf(leaves, w, "w", (o, c, p, q)))
    if b is not None:
        products.append(_leaf(leaves, b, "b", (o,)))
    root = Value.sum(products)
    shapes = {"x": x.shape, "w": w.shape, **({"b": b.shape} if b is not None else {})}
    formula = (f"out[{n}, {o}, {i}, {j}] = "
               f"Σ_c,p,q x[{n}, c, {i}·{sh}−{ph}+p·{dh}, {j}·{sw}−{pw}+q·{dw}]·w[{o}, c, p, q]"
               + (f" + b[{o}]" if b is not None else ""))
    zoom = _finish("conv2d", f"out[{n}, {o}, {i}, {j}]", formula, root, leaves, shapes,
                   _upstream(grad_output, (n, o, i, j)))
    zoom.notes.append("dL/dw sums such terms over every output position and sample; dL/dx over every "
                      "output position whose window covers that input element")
    arrays = {"x": x, "w": w, **({"b": b} if b is not None else {})}

    def run(x, w, b=None):
        from ..nn import functional as F
        return F.conv2d(x, w, b, stride=(sh, sw), padding=(ph, pw), dilation=(dh, dw))

    return _tensor_check(zoom, run, arrays, (n, o, i, j))


LSTM_GATES = {"i": ("input gate", "σ"), "f": ("forget gate", "σ"), "g": ("cell candidate", "tanh"),
              "o": ("output gate", "σ")}


def _lstm_weights(args) -> tuple:
    if len(args) == 1:  # an LSTMCell, or an LSTM whose layer 0 is used
        module = args[0]
        suffix = "" if hasattr(module, "weight_ih") else "_l0"
        get = lambda name: getattr(module, name + suffix, None)  # noqa: E731
        return get("weight_ih"), get("weight_hh"), get("bias_ih"), get("bias_hh")
    if len(args) in (2, 4):
        return tuple(args) + (None,) * (4 - len(args))
    raise TypeError("zoom lstm_gate: pass x, h and an LSTMCell/LSTM, or x, h, weight_ih, weight_hh[, bias_ih, bias_hh]")


def _zoom_lstm_gate(x, h, *weights, gate: str = "f", index=None, grad_output=None) -> Zoom:
    if gate not in LSTM_GATES:
        raise ValueError(f"zoom lstm_gate: gate must be one of 'i', 'f', 'g', 'o', got {gate!r}")
    w_ih, w_hh, b_ih, b_hh = _lstm_weights(weights)
    x, h, w_ih, w_hh = _array(x), _array(h), _array(w_ih), _array(w_hh)
    b_ih = None if b_ih is None else _array(b_ih)
    b_hh = None if b_hh is None else _array(b_hh)
    H = w_hh.shape[1]
    bi, u = index if index is not None else (0, 0)
    row = "ifgo".index(gate) * H + u
    leaves: dict = {}
    terms = [_leaf(leaves, w_ih, "W_ih", (row, k)) * _leaf(leaves, x, "x", (bi, k)) for k in range(x.shape[1])]
    terms += [_leaf(leaves, w_hh, "W_hh", (row, k)) * _leaf(leaves, h, "h", (bi, k)) for k in range(H)]
    terms += [_leaf(leaves, b, name, (row,)) for b, name in ((b_ih, "b_ih"), (b_hh, "b_hh")) if b is not None]
    z = Value.sum(terms)
    z.label = "z"
    name, activation = LSTM_GATES[gate]
    root = z.sigmoid() if activation == "σ" else z.tanh()
    arrays = {"x": x, "h": h, "W_ih": w_ih, "W_hh": w_hh}
    arrays.update({k: v for k, v in (("b_ih", b_ih), ("b_hh", b_hh)) if v is not None})
    formula = (f"{gate}[{bi}, {u}] = {activation}(z),  "
               f"z = Σ_k W_ih[{row}, k]·x[{bi}, k] + Σ_k W_hh[{row}, k]·h[{bi}, k]"
               + " + b_ih + b_hh" * (b_ih is not None) + f"   ({name}; row {row} = {'ifgo'.index(gate)}·H + {u})")
    zoom = _finish("lstm_gate", f"{gate}[{bi}, {u}]", formula, root, leaves, {k: v.shape for k, v in arrays.items()},
                   _upstream(grad_output, (bi, u)))

    def run(x, h, W_ih, W_hh, b_ih=None, b_hh=None):
        pre = x @ W_ih.T + h @ W_hh.T
        for b in (b_ih, b_hh):
            if b is not None:
                pre = pre + b
        part = pre[:, "ifgo".index(gate) * H:("ifgo".index(gate) + 1) * H]
        return part.sigmoid() if activation == "σ" else part.tanh()

    return _tensor_check(zoom, run, arrays, (bi, u))


def _zoom_function(fn, *inputs, index=None, grad_output=None, names=None) -> Zoom:
    """Any function of arrays: its inputs become object arrays of Values."""
    arrays = [_array(a) for a in inputs]
    names = list(names) if names else ([f"x{k}" for k in range(len(arrays))] if len(arrays) > 1 else ["x"])
    leaves: dict = {}
    wrapped = []
    for array, name in zip(arrays, names):
        values = np.empty(array.shape, dtype=object)
        for idx in np.ndindex(*array.shape):
            values[idx] = _leaf(leaves, array, name, idx)
        wrapped.append(values)
    out = fn(*wrapped)
    out = np.asarray(out, dtype=object)
    index = tuple(index) if index is not None else (0,) * out.ndim
    root = Value.lift(out[index])
    label = f"out[{', '.join(map(str, index))}]"
    name = getattr(fn, "__name__", "function")
    name = "function" if name == "<lambda>" else name
    zoom = _finish(name, label, f"{label} = {name}({', '.join(names)})[{', '.join(map(str, index))}]",
                   root, leaves, {n: a.shape for n, a in zip(names, arrays)}, _upstream(grad_output, index))
    zoom.notes.append("(a function is checked against minigrad only when it also runs on Tensors)")
    try:  # the same function on Tensors, when it is written with operators and Tensor methods
        from ..creation import tensor
        from ..tensor import Tensor
        probe = fn(*[tensor(a, dtype=np.float64) for a in arrays])
        if isinstance(probe, Tensor):
            zoom.notes.pop()
            return _tensor_check(zoom, lambda **kw: fn(*[kw[n] for n in names]), dict(zip(names, arrays)), index)
    except Exception:  # noqa: BLE001  (object-array-only functions such as np.tanh(...) are fine)
        pass
    return zoom


OPS = {"matmul": _zoom_matmul, "conv2d": _zoom_conv2d, "lstm_gate": _zoom_lstm_gate}


def zoom(op, *inputs, index=None, grad_output=None, **options) -> Zoom:
    """Expand one output element of ``op`` into scalars and its chain rule; see the module docstring.

    op:          "matmul", "conv2d", "lstm_gate", or a function of arrays.
    index:       the output element (default: the first).
    grad_output: dL/d(output) as an array of the output's shape (default: 1 at ``index``, i.e.
                 L is the element itself); only its value at ``index`` is used.
    options:     conv2d: ``stride``, ``padding``, ``dilation``, ``bias``; lstm_gate: ``gate``;
                 a function: ``names`` of its inputs.
    """
    if callable(op):
        return _zoom_function(op, *inputs, index=index, grad_output=grad_output, **options)
    if op not in OPS:
        raise ValueError(f"zoom: unknown op {op!r}; known: {', '.join(OPS)}, or pass a function")
    if op == "conv2d" and "bias" in options:
        inputs = inputs + (options.pop("bias"),)
    return OPS[op](*inputs, index=index, grad_output=grad_output, **options)
