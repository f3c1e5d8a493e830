"""The picture of a recorded graph: one box per tensor and one ellipse per op, forward in black,
the backward pass in red beneath it, each layer in its own block, optionally the caches.

A recognised layer's matmul and add, ``W[l] A[l-1] + b[l]``, are drawn as one step (the
lecture's ``linear_forward``), its unnamed product inside it. Networks of more than 8 layers show
their first two and last two layers and one "⋯ k layers" block between them (``all_layers=True``
shows all). ``max_nodes`` cuts what is far from the output, but never a parameter, the input or a
parameter's gradient: those stay, joined to the one node that stands for what is left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from .analysis import Group, Info, group_key, group_label, not_computed_note, op_text, summary
from .scene import Node, Scene
from .style import COLOURS, RED_TEXT

__all__ = ["Options", "Picture", "build", "ELIDE_ABOVE"]

ELIDE_ABOVE = 8  # networks with more layers than this show their first two and last two
_GREY = {"style": "filled,rounded,dashed", "fillcolor": COLOURS["no gradient"], "color": "#868e96",
         "fontcolor": "#495057"}
_RED = {"color": COLOURS["backward edge"], "dir": "back", "penwidth": "1.3"}


@dataclass(frozen=True)
class Options:
    """What the picture shows."""

    direction: str = "both"
    group_layers: bool = True
    show_cache: bool = False
    grad_values: bool = False
    values: bool = False
    legend: bool = False
    title: str | None = None
    fold_unnamed: bool = False
    all_layers: bool = False

    @property
    def fwd(self) -> bool:
        return self.direction in ("forward", "both")

    @property
    def bwd(self) -> bool:
        return self.direction in ("backward", "both")


class Picture:
    """Collects a picture's nodes and edges from an analysed graph."""

    def __init__(self, info: Info, opt: Options, keep: set[int]) -> None:
        self.info, self.opt, self.keep = info, opt, keep
        self.scene = Scene()
        a = info.anatomy
        self.merged: dict[int, str] = {}  # op results drawn inside a layer's one linear step -> its node id
        for layer in a.layers:
            if layer.b is not None and a.order[layer.WA].name is None:
                self.merged[layer.WA] = self.merged[layer.Z] = f"lin{layer.l}"
        self.segment = self._segments()
        self.hidden: set[int] = {i for i in range(len(info.order)) if i not in keep}

    # --------------------------------------------------------------------- where things go

    def _segments(self) -> dict[int, Group | str]:
        """Each tensor's block: its layer (or "elided" for a layer left out), "cost", or "graph"."""
        a, info = self.info.anatomy, self.info
        hide: set[int] = set()
        if a.layers and a.L - a.layers[0].l + 1 > ELIDE_ABOVE and not self.opt.all_layers:
            hide = set(range(a.layers[0].l + 2, a.L - 1))  # keep the first two and the last two
        self.elided = sorted(hide)
        seg: dict[int, Group | str] = {}
        for i in range(len(info.order)):
            g = info.group[i] if self.opt.group_layers else None
            seg[i] = "elided" if g in hide else ("graph" if g is None else g)
        return seg

    def boxed(self, i: int) -> bool:
        """Whether tensor i has a box of its own (else it is drawn inside its op's ellipse)."""
        t, role = self.info.order[i], self.info.anatomy.role[i]
        if role == "WA" and i in self.merged:  # the product inside the layer's one linear step
            return False
        if self.opt.fold_unnamed and t._ctx is not None and t.name is None and not role:
            return i in self.info.outputs
        return True

    def op_node(self, i: int) -> str:
        """The ellipse of the op that made tensor i (a layer's linear step for its matmul and add)."""
        return self.merged.get(i, f"o{i}")

    def value_node(self, i: int) -> str:
        """The node that shows tensor i's value."""
        if i in self.hidden or self.segment[i] == "elided":
            return "hidden" if i in self.hidden else "elided"
        return f"t{i}" if self.boxed(i) else self.op_node(i)

    def grad_node(self, i: int) -> str:
        """The node that shows tensor i's gradient."""
        if i in self.hidden or self.segment[i] == "elided":
            return "hidden_b" if i in self.hidden else "elided_b"
        return f"g{i}" if self.boxed(i) else self.op_node(i) + "_b"

    def side(self, i: int) -> bool:
        """A leaf drawn above the op that takes it (W[l], b[l], Y), rather than in the row."""
        t = self.info.order[i]
        return t._ctx is None and self.info.anatomy.role[i] != "X" and bool(self.info.consumers[i])

    def build(self) -> Scene:
        """The scene: every tensor kept, its op, its gradient and its backward step."""
        return _build(self)

    def backward_ids(self, i: int) -> list[str]:
        """The nodes that show tensor i's gradient being computed: its gradient and its op's backward step."""
        ids = [self.grad_node(i)]
        if self.info.order[i]._ctx is not None:
            ids.append(self.grad_node(i) if self.segment[i] == "elided" else self.op_node(i) + "_b")
        return [k for k in dict.fromkeys(ids) if k in self.scene.nodes]


