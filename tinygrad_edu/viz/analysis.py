"""What a picture needs to know about a recorded graph, worked out once: the lecture's structure
(:func:`tinygrad_edu.recognise.recognise`: layers, X, W[l], b[l], Z[l], A[l], Y, J and a name for
every tensor), each tensor's kind, which edges carry a gradient (from the engine's own backward
schedule, :func:`tinygrad_edu.graph.backward_order`), and what each op keeps for its backward
step (its declared cache, :meth:`tinygrad_edu.tensor.Function.saved`)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..graph import backward_order
from ..recognise import Anatomy, recognise
from ..tensor import Tensor
from .style import text

__all__ = ["Group", "Info", "analyse", "shape_text", "summary", "op_text", "group_label", "group_key",
           "not_computed_note"]

Group = int | str | None  # layer number, "cost", or None (no group)


def shape_text(shape: tuple[int, ...], m: int | None) -> str:
    """``(5, 10)``; with a symbolic ``m``, a last axis of that length is written ``m``."""
    if len(shape) == 0:
        return "scalar"
    parts = [str(s) for s in shape]
    if m is not None and len(shape) == 2 and shape[-1] == m:
        parts[-1] = "m"
    return "(" + ", ".join(parts) + (",)" if len(parts) == 1 else ")")


def op_text(t: Tensor) -> str:
    """What an op ellipse says: the op's symbol or name, or its expression when a number is part
    of it (``x * 0.01``, ``1 - x``)."""
    ctx = t._ctx
    if ctx is None:
        return ""
    described = ctx.describe()
    if described != ctx.name:
        return described
    return ctx.symbol or ctx.name.replace("_", "-")  # (matmul's symbol is "@")


def wrap(label: str, width: int = 22) -> list[str]:
    """A long formula on two lines, split at the top-level operator nearest its middle:
    ``Y * log(A[2])`` / ``+ (1 - Y) * log(1 - A[2])``."""
    if len(label) <= width:
        return [label]
    if label.startswith("d(") and label.endswith(")"):  # a gradient's name: wrap what is inside
        inner = wrap(label[2:-1], width - 3)
        return [f"d({inner[0]}", *inner[1:-1], f"{inner[-1]})"] if len(inner) > 1 else [label]
    depth, cuts = 0, {0: [], 1: []}
    for k, ch in enumerate(label):
        depth += (ch in "([") - (ch in ")]")
        if depth == 0 and k > 0 and label[k:k + 3] in (" + ", " - ", " * ", " / "):
            cuts[0 if label[k + 1] in "+-" else 1].append(k)  # rather at a + or - than at a * or /
    found = cuts[0] or cuts[1]
    if not found:
        return [label]
    k = min(found, key=lambda c: abs(c - len(label) / 2))
    return [label[:k], label[k + 1:]]


def summary(a: np.ndarray) -> list[str]:
    """A few numbers describing an array: its value when it has one element, else mean and max |.|"""
    if a.size == 1:
        return [f"= {float(a.reshape(())):.4g}"]
    return [f"mean {float(a.mean()):.2g}", f"max|.| {float(np.abs(a).max()):.2g}"]


@dataclass
class Info:
    """Everything the drawing functions need to know about a recorded graph, computed once.
    Tensors are referred to by their position ``i`` in ``order``."""

    anatomy: Anatomy
    kind: list[str] = field(default_factory=list)  # parameter / input / constant / intermediate / output
    label: list[str] = field(default_factory=list)  # what a tensor's box says: X = A[0], Z[1], A[2] - Y
    gname: list[str] = field(default_factory=list)  # its gradient's: dA[0], dZ[1], d(A[2] - Y)
    gets_grad: list[bool] = field(default_factory=list)  # receives a gradient when backward runs
    carries: set[tuple[int, int]] = field(default_factory=set)  # (consumer, input) edges a gradient flows along
    visits: list[int] = field(default_factory=list)  # the tensors backward visits, in the engine's order
    dist: list[int] = field(default_factory=list)  # operations between the tensor and the nearest output
    cache: list[list[int]] = field(default_factory=list)  # tensors each op kept for its backward step
    done: bool = False  # backward() has been run (the first output has a .grad)
    m: int | None = None  # symbolic m for shapes

    @property
    def order(self) -> list[Tensor]:
        return self.anatomy.order

    @property
    def outputs(self) -> list[int]:
        return self.anatomy.outputs

    @property
    def inputs(self) -> list[list[tuple[int, int]]]:
        return self.anatomy.inputs

    @property
    def consumers(self) -> list[list[int]]:
        return self.anatomy.consumers

    @property
    def group(self) -> list[Group]:
        return self.anatomy.group

    def parents(self, i: int) -> list[int]:
        return self.anatomy.parents(i)

    def fused(self, i: int) -> bool:
        """Whether tensor i's op is fused (the cost with the sigmoid: no gradient to A[L])."""
        ctx = self.order[i]._ctx
        return ctx is not None and ctx.fused

    def shape(self, i: int) -> str:
        """``(5, m)``; for a softmax output, n[L] as the number of classes: ``(C=10, m)``."""
        text = shape_text(self.order[i].shape, self.m)
        layers = self.anatomy.layers
        if layers and layers[-1].activation == "softmax" and self.group[i] in (layers[-1].l, "cost"):
            C = self.order[layers[-1].Z].shape[0]
            if len(self.order[i].shape) == 2 and self.order[i].shape[0] == C:
                text = f"(C={C}, " + text.split(", ", 1)[1]
        return text

    def label_lines(self, i: int) -> list[str]:
        """Tensor i's label, a long formula on two lines."""
        return wrap(self.label[i])

    def gname_lines(self, i: int) -> list[str]:
        """Its gradient's name, a long one on two lines: ``d(Y * log(A[2])`` / ``+ ...)``."""
        return wrap(self.gname[i], 24)


