"""The look of every picture: the colour legend, fonts, the DOT text escaping, and the
``graphviz.Digraph`` every drawing function returns (which shows itself inline in Jupyter)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ..errors import missing_extra
from .render import render_bytes

__all__ = ["COLOURS", "RED_TEXT", "FONT", "graphviz_module", "digraph", "text", "esc", "lines", "legend"]

#: fill / line colours of the pictures (see the legend in the package docstring)
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
RED_TEXT = "#b00020"
FONT = "Helvetica"


def graphviz_module() -> Any:
    """The ``graphviz`` Python package, imported only when a picture is made."""
    try:
        import graphviz
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(missing_extra("tinygrad_edu.viz", "graphviz", "viz", "or pip install graphviz")) from None
    return graphviz


_DIGRAPH_CLASS: Any = None


def _digraph_class() -> Any:
    """``graphviz.Digraph`` with one change: Jupyter's inline SVG is made by :func:`render`'s
    renderer, so a picture shows in a notebook even without Graphviz's ``dot`` installed."""
    global _DIGRAPH_CLASS
    if _DIGRAPH_CLASS is None:
        graphviz = graphviz_module()

        class LectureDigraph(graphviz.Digraph):  # type: ignore[misc, valid-type]
            """A ``graphviz.Digraph`` (everything works as documented there) whose inline display
            in Jupyter falls back to the WebAssembly Graphviz when ``dot`` is not installed.
            ``layout_engine`` is the Graphviz layout it needs: ``"nop2"`` for the pictures whose
            nodes this package placed itself (Graphviz then only routes the edges)."""

            layout_engine: str | None = None

            def _repr_image_svg_xml(self) -> str:
                engine = self.layout_engine or self.engine
                return render_bytes(self.source, "svg", engine).decode("utf-8")

        _DIGRAPH_CLASS = LectureDigraph
    return _DIGRAPH_CLASS


def digraph(name: str, rankdir: str = "LR", title: str | None = None, n_nodes: int = 10,
            positioned: bool = False) -> Any:
    """A new picture with the package's fonts and sizes; ``positioned``: one whose nodes carry
    their ``pos`` (rendered with Graphviz's ``nop2`` layout, which only routes the edges)."""
    g = _digraph_class()(name)
    if positioned:
        g.layout_engine = "nop2"
        return g
    # the image size follows the node count: up to 1.5 inch per node along each side (at most 200
    # inches), so a large graph gets a large canvas instead of being shrunk into unreadable dots;
    # dot only ever shrinks a picture to fit ``size``, so small graphs keep their natural size
    side = min(200.0, 4.0 + 1.5 * n_nodes)
    g.attr(rankdir=rankdir, fontname=FONT, size=f"{side:.0f},{side:.0f}", nodesep="0.25", ranksep="0.35")
    if title:
        g.attr(label=title, labelloc="t", fontsize="16")
    g.attr("node", fontname=FONT, fontsize="11")
    g.attr("edge", fontname=FONT, fontsize="9", color=COLOURS["forward edge"])
    return g


# control characters and the characters XML forbids (U+FFFE, U+FFFF, the non-characters U+FDD0-FDEF)
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f\ufdd0-\ufdef\ufffe\uffff]")


def text(value: object) -> str:
    """Any name as printable text: ``str()`` of a non-string, control characters (a NUL, an escape)
    written as ``\\x00``, lone surrogates as ``\\ud800``, so that DOT, SVG and HTML all take it."""
    s = value if isinstance(value, str) else str(value)
    s = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 256 else f"\\u{ord(m.group()):04x}", s)
    return s.encode("utf-8", "backslashreplace").decode("utf-8")


def esc(s: str) -> str:
    """Text for a DOT label: quotes are escaped by graphviz; a backslash is kept as text and a
    newline becomes a line break."""
    return s.replace("\\", "\\\\").replace("\n", "\\n")


def lines(*texts: str) -> str:
    """Several lines of text as one DOT label (empty ones left out); each line made printable by
    :func:`text` and escaped for DOT (a newline inside a name becomes a line break)."""
    return "\\n".join(esc(text(x)) for x in texts if x)


def legend(g: Any, kinds: Iterable[str], backward: bool) -> None:
    """A cluster "legend" with one box per kind of node drawn (and a note on the red arrows)."""
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
                       color=COLOURS["backward edge"], fontcolor=RED_TEXT)
            else:
                c.node(nid, k, shape="box", style="filled", fillcolor=COLOURS[k])
        for a, b in zip(names, names[1:]):
            c.edge(a, b, style="invis")
        if backward:
            c.node("legend_note", "red arrows: backward\\n(dW[l], db[l] as in the lecture;\\n"
                   "dZ[l], dA[l] are the lecture's / m)", shape="plaintext", fontcolor=RED_TEXT, fontsize="9")
            c.edge(names[-1], "legend_note", style="invis")