def build(info: Info, keep: set[int], opt: Options) -> Scene:
    """The scene of the tensors in ``keep`` (see the module docstring)."""
    return Picture(info, opt, keep).build()


def _build(b: Picture) -> Scene:
    info, opt = b.info, b.opt
    for i in range(len(info.order)):
        if i in b.hidden or b.segment[i] == "elided":
            continue
        _forward(b, i)  # drawn, or (backward only) holding the places the backward row lines up with
        if opt.bwd:
            _gradient(b, i)
            _backward_step(b, i)
    _joins(b)
    _captions(b, info, opt)
    return b.scene


def _forward(b: Picture, i: int) -> None:
    info, t, seg, sc = b.info, b.info.order[i], b.segment[i], b.scene
    shown = b.opt.fwd
    if t._ctx is not None:
        node = b.op_node(i)
        if node not in sc.nodes:
            text = ["W A + b"] if node.startswith("lin") else [op_text(t)]
            if not b.boxed(i) and not node.startswith("lin"):
                text.append(info.shape(i))
            sc.add(Node(node, text, "main", seg, shape="ellipse", visible=shown,
                        attrs={"style": "filled", "fillcolor": COLOURS["operation"]}))
        for k, j in info.inputs[i]:
            src = b.value_node(j)
            if src == node:  # the product inside a merged linear step
                continue
            attrs = {"style": "dashed"} if info.fused(i) and k == 2 else {}
            sc.edge(src, node, **attrs)
    if b.boxed(i):
        kind = info.kind[i]
        text = info.label_lines(i) + ([] if kind == "constant" else [info.shape(i)])
        if b.opt.values and kind != "constant":
            text += summary(t.data)
        band = "above" if b.side(i) else "main"
        anchor = b.op_node(info.consumers[i][0]) if band == "above" else None
        attrs = {"style": "filled,dashed" if kind == "constant" else "filled", "fillcolor": COLOURS[kind]}
        if kind == "output":
            attrs["penwidth"] = "2"
        sc.add(Node(f"t{i}", text, band, seg, anchor, attrs, visible=shown))
        if t._ctx is not None:
            sc.edge(b.op_node(i), f"t{i}")


def _gradient(b: Picture, i: int) -> None:
    """The red box of tensor i's gradient (or a grey one saying why it gets none)."""
    info, t = b.info, b.info.order[i]
    if not (b.boxed(i) and t.requires_grad):
        return
    band = "below" if b.side(i) else "back"
    if not info.gets_grad[i]:
        why = ["no gradient"]
        for c in info.consumers[i]:
            if info.fused(c) and dict(info.inputs[c]).get(0) == i:
                why = ["none (fused:", f"d{info.label[dict(info.inputs[c])[2]]} =", f"{info.label[i]} - Y)"]
        b.scene.add(Node(f"g{i}", [*info.gname_lines(i), info.shape(i), *why], band, b.segment[i], f"t{i}",
                         dict(_GREY)))
        return
    text = info.gname_lines(i)
    if i == info.outputs[0]:
        text[-1] += " (seed)"
    text.append(info.shape(i))
    if not info.done:
        text.append("not computed yet")
    elif b.opt.grad_values and t.grad is not None:
        text += summary(t.grad)
    attrs = {"style": "filled,rounded", "fillcolor": COLOURS["gradient"], "color": COLOURS["backward edge"],
             "fontcolor": RED_TEXT}
    b.scene.add(Node(f"g{i}", text, band, b.segment[i], f"t{i}", attrs))


def _backward_step(b: Picture, i: int) -> None:
    """The red ellipse of the op that made tensor i, running backward, and its red arrows."""
    info, t, sc = b.info, b.info.order[i], b.scene
    if t._ctx is None or not info.gets_grad[i]:
        return
    node = b.op_node(i)
    bnode = node + "_b"
    if bnode not in sc.nodes:
        text = ["W A + b"] if node.startswith("lin") else [op_text(t)]
        if not b.boxed(i) and not node.startswith("lin"):
            text.append(info.gname[i] + " " + info.shape(i))
        if b.opt.show_cache and not b.opt.fwd and info.cache[i]:
            text.append("cache: " + ", ".join(info.label[j] for j in info.cache[i]))
        sc.add(Node(bnode, text, "back", b.segment[i], node, shape="ellipse",
                    attrs={"style": "filled", "fillcolor": "white", "color": COLOURS["backward edge"],
                           "fontcolor": RED_TEXT}))
    if b.boxed(i):  # the gradient of the result comes into its backward step (the arrow points left)
        sc.edge(bnode, f"g{i}", kind="backward", **_RED)
    for j in dict.fromkeys(info.parents(i)):
        if (i, j) in info.carries and b.grad_node(j) != bnode:
            sc.edge(b.grad_node(j), bnode, kind="backward", **_RED)
    if b.opt.show_cache and b.opt.fwd:
        for j in info.cache[i]:
            if b.value_node(j) in sc.nodes and b.value_node(j) != node:
                sc.edge(b.value_node(j), bnode, kind="cache", style="dashed", color=COLOURS["cache edge"],
                        arrowhead="empty")


