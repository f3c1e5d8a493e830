"""The chain rule op by op: one equation per input of every op the backward pass went through, in
the order the engine ran them (:func:`tinygrad_edu.graph.backward_order`, the schedule graph.py
owns), each from the op's own symbolic rule (``Function.rule``, beside its ``backward``). A
tensor used by several ops gets one numbered contribution per use and a line adding them up
(``dx = dx₁ + dx₂``), as the engine adds them."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

import numpy as np

from ..graph import backward_order, gradients, unbroadcast
from ..recognise import Anatomy
from ..symbolic import Call, Expr, Num, Sum, Sym
from ..tensor import Tensor
from .explanation import Step

__all__ = ["labels", "grad_name", "chain_steps", "op_values", "unbroadcast_expr"]

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SIMPLE = re.compile(r"[A-Za-z_][\w\[\]]*")
_MAX_LABEL = 32


def labels(a: Anatomy) -> list[str]:
    """A name for every tensor that tells it apart: its own or the lecture's name, else its
    formula (``A[2] - Y``) when that is short and no other tensor has it, else ``t<position>``;
    two tensors given the same name become ``x#1``, ``x#2``."""
    counts = Counter(a.name)
    seen: Counter[str] = Counter()
    out = []
    for i, (t, n) in enumerate(zip(a.order, a.name)):
        if n and counts[n] == 1 and len(n) <= _MAX_LABEL:
            out.append(n)
        elif n and (t.name is not None or a.role[i]):
            seen[n] += 1
            out.append(f"{n}#{seen[n]}")
        else:
            out.append(f"t{i}")
    return out


def grad_name(label: str) -> str:
    """``dZ[2]``, ``dx``, or ``d(A[2] - Y)`` for a formula."""
    return f"d{label}" if _SIMPLE.fullmatch(label) else f"d({label})"


def unbroadcast_expr(e: Expr, grad_shape: tuple[int, ...], shape: tuple[int, ...]) -> Expr:
    """``e`` summed back to ``shape`` as the engine's unbroadcast does, written as the sum it is
    (``sum(dZ[1], axis=1, keepdims=True)`` for b[1] (n, 1) under Z (n, m))."""
    lead = len(grad_shape) - len(shape)
    kept = tuple(lead + i for i, n in enumerate(shape) if n == 1 and grad_shape[lead + i] != 1)
    axes = tuple(range(lead)) + kept
    axis = axes[0] if len(axes) == 1 else axes
    args = f"axis={axis}" + (", keepdims=True" if kept else "")
    return Call("sum", (e,), lambda x: unbroadcast(np.asarray(x), shape), args)


def chain_steps(order_index: dict[int, int], names: list[str], output: Tensor) -> list[Step]:
    """The op-level equations of the backward pass from ``output``. ``order_index`` maps id(tensor)
    to its position, ``names`` are the :func:`labels` by position."""
    schedule = backward_order(output)
    expected: Counter[int] = Counter()
    for t, slots in schedule:
        for k in slots:
            expected[id(t._ctx.parents[k])] += 1  # type: ignore[union-attr]
    out_pos = order_index[id(output)]

    def grad(i: int) -> Sym:
        return Sym(("grad", i), grad_name(names[i]))

    def value(i: int) -> Sym:
        return Sym(("value", i), names[i])

    steps = [Step(grad_name(names[out_pos]), Num(1.0), output.shape, ("seed",), ("grad", out_pos))]
    arrived: Counter[int] = Counter()
    for t, slots in schedule:
        ctx = t._ctx
        if ctx is None or not slots:
            continue
        i = order_index[id(t)]
        ins = []
        for p in ctx.parents:
            if p is None:  # a Python number in the op
                ins.append(Num(float(ctx.number)))  # type: ignore[attr-defined]
            else:
                j = order_index[id(p)]
                ins.append(Sym(("value", j), names[j]))
        rules = ctx.rule(grad(i), tuple(ins), value(i))
        op = ctx.describe()
        for k in slots:
            p = ctx.parents[k]
            assert p is not None
            j = order_index[id(p)]
            e = rules[k]
            if ctx.shape_rule == "broadcast" and p.shape != t.shape:
                e = unbroadcast_expr(e, t.shape, p.shape)
            if expected[id(p)] == 1:
                steps.append(Step(grad_name(names[j]), e, p.shape, (op,), ("grad", j)))
                continue
            arrived[id(p)] += 1
            n = arrived[id(p)]
            part = grad_name(names[j]) + str(n).translate(_SUBSCRIPTS)
            steps.append(Step(part, e, p.shape, (op,), ("part", j, n), partial=True))
            if n == expected[id(p)]:
                total = Sum([Sym(("part", j, m), grad_name(names[j]) + str(m).translate(_SUBSCRIPTS))
                             for m in range(1, n + 1)])  # flat: a tensor used 100,000 times is no deep tree
                steps.append(Step(grad_name(names[j]), total, p.shape, ("accumulate",), ("grad", j)))
    return steps


def op_values(order: list[Tensor], output: Tensor) -> dict[Any, np.ndarray]:
    """The values the op-level equations refer to: every tensor's forward value and the engine's
    gradient dJ/dt (computed again without touching ``.grad``)."""
    grads = gradients(output)
    values: dict[Any, np.ndarray] = {}
    for i, t in enumerate(order):
        values[("value", i)] = t.data
        if id(t) in grads:
            values[("grad", i)] = grads[id(t)]
    return values
