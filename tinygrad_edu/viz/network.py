"""The network picture of lecture 4.1: units as circles in columns, layer 0 to layer L."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import message
from ..lecture import check_layer_dims
from .style import COLOURS, digraph, esc

__all__ = ["draw_network"]


def draw_network(layer_dims: Sequence[int], max_units: int = 8, title: str | None = None) -> Any:
    """The network picture of lecture 4.1: units as circles in columns, layer 0 (input) to layer L,
    each column labelled with n[l], every unit connected to every unit of the next layer.

    Layers with more than ``max_units`` units show the first ones, a "..." and the last one.
    The units are placed at fixed positions (Graphviz's ``neato`` engine, which ``render`` uses
    for this graph), so x1, x2, ... always read top to bottom.
    """
    dims = check_layer_dims(layer_dims, "draw_network")
    if not isinstance(max_units, int) or max_units < 3:
        raise ValueError(message("draw_network", f"max_units must be an int >= 3, got {max_units!r}"))
    L = len(dims) - 1
    cap = title if title is not None else f"L = {L} layers (the input layer 0 is not counted): layer_dims = {dims}"
    g = digraph("network", "LR", esc(cap), sum(min(d, max_units) for d in dims))
    g.engine = "neato"
    g.attr(splines="line", size="", outputorder="edgesfirst")
    g.attr("edge", arrowsize="0.5", color="#868e96", penwidth="0.7")
    rows = max(min(d, max_units) for d in dims)
    shown = [_column(g, l, n, L, rows, max_units) for l, n in enumerate(dims)]
    for l in range(L):
        for a in shown[l]:
            for b in shown[l + 1]:
                g.edge(a, b)
    return g


def _column(g: Any, l: int, n: int, L: int, rows: int, max_units: int) -> list[str]:
    """Layer l's units (with a "..." for the ones left out) and its caption; returns the unit ids."""
    dx, dy = 1.9, 0.8  # inches between columns, between units
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
        g.node(nid, lab, shape="circle", style="filled", fillcolor=COLOURS[kind], width="0.55", fixedsize="true",
               fontsize="10", pos=f"{l * dx:.2f},{y:.2f}!")
        ids.append(nid)
    where = "input layer" if l == 0 else "output layer" if l == L else "hidden layer"
    g.node(f"label{l}", f"layer {l}\\n{where}\\nn[{l}] = {n}", shape="plaintext", fontsize="12",
           pos=f"{l * dx:.2f},-0.9!")
    return ids
