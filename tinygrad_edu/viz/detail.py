"""The detailed picture: one box per tensor and one ellipse per op, forward in black, the
backward pass in red, optionally the caches (grey dashed), grouped into one cluster per layer."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .analysis import Group, Info, group_key, group_label, not_computed_note, op_text, summary
from .style import COLOURS, RED_TEXT, digraph, esc, legend, lines

__all__ = ["Options", "Step", "detail"]

Attrs = dict[str, str]


@dataclass(frozen=True)
class Options:
    """What the detailed picture shows."""

    direction: str = "both"
    group_layers: bool = True
    show_cache: bool = False
    grad_values: bool = False
    values: bool = False
    legend: bool = False
    title: str | None = None
    rankdir: str = "LR"

    @property
    def fwd(self) -> bool:
        return self.direction in ("forward", "both")

    @property
    def bwd(self) -> bool:
        return self.direction in ("backward", "both")


@dataclass(frozen=True)
class Step:
    """One frame of the backward pass: the tensor visited now, the gradients completed at this
    step, and those completed before it."""

    visit: int
    now: set[int]
    done: set[int]

    def state(self, i: int) -> str:
        return "now" if i in self.now else "done" if i in self.done else "later"


@dataclass
class _Picture:
    """Nodes (with their group) and edges collected before the Digraph is assembled."""

    info: Info
    keep: set[int]
    opt: Options
    step: Step | None
    nodes: list[tuple[str, Group, Attrs]] = field(default_factory=list)
    edges: list[tuple[str, str, Attrs]] = field(default_factory=list)

    def tnode(self, i: int) -> str:  # the forward node standing for tensor i's value
        return f"t{i}" if self.info.boxed[i] else f"op{i}"

    def gnode(self, i: int) -> str:  # the backward node standing for tensor i's gradient
        return f"g{i}" if self.info.boxed[i] else f"b{i}"

    def source(self, j: int, node: str) -> str:
        return node if j in self.keep else "hidden"


def detail(info: Info, keep: set[int], opt: Options, hidden_note: str | None = None, step: Step | None = None) -> Any:
    """The picture of the tensors in ``keep``: forward nodes and/or gradient nodes."""
    pic = _Picture(info, keep, opt, step)
    for i in sorted(keep):
        if opt.fwd:
            _forward(pic, i)
        if opt.bwd:
            _gradient_box(pic, i)
            _backward_step(pic, i)
    return _assemble(pic, hidden_note)


def _forward(pic: _Picture, i: int) -> None:
    info, t, gr = pic.info, pic.info.order[i], pic.info.group[i]
    if t.op is not None:
        lab = [op_text(t) + (" (fused with sigmoid)" if info.fused(i) else "")]
        if not info.boxed[i]:
            lab.append(info.shape(i))
            if pic.opt.values:
                lab.append(summary(t.data))
        pic.nodes.append((f"op{i}", gr, {"label": lines(*lab), "shape": "ellipse", "style": "filled",
                                          "fillcolor": COLOURS["operation"]}))
        for k, j in info.inputs[i]:
            attrs = {"style": "dashed", "label": "fused"} if info.fused(i) and k == 2 else {}
            pic.edges.append((pic.source(j, pic.tnode(j)), f"op{i}", attrs))
    if info.boxed[i]:
        k = info.kind[i]
        lab = [info.label[i]]
        if k != "constant":
            lab.append(info.shape(i))
            if pic.opt.values:
                lab.append(summary(t.data))
        attrs = {"label": lines(*lab), "shape": "box", "style": "filled,dashed" if k == "constant" else "filled",
                 "fillcolor": COLOURS[k]}
        if k == "output":
            attrs["penwidth"] = "2"
        pic.nodes.append((f"t{i}", gr, attrs))
        if t.op is not None:
            pic.edges.append((f"op{i}", f"t{i}", {}))


def _gradient_box(pic: _Picture, i: int) -> None:
    """The red box of tensor i's gradient (or a grey one saying why it gets none)."""
    info, t = pic.info, pic.info.order[i]
    if not (info.boxed[i] and t.requires_grad):
        return
    if not info.gets_grad[i]:
        pic.nodes.append((f"g{i}", info.group[i], _no_gradient_attrs(info, i)))
        return
    state = None if pic.step is None else pic.step.state(i)
    lab = [info.gname[i] + (" (seed)" if i == info.outputs[0] else ""), info.shape(i)]
    if not info.done:
        lab.append("not computed yet")
    elif state == "later":
        lab.append("not yet")
    elif pic.opt.grad_values and t.grad is not None:
        lab.append(summary(t.grad))
    attrs = {"label": lines(*lab), "shape": "box", "style": "filled,rounded", "fillcolor": COLOURS["gradient"],
             "color": COLOURS["backward edge"], "fontcolor": RED_TEXT}
    if state == "now":
        attrs.update(fillcolor=COLOURS["highlight"], penwidth="3")
    elif state == "later":
        attrs.update(style="rounded,dashed", fillcolor="white")
    pic.nodes.append((f"g{i}", info.group[i], attrs))


