"""A small reader of the DOT text the graphviz package writes, for tests of the pictures' structure
(nodes with their attributes, edges, which cluster holds which node) and of rendered SVG."""

from __future__ import annotations

import re

_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^\s\]]+)')
_NODE = re.compile(r"^\s*(\w+) \[(.*)\]$")
_EDGE = re.compile(r"^\s*(\w+) -> (\w+)(?: \[(.*)\])?$")


def _attrs(text: str | None) -> dict[str, str]:
    out = {}
    for k, v in _ATTR.findall(text or ""):
        if v.startswith('"'):
            v = v[1:-1].replace('\\"', '"')
        out[k] = v.replace("\\n", "\n").replace("\\l", "")
    return out


class Dot:
    """Nodes, edges and clusters of a DOT text as written by the graphviz package."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.nodes: dict[str, dict[str, str]] = {}
        self.edges: list[tuple[str, str, dict[str, str]]] = []
        self.cluster_of: dict[str, str] = {}
        self.graph_label = ""
        clusters: list[str] = []
        for line in source.splitlines():
            s = line.strip()
            if s.startswith("subgraph"):
                clusters.append("")
                continue
            if s == "}":
                if clusters:
                    clusters.pop()
                continue
            m = _EDGE.match(line)
            if m:
                self.edges.append((m.group(1), m.group(2), _attrs(m.group(3))))
                continue
            m = _NODE.match(line)
            if m and m.group(1) not in ("node", "edge", "graph"):
                self.nodes[m.group(1)] = _attrs(m.group(2))
                if clusters and clusters[-1]:
                    self.cluster_of[m.group(1)] = clusters[-1]
                continue
            a = _attrs(s)
            if "label" in a and "=" in s.split()[0]:  # a graph's or a cluster's attributes
                if clusters:
                    clusters[-1] = a["label"]
                else:
                    self.graph_label = a["label"]

    def label(self, nid: str) -> str:
        return self.nodes[nid].get("label", nid)

    def first(self, nid: str) -> str:
        return self.label(nid).split("\n")[0]

    def by_first_line(self, text: str) -> list[str]:
        return [n for n in self.nodes if self.first(n) == text]

    def one(self, text: str) -> str:
        found = self.by_first_line(text)
        assert len(found) == 1, (text, found)
        return found[0]

    def boxes(self) -> list[str]:
        return [n for n, a in self.nodes.items() if a.get("shape") == "box" and not n.startswith("legend")]

    def ellipses(self) -> list[str]:
        return [n for n, a in self.nodes.items() if a.get("shape") == "ellipse" and not n.startswith("legend")]

    def pos(self, nid: str) -> tuple[float, float]:
        x, y = self.nodes[nid]["pos"].split(",")[:2]
        return float(x), float(y)

    def flows(self) -> list[tuple[str, str, dict[str, str]]]:
        """Edges as the arrows are drawn: dir=back reverses the arrow."""
        return [(b, a, at) if at.get("dir") == "back" else (a, b, at) for a, b, at in self.edges]


def svg_size_and_fonts(svg: str) -> tuple[float, float, float]:
    """(width pt, height pt, smallest font size as displayed) of an SVG written by Graphviz: the
    font sizes in the file are multiplied by the scale of the drawing's transform."""
    w, h = (float(v) for v in re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups())
    scale = float(re.search(r"scale\(([\d.]+)", svg).group(1))
    fonts = [float(f) for f in re.findall(r'font-size="([\d.]+)"', svg)]
    return w, h, min(fonts) * scale
