"""What :func:`~tinygrad_edu.check.compare_gradients` returns: one row per layer and quantity,
the recognised mistakes, and the report that prints them."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..lecture import CONVENTION, equation
from ..runner import Failure

__all__ = ["CONVENTION", "GradientRow", "Finding", "GradientReport"]


@dataclass(frozen=True)
class GradientRow:
    """One quantity of one layer.

    Attributes:
        layer: l.
        quantity: ``"dZ[l]"``, ``"dA[l-1]"``, ``"dW[l]"`` or ``"db[l]"`` (with numbers).
        kind: ``"dZ"``, ``"dA"``, ``"dW"`` or ``"db"``.
        shape: the shape of autograd's value (in the lecture's convention).
        other_shape: the shape of the manual / learner value (None when not available).
        max_abs_diff: max |autograd - manual| (nan when the shapes differ or a value is missing).
        max_rel_diff: max_abs_diff / max |autograd value| (0 when both are 0).
        ok: True when they agree, False when they do not, None when not compared.
        note: why a row is not compared, or other remarks.
    """

    layer: int
    quantity: str
    kind: str
    shape: tuple[int, ...]
    other_shape: tuple[int, ...] | None
    max_abs_diff: float
    max_rel_diff: float
    ok: bool | None
    note: str = ""


@dataclass(frozen=True)
class Finding:
    """A recognised mistake: in ``layer``, ``quantity`` is wrong because of ``kind``, one of the
    codes of :data:`tinygrad_edu.check.MISTAKES` (which says what each one means)."""

    layer: int
    quantity: str
    kind: str
    message: str
    equation: str

    def __str__(self) -> str:
        return f"layer {self.layer}, {self.quantity}: {self.message}\n    It should be: {self.equation}"


@dataclass
class GradientReport:
    """The result of :func:`compare_gradients`.

    Attributes:
        rows: one :class:`GradientRow` per layer and quantity, layer L first (backward order).
        against: what autograd was compared with: ``"the lecture's equations"`` or ``"your backward"``.
        layer_dims, activations, m: the network and the number of examples.
        findings: the recognised mistakes (learner's backward only).
        first_bad_layer: the first layer, going backward from L, whose values disagree (or None).
        error: why the learner's backward returned nothing, in one line (or None).
        notes: remarks on the inputs, e.g. A[L] rounding to exactly 0 or 1.
        failure: the same in full: what happened, where in the learner's code, in which layer,
            and a hint (a :class:`~tinygrad_edu.runner.Failure`, or None).
        output: what the learner's code printed, when it ran in its own process.
        status: how the learner's code ended (one of :data:`~tinygrad_edu.runner.STATUSES`), when
            it ran in its own process; None otherwise.
    """

    rows: list[GradientRow]
    against: str
    layer_dims: list[int]
    activations: list[str]
    m: int
    findings: list[Finding] = field(default_factory=list)
    first_bad_layer: int | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    failure: Failure | None = None
    output: str = ""
    status: str | None = None

    @property
    def ok(self) -> bool:
        """True when every compared row agrees and nothing failed."""
        return self.error is None and all(r.ok is not False for r in self.rows)

    @property
    def diagnosis(self) -> str | None:
        """None when everything agrees; otherwise what went wrong, where, and the right equation."""
        if self.ok:
            return None
        lines: list[str] = list(self.notes)
        if self.failure is not None:
            raised = self.failure.status in ("raised", "memory")
            lines.append(("Your backward raised " if raised else "Your backward failed: ") + str(self.failure))
        elif self.error is not None:
            lines.append(f"Your backward failed: {self.error}")
        if self.first_bad_layer is not None:
            L = len(self.layer_dims) - 1
            bad = [r.quantity for r in self.rows if r.layer == self.first_bad_layer and r.ok is False]
            lines.append(
                f"Layer {self.first_bad_layer} is the first layer that disagrees, going backward from layer L = {L} "
                f"({', '.join(bad)})."
            )
        if self.findings:
            lines.append("What went wrong:")
            lines += [f"  - {f}" for f in self.findings]
        elif self.error is None:
            lines.append("No classic mistake matches; compare your code with the equations of lecture 4.2: "
                         + "; ".join(equation(k) for k in ("dZ", "dW", "db", "dA")))
        return "\n".join(lines)

    def __str__(self) -> str:
        L = len(self.layer_dims) - 1
        head = [
            f"Autograd vs {self.against}: layer_dims = {self.layer_dims} (L = {L}), activations = "
            f"{self.activations}, m = {self.m}",
            CONVENTION,
        ]
        other = "yours" if self.against == "your backward" else "equations"
        cols = ["quantity", "shape", f"{other} shape", "max |diff|", "max rel diff", "ok"]
        body = [_cells(r) for r in self.rows]
        widths = [max(len(c), *(len(row[i]) for row in body)) if body else len(c) for i, c in enumerate(cols)]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths)
        table = [fmt.format(*cols).rstrip(), fmt.format(*("-" * w for w in widths))]
        table += [fmt.format(*row).rstrip() for row in body]
        if self.failure is not None:  # nothing was returned: a table of empty rows would say nothing more
            table = []
        verdict = ["All gradients agree." if self.ok else "Gradients DISAGREE." if self.failure is None else
                   "No gradients to compare."]
        if not self.ok:
            verdict.append(self.diagnosis or "")
        elif self.notes:
            verdict += self.notes
        return "\n".join(head + [""] + (table + [""] if table else []) + verdict)


def _cells(r: GradientRow) -> list[str]:
    okstr = "ok" if r.ok else ("--" if r.ok is None else "WRONG")
    return [
        r.quantity,
        str(r.shape),
        "-" if r.other_shape is None else str(r.other_shape),
        "-" if np.isnan(r.max_abs_diff) else f"{r.max_abs_diff:.2e}",
        "-" if np.isnan(r.max_rel_diff) else f"{r.max_rel_diff:.2e}",
        okstr + (f"  ({r.note})" if r.note else ""),
    ]
