"""The backward pass folded into the lecture's per-layer equations (4.2, 4.6): for a graph with the
lecture's layers (:mod:`tinygrad_edu.recognise`: ``W[l] A[l-1] + b[l]`` is Z[l], ``g(Z[l])`` is
A[l], the cost compares A[L] with Y), from layer L down to 1, in the lecture's order:

    dZ[l]   = dA[l] * g'(Z[l])          (layer L: A[L] - Y with the fused cost, or from dA[L])
    dW[l]   = (1/m) dZ[l] A[l-1]^T
    db[l]   = (1/m) sum(dZ[l], axis=1, keepdims=True)
    dA[l-1] = W[l]^T dZ[l]              (no dA[0] unless X requires grad)

in the lecture's convention: dZ[l] and dA[l] are m times autograd's dJ/dZ[l] and dJ/dA[l] (J
carries the 1/m), dW[l] and db[l] are autograd's dJ/dW[l] and dJ/db[l]. Every equation is
computed and compared with the engine's gradient before it is offered: a graph whose gradients
take another path (a parameter used twice, another cost) is explained op by op instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..lecture import name as lecture_name
from ..recognise import COST_OPS, Anatomy
from ..symbolic import Call, Coef, Expr, Sym
from .explanation import Step, relative_difference

__all__ = ["lecture_steps"]


def _agree(dtype: np.dtype) -> float:
    """How close each equation must come to the engine's gradient to be offered: 1e-9 in float64,
    about 1e-3 in float32 (its rounding, with room for a hand-written cost's other order of sums)."""
    return max(1e-9, 1e4 * float(np.finfo(dtype).eps))


def _sum_columns(x: np.ndarray) -> np.ndarray:
    return np.sum(x, axis=1, keepdims=True)


class _Names:
    """The lecture's symbols of one network, and the values they stand for."""

    def __init__(self, a: Anatomy, grads: dict[int, np.ndarray], m: int) -> None:
        self.a, self.grads, self.m = a, grads, m
        self.values: dict[Any, np.ndarray] = {"m": np.asarray(float(m))}

    def value(self, i: int, name: str) -> Sym:
        self.values[("value", i)] = self.a.order[i].data
        return Sym(("value", i), name)

    def negated(self, i: int, name: str) -> Sym:
        """The symbol for minus tensor i's values (Y, from a leaf that holds -Y)."""
        self.values[("negated", i)] = -self.a.order[i].data
        return Sym(("negated", i), name)

    def grad(self, i: int, name: str, scaled: bool) -> Sym:
        """The gradient of tensor i as the lecture's d-quantity (m times autograd's for dZ, dA)."""
        g = self.grads.get(id(self.a.order[i]))
        if g is not None:
            self.values[("grad", i)] = g * self.m if scaled else g
        return Sym(("grad", i), name)


def _cost(a: Anatomy, N: _Names) -> tuple[list[Step], Sym | None] | str:
    """The steps that start the chain at layer L: dZ[L] = A[L] - Y (the fused cost), or dA[L]
    from the lecture's cross-entropy; with the symbol dA[L] (None when dZ[L] was written)."""
    last = a.layers[-1]
    L = last.l
    Z, A = a.order[last.Z], a.order[last.A]
    dims = f"(n[{L}], m) = {Z.shape}"
    fused = [c for c in a.consumers[last.Z] if a.order[c].op in COST_OPS and a.order[c]._ctx.fused]
    if fused:
        ctx = a.order[fused[0]]._ctx
        y = a.index(ctx.parents[1])
        e = N.value(last.A, lecture_name("A", L)) - N.value(y, "Y")
        return [Step(lecture_name("dZ", L), e, Z.shape, (f"{ctx.name} fused with {last.activation}",),
                     ("grad", last.Z), shape_text=dims)], None
    ys = [i for i, r in enumerate(a.role) if r == "Y"]
    negs = [i for i, r in enumerate(a.role) if r == "-Y"]  # -Y written in numpy: Y is minus its values
    if not (ys or negs) or last.activation not in ("sigmoid", "softmax"):
        return "the cost is not the lecture's cross-entropy of a sigmoid (or softmax) output A[L] with labels Y"
    AL, Y = N.value(last.A, lecture_name("A", L)), N.value(ys[0], "Y") if ys else N.negated(negs[0], "Y")
    e = -(Y / AL - (1 - Y) / (1 - AL)) if last.activation == "sigmoid" else -(Y / AL)  # the lecture's dA[L]
    cost_ops = tuple(dict.fromkeys(str(a.order[i].op) for i, g in enumerate(a.group) if g == "cost" and
                                   a.order[i]._ctx is not None))
    dA = N.grad(last.A, lecture_name("dA", L), scaled=True)
    return [Step(lecture_name("dA", L), e, A.shape, cost_ops, ("grad", last.A), shape_text=dims)], dA


def lecture_steps(a: Anatomy, grads: dict[int, np.ndarray]) -> tuple[list[Step], dict[Any, np.ndarray], int] | str:
    """(steps, values, m) of the lecture-level explanation, or why the graph is not explained so."""
    if not a.layers or a.layers[0].l != 1:
        return "no layers W[l] A[l-1] + b[l] starting at layer 1 were found"
    if not a.outputs or a.role[a.outputs[0]] != "J":
        return "the output is not a cost J computed from A[L]"
    last = a.layers[-1]
    m = int(a.order[last.Z].shape[-1]) if a.order[last.Z].ndim == 2 else 0
    if m == 0:
        return "Z[L] is not a matrix (n[L], m)"
    N = _Names(a, grads, m)
    start = _cost(a, N)
    if isinstance(start, str):
        return start
    steps, dA = start
    for layer in reversed(a.layers):
        l = layer.l
        n_l, n_prev = a.order[layer.Z].shape[0], a.order[layer.A_prev].shape[0]
        dZ = N.grad(layer.Z, lecture_name("dZ", l), scaled=True)
        if dA is not None:  # dZ[l] = dA[l] * g'(Z[l]) (= dA[l] for a linear layer)
            z, out = N.value(layer.Z, lecture_name("Z", l)), N.value(layer.A, lecture_name("A", l))
            # the activation op's own rule: dA * g'(Z) (softmax: its Jacobian applied to dA)
            e: Expr = a.order[layer.A]._ctx.rule(dA, (z,), out)[0] if layer.activation else dA
            steps.append(Step(lecture_name("dZ", l), e, a.order[layer.Z].shape, (layer.activation or "linear",),
                              ("grad", layer.Z), shape_text=f"(n[{l}], m) = {a.order[layer.Z].shape}"))
        A_prev = N.value(layer.A_prev, lecture_name("A", l - 1))
        steps.append(Step(lecture_name("dW", l), Coef("1/m", 1 / m, dZ @ A_prev.T), a.order[layer.W].shape,
                          ("matmul",), ("grad", layer.W), shape_text=f"(n[{l}], n[{l - 1}]) = {(n_l, n_prev)}"))
        N.grad(layer.W, lecture_name("dW", l), scaled=False)
        if layer.b is not None:
            db = Coef("1/m", 1 / m, Call("sum", (dZ,), _sum_columns, "axis=1, keepdims=True"))
            steps.append(Step(lecture_name("db", l), db, a.order[layer.b].shape, ("add", "sum over the m columns"),
                              ("grad", layer.b), shape_text=f"(n[{l}], 1) = {(n_l, 1)}"))
            N.grad(layer.b, lecture_name("db", l), scaled=False)
        dA = None
        if id(a.order[layer.A_prev]) in grads:  # dA[0] only when X requires grad
            dA = N.grad(layer.A_prev, lecture_name("dA", l - 1), scaled=True)
            W = N.value(layer.W, lecture_name("W", l))
            steps.append(Step(lecture_name("dA", l - 1), W.T @ dZ, a.order[layer.A_prev].shape, ("matmul",),
                              ("grad", layer.A_prev), shape_text=f"(n[{l - 1}], m) = {a.order[layer.A_prev].shape}"))
    tolerance = _agree(a.order[last.Z].data.dtype)
    for s in steps:  # offered only if every line is what the engine computed
        if s.key not in N.values:
            return f"{s.target} gets no gradient in this graph"
        rel = relative_difference(np.asarray(N.values[s.key], np.float64),
                                  np.asarray(s.expr.evaluate(N.values), np.float64))
        if not rel <= tolerance:
            return f"{s.target} does not follow the lecture's equation here (its gradient also takes another path)"
    return steps, N.values, m
