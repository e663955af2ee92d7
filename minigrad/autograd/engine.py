"""The backward engine: walk the recorded graph once, in reverse topological order.

The walk is iterative (a chain of any length works, no recursion limit).  Each node gets
the sum of the gradients of its outputs, returns the gradients of its inputs by the chain
rule, and a node runs only when every node that feeds it a gradient has run.
"""
from __future__ import annotations

import sys
import time

import numpy as np

from . import function as function_module


def _dependency_counts(root) -> dict:
    """For each node reachable from ``root``: how many graph edges lead into it."""
    counts = {root: 0}
    stack = [root]
    while stack:
        node = stack.pop()
        for tensor in node.inputs:
            if tensor is None:
                continue
            child = tensor.grad_fn
            if child is None:
                continue
            if child in counts:
                counts[child] += 1
            else:
                counts[child] = 1
                stack.append(child)
    return counts


def _apply_hooks(hooks, grad: np.ndarray, where: str) -> np.ndarray:
    Tensor = function_module.Tensor
    for hook in hooks:
        result = hook(Tensor._wrap(grad))
        if result is not None:
            new = result.data if isinstance(result, Tensor) else np.asarray(result)
            if new.shape != grad.shape:
                raise RuntimeError(f"hook on {where} returned a gradient of shape {new.shape}; "
                                   f"expected {grad.shape}")
            grad = new
    return grad


def _accumulate_leaf(tensor, grad: np.ndarray, owned: bool = False) -> None:
    """Add ``grad`` to the leaf's ``.grad``.  ``owned``: nothing but the engine refers to ``grad``,
    so a first gradient can be taken as it is, as PyTorch's AccumulateGrad steals a gradient
    whose use count is 1; otherwise it may alias an upstream gradient or a saved value and is
    copied."""
    Tensor = function_module.Tensor
    if tensor._hooks:
        grad = _apply_hooks(tensor._hooks, grad, f"a leaf tensor of shape {tensor.shape}")
        owned = False  # a hook may have kept what it was given
    if tensor.grad is not None:
        tensor.grad.data += grad
    elif (owned and grad.base is None and grad.flags.writeable and grad.dtype == tensor.data.dtype
          and grad.strides == tensor.data.strides):
        tensor.grad = Tensor._wrap(grad)
    else:  # a copy in the leaf's own layout, so the optimiser reads both alike
        copy = np.empty_like(tensor.data)
        np.copyto(copy, grad)
        tensor.grad = Tensor._wrap(copy)


def _retain(node, grads) -> None:
    """Store the gradient of each output that asked for retain_grad (after its hooks, as
    PyTorch); like a leaf's, it accumulates over backward calls."""
    Tensor = function_module.Tensor
    for index, ref in node.retained.items():
        tensor = ref()
        if tensor is None or grads[index] is None:
            continue
        grad = grads[index]
        tensor.grad = Tensor._wrap(np.array(grad, copy=True)) if tensor.grad is None else \
            Tensor._wrap(tensor.grad.data + grad)


def _check_guards(node) -> None:
    for versions, version, shape in node.guards:
        if versions[0] != version:
            raise RuntimeError(
                f"one of the tensors needed for gradient computation has been modified by an "
                f"in-place operation: {node.name()} saved a tensor of shape {shape} at "
                f"version {version}, and it is now at version {versions[0]}. Change the "
                f"in-place operation to an out-of-place one (e.g. x = x + 1 instead of x += 1).")


def run_backward(root, grad: np.ndarray, retain_graph: bool = False) -> None:
    """Accumulate d(root)/d(leaf) · grad into the ``.grad`` of every leaf that requires grad."""
    if root.grad_fn is None:  # backward on a leaf: its gradient is the seed itself
        _accumulate_leaf(root, grad)
        return
    leaf_grads = _walk(root, grad, retain_graph)
    for entry in leaf_grads.values():
        tensor, g = entry
        entry.clear()
        # 2 references (``g`` and getrefcount's argument): no view, saved value, hook or other
        # gradient shares this array
        owned = sys.getrefcount(g) == 2
        _accumulate_leaf(tensor, g, owned)


def _walk(root, grad: np.ndarray, retain_graph: bool) -> dict:
    """Run every node's backward once, in reverse topological order; return the summed
    gradient of each leaf as {id(leaf): [leaf, gradient]}."""
    walk = _Walk(root, grad)
    while walk.ready:
        node = walk.ready.pop()
        grads = walk.buffers.pop(node, None)
        if grads is None:  # every path into this node returned None (a zero gradient):
            walk.hand_on(node, (None,) * len(node.inputs))  # nothing to pass on, but its edges are done
            continue
        if node.freed:
            _raise_freed(node)
        grads = _output_grads(node, grads)
        # no local name holds the input gradients: each is then referenced by its buffer alone,
        # which is what the leaves' take-without-copy looks for
        walk.hand_on(node, _call_backward(node, grads, retain_graph))
    return walk.leaf_grads