def analyse(outputs: Sequence[Tensor], m: int | None = None) -> Info:
    """The :class:`Info` of the graph behind ``outputs`` (backward drawn from the first)."""
    a = recognise(*outputs)
    info = Info(a, m=m, done=a.order[a.outputs[0]].grad is not None)
    outs = set(a.outputs)
    for i, t in enumerate(a.order):
        info.kind.append("output" if i in outs else "intermediate" if t._ctx is not None else "parameter"
                         if t.requires_grad else "constant" if t.ndim == 0 and not t.name else "input")
        name = text(a.name[i])
        explicit = t.name is not None
        if a.role[i] == "X" and (not explicit or name in ("X", "A[0]")) and a.group[i] == 0:
            info.label.append("X = A[0]")  # the input, as the lecture writes it
            info.gname.append("dA[0]")
            continue
        if info.kind[-1] == "constant":
            name = f"{float(t.data):.4g}"
        info.label.append(name)
        lecture = explicit or a.role[i] in ("W", "b", "Z", "A", "Y", "J", "X") or not (" " in name or "(" in name)
        info.gname.append("d" + name if lecture else f"d({name})")
    info.gets_grad = [False] * len(a.order)
    for step in backward_order(a.order[a.outputs[0]]):
        i = a.index(step.tensor)
        info.gets_grad[i] = True
        info.visits.append(i)
        for k in step.slots:
            j = a.index(step.tensor._ctx.parents[k])
            info.carries.add((i, j))
            info.gets_grad[j] = True
    _distances(info)
    _caches(info)
    return info


def _distances(info: Info) -> None:
    """The number of ops between each tensor and the nearest output."""
    n = len(info.order)
    info.dist = [n + 1] * n
    for o in info.outputs:
        info.dist[o] = 0
    for i in range(n - 1, -1, -1):
        for j in info.parents(i):
            info.dist[j] = min(info.dist[j], info.dist[i] + 1)


def _caches(info: Info) -> None:
    """For each op, the tensors (its inputs or its result) whose arrays it saved for backward."""
    for i, t in enumerate(info.order):
        kept: list[int] = []
        if t._ctx is not None:
            arrays = [v for v in t._ctx.saved().values() if isinstance(v, np.ndarray)]
            for j in [*info.parents(i), i]:
                if j not in kept and any(arr is info.order[j].data for arr in arrays):
                    kept.append(j)
        info.cache.append(kept)


def group_label(gr: Group) -> str:
    if gr == "cost":
        return "cost"
    if gr == 0:
        return "layer 0 (input)"
    if gr is None:
        return "graph"
    return f"layer {gr}"


def group_key(gr: Group) -> tuple[int, float]:
    if isinstance(gr, int):
        return (0, gr)
    return (1, 0) if gr == "cost" else (2, 0)


def not_computed_note(info: Info) -> str:
    """The caption of a picture drawn before backward()."""
    if not any(t.requires_grad for t in info.order):
        return ("no gradients: nothing here requires grad (create the parameters with requires_grad=True, "
                "outside no_grad())")
    o = info.outputs[0]
    who = info.label[o] if re.fullmatch(r"[\w\[\]]+", info.label[o]) else "the output"
    return f"gradients not computed yet: call {who}.backward() first"
