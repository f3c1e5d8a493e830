"""What a picture needs to know about a recorded graph, worked out once: the tensors in order,
who uses whom, each tensor's kind, label and layer, which edges carry a gradient (from the
engine's own backward schedule, :func:`tinygrad_edu.graph.backward_order`), and what each op
keeps for its backward step (its declared cache, :meth:`tinygrad_edu.tensor.Function.saved`)."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..graph import backward_order, topological_order
from ..tensor import Tensor

__all__ = ["Group", "Info", "analyse", "formula", "shape_text", "summary", "op_text", "group_label", "group_key",
           "not_computed_note"]

Group = int | str | None  # layer number, "cost", or None (no group)

_LAYER_RE = re.compile(r"\[(\d+)\]")


def shape_text(shape: tuple[int, ...], m: int | None) -> str:
    """``(5, 10)``; with a symbolic ``m``, a last axis of that length is written ``m``."""
    if len(shape) == 0:
        return "scalar"
    parts = [str(s) for s in shape]
    if m is not None and len(shape) == 2 and shape[-1] == m:
        parts[-1] = "m"
    return "(" + ", ".join(parts) + (",)" if len(parts) == 1 else ")")


def number(x: float) -> str:
    return f"{x:.4g}"


def op_text(t: Tensor) -> str:
    """What an op ellipse says: the op's name, or its expression when a number is part of it
    (``x * 0.01``, ``1 - x``)."""
    return t._ctx.describe() if t._ctx is not None else str(t.op)


def summary(a: np.ndarray) -> str:
    """A few numbers describing an array: its value when it has one element, else mean and max |.|"""
    if a.size == 1:
        return "= " + number(float(a.reshape(())))
    return f"mean {float(a.mean()):.3g}, max|.| {float(np.abs(a).max()):.3g}"


@dataclass
class Info:
    """Everything the drawing functions need to know about a recorded graph, computed once.
    Tensors are referred to by their position ``i`` in ``order``."""

    order: list[Tensor]  # topological order: inputs first
    outputs: list[int]  # positions of the outputs in ``order``
    inputs: list[list[tuple[int, int]]]  # (slot, position) of each op input that is a tensor, in slot order
    consumers: list[list[int]]  # positions of the tensors computed from each tensor
    kind: list[str] = field(default_factory=list)  # parameter / input / constant / intermediate / output
    label: list[str] = field(default_factory=list)  # display name ("" for unnamed intermediates)
    gname: list[str] = field(default_factory=list)  # gradient name: dW[1], d(matmul), dJ
    boxed: list[bool] = field(default_factory=list)  # drawn as a box of its own (else inside its op's ellipse)
    group: list[Group] = field(default_factory=list)
    gets_grad: list[bool] = field(default_factory=list)  # receives a gradient when backward runs
    carries: set[tuple[int, int]] = field(default_factory=set)  # (consumer, input) edges a gradient flows along
    visits: list[int] = field(default_factory=list)  # the tensors backward visits, in the engine's order
    dist: list[int] = field(default_factory=list)  # operations between the tensor and the nearest output
    cache: list[list[int]] = field(default_factory=list)  # tensors each op kept for its backward step
    done: bool = False  # backward() has been run (the first output has a .grad)
    m: int | None = None  # symbolic m for shapes (building-block pictures)

    def parents(self, i: int) -> list[int]:
        """Positions of the tensors tensor i's op takes, in slot order."""
        return [j for _, j in self.inputs[i]]

    def fused(self, i: int) -> bool:
        """Whether tensor i's op is fused (the cost with the sigmoid: no gradient to A[L])."""
        ctx = self.order[i]._ctx
        return ctx is not None and ctx.fused

    def shape(self, i: int) -> str:
        return shape_text(self.order[i].shape, self.m)

    def ref(self, i: int) -> str:
        """How an edge or a list names tensor i: its name, or ``(op)`` when unnamed."""
        t = self.order[i]
        return t.name or self.label[i] or f"({t.op})"


def analyse(outputs: Sequence[Tensor], m: int | None = None, fold_unnamed: bool = True) -> Info:
    """The :class:`Info` of the graph behind ``outputs`` (backward drawn from the first)."""
    order = topological_order(*outputs)
    pos = {id(t): i for i, t in enumerate(order)}  # id() only to look tensors up, never shown
    inputs = [[(k, pos[id(p)]) for k, p in enumerate(t._ctx.parents) if p is not None] if t._ctx else []
              for t in order]
    consumers: list[list[int]] = [[] for _ in order]
    for i, ins in enumerate(inputs):
        for _, j in ins:
            if not consumers[j] or consumers[j][-1] != i:
                consumers[j].append(i)
    out_idx = list(dict.fromkeys(pos[id(o)] for o in outputs))
    info = Info(order, out_idx, inputs, consumers, m=m, done=order[out_idx[0]].grad is not None)
    _kinds_and_labels(info, fold_unnamed)
    _gradients(info, pos)
    _distances(info)
    _groups(info)
    _caches(info)
    # an unnamed result with a box of its own is named by its formula over its inputs' names
    # ("W[1] A[0]"; an unnamed input reads "(op)"), all computed before any label changes
    formulas = {i: formula(info, i, depth=0) for i in range(len(order)) if info.boxed[i] and not info.label[i]}
    for i, f in formulas.items():
        info.label[i] = f
        info.gname[i] = f"d({f})"
    for i, t in enumerate(order):
        if t.op is None and t.name in ("A[0]", "X") and not t.requires_grad:
            info.label[i] = "X = A[0]"  # the input, as the lecture writes it
    return info