class _Walk:
    """The walk's state: the edges still to come into each node, the gradients gathered for each
    node's outputs, the nodes ready to run, and each leaf's summed gradient."""

    def __init__(self, root, grad: np.ndarray):
        root_node = root.grad_fn
        self.counts = _dependency_counts(root_node)
        self.buffers = {root_node: [None] * root_node.n_outputs}
        self.buffers[root_node][root._output_index] = grad
        self.ready = [root_node]
        # id(leaf) -> [leaf, summed gradient]: a leaf's hooks run once, on its total gradient
        self.leaf_grads = {}
        self.check_finite = function_module.is_anomaly_enabled()

    def release(self, child) -> None:
        """One more edge into ``child`` is done; it runs after the last."""
        self.counts[child] -= 1
        if self.counts[child] == 0:
            self.ready.append(child)

    def hand_on(self, node, input_grads: tuple) -> None:
        """Add each input's gradient to its node's buffer (or its leaf's sum); None is a zero
        gradient, which adds nothing but still completes the edge."""
        for index, (tensor, g) in enumerate(zip(node.inputs, input_grads)):
            if tensor is None:
                continue
            child = tensor.grad_fn
            if g is None:
                if child is not None:
                    self.release(child)
                continue
            if self.check_finite or g.shape != tensor.data.shape or g.dtype != tensor.data.dtype:
                g = _checked_input_grad(node, index, tensor, g, self.check_finite)
            if child is None:
                entry = self.leaf_grads.get(id(tensor))
                if entry is None:
                    self.leaf_grads[id(tensor)] = [tensor, g]
                else:
                    entry[1] = entry[1] + g
                continue
            buffer = self.buffers.get(child)
            if buffer is None:
                buffer = self.buffers[child] = [None] * child.n_outputs
            slot = tensor._output_index
            buffer[slot] = g if buffer[slot] is None else buffer[slot] + g
            self.release(child)


def _raise_freed(node) -> None:
    raise RuntimeError(
        f"Trying to backward through the graph a second time: {node.name()} was freed by "
        "the first backward. Call backward(retain_graph=True) the first time if you need "
        "to backward twice.")


def _output_grads(node, grads: list) -> list:
    """The gradients of the node's outputs after their hooks (and retain_grad), with zeros for
    outputs of a multi-output node that received none."""
    if node.output_hooks:
        for index, hooks in node.output_hooks.items():
            if grads[index] is not None:
                grads[index] = _apply_hooks(hooks, grads[index], f"an output of {node.name()}")
    if node.retained:
        _retain(node, grads)
    if node.n_outputs > 1:
        grads = [np.zeros(shape, dtype) if g is None and dtype.kind == "f" else g
                 for g, (shape, dtype) in zip(grads, node.output_meta)]
    return grads


def _call_backward(node, grads: list, retain_graph: bool) -> tuple:
    """Run the node's backward (telling the observers), then free what it saved unless the
    graph is retained; one gradient (or None) per input."""
    if node.guards:
        _check_guards(node)
    observers = function_module.observers
    started = time.perf_counter() if observers else 0.0
    input_grads = node.function.backward(node, *grads)
    if not isinstance(input_grads, tuple):
        input_grads = (input_grads,)
    if len(input_grads) != len(node.inputs):
        raise RuntimeError(f"{node.name()}.backward returned {len(input_grads)} gradients; "
                           f"its forward had {len(node.inputs)} inputs")
    if observers:
        elapsed = time.perf_counter() - started
        for observer in observers:
            observer.on_backward(node, grads, input_grads, elapsed)
    if not retain_graph:
        node.saved = ()
        node.freed = True
    return input_grads


def _checked_input_grad(node, index: int, tensor, g: np.ndarray, check_finite: bool) -> np.ndarray:
    """``g`` after the checks a backward's result must pass, in the input's dtype."""
    if g.shape != tensor.data.shape:
        raise RuntimeError(f"{node.name()} returned a gradient of shape {g.shape} for input "
                           f"{index} of shape {tensor.shape}")
    if check_finite and not np.all(np.isfinite(g)):
        raise RuntimeError(
            f"Function {node.name()} returned nan/inf values in its gradient for input "
            f"{index} (shape {tensor.shape}). It was created in forward at:\n"
            f"{node.created_at or '(traceback not recorded)'}")
    if g.dtype != tensor.data.dtype:  # a mixed-precision op hands back its own dtype
        g = g.astype(tensor.data.dtype)
    return g
