"""The lecture's cost, the binary cross-entropy, as an op: unfused (its backward is the lecture's
dA[L]) and fused with the sigmoid that made A[L] (its backward is dZ[L] = A[L] - Y)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ShapeError, message
from ..symbolic import Call
from ..tensor import Function, Tensor, _operand
from .unary import Sigmoid

Array = np.ndarray

# ============================================================================= the lecture's cost


def columns(a: Array) -> int:
    """m, the number of examples: the number of columns in the column convention; a ShapeError for
    m = 0 (the cost's 1/m would make J nan)."""
    m = a.shape[-1] if a.ndim else 1
    if m == 0:
        raise ShapeError(message("", f"A[L] has no examples: shape {a.shape}, m = 0 columns",
                                 "J = -(1/m) sum(...) needs at least one example (one column)"))
    return m


class BinaryCrossEntropy(Function):
    """The lecture's cost J = -(1/m) Σ (Y log A[L] + (1 - Y) log(1 - A[L])), m = number of columns,
    from its parents ``(A[L], Y)``, with the lecture's dA[L] as its backward rule."""

    name, arity = "cross_entropy", 2
    forward_hint = ("log(0) inside the cost: A[L] is exactly 0 where Y = 1 or exactly 1 where Y = 0. Compute A[L] "
                    "with .sigmoid() so that the cost can use Z[L], which never overflows")
    backward_hint = ("dA[L] = (-(Y / A[L]) + (1 - Y) / (1 - A[L]))/m is infinite where A[L] is exactly 0 or 1; make "
                     "A[L] with .sigmoid() so that the fused dZ[L] = A[L] - Y is used instead")
    __slots__ = ("a", "y", "m")

    def forward(self, a: Array, y: Array) -> Array:
        self.a, self.y, self.m = a, y, columns(a)
        # 0 * log(0) counts as 0, as in the limit; only log(0) actually used gives inf
        with np.errstate(divide="ignore", invalid="ignore"):
            loss = -(np.where(y != 0, y * np.log(a), 0) + np.where(y != 1, (1 - y) * np.log1p(-a), 0))
        return np.asanyarray(loss.sum() / self.m, dtype=a.dtype)

    def backward(self, g):
        # dA[L] = (-(Y / A[L]) + (1 - Y) / (1 - A[L])) / m, each term counted only where its label
        # weight is non-zero (as in the cost): A[L] = 1 with Y = 1 gives 0, not 0/0
        a, y, m = self.a, self.y, self.m
        need_a, need_y = self.needs_input_grad
        ga = gy = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if need_a:
                ga = (np.where(y != 0, -(y / a), 0) + np.where(y != 1, (1 - y) / (1 - a), 0)) * (g / m)
            if need_y:
                gy = -(np.log(a) - np.log1p(-a)) * (g / m)
        return ga, gy

    def rule(self, g, ins, out):  # dA[L] = -(Y / A[L] - (1 - Y) / (1 - A[L])), divided by m
        a, y = ins
        log = lambda x: Call("log", (x,), np.log)  # noqa: E731
        return (-(y / a) + (1 - y) / (1 - a)) * (g / self.m), -(log(a) - log(1 - a)) * (g / self.m)


class SigmoidCrossEntropy(BinaryCrossEntropy):
    """The same cost, *fused* with the sigmoid that made A[L] = σ(Z[L]): parents ``(A[L], Y, Z[L])``.

    The cost is computed from Z[L] (finite even where A[L] rounds to exactly 0 or 1) and the
    backward rule is the lecture's shortcut straight to Z[L]:

        dZ[L] = A[L] - Y      (divided by m, because J carries the 1/m)

    so no gradient flows through A[L] (its ``.grad`` stays None) and no 0 * inf ever appears.
    """

    arity, fused = 3, True
    __slots__ = ("z",)  # and, from BinaryCrossEntropy, a = A[L], y = Y and m

    def forward(self, a: Array, y: Array, z: Array) -> Array:  # type: ignore[override]
        self.a, self.y, self.z, self.m = a, y, z, columns(a)
        # -(y log σ(z) + (1-y) log(1-σ(z))) = max(z, 0) - z y + log(1 + e^-|z|), stable for any z
        loss = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
        return np.asanyarray(loss.sum() / self.m, dtype=a.dtype)

    def backward(self, g):
        # fused: dZ[L] = (A[L] - Y) / m; dJ/dY = -Z[L] / m; nothing for A[L]
        gz = (self.a - self.y) * (g / self.m)
        gy = -self.z * (g / self.m) if self.needs_input_grad[1] else None
        return None, gy, gz

    def rule(self, g, ins, out):  # fused: dZ[L] = A[L] - Y, divided by m
        a, y, z = ins
        return None, -z * (g / self.m), (a - y) * (g / self.m)

    def sends_gradient(self) -> tuple[bool, ...]:
        _, need_y, need_z = self.needs_input_grad
        return False, need_y, need_z


def cross_entropy(AL: Tensor, Y: Any) -> Tensor:
    """The lecture's cost J = -(1/m) Σ (Y log A[L] + (1 - Y) log(1 - A[L])) as a 0-d Tensor, with
    the fused gradient dZ[L] = (A[L] - Y)/m when A[L] came from ``sigmoid`` (see
    :class:`SigmoidCrossEntropy`). No input checks: ``nn.binary_cross_entropy`` is the checked
    public entry point."""
    Yt = _operand(Y, AL)
    sig = AL._ctx
    if type(sig) is Sigmoid:  # fuse with the sigmoid that produced A[L]
        return SigmoidCrossEntropy.apply(AL, Yt, sig.parents[0])
    return BinaryCrossEntropy.apply(AL, Yt)
