"""``draw_graph``: the recorded graph behind a tensor, in the lecture's layers, cut at a depth when
it is too big, or collapsed into the building blocks of lecture 4.6."""

from __future__ import annotations

from typing import Any

from ..errors import message
from ..tensor import Tensor
from .analysis import Info, analyse
from .blocks import blocks
from .detail import Options, build
from .scene import draw_scene

__all__ = ["draw_graph", "DIRECTIONS"]

DIRECTIONS = ("forward", "backward", "both")


def draw_graph(
    *outputs: Tensor,
    direction: str = "both",
    collapse: bool | str = "auto",
    max_nodes: int | None = 150,
    depth: int | None = None,
    group_layers: bool = True,
    show_cache: bool = False,
    grad_values: bool = False,
    values: bool = False,
    legend: bool = False,
    title: str | None = None,
    rankdir: str = "LR",
    fold_unnamed: bool = False,
    all_layers: bool = False,
) -> Any:
    """Draw the computation recorded behind ``outputs`` (usually the cost J) the way the lecture
    draws it: each layer a block, its forward row (W[l], b[l] -> Z[l] -> A[l]) in black and its
    backward row (dA[l] -> dZ[l] -> dW[l], db[l], dA[l-1]) in red beneath it, then the cost. Names
    the learner did not give are the lecture's (Z[l], A[l], X = A[0], Y, J) or short formulas.

    Args:
        outputs: the tensors to draw back from, e.g. ``J`` (or ``J`` and ``A[L]``). The backward
            pass is drawn from the first one, as ``outputs[0].backward()`` runs it.
        direction: ``"forward"`` (values and ops), ``"backward"`` (gradients, red), or ``"both"``.
        collapse: ``"layers"`` (or True) draws each layer as one forward box and one backward box,
            the building-block picture of lecture 4.6; False never does; ``"auto"`` does it only
            when the full picture would not fit ``max_nodes``.
        max_nodes: most nodes to draw (None: no limit). Beyond it, what is far from the outputs is
            left out (parameters, the input and their gradients are always drawn) and one node says so.
        depth: draw only tensors at most ``depth`` operations away from the outputs (and the leaves).
        group_layers: draw each layer's tensors inside a block "layer l" (else one block).
        show_cache: draw what each backward step reads from its op's cache (grey dashed arrows).
        grad_values: after ``backward()``, show the mean and max |.| of each gradient.
        values: show the mean and max |.| of each forward value.
        legend: draw a legend of the colours under the picture.
        title: a caption at the top.
        rankdir: ``"LR"`` (layers left to right, as in the lecture) or ``"TB"`` (top to bottom).
        fold_unnamed: draw results the lecture has no name for inside the ellipse of their op.
        all_layers: draw every layer of a network of more than 8 (by default the first two, one
            "⋯ k layers" block and the last two).

    Returns:
        a ``graphviz.Digraph``: ``render(g, "graph.svg")`` writes it, ``g.source`` is the DOT text.
        The text is at least 7 pt; a picture that fits a 16:9 slide (960 x 540 pt) is drawn that size.
    """
    _check_arguments(outputs, direction, collapse, max_nodes, depth, rankdir)
    info = analyse(outputs)
    opt = Options(direction, group_layers, show_cache, grad_values, values, legend, title, fold_unnamed, all_layers)
    everything = set(range(len(info.order)))
    full = build(info, everything, opt)
    too_big = max_nodes is not None and len(full.nodes) > max_nodes
    if collapse in (True, "layers") or (collapse == "auto" and too_big and depth is None and info.anatomy.layers):
        return blocks(info, grad_values=grad_values, title=title, direction=direction)
    if too_big or depth is not None:
        full = build(info, _keep(info, opt, max_nodes, depth), opt)
    return draw_scene(full, rankdir=rankdir)


def _check_arguments(outputs: tuple[Any, ...], direction: str, collapse: Any, max_nodes: Any, depth: Any,
                     rankdir: str) -> None:
    where = "draw_graph"
    if not outputs:
        raise TypeError(message(where, "give at least one tensor to draw, e.g. draw_graph(J)"))
    for o in outputs:
        if not isinstance(o, Tensor):
            raise TypeError(message(where, f"expected Tensors, got {type(o).__name__}", "pass the cost J (a Tensor)"))
    if direction not in DIRECTIONS:
        raise ValueError(message(where, f"direction must be one of {DIRECTIONS}, got {direction!r}"))
    if collapse not in (True, False, "auto", "layers"):
        raise ValueError(message(where, f"collapse must be 'auto', 'layers', True or False, got {collapse!r}"))
    if max_nodes is not None and (not isinstance(max_nodes, int) or max_nodes < 10):
        raise ValueError(message(where, f"max_nodes must be an int >= 10 or None, got {max_nodes!r}"))
    if depth is not None and (not isinstance(depth, int) or depth < 0):
        raise ValueError(message(where, f"depth must be an int >= 0 or None, got {depth!r}"))
    if rankdir not in ("LR", "TB"):
        raise ValueError(message(where, f"rankdir must be 'LR' or 'TB', got {rankdir!r}"))


def _keep(info: Info, opt: Options, max_nodes: int | None, depth: int | None) -> set[int]:
    """The tensors to draw: every leaf (parameters, the input, labels), and the results within the
    largest number of ops from the outputs that fits ``max_nodes`` (and ``depth``)."""
    n = len(info.order)
    leaves = {i for i in range(n) if info.order[i]._ctx is None}
    per_node = (2 if opt.fwd else 0) + (2 if opt.bwd else 0)  # a result: its op and its box, each way
    budget = None if max_nodes is None else max_nodes - 1 - len(leaves) * (1 + int(opt.bwd))
    keep = set(leaves)
    for d in range(max(info.dist, default=0) + 1):
        if depth is not None and d > depth:
            break
        level = {i for i in range(n) if info.dist[i] == d and i not in leaves}
        if budget is not None and d > 0 and per_node * (len(keep - leaves) + len(level)) > budget:
            break
        keep |= level
    return keep