def _no_gradient_attrs(info: Info, i: int) -> Attrs:
    why = "no gradient"
    for c in info.consumers[i]:
        ins = dict(info.inputs[c])
        if info.fused(c) and ins.get(0) == i:
            z = info.ref(ins[2])
            why = f"no gradient: the fused cost sends\\nd{z} = {info.label[i] or 'A[L]'} - Y straight to {z}"
    return {"label": lines(info.gname[i], info.shape(i)) + "\\n" + why, "shape": "box",
            "style": "filled,rounded,dashed", "fillcolor": COLOURS["no gradient"], "color": "#868e96",
            "fontcolor": "#495057"}


def _backward_step(pic: _Picture, i: int) -> None:
    """The red ellipse of the op that made tensor i, running backward, and its red arrows."""
    info, t, step, opt = pic.info, pic.info.order[i], pic.step, pic.opt
    if t.op is None or not info.gets_grad[i]:
        return
    lab = [t.op + " backward"]
    if not info.boxed[i]:
        lab.append(info.gname[i] + " " + info.shape(i))
        reached = step is None or step.visit == i or i in step.done
        if info.done and opt.grad_values and t.grad is not None and reached:
            lab.append(summary(t.grad))
        elif not info.done:
            lab.append("not computed yet")
    if opt.show_cache and not opt.fwd and info.cache[i]:
        lab.append("cache: " + ", ".join(info.ref(j) for j in info.cache[i]))
    attrs = {"label": lines(*lab), "shape": "ellipse", "style": "filled", "fillcolor": "white",
             "color": COLOURS["backward edge"], "fontcolor": RED_TEXT}
    if step is not None:
        if step.visit == i:  # the backward step being taken
            attrs.update(fillcolor=COLOURS["highlight"], penwidth="3")
        elif i not in step.done:
            attrs.update(style="dashed")
    pic.nodes.append((f"b{i}", info.group[i], attrs))
    red = {"color": COLOURS["backward edge"], "dir": "back", "penwidth": "1.5", "fontcolor": RED_TEXT}
    if info.boxed[i]:  # the gradient of the result goes into its backward step
        pic.edges.append((f"b{i}", f"g{i}", dict(red)))
    for j in dict.fromkeys(info.parents(i)):
        if (i, j) in info.carries:
            e = dict(red, penwidth="3") if step is not None and step.visit == i else dict(red)
            pic.edges.append((pic.source(j, pic.gnode(j)), f"b{i}", e))
    if opt.show_cache and opt.fwd:
        for j in info.cache[i]:
            if j in pic.keep:
                pic.edges.append((pic.tnode(j), f"b{i}", {"style": "dashed", "color": COLOURS["cache edge"],
                                                          "constraint": "false", "arrowhead": "empty"}))


def _assemble(pic: _Picture, hidden_note: str | None) -> Any:
    info, opt = pic.info, pic.opt
    captions = [opt.title] if opt.title else []
    if opt.bwd and not info.done:
        captions.append(not_computed_note(info))
    g = digraph("computation", opt.rankdir, "\\n".join(esc(x) for x in captions) or None,
                len(pic.nodes) + (1 if hidden_note else 0))
    groups: dict[Group, list[tuple[str, Attrs]]] = {}
    for nid, gr, attrs in pic.nodes:
        groups.setdefault(gr if opt.group_layers else None, []).append((nid, attrs))
    for gr in sorted(groups, key=group_key):
        if gr is None:
            for nid, attrs in groups[gr]:
                g.node(nid, **attrs)
            continue
        with g.subgraph(name=f"cluster_{gr}") as c:
            c.attr(label=group_label(gr), style="rounded", color="#adb5bd", fontsize="12")
            for nid, attrs in groups[gr]:
                c.node(nid, **attrs)
    if hidden_note:
        g.node("hidden", hidden_note, shape="box", style="dashed,rounded", color="#868e96")
    seen = set()
    for a, b, attrs in pic.edges:
        key = (a, b, tuple(sorted(attrs.items())))
        if a == "hidden" and key in seen:
            continue
        seen.add(key)
        g.edge(a, b, **attrs)
    if opt.legend:
        kinds = sorted({info.kind[i] for i in pic.keep if info.boxed[i]}, key=list(COLOURS).index)
        legend(g, [*kinds, "operation"] + (["gradient"] if opt.bwd else []), opt.bwd)
    return g
