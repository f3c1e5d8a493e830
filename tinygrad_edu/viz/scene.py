"""A picture before it is drawn: nodes in bands, edges, segments (the layers), and the layout
that places them the way the lecture draws a network.

The layout is computed here, not by Graphviz's ``dot``: every segment (layer 0, layer 1, ...,
the cost) is a block of columns, left to right. Inside a block:

* the **forward row** (band ``"main"``) holds the ops and the values they make, left to right in
  the order they are computed (the longest path from the block's inputs gives the column);
* **side inputs** (band ``"above"``: W[l], b[l], Y) sit above the op that takes them;
* the **backward row** (band ``"back"``) holds each gradient right under its value and each
  backward step right under its op, so that the red arrows run right to left beneath the black
  ones; the gradients of the side inputs (band ``"below"``: dW[l], db[l]) sit beneath.

Node sizes come from their text (fixed, so that the picture's size is known before drawing); the
font shrinks from 8 pt down to 7 pt when that makes the picture fit ``fit`` (a 16:9 slide, 960 x
540 pt, by default). Graphviz then only routes the edges, at right angles around the nodes
(``splines=ortho``, fast even for hundreds of nodes), and draws (its ``nop2`` layout): the result
is a ``graphviz.Digraph`` with every node's ``pos`` and every cluster's ``bb``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .style import COLOURS, FONT, digraph, esc, lines
from .style import text as printable

__all__ = ["Node", "Edge", "Scene", "draw_scene", "SLIDE", "BANDS"]

SLIDE = (960.0, 540.0)  # a 16:9 slide in points
BANDS = ("above", "main", "back", "below")
_FONTS = (8.0, 7.5, 7.0)  # tried in turn until the picture fits; 7 pt is the smallest text drawn


@dataclass
class Node:
    """One node of a picture. ``anchor``: for a backward node the forward node it sits under, for
    a side input the op that takes it, for a side gradient the side input it belongs to."""

    id: str
    text: list[str]
    band: str  # one of BANDS
    segment: Any  # the segment (layer number, "cost", ...) whose block holds it
    anchor: str | None = None
    attrs: dict[str, str] = field(default_factory=dict)
    shape: str = "box"
    scale: float = 1.0  # font size relative to the picture's
    visible: bool = True  # False: only holds a place (the forward row of a backward-only picture)


@dataclass
class Edge:
    tail: str
    head: str
    attrs: dict[str, str] = field(default_factory=dict)
    kind: str = "forward"  # forward, backward, cache: only forward edges order the columns


@dataclass
class Scene:
    """Nodes (in the order they were added, which is a topological order of the forward row),
    edges, the segments in drawing order with their captions, a title and an optional legend."""

    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    segments: list[tuple[Any, str]] = field(default_factory=list)
    title: list[str] = field(default_factory=list)
    legend: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # lines under the legend (what the picture leaves out)

    def add(self, node: Node) -> Node:
        self.nodes[node.id] = node
        return node

    def edge(self, tail: str, head: str, kind: str = "forward", **attrs: str) -> None:
        if tail in self.nodes and head in self.nodes:
            self.edges.append(Edge(tail, head, dict(attrs), kind))


# ============================================================================= sizes


# Helvetica's advance widths (in ems) for the characters that differ most from an average
# lowercase letter; times 1.1, because a viewer may fall back on a wider sans-serif font
_NARROW = dict.fromkeys("il.,:;'|!", 0.25) | dict.fromkeys("()[]{}/frtjI-", 0.34) | {" ": 0.28, "*": 0.39}
_WIDE = dict.fromkeys("mwMW@", 0.85) | dict.fromkeys("+=<>~", 0.58) | dict.fromkeys("…⋯", 1.0)


def text_width(line: str, font: float) -> float:
    """The width in points of ``line`` in a ``font``-point sans-serif font (a safe estimate)."""
    em = 0.0
    for ch in line:
        em += _NARROW.get(ch) or _WIDE.get(ch) or (0.556 if ch.isdigit() else 0.68 if ch.isupper() else 0.53)
    return 1.1 * em * font


def _size(node: Node, font: float) -> tuple[float, float]:
    """Width and height in points of a node whose text is in ``font`` points."""
    f = font * node.scale
    w = max((text_width(t, f) for t in node.text), default=f) + (2.2 * f if node.shape == "ellipse" else 1.2 * f)
    h = 1.25 * f * len(node.text) + 0.8 * f
    return max(w, 2.4 * f), max(h, 2.2 * f)


# ============================================================================= layout


@dataclass
class Layout:
    """Where everything goes: node centres and sizes on the page, cluster boxes, the picture's
    size (points, y downwards, in the layout's own axes: turned when ``transposed``), and the font
    size used."""

    pos: dict[str, tuple[float, float]]
    size: dict[str, tuple[float, float]]
    clusters: list[tuple[Any, str, tuple[float, float, float, float]]]
    width: float
    height: float
    font: float
    transposed: bool = False

    @property
    def page_size(self) -> tuple[float, float]:
        """(width, height) of the picture on the page."""
        return (self.height, self.width) if self.transposed else (self.width, self.height)


def _grid(scene: Scene) -> tuple[dict[str, tuple[Any, int]], dict[str, tuple[str, int]]]:
    """(segment, column) and (band, row) of every node.

    Forward-row nodes take the column of the longest path from their block's inputs and are
    stacked, where several share a column, in the order of the rows of what feeds them. A side
    input sits above its op, the next side inputs of the same op above the columns to its right
    when they are free (W[l] over the linear step, b[l] beside it), else higher up. A backward
    node takes the place of the node it sits under, mirrored into the backward band."""
    col: dict[str, tuple[Any, int]] = {}
    row: dict[str, tuple[str, int]] = {}
    into: dict[str, list[str]] = defaultdict(list)
    for e in scene.edges:
        if e.kind == "forward":
            into[e.head].append(e.tail)
    for n in scene.nodes.values():
        if n.band == "main":
            prev = [col[t][1] + 1 for t in into[n.id] if t in col and col[t][0] == n.segment
                    and scene.nodes[t].band == "main"]
            col[n.id] = (n.segment, max(prev, default=0))
    used: dict[tuple[Any, int, str], int] = defaultdict(int)
    mains = sorted((n for n in scene.nodes.values() if n.band == "main"),
                   key=lambda n: (col[n.id][1], _mean(row[t][1] for t in into[n.id] if t in row)))
    for n in mains:
        key = (*col[n.id], "main")
        row[n.id] = ("main", used[key])
        used[key] += 1
    columns = {c for c in col.values()}
    taken: set[tuple[Any, int, int]] = set()
    per_anchor: dict[str | None, int] = defaultdict(int)
    for n in scene.nodes.values():
        if n.band != "above":
            continue
        seg, c = col.get(n.anchor, (n.segment, 0)) if n.anchor else (n.segment, 0)  # type: ignore[arg-type]
        k = per_anchor[n.anchor]
        per_anchor[n.anchor] += 1
        if k and (seg, c + k) in columns and (seg, c + k, 1) not in taken:
            c += k  # beside the first one, above the next column
        r = 1
        while (seg, c, r) in taken:
            r += 1
        taken.add((seg, c, r))
        col[n.id], row[n.id] = (seg, c), ("above", r)
    for band, source in (("back", "main"), ("below", "above")):
        for n in scene.nodes.values():
            if n.band != band:
                continue
            if n.anchor in row and row[n.anchor][0] == source:  # type: ignore[operator]
                col[n.id], row[n.id] = col[n.anchor], (band, row[n.anchor][1])  # type: ignore[index]
            else:
                col[n.id] = col.get(n.anchor, (n.segment, 0)) if n.anchor else (n.segment, 0)  # type: ignore[arg-type]
                key = (*col[n.id], band)
                row[n.id] = (band, used[key] + (1 if band == "below" else 0))
                used[key] += 1
    return col, row


def _mean(values: Iterable[int]) -> float:
    v = list(values)
    return sum(v) / len(v) if v else 0.0


def layout(scene: Scene, font: float, transpose: bool = False) -> Layout:
    """Place every node of ``scene`` with ``font``-point text (see the module docstring).
    ``transpose``: for a picture turned a quarter (``rankdir="TB"``: the layout's x runs down the
    page): each node takes its height along x and its width along y, and each block's caption
    takes room at the start of its x span (the top of its box on the page)."""
    col, row = _grid(scene)
    page = {k: _size(n, font) for k, n in scene.nodes.items()}  # (width, height) on the page
    size = {k: (h, w) for k, (w, h) in page.items()} if transpose else page
    hgap, vgap, seg_gap, pad = 0.7 * font, 1.0 * font, 1.2 * font, 0.6 * font
    # columns: widths per (segment, column), segments left to right
    widths: dict[tuple[Any, int], float] = defaultdict(float)
    for k, (seg, c) in col.items():
        widths[(seg, c)] = max(widths[(seg, c)], size[k][0] if scene.nodes[k].visible else 0.0)
    x_of: dict[tuple[Any, int], float] = {}
    spans: dict[Any, tuple[float, float]] = {}
    x = 0.0
    shown = {n.segment for n in scene.nodes.values() if n.visible}
    for seg, _ in scene.segments:
        cols = sorted(c for s, c in widths if s == seg)
        if not cols or seg not in shown:  # a block with nothing to show takes no room
            continue
        start = x
        x += pad + (1.6 * font * 1.125 if transpose else 0.0)  # (turned: the caption sits above the nodes)
        for c in range(cols[-1] + 1):
            w = widths.get((seg, c), 0.0)
            x_of[(seg, c)] = x + w / 2
            x += w + hgap
        x += pad - hgap
        caption = 0.0 if transpose else text_width(dict(scene.segments).get(seg, ""), font + 1) + 2 * pad
        if x - start < caption:  # the block is at least as wide as its caption
            shift = (caption - (x - start)) / 2
            for c in cols:
                x_of[(seg, c)] += shift
            x = start + caption
        spans[seg] = (start, x)
        x += seg_gap
    # rows: bands top to bottom, every row as tall as its tallest node
    heights: dict[tuple[str, int], float] = {}
    for k, (band, r) in row.items():
        if scene.nodes[k].visible:  # rows with nothing visible take no room
            heights[(band, r)] = max(heights.get((band, r), 0.0), size[k][1])
    order = ([("above", r) for r in sorted({r for b, r in heights if b == "above"}, reverse=True)]
             + [("main", r) for r in sorted({r for b, r in heights if b == "main"})]
             + [("back", r) for r in sorted({r for b, r in heights if b == "back"})]
             + [("below", r) for r in sorted({r for b, r in heights if b == "below"})])
    y_of: dict[tuple[str, int], float] = {}
    label_h = 0.0 if transpose else 1.6 * font * 1.125 + pad  # room for the segment's caption
    y = label_h + pad
    for i, key in enumerate(order):
        if i and key[0] == "back" and order[i - 1][0] != "back":
            y += 1.2 * font  # a little more room between the forward and the backward rows
        y_of[key] = y + heights[key] / 2
        y += heights[key] + vgap
    height = y - vgap + pad
    pos = {k: (x_of[col[k]], y_of[row[k]]) for k in scene.nodes if scene.nodes[k].visible}
    clusters = [(seg, caption, (spans[seg][0], 0.0, spans[seg][1], height)) for seg, caption in scene.segments
                if seg in spans]
    return Layout(pos, page, clusters, max(x - seg_gap, 1.0), height, font, transpose)


def fitted_layout(scene: Scene, fit: tuple[float, float] | None = SLIDE, transpose: bool = False) -> Layout:
    """The layout at the largest font of 8, 7.5 and 7 pt whose picture fits ``fit`` (else 7 pt)."""
    lay = layout(scene, _FONTS[0], transpose)
    for font in _FONTS[1:]:
        width, height = lay.page_size
        if fit is None or (width <= fit[0] and height + _title_height(scene, lay.font) <= fit[1]):
            break
        if width > 1.5 * fit[0] or height > 1.5 * fit[1]:  # a smaller font will not make it fit
            break
        lay = layout(scene, font, transpose)
    return lay


def _title_height(scene: Scene, font: float) -> float:
    """About how tall the title and the legend under the picture are."""
    rows = 2 * len(scene.title) + (2 + 2 * len(scene.notes) if scene.legend or scene.notes else 0)
    return 1.4 * (font + 3) * rows


# ============================================================================= drawing


def draw_scene(scene: Scene, name: str = "computation", fit: tuple[float, float] | None = SLIDE,
               rankdir: str = "LR") -> Any:
    """The ``graphviz.Digraph`` of ``scene``, laid out (see the module docstring); ``rankdir="TB"``
    turns the picture a quarter turn: the layers then follow each other downwards."""
    lay = fitted_layout(scene, fit, transpose=rankdir == "TB")
    g = digraph(name, positioned=True)
    font = lay.font
    g.attr(splines="ortho", outputorder="edgesfirst", fontname=FONT, fontsize=f"{font + 3:g}")
    if scene.title:  # the title no wider than the picture (a slide's third at least)
        wrapped = [r for t in scene.title for r in _wrap(t, max(lay.page_size[0], 320.0), font + 3)]
        g.attr(label=lines(*wrapped), labelloc="t")
    g.attr("node", fontname=FONT, fontsize=f"{font:g}", fixedsize="true", margin="0.02,0.01")
    g.attr("edge", fontname=FONT, fontsize=f"{font:g}", arrowsize="0.6", color=COLOURS["forward edge"])

    def place(x: float, y: float) -> tuple[float, float]:
        return (y, -x) if rankdir == "TB" else (x, -y)  # graphviz's y grows upwards

    members: dict[Any, list[str]] = defaultdict(list)
    for k, n in scene.nodes.items():
        members[n.segment].append(k)
    for seg, caption, (x0, y0, x1, y1) in lay.clusters:
        if not caption:  # a block without a caption is not boxed (group_layers=False)
            continue
        (ax, ay), (bx, by) = place(x0, y0), place(x1, y1)
        with g.subgraph(name=f"cluster_{seg}") as c:
            c.attr(label=lines(caption), style="rounded", color="#adb5bd", fontsize=f"{font + 1:g}",
                   bb=f"{min(ax, bx):.1f},{min(ay, by):.1f},{max(ax, bx):.1f},{max(ay, by):.1f}", labelloc="t")
            for k in members.pop(seg, []):
                _node(c, scene.nodes[k], lay, place)
    for keys in members.values():
        for k in keys:
            _node(g, scene.nodes[k], lay, place)
    for e in scene.edges:
        if scene.nodes[e.tail].visible and scene.nodes[e.head].visible:
            g.edge(e.tail, e.head, **e.attrs)
    if scene.legend or scene.notes:
        _legend(g, scene, lay)
    return g


def _node(g: Any, n: Node, lay: Layout, place: Any) -> None:
    if not n.visible:
        return
    x, y = place(*lay.pos[n.id])
    w, h = lay.size[n.id]
    attrs = {"shape": n.shape, "label": lines(*n.text), "pos": f"{x:.1f},{y:.1f}", "width": f"{w / 72:.3f}",
             "height": f"{h / 72:.3f}", "id": n.id, **n.attrs}
    if n.scale != 1.0:
        attrs["fontsize"] = f"{lay.font * n.scale:g}"
    g.node(n.id, **attrs)


def _legend(g: Any, scene: Scene, lay: Layout) -> None:
    """The legend under the picture (on the page, whichever way the picture runs): one sample box
    per kind of node, then the notes, each wrapped to the picture's width."""
    # (no box edge shared with another's: dot's edge router asserts on boxes that touch at x = 0)
    font = lay.font
    page_w, page_h = lay.page_size

    def place(x: float, y: float) -> tuple[float, float]:
        return x, -y

    x = font / 2
    y = page_h + (2.2 * font if scene.legend else 0.0)
    for text, attrs in scene.legend:
        w = text_width(text, font) + 2 * font
        px, py = place(x + w / 2, y)
        g.node(f"legend_{len(g.body)}", text, pos=f"{px:.1f},{py:.1f}", width=f"{w / 72:.3f}",
               height=f"{2.2 * font / 72:.3f}", **attrs)
        x += w + font
    width = max(page_w, 300.0) - 1.5 * font
    rows = [r for note in scene.notes for r in _wrap(note, 0.9 * width, font)]  # (room for the estimate's error)
    for i, note in enumerate(rows):  # left-justified lines ("\\l") as wide as the picture
        # its left edge 3/4 of a font in: never the boxes' (1/2), which dot's router cannot take
        px, py = place(0.75 * font + width / 2, y + (i + 1.3) * 1.6 * font)
        g.node(f"legend_note{i}", esc(printable(note)) + "\\l", shape="plaintext", pos=f"{px:.1f},{py:.1f}",
               width=f"{width / 72:.3f}", height=f"{1.4 * font / 72:.3f}", fontcolor="#495057")


def _wrap(note: str, width: float, font: float) -> list[str]:
    """``note`` in lines no wider than ``width`` points."""
    out, line = [], ""
    for word in note.split():
        if line and text_width(line + " " + word, font) > width:
            out.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return out + [line] if line else out
