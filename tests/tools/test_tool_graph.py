"""mg.viz.draw_graph: the DOT text's nodes and edges, gradient states, rendering without Graphviz."""
import re

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F


def leaf(name, shape):
    t = mg.randn(*shape, dtype=mg.float64, requires_grad=True)
    t.name = name
    return t


def edges_by_label(view):
    label = {n.id: n.op for n in view.nodes}
    return sorted((label[a], label[b]) for a, b in view.edges)


def test_dot_text_has_the_nodes_and_edges_of_a_known_expression():
    a, b, c = leaf("a", (2, 3)), leaf("b", (2, 3)), leaf("c", (3,))
    z = (a * b + c).tanh().sum()
    view = mg.viz.draw_graph(z)
    assert [n.op for n in view.nodes if n.kind == "op"] == ["Mul", "Add", "Tanh", "Sum"]
    assert sorted(n.op for n in view.nodes if n.kind == "leaf") == ["a", "b", "c"]
    assert edges_by_label(view) == sorted([("a", "Mul"), ("b", "Mul"), ("Mul", "Add"), ("c", "Add"),
                                           ("Add", "Tanh"), ("Tanh", "Sum")])
    dot = str(view)
    assert dot == view.source and dot.startswith("digraph minigrad {") and dot.rstrip().endswith("}")
    assert len(re.findall(r"^\s+n\d+ -> n\d+;$", dot, flags=re.M)) == 6
    assert len(re.findall(r"^\s+n\d+ \[label=", dot, flags=re.M)) == 7
    assert '"Mul\\n(2, 3) float64\\nno grad yet"' in dot       # op, shape and dtype, before backward


def test_a_reused_tensor_gives_two_edges():
    x = leaf("x", (3,))
    view = mg.viz.draw_graph((x * x).sum())
    assert edges_by_label(view) == [("Mul", "Sum"), ("x", "Mul"), ("x", "Mul")]


def test_gradient_norms_after_backward_and_retain_grads():
    a, b = leaf("a", (2, 3)), leaf("b", (3, 2))
    y = (a @ b).sum()
    assert mg.viz.draw_graph(y).node("a").grad_state == "no grad yet"
    mg.viz.retain_grads(y)
    y.backward()
    view = mg.viz.draw_graph(y)
    assert view.node("a").grad_norm == pytest.approx(np.linalg.norm(a.grad.numpy()))
    assert view.node("MatMul").grad_norm == pytest.approx(np.sqrt(4))   # d sum / d C = ones(2, 2)
    assert view.node("Sum").grad_state == "|grad| = 1"


def test_a_non_leaf_without_retain_grad_says_grad_not_kept():
    a = leaf("a", (3,))
    y = a.exp().sum()
    y.backward()
    view = mg.viz.draw_graph(y)
    assert view.node("Exp").grad_state == "grad not kept"
    assert view.node("a").grad_state.startswith("|grad| = ")


def test_kernel_backend_and_parameter_names_are_shown():
    conv = nn.Conv2d(1, 2, 3)
    with mg.use_backend("numpy"):
        y = F.relu(conv(mg.randn(1, 1, 5, 5))).sum()
    view = mg.viz.draw_graph(y, params=dict(conv.named_parameters()))
    assert view.node("Conv2d").backend == "numpy"
    assert "backend: numpy" in view.node("Conv2d").label
    assert {"weight", "bias"} <= {n.op for n in view.nodes}


def test_renders_png_and_svg_with_the_matplotlib_fallback(tmp_path, monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)       # as if Graphviz were not installed
    a = leaf("a", (2,))
    view = mg.viz.draw_graph((a * 2).sum(), tmp_path / "g.png")
    assert view.renderer == "matplotlib"
    assert (tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    view.render(tmp_path / "g.svg")
    assert b"<svg" in (tmp_path / "g.svg").read_bytes()[:500]
    bundle = view._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"] and "DOT" in bundle["text/plain"]


def test_graphviz_is_used_when_dot_exists(tmp_path, monkeypatch):
    calls = []

    def fake_run(cmd, input, **kwargs):
        calls.append((cmd, input))
        return type("Done", (), {"returncode": 0, "stdout": b"<svg/>", "stderr": b""})()

    monkeypatch.setattr("shutil.which", lambda name: "/usr/bin/dot")
    monkeypatch.setattr("subprocess.run", fake_run)
    view = mg.viz.draw_graph((leaf("a", (2,)) * 2).sum(), tmp_path / "g.svg")
    assert view.renderer == "graphviz" and calls[0][0] == ["dot", "-Tsvg"]
    assert calls[0][1].decode() == view.source


def test_a_leaf_alone_and_bad_arguments():
    view = mg.viz.draw_graph(leaf("w", (2,)))
    assert [n.op for n in view.nodes] == ["w"] and view.edges == []
    with pytest.raises(TypeError):
        mg.viz.draw_graph(np.ones(3))
    with pytest.raises(ValueError, match="format"):
        mg.viz.draw_graph(leaf("w", (2,))).render("/tmp/x.gif")
