"""The building-block picture of lecture 4.6: per layer one forward box and one backward box,
the cache passed from each forward box to its backward box, the backward row in red."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import lecture
from ..errors import message
from ..nn import DeepNetwork, binary_cross_entropy
from ..tensor import Tensor
from .analysis import Group, Info, analyse, formula, group_key, group_label, not_computed_note, summary
from .style import COLOURS, RED_TEXT, digraph, esc, lines

__all__ = ["blocks", "draw_building_blocks"]


@dataclass
class _Layout:
    """The groups drawn, their members, which boxes each has, and the groups left out."""

    info: Info
    fwd: bool
    bwd: bool
    groups: list[Group]
    members: dict[Group, list[int]]
    has_bwd: dict[Group, bool]
    hidden: list[Group] = field(default_factory=list)

    def fid(self, gr: Group) -> str:
        return "hidden" if gr in self.hidden else f"F{gr}" if self.fwd else f"B{gr}"

    def bid(self, gr: Group) -> str:
        return "hidden" if gr in self.hidden else f"B{gr}"


def _layout(info: Info, fwd: bool, bwd: bool, max_nodes: int | None, legend: bool) -> _Layout:
    order = info.order
    groups = sorted({info.group[i] for i in range(len(order))}, key=group_key)
    members: dict[Group, list[int]] = {gr: [] for gr in groups}
    for i in range(len(order)):
        members[info.group[i]].append(i)
    has_bwd = {gr: bwd and any(info.gets_grad[i] and order[i].op is not None for i in members[gr]) for gr in groups}
    groups = [gr for gr in groups if fwd or has_bwd[gr]]  # backward only: groups with a gradient
    lay = _Layout(info, fwd, bwd, groups, members, has_bwd)
    if max_nodes is not None:  # keep the groups nearest the outputs when there are too many boxes
        budget = max_nodes - 1 - (3 if legend else 0)
        near = sorted(groups, key=lambda gr: (min(info.dist[i] for i in members[gr]), group_key(gr)))
        used, kept = 0, []
        for gr in near:
            cost = int(fwd) + int(has_bwd[gr])
            if used + cost > budget and kept:
                lay.hidden.append(gr)
            else:
                kept.append(gr)
                used += cost
        lay.groups = [gr for gr in groups if gr not in lay.hidden]
    return lay


def _forward_text(info: Info, gr: Group, mem: list[int]) -> tuple[str, list[str]]:
    """The forward box of group ``gr``: its heading and its lines."""
    order = info.order
    head = "cost" if gr == "cost" else "other" if gr is None else (
        group_label(gr) + (" forward" if any(order[i].op for i in mem) else ""))
    named = [i for i in mem if order[i].op is not None and info.label[i]]
    if named:
        body = [f"{info.label[i]} = {formula(info, i)}" for i in named[:6]]
        if len(named) > 6:
            body.append(f"... {len(named) - 6} more")
    elif any(order[i].op for i in mem):
        counts: dict[str, int] = {}
        for i in mem:
            if order[i].op:
                counts[order[i].op] = counts.get(order[i].op, 0) + 1  # type: ignore[index]
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
    return head, body


def _backward_text(info: Info, head: str, mem: list[int], grad_values: bool) -> list[str]:
    """The backward box's lines: the seed, the parameters' gradients, what the fused cost skips."""
    order = info.order
    out = [head.replace(" forward", "") + " backward"]
    for i in mem:
        if i == info.outputs[0] and info.gets_grad[i]:
            out.append(f"{info.gname[i]}{' = 1' if order[i].size == 1 else ''} (seed)")
    for i in mem:
        if info.kind[i] == "parameter" and info.gets_grad[i]:
            extra = "  " + summary(order[i].grad) if grad_values and info.done and order[i].grad is not None else ""
            out.append(f"-> {info.gname[i]} {info.shape(i)}{extra}")
    for i in mem:
        if order[i].requires_grad and not info.gets_grad[i] and info.label[i]:
            out.append(f"({info.gname[i]} not computed: fused)")
    if not info.done:
        out.append("not computed yet")
    return out


def _cache_text(info: Info, mem: list[int]) -> tuple[list[int], str]:
    kept: list[int] = []  # what the ops of this group saved for their backward: the cache
    for i in mem:
        kept += [j for j in info.cache[i] if j not in kept]
    return kept, "cache: " + ", ".join(info.ref(j) for j in kept[:5]) + (" ..." if len(kept) > 5 else "")


def _boxes(g: Any, lay: _Layout, gr: Group, grad_values: bool) -> None:
    """Group ``gr``'s forward box, backward box (side by side) and the cache arrow between them."""
    info, mem = lay.info, lay.members[gr]
    head, body = _forward_text(info, gr, mem)
    kept, cache = _cache_text(info, mem)
    fill = COLOURS["input"] if gr == 0 else COLOURS["output"] if gr == "cost" else COLOURS["intermediate"]
    with g.subgraph() as same:
        same.attr(rank="same")  # the backward box right under its forward box
        if lay.fwd:
            same.node(f"F{gr}", lines(head, *body), shape="box", style="filled,rounded", fillcolor=fill,
                      penwidth="1.5")
        if lay.has_bwd[gr]:
            blines = _backward_text(info, head, mem, grad_values)
            if not lay.fwd and kept:  # no forward box to draw the cache from: list it
                blines.append(cache)
            same.node(f"B{gr}", lines(*blines), shape="box", style="filled,rounded", fillcolor=COLOURS["gradient"],
                      color=COLOURS["backward edge"], fontcolor=RED_TEXT, penwidth="1.5")
    if lay.has_bwd[gr] and lay.fwd:
        g.edge(f"F{gr}", f"B{gr}", xlabel=esc((cache if kept else "cache") + "   "), style="dashed",
               color=COLOURS["cache edge"], fontcolor="#495057")


