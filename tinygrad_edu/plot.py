"""Cost plots (matplotlib) and a progress bar (tqdm), both optional: ``pip install "tinygrad-edu[plot]"``.

Lecture 4.7 says applied deep learning is empirical (Idea -> Code -> Experiment): train, then look
at the cost J over the iterations. :func:`cost_figure` draws one or several cost curves on one
plot, :func:`save_cost_plot` writes it to a file, :func:`save_cost_csv` writes the numbers; every
file is written atomically through :mod:`tinygrad_edu.files` (:func:`save_figure` for any Figure).

matplotlib is imported only inside these functions, never at import time, so ``import
tinygrad_edu.plot`` works with numpy alone; a missing matplotlib raises an ImportError that says
what to install. The figures are made without ``pyplot`` (a plain ``matplotlib.figure.Figure``),
so they work in scripts, worker processes and notebooks alike and never open a window.

:func:`progress` gives a progress bar showing the current cost: tqdm's when tqdm is installed, a
plain one-line-per-tenth text fallback otherwise.

    >>> from tinygrad_edu.plot import save_cost_plot
    >>> save_cost_plot({"α = 0.01": history}, "costs.png")        # doctest: +SKIP
"""

from __future__ import annotations

import csv
import importlib
import math
import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TextIO

from .errors import message, missing_extra
from .files import atomic_open
from .train import TrainHistory

__all__ = [
    "Curve",
    "matplotlib_available",
    "tqdm_available",
    "cost_figure",
    "save_cost_plot",
    "save_cost_csv",
    "save_figure",
    "line_figure",
    "progress",
    "Progress",
]


#: one cost curve: a TrainHistory, or a pair (iterations, costs)
Curve = TrainHistory | tuple[Sequence[float], Sequence[float]]


def _importable(name: str) -> bool:
    try:
        importlib.import_module(name)
    except ImportError:
        return False
    return True


def matplotlib_available() -> bool:
    """Whether matplotlib can be imported (the ``plot`` extra)."""
    return _importable("matplotlib.figure")


def tqdm_available() -> bool:
    """Whether tqdm can be imported (the ``plot`` extra)."""
    return _importable("tqdm")


def _figure_class() -> Any:
    """``matplotlib.figure.Figure``, or an ImportError naming the extra to install."""
    try:
        from matplotlib.figure import Figure
    except ImportError as e:
        raise ImportError(missing_extra("cost plot", "matplotlib", "plot")) from e
    return Figure


def _xy(curve: Curve, label: str) -> tuple[list[float], list[float]]:
    if isinstance(curve, TrainHistory):
        return [float(i) for i in curve.iterations], [float(c) for c in curve.costs]
    try:
        xs, ys = curve
        x, y = [float(v) for v in xs], [float(v) for v in ys]
    except (TypeError, ValueError):
        raise TypeError(message("cost plot", f"curve {label!r} must be a TrainHistory or a pair (iterations, "
                                             f"costs), got {type(curve).__name__}")) from None
    if len(x) != len(y):
        raise ValueError(message("cost plot", f"curve {label!r} has {len(x)} iterations but {len(y)} costs"))
    return x, y


def _curves(curves: Curve | Mapping[str, Curve]) -> dict[str, tuple[list[float], list[float]]]:
    if isinstance(curves, Mapping):
        items = list(curves.items())
    else:
        items = [("cost J", curves)]
    if not items:
        raise ValueError(message("cost plot", "no curves given"))
    return {str(label): _xy(c, str(label)) for label, c in items}


def cost_figure(
    curves: Curve | Mapping[str, Curve],
    title: str | None = None,
    log: bool = False,
    xlabel: str = "iteration",
    ylabel: str = "cost J",
) -> Any:
    """A matplotlib Figure with the cost J against the iteration, one line per curve.

    Args:
        curves: one :class:`~tinygrad_edu.train.TrainHistory` (or pair ``(iterations, costs)``),
            or a mapping ``label -> curve`` drawn on the same axes, e.g. one per learning rate.
        title: the caption. log: a logarithmic cost axis (useful when the curves span decades).

    A curve whose cost became inf or nan (a learning rate that diverged) is drawn up to the last
    finite value and its label says "diverged". Returns the Figure (``fig.savefig(path)``).
    """
    data = _curves(curves)
    fig, ax = _axes()
    for label, (x, y) in data.items():
        k = next((i for i, v in enumerate(y) if not math.isfinite(v)), len(y))  # the first inf/nan, if any
        ax.plot(x[:k], y[:k], label=label + ("  (diverged)" if k < len(y) else ""))
    return _finish(fig, ax, title, xlabel, ylabel, log, legend=len(data) > 1 or next(iter(data)) != "cost J")


def _axes() -> tuple[Any, Any]:
    """A new Figure (without pyplot, so nothing global changes) and its one set of axes."""
    fig = _figure_class()(figsize=(7.0, 4.5), dpi=100)
    return fig, fig.add_subplot(1, 1, 1)


def _finish(fig: Any, ax: Any, title: str | None, xlabel: str, ylabel: str, log: bool, legend: bool) -> Any:
    """The labels, scale, grid and legend every figure of this module shares."""
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title, fontsize=10)
    ax.grid(True, alpha=0.3)
    if legend:
        ax.legend()
    fig.tight_layout()
    return fig