def _kinds_and_labels(info: Info, fold_unnamed: bool) -> None:
    outs = set(info.outputs)
    y_slots = {j for i, t in enumerate(info.order) if t.op == "cross_entropy" for k, j in info.inputs[i] if k == 1}
    for i, t in enumerate(info.order):
        if i in outs:
            k = "output"
        elif t.op is not None:
            k = "intermediate"
        elif t.requires_grad:
            k = "parameter"
        elif t.ndim == 0 and not t.name:
            k = "constant"
        else:
            k = "input"
        info.kind.append(k)
        if t.name:
            lab = t.name
        elif t.op == "cross_entropy":
            lab = "J"
        elif k == "constant":
            lab = number(float(t.data))
        elif t.op is None:
            lab = "Y" if i in y_slots else "parameter" if t.requires_grad else "output" if i in outs else "input"
        else:
            lab = "output" if i in outs else ""  # other unnamed results are drawn inside their op
        info.label.append(lab)
        info.boxed.append(bool(lab) or t.op is None or i in outs or not fold_unnamed)
        named = t.name or t.op == "cross_entropy"
        info.gname.append("d" + lab if named else f"d({t.op or lab})")  # dW[1], dJ, d(matmul), d(parameter)


def _gradients(info: Info, pos: dict[int, int]) -> None:
    """Which tensors get a gradient and along which edges, as the engine's backward pass runs."""
    info.gets_grad = [False] * len(info.order)
    for step in backward_order(info.order[info.outputs[0]]):
        i = pos[id(step.tensor)]
        info.gets_grad[i] = True
        info.visits.append(i)
        for k in step.slots:
            j = pos[id(step.tensor._ctx.parents[k])]
            info.carries.add((i, j))
            info.gets_grad[j] = True


def _distances(info: Info) -> None:
    """The number of ops between each tensor and the nearest output."""
    n = len(info.order)
    info.dist = [n + 1] * n
    for o in info.outputs:
        info.dist[o] = 0
    for i in range(n - 1, -1, -1):
        for j in info.parents(i):
            info.dist[j] = min(info.dist[j], info.dist[i] + 1)


def _groups(info: Info) -> None:
    """Each tensor's group (see the package docstring): from its name, else from the nearest
    consumer that has one (breadth first), else from the nearest producer."""
    info.group = [None] * len(info.order)
    for i, t in enumerate(info.order):
        name = t.name or ""
        found = _LAYER_RE.findall(name)
        if found:
            info.group[i] = int(found[-1])
        elif name == "X":
            info.group[i] = 0
        elif name in ("J", "Y") or t.op == "cross_entropy":
            info.group[i] = "cost"
    producers = [info.parents(i) for i in range(len(info.order))]
    for neighbours in (producers, info.consumers):  # first up from the groups found (nearest consumer), then down
        queue = deque(i for i, gr in enumerate(info.group) if gr is not None)
        while queue:
            i = queue.popleft()
            for j in neighbours[i]:
                if info.group[j] is None:
                    info.group[j] = info.group[i]
                    queue.append(j)


def _caches(info: Info) -> None:
    """For each op, the tensors (its inputs or its result) whose arrays it saved for backward."""
    for i, t in enumerate(info.order):
        kept: list[int] = []
        if t._ctx is not None:
            arrays = [v for v in t._ctx.saved().values() if isinstance(v, np.ndarray)]
            for j in [*info.parents(i), i]:
                if j not in kept and any(a is info.order[j].data for a in arrays):
                    kept.append(j)
        info.cache.append(kept)


def formula(info: Info, i: int, depth: int = 3) -> str:
    """``W[1] A[0] + b[1]`` for the op that made tensor i, expanding unnamed inputs (a few levels)."""
    t = info.order[i]
    args = []
    for j in info.parents(i):
        if info.boxed[j] or depth <= 0:
            args.append(info.ref(j))
        else:
            inner = formula(info, j, depth - 1)
            args.append(inner if info.order[j].op in ("matmul", "transpose", "neg") else f"({inner})")
    ctx = t._ctx
    text = op_text(t)
    if text != t.op and len(args) == 1:  # a number is part of the op: "1 - x", "x / 4"
        return re.sub(r"\bx\b", lambda _: args[0], text)
    if t.op == "matmul":
        return f"{args[0]} {args[1]}"
    if ctx is not None and ctx.symbol is not None and len(args) == 2:
        return f"{args[0]} {ctx.symbol} {args[1]}"
    if t.op == "transpose":
        return f"{args[0]}^T"
    if t.op == "neg":
        return f"-{args[0]}"
    if t.op == "cross_entropy":
        return f"cross_entropy({args[0]}, {args[1]})" + (" (fused)" if info.fused(i) else "")
    return f"{t.op}({', '.join(args)})"


def group_label(gr: Group) -> str:
    if gr == "cost":
        return "cost"
    if gr == 0:
        return "layer 0 (input)"
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
    who = info.label[o] if info.label[o] and info.order[o].name or info.label[o] == "J" else "the output"
    return f"gradients not computed yet: call {who}.backward() first"