def _between_groups(g: Any, lay: _Layout) -> None:
    """The edges between groups: forward data in black, gradients in red pointing right to left."""
    info = lay.info
    fwd_edges: dict[tuple[str, str], list[str]] = {}
    bwd_edges: dict[tuple[str, str], list[str]] = {}
    for i in range(len(info.order)):
        gi = info.group[i]
        for k, j in info.inputs[i]:
            gj = info.group[j]
            if gj == gi:
                continue
            if lay.fwd and info.kind[j] != "constant":
                lab = f"{info.ref(j)} {info.shape(j)}" + (" (fused)" if info.fused(i) and k == 2 else "")
                labs = fwd_edges.setdefault((lay.fid(gj), lay.fid(gi)), [])
                if lab not in labs:
                    labs.append(lab)
            if lay.bwd and (i, j) in info.carries:
                lab = f"{info.gname[j]} {info.shape(j)}"
                labs = bwd_edges.setdefault((lay.bid(gj), lay.bid(gi)), [])
                if lab not in labs:
                    labs.append(lab)
    for (a, b), labs in fwd_edges.items():
        if a != b:
            g.edge(a, b, label=lines(*labs[:3]), penwidth="1.5")
    for (a, b), labs in bwd_edges.items():
        if a != b:  # drawn from a to b with the arrow at a: the gradient flows right to left
            g.edge(a, b, label=lines(*labs[:3]), dir="back", color=COLOURS["backward edge"], penwidth="1.8",
                   fontcolor=RED_TEXT)


def blocks(info: Info, *, max_nodes: int | None, grad_values: bool, legend: bool, title: str | None,
           rankdir: str, direction: str = "both") -> Any:
    """The building-block picture (lecture 4.6) of an analysed graph: per group one forward and
    one backward box, the cache passed from each forward box to its backward box, red backward arrows."""
    fwd = direction in ("forward", "both")
    bwd = direction in ("backward", "both")
    lay = _layout(info, fwd, bwd, max_nodes, legend)
    captions = [title] if title else []
    if bwd and not info.done:
        captions.append(not_computed_note(info))
    g = digraph("building_blocks", rankdir, "\\n".join(esc(x) for x in captions) or None, 2 * len(lay.groups))
    g.attr(ranksep="0.6", nodesep="0.5")
    for gr in lay.groups:
        _boxes(g, lay, gr, grad_values)
    if lay.hidden:
        k = sum(len(lay.members[gr]) for gr in lay.hidden)
        names = [group_label(gr) for gr in sorted(lay.hidden, key=group_key) if isinstance(gr, int)]
        span = f"{names[0]} .. {names[-1]}" if len(names) > 1 else (names[0] if names else "")
        g.node("hidden", lines(f"... {len(lay.hidden)} more groups hidden", span, f"({k} tensors)",
                               "pass max_nodes=None to draw all"), shape="box", style="dashed,rounded", color="#868e96")
    _between_groups(g, lay)
    if legend and fwd and bwd:
        with g.subgraph(name="cluster_legend") as c:
            c.attr(label="legend", style="rounded", color="#adb5bd", fontsize="11")
            c.node("legend_f", "forward box", shape="box", style="filled,rounded", fillcolor=COLOURS["intermediate"])
            c.node("legend_b", "backward box", shape="box", style="filled,rounded", fillcolor=COLOURS["gradient"],
                   color=COLOURS["backward edge"], fontcolor=RED_TEXT)
            c.edge("legend_f", "legend_b", label="cache", style="dashed", color=COLOURS["cache edge"])
    return g


def draw_building_blocks(
    layer_dims: Sequence[int],
    hidden: str = "relu",
    output: str = "sigmoid",
    m: int | None = None,
    title: str | None = None,
) -> Any:
    """The building-block chain of lecture 4.6 for a network with ``layer_dims`` = [n[0], ..., n[L]].

    The picture is made from the engine itself: a :class:`~tinygrad_edu.nn.DeepNetwork` with
    ``hidden`` activations for l < L and ``output`` for l = L and the cross-entropy cost J are run
    forward and backward on example data, and the result is drawn collapsed: one forward box and
    one backward box per layer, the cache handed from each forward box to its backward box, the
    backward boxes chained right to left in red. Shapes show ``m`` for the number of examples
    unless ``m`` is given.
    """
    dims = lecture.check_layer_dims(layer_dims, "draw_building_blocks")
    for which, act in (("hidden", hidden), ("output", output)):
        if act not in ("relu", "sigmoid", "tanh"):
            raise ValueError(message("draw_building_blocks", f"{which} must be 'relu', 'sigmoid' or 'tanh', "
                                                                     f"got {act!r}"))
    cols = m if m is not None else max(dims) + 7  # a number no n[l] equals, written as "m"
    X, Y = lecture.example_data(dims, cols)
    net = DeepNetwork(dims, hidden, output, init="xavier", seed=1)
    J = binary_cross_entropy(net(X), Tensor(Y, name="Y")).named("J")
    J.backward()
    info = analyse([J], m=None if m is not None else cols)
    L = len(dims) - 1
    caption = title if title is not None else f"building blocks, L = {L}: forward row, cost, backward row (red), " \
                                              "caches passed down"
    return blocks(info, max_nodes=None, grad_values=False, legend=False, title=caption, rankdir="LR")
