"""``explain(J)``: the backward pass autograd ran, written as equations, in the lecture's notation,
and verified against the engine's own numbers.

* ``level="lecture"`` (the default): for a graph with the lecture's layers (named or not), the
  lecture's per-layer equations from layer L down to 1: dZ[l], dW[l], db[l], dA[l-1]
  (:mod:`.layers`). A graph that is not a lecture network is explained op by op, with a note.
* ``level="ops"``: the chain rule op by op in the engine's order, one line per op input
  (:mod:`.chain`), from each op's symbolic rule beside its backward in :mod:`tinygrad_edu.ops`.

The result (:class:`~.explanation.Explanation`) prints as text, shows as maths in Jupyter, has
``.steps`` (the records) and ``.check()``: every equation computed with numpy from the forward
pass's values and compared with the engine's gradient (which explain computes again, writing no
``.grad``: explaining costs nothing to ``backward()``, which it does not touch).

    J = nn.binary_cross_entropy(net(X), Y)
    print(explain(J))          # dZ[2] = A[2] - Y, dW[2] = (1/m) dZ[2] A[1]^T, ...
    explain(J).check().worst   # about 1e-16
"""

from __future__ import annotations

from typing import Any

from ..errors import message
from ..graph import gradients, topological_order
from ..recognise import recognise
from ..symbolic import Style
from ..tensor import Tensor
from .chain import chain_steps, labels, op_values
from .explanation import CheckResult, Explanation, Step, paused_gc
from .layers import lecture_steps

__all__ = ["explain", "Explanation", "Step", "CheckResult"]

_LEVELS = ("lecture", "ops")
_FORMULAS = 5000  # larger graphs name unnamed tensors t<position> instead of by formula


def _lecture_header(L: int, m: int) -> list[str]:
    return [f"The backward pass autograd ran, in the lecture's notation (layers L = {L} down to 1, m = {m}).",
            "Convention: dZ[l] and dA[l] are m times autograd's dJ/dZ[l] and dJ/dA[l] (J carries the 1/m); "
            "dW[l] and db[l] are autograd's dJ/dW[l] and dJ/db[l]."]


def explain(J: Tensor, level: str = "lecture", expand: bool = False, shapes: bool = False) -> Explanation:
    """The backward pass from ``J`` as equations (see the module docstring).

    Args:
        J: the output backward() starts from (usually the cost), with its graph recorded.
        level: ``"lecture"`` or ``"ops"``.
        expand: write the activations' derivatives out as the lecture does: relu'(Z) as (Z > 0)
            (1 where Z > 0, else 0), sigmoid'(Z) as A * (1 - A), tanh'(Z) as (1 - A^2).
        shapes: each equation's shape as a trailing comment (``# (n[2], m) = (1, 4)``).
    """
    if not isinstance(J, Tensor):
        raise TypeError(message("explain", f"J must be a Tensor, got {type(J).__name__}",
                                "explain the cost: explain(J) with J = nn.binary_cross_entropy(net(X), Y)"))
    if level not in _LEVELS:
        raise ValueError(message("explain", f"level must be 'lecture' or 'ops', got {level!r}"))
    if not J.requires_grad:
        raise ValueError(message("explain", f"{J.name or 'J'} has no recorded graph (it does not require grad)",
                                 "build it from parameters with requires_grad=True, outside no_grad()"))
    with paused_gc():
        return _explain(J, level, expand, shapes)


def _refuse_stale(order: list[Tensor]) -> None:
    """A ValueError when a leaf's values were replaced after J was computed (an optimizer's step):
    the equations would mix the new values with gradients of the old ones. Seen where an op
    saved its inputs (``a``, ``b``: matmul, mul, div, pow, log), as the lecture's W[l] always is."""
    for t in order:
        ctx = t._ctx
        if ctx is None:
            continue
        for slot, attr in enumerate(("a", "b")[: len(ctx.parents)]):
            p = ctx.parents[slot]
            saved = getattr(ctx, attr, None)
            if p is not None and p._ctx is None and isinstance(saved, type(p.data)) and saved is not p.data:
                raise ValueError(message("explain", f"{p.name or 'a parameter'} {p.shape} has new values since J was "
                                                    "computed (an optimizer step?), so J's graph is not the one its "
                                                    "values would give", "explain J before updating the parameters, "
                                                    "or compute J again"))


def _explain(J: Tensor, level: str, expand: bool, shapes: bool) -> Explanation:
    order = topological_order(J)
    _refuse_stale(order)
    a = recognise(J, formulas=len(order) <= _FORMULAS)
    notes: list[str] = []
    if level == "lecture":
        found = lecture_steps(a, gradients(J)) if a.layers else "no layers W[l] A[l-1] + b[l] were found"
        if not isinstance(found, str):
            steps, values, m = found
            if steps[0].target.startswith("dA"):  # the cost written out: the engine went through A[L]
                L, act = a.L, a.layers[-1].activation
                cost = "nn.binary_cross_entropy" if act == "sigmoid" else "nn.softmax_cross_entropy"
                notes.append(f"Note: with a {act} output, dZ[{L}] simplifies to A[{L}] - Y; {cost} computes that "
                             "directly (the fused cost).")
            lecture_names = {s.target: s.target for s in steps}
            return Explanation("lecture", _lecture_header(a.L, m), steps, Style(" ", expand), lambda: values, notes,
                               latex_names={k: _latex(k) for k in lecture_names}, shapes=shapes)
        notes.append(f"Note: not explained in the lecture's form because {found}; this is the chain rule op by op.")
    names = labels(a)
    index = {id(t): i for i, t in enumerate(a.order)}
    steps = chain_steps(index, names, J)
    header = [f"The backward pass autograd ran, op by op, in the order it ran them ({len(steps)} equations).",
              "Each dx is autograd's dJ/dx."]
    order = a.order

    def values() -> dict[Any, Any]:
        return op_values(order, J)

    return Explanation("ops", header, steps, Style(" @ ", expand), values, notes, shapes=shapes)


def _latex(name: str) -> str:
    from ..symbolic import _latex_name

    return _latex_name(name)