def save_cost_plot(
    curves: Curve | Mapping[str, Curve],
    path: str | os.PathLike[str],
    title: str | None = None,
    log: bool = False,
    *,
    dpi: float | None = None,
    width: int | None = None,
) -> Path:
    """Write :func:`cost_figure` to ``path`` (PNG, SVG or PDF from the suffix); returns the path.
    For a PNG, ``dpi`` sets the resolution (100 by default: 700 x 450 pixels) or ``width`` the
    width in pixels (the 7 x 4.5 inch figure then gets the resolution that makes it that wide)."""
    path = Path(path)
    if (dpi is not None or width is not None) and path.suffix.lower() != ".png":
        raise ValueError(message("save_cost_plot", f"dpi and width set the resolution of a PNG, not of "
                                                   f"{path.suffix or 'a file without suffix'}", "write a .png"))
    if dpi is not None and width is not None:
        raise ValueError(message("save_cost_plot", "give dpi or width, not both (width in pixels sets the dpi)"))
    fig = cost_figure(curves, title=title, log=log)
    if width is not None:
        dpi = width / fig.get_size_inches()[0]
    return save_figure(fig, path, dpi)


def save_figure(fig: Any, path: str | os.PathLike[str], dpi: float | None = None) -> Path:
    """Write a matplotlib Figure to ``path`` in the format of its suffix (``.png``, ``.svg``,
    ``.pdf``; PNG without a suffix), atomically (:func:`tinygrad_edu.files.atomic_open`: complete
    or not at all); ``dpi``: the resolution (default the figure's). Returns the path."""
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower() or "png"  # (as matplotlib: PNG without a suffix)
    supported = fig.canvas.get_supported_filetypes()
    if fmt not in supported:
        raise ValueError(message("save_figure", f"cannot write a plot as {str(path)!r}: unknown suffix "
                                                f"{path.suffix or '(none)'}", f"use one of .{', .'.join(supported)}"))
    with atomic_open(path) as f:
        fig.savefig(f, format=fmt, dpi=dpi if dpi is not None else "figure")
    return path


def save_cost_csv(curves: Curve | Mapping[str, Curve], path: str | os.PathLike[str]) -> Path:
    """Write the curves as CSV: header ``iteration,cost`` for a single curve, otherwise
    ``label,iteration,cost`` with one row per recorded iteration of each curve. Atomically, as
    :func:`save_figure`."""
    data = _curves(curves)
    path = Path(path)
    single = not isinstance(curves, Mapping)
    with atomic_open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["iteration", "cost"] if single else ["label", "iteration", "cost"])
        for label, (x, y) in data.items():
            for i, c in zip(x, y):
                row = [int(i), repr(c)]
                w.writerow(row if single else [label, *row])
    return path


def line_figure(
    series: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    title: str | None = None,
    xlabel: str = "",
    ylabel: str = "",
    log: bool = False,
    markers: bool = True,
) -> Any:
    """A Figure with one line per ``label -> (x, y)`` (e.g. hidden units needed against n)."""
    fig, ax = _axes()
    for label, (x, y) in series.items():
        ax.plot(list(x), list(y), marker="o" if markers else None, label=label)
    return _finish(fig, ax, title, xlabel, ylabel, log, legend=True)


# ============================================================================ progress


class Progress:
    """A progress bar over ``total`` iterations showing the current cost.

    ``update(i, cost)`` is meant as :func:`tinygrad_edu.train.train`'s ``callback``: it is called
    after iteration i (0-based). With tqdm installed (and ``plain=False``) tqdm draws the bar;
    otherwise one plain line is printed at every tenth of the way. ``close()`` ends it.
    """

    def __init__(self, total: int, desc: str = "training", file: TextIO | None = None, plain: bool = False) -> None:
        self.total = max(int(total), 0)
        self.desc = desc
        self.file = file if file is not None else sys.stderr
        self._bar: Any = None
        self._next = max(1, self.total // 10)  # plain: print at every tenth of the way
        if not plain and tqdm_available():
            from tqdm import tqdm

            self._bar = tqdm(total=self.total, desc=desc, file=self.file, unit="it", dynamic_ncols=True, leave=True)

    def update(self, i: int, cost: float) -> None:
        done = i + 1
        if self._bar is not None:
            self._bar.update(done - self._bar.n)
            if done == self.total or done % max(1, self.total // 100) == 0:
                self._bar.set_postfix_str(f"cost J = {cost:.6f}", refresh=False)
            return
        if done >= self._next or done == self.total:
            width = 30
            filled = int(width * done / self.total) if self.total else width
            print(f"{self.desc} [{'#' * filled}{'.' * (width - filled)}] {done}/{self.total}  cost J = {cost:.6f}",
                  file=self.file, flush=True)
            self._next = done + max(1, self.total // 10)

    __call__ = update

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def progress(total: int, desc: str = "training", file: TextIO | None = None, plain: bool = False) -> Progress:
    """A :class:`Progress` bar; use ``callback=bar.update`` in :func:`tinygrad_edu.train.train`."""
    return Progress(total, desc, file, plain)
