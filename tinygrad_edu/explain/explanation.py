"""What :func:`tinygrad_edu.explain` returns: the backward pass as equations (:class:`Step`), that
prints as text, shows as maths in Jupyter, and proves itself: :meth:`Explanation.check` computes
every equation with numpy from the values the forward pass recorded and compares it with the
gradient the engine computed for its left-hand side."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..symbolic import LECTURE, Expr, Style

__all__ = ["Step", "Explanation", "CheckResult", "paused_gc"]

_LATEX_LINES = 120  # more lines than this are left to the text


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """The cycle collector paused: explaining and checking build several objects per op of a graph
    that holds no cycles, and a large graph would otherwise be traversed over and over."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass(frozen=True)
class Step:
    """One equation: ``target = expr``.

    Attributes:
        target: the left-hand side as printed (``dZ[2]``, ``dx₁``).
        expr: the right-hand side (:class:`~tinygrad_edu.symbolic.Expr`).
        shape: the shape of the target.
        ops: the op(s) of the graph this equation comes from (``("matmul",)``).
        key: the target's key among the values (``("grad", i)``: the gradient of tensor i).
        partial: True for one of several contributions to a gradient (a later step adds them up).
        shape_text: the shape as the trailing comment shows it (``(n[2], m) = (1, 4)``).
        style: how the explanation writes it (set by :class:`Explanation`).

    ``step.equation`` is the line as ``print(explanation)`` shows it (without the shape comment).
    """

    target: str
    expr: Expr
    shape: tuple[int, ...]
    ops: tuple[str, ...]
    key: Any
    partial: bool = False
    shape_text: str = ""
    style: Style = field(default=LECTURE, compare=False)

    def text(self, style: Style) -> str:
        return f"{self.target} = {self.expr.text(style)}"

    @property
    def equation(self) -> str:
        return self.text(self.style)

    def __repr__(self) -> str:
        return f"Step({self.equation!r}, shape={self.shape}, ops={self.ops})"

    def latex(self, latex_target: str, style: Style) -> str:
        return rf"{latex_target} &= {self.expr.latex(style)}"


@dataclass
class CheckResult:
    """:meth:`Explanation.check`: per printed line, the worst relative difference between the line
    computed with numpy and the engine's gradient (None for a partial contribution, which is
    checked in the line that adds it up)."""

    lines: list[tuple[str, float | None]]

    @property
    def worst(self) -> float:
        return max((r for _, r in self.lines if r is not None), default=0.0)

    def __str__(self) -> str:
        width = max((len(t) for t, _ in self.lines), default=0)
        rows = [f"{t:<{width}}  {'(added up below)' if r is None else f'{r:.1e}'}" for t, r in self.lines]
        return "\n".join(rows + [f"worst relative difference: {self.worst:.1e}"])


@dataclass
class Explanation:
    """The backward pass of some J as equations. ``str()`` is the text (a header, then one line per
    quantity); ``steps`` the records; ``check()`` the proof."""

    level: str
    header: list[str]
    steps: list[Step]
    style: Style
    values: Callable[[], dict[Any, np.ndarray]] = field(repr=False)
    notes: list[str] = field(default_factory=list)
    latex_names: dict[str, str] = field(default_factory=dict, repr=False)
    shapes: bool = False

    def __post_init__(self) -> None:
        for step in self.steps:  # each record writes itself as the text does
            object.__setattr__(step, "style", self.style)

    def lines(self) -> list[str]:
        """The equations, one per line (with the shapes as comments when asked for)."""
        texts = [s.text(self.style) for s in self.steps]
        if not self.shapes:
            return texts
        width = max((len(t) for t in texts), default=0)
        return [f"{t:<{width}}  # {s.shape_text or s.shape}" for t, s in zip(texts, self.steps)]

    def __str__(self) -> str:
        return "\n".join(self.header + [""] + self.lines() + ([""] + self.notes if self.notes else []))

    def __repr__(self) -> str:
        return f"<Explanation: {len(self.steps)} equations at {self.level} level>"

    def _latex_block(self) -> str:
        from ..symbolic import _latex_name

        rows = [s.latex(self.latex_names.get(s.target) or _latex_name(s.target), self.style)
                for s in self.steps[:_LATEX_LINES]]
        more = len(self.steps) - _LATEX_LINES
        if more > 0:
            rows.append(rf"&\text{{... {more} more lines: print() the explanation}}")
        return "$$\\begin{aligned}\n" + " \\\\\n".join(rows) + "\n\\end{aligned}$$"

    def _repr_latex_(self) -> str:
        return self._latex_block()

    def _repr_markdown_(self) -> str:
        notes = "\n\n".join(self.notes)
        return "\n\n".join(["\n".join(self.header), self._latex_block()] + ([notes] if notes else []))

    def check(self) -> CheckResult:
        """Compute every equation with numpy from the forward pass's values and compare it with
        the engine's gradient (see :class:`CheckResult`)."""
        with paused_gc():
            return self._check()

    def _check(self) -> CheckResult:
        values = dict(self.values())
        out: list[tuple[str, float | None]] = []
        for step in self.steps:
            rhs = np.asarray(step.expr.evaluate(values), dtype=np.float64)
            text = step.text(self.style)
            if step.partial:
                values[step.key] = rhs
                out.append((text, None))
                continue
            lhs = np.asarray(values[step.key], dtype=np.float64)
            out.append((text, relative_difference(lhs, rhs)))
        return CheckResult(out)


def relative_difference(engine: np.ndarray, line: np.ndarray) -> float:
    """max |engine - line| / max |engine| (0 when both are 0; inf when the shapes differ: a line
    that is one number stands for every entry)."""
    if line.shape != engine.shape and line.size != 1:
        return float("inf")
    diff = np.broadcast_to(line, engine.shape) - engine
    scale = float(np.max(np.abs(engine))) if engine.size else 0.0
    worst = float(np.max(np.abs(diff))) if diff.size else 0.0
    if scale == 0.0:
        return 0.0 if worst == 0.0 else float("inf")
    return worst / scale
