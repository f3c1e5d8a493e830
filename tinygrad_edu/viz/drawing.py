"""``draw_graph``: the recorded graph behind a tensor, detailed, cut at a depth, or collapsed into
the building blocks of lecture 4.6 when it is too big."""

from __future__ import annotations

from typing import Any

from ..errors import message
from ..tensor import Tensor
from .analysis import Info, analyse
from .blocks import blocks
from .detail import Options, detail

__all__ = ["draw_graph", "DIRECTIONS"]

DIRECTIONS = ("forward", "backward", "both")


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
) -> Any:
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
        group_layers: draw each layer's tensors inside a cluster "layer l" (see the package doc).
        show_cache: draw the values each op saved for its backward step (grey dashed arrows).
        grad_values: after ``backward()``, show the mean and max |.| of each gradient.
        values: show the mean and max |.| of each forward value.
        legend: draw a legend of the colours (they are also listed in the package docstring).
        title: a caption at the top.
        rankdir: ``"LR"`` (left to right, as in the lecture) or ``"TB"``.
        fold_unnamed: False (the default) draws one box per tensor, an unnamed result labelled by
            its formula (``W[1] A[0]``); True draws an unnamed result inside the ellipse of the op
            that made it (its shape shown there), for smaller pictures.

    Returns:
        a ``graphviz.Digraph``: ``render(g, "graph.svg")`` writes it, ``g.source`` is the DOT text.
    """
    _check_arguments(outputs, direction, collapse, max_nodes, depth, rankdir)
    info = analyse(outputs, fold_unnamed=fold_unnamed)
    opt = Options(direction, group_layers, show_cache, grad_values, values, legend, title, rankdir)
    return _draw(info, opt, collapse, max_nodes, depth)


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
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(message(where, f"rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}"))


def node_cost(info: Info, i: int, fwd: bool, bwd: bool) -> int:
    """How many nodes tensor i adds to the detailed picture."""
    t = info.order[i]
    c = 0
    if fwd:
        c += int(info.boxed[i]) + int(t.op is not None)
    if bwd:
        c += int(info.boxed[i] and t.requires_grad) + int(t.op is not None and info.gets_grad[i])
    return c


def _keep_levels(info: Info, fwd: bool, bwd: bool, max_nodes: int | None, depth: int | None,
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
            per_level[level[i]] += node_cost(info, i, fwd, bwd)
        total = 0
        for d in range(limit + 1):
            total += per_level[d]
            summary_node = 0 if d == top else 1
            if d > 0 and total + summary_node + extra > max_nodes:  # level 0 (the outputs) is always drawn
                limit = d - 1
                break
    return {i for i in range(n) if level[i] <= limit}, limit


def _draw(info: Info, opt: Options, collapse: bool | str, max_nodes: int | None, depth: int | None) -> Any:
    n = len(info.order)
    full = sum(node_cost(info, i, opt.fwd, opt.bwd) for i in range(n))
    layered = any(isinstance(gr, int) for gr in info.group)
    use_blocks = collapse in (True, "layers") or (
        collapse == "auto" and depth is None and max_nodes is not None and full > max_nodes and layered
    )
    if use_blocks:
        return blocks(info, max_nodes=max_nodes, grad_values=opt.grad_values, legend=opt.legend, title=opt.title,
                      rankdir=opt.rankdir, direction=opt.direction)
    keep, limit = _keep_levels(info, opt.fwd, opt.bwd, max_nodes, depth, extra=9 if opt.legend else 0)
    note = None
    if len(keep) < n:
        note = (f"... {n - len(keep)} more tensors, computed earlier\\n"
                f"(drawn: depth <= {limit} ops from the output;\\npass max_nodes=None or depth= to see more)")
    return detail(info, keep, opt, hidden_note=note)