def _joins(b: Picture) -> None:
    """The "⋯ k layers" block and the node standing for what max_nodes left out."""
    sc = b.scene
    if b.elided:
        k = len(b.elided)
        text = ["⋯", f"{k} more layers", f"({b.elided[0]} to {b.elided[-1]})"]
        sc.add(Node("elided", text, "main", "elided", attrs={"style": "dashed,rounded", "color": "#868e96"},
                    visible=b.opt.fwd))
        if b.opt.bwd:
            sc.add(Node("elided_b", ["⋯", "their backward", "steps"], "back", "elided", "elided",
                        {"style": "dashed,rounded", "color": COLOURS["backward edge"], "fontcolor": RED_TEXT}))
        _rewire(b, "elided")
    if b.hidden:
        n = len(b.hidden)
        sc.add(Node("hidden", [f"… {n} more tensors,", "computed earlier", "(max_nodes; max_nodes=None", "draws all)"],
                    "main", "hidden", attrs={"style": "dashed,rounded", "color": "#868e96"}))
        if b.opt.bwd and not b.opt.fwd:
            sc.add(Node("hidden_b", [f"… {n} more tensors"], "back", "hidden", "hidden",
                        {"style": "dashed,rounded", "color": COLOURS["backward edge"], "fontcolor": RED_TEXT}))
        _rewire(b, "hidden")


def _rewire(b: Picture, stand_in: str) -> None:
    """Edges between what is drawn and what ``stand_in`` stands for."""
    info, sc = b.info, b.scene
    gone = {i for i in range(len(info.order)) if b.value_node(i) == stand_in}
    for i in range(len(info.order)):
        if i in gone:
            continue
        for _, j in info.inputs[i]:
            if j in gone and b.opt.fwd and b.op_node(i) in sc.nodes:
                sc.edge(stand_in, b.op_node(i))
            if j in gone and b.opt.bwd and (i, j) in info.carries and b.op_node(i) + "_b" in sc.nodes:
                target = stand_in + "_b" if stand_in + "_b" in sc.nodes else stand_in
                sc.edge(target, b.op_node(i) + "_b", kind="backward", **_RED)
    for i in gone:  # what the left-out part computes from what is drawn
        for _, j in info.inputs[i]:
            if j not in gone and b.value_node(j) in sc.nodes and b.opt.fwd:
                sc.edge(b.value_node(j), stand_in)
            if j not in gone and (i, j) in info.carries and b.grad_node(j) in sc.nodes and b.opt.bwd:
                source = stand_in + "_b" if stand_in + "_b" in sc.nodes else stand_in
                sc.edge(b.grad_node(j), source, kind="backward", **_RED)


def _captions(b: Picture, info: Info, opt: Options) -> None:
    sc = b.scene
    present = {n.segment for n in sc.nodes.values()}
    order = sorted({s for s in present if s not in ("elided", "hidden", "graph")}, key=group_key)
    for seg in (["hidden"] if "hidden" in present else []) + order:
        if seg == "hidden":
            sc.segments.append(("hidden", "left out"))
            continue
        sc.segments.append((seg, group_label(seg)))
        if seg == (b.elided[0] - 1 if b.elided else None) and "elided" in present:
            sc.segments.append(("elided", f"layers {b.elided[0]} to {b.elided[-1]}"))
    if "graph" in present:
        sc.segments.append(("graph", "other" if info.anatomy.layers and opt.group_layers else ""))
    if opt.title:
        sc.title.append(opt.title)
    if opt.bwd and not info.done:
        sc.title.append(not_computed_note(info))
    if opt.legend:
        kinds = sorted({info.kind[i] for i in range(len(info.order)) if f"t{i}" in sc.nodes}, key=list(COLOURS).index)
        sc.legend = [(k, {"shape": "box", "style": "filled", "fillcolor": COLOURS[k]}) for k in kinds]
        sc.legend.append(("operation", {"shape": "ellipse", "style": "filled", "fillcolor": COLOURS["operation"]}))
        if opt.bwd:
            red_box = {"shape": "box", "style": "filled,rounded", "fontcolor": RED_TEXT,
                       "fillcolor": COLOURS["gradient"], "color": COLOURS["backward edge"]}
            sc.legend.append(("gradient dJ/d(.)", red_box))
            sc.notes.append("red, right to left: the backward pass; dW[l], db[l] are the lecture's, dZ[l] and dA[l] "
                            "the lecture's divided by m (J carries the 1/m)")
    if opt.show_cache:
        sc.notes.append("grey dashed: what each backward step reads from its cache. relu, sigmoid and tanh keep "
                        "their result A[l] instead of Z[l]: relu'(Z) = 1 exactly where A > 0, sigmoid'(Z) = A(1 - A), "
                        "tanh'(Z) = 1 - A^2")
