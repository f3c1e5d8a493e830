"""Beyond week 4, several classes: softmax, log_softmax and logsumexp along an axis (axis 0 by
default: in the lecture's column convention the classes are the rows), each computed from
``Z - max(Z)`` so that nothing overflows, and the cost of a softmax output, the categorical
cross-entropy J = -(1/m) Σ Y log A[L], fused with the softmax that made A[L] (its backward is the
lecture's dZ[L] = A[L] - Y, divided by m) or not (its backward is dA[L] = -Y / A[L], divided by m)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..diagnostics import normalise_axes
from ..errors import message
from ..lecture import softmax as softmax_of
from ..symbolic import Call
from ..tensor import Function, Tensor, Unary, _operand
from .cost import columns

Array = np.ndarray


def _axis(t: Tensor, axis: Any, name: str) -> int:
    """One axis, as a non-negative int (softmax and its kin take one)."""
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise ValueError(message(name, f"axis must be one int, got {axis!r}",
                                 "axis=0: the classes are the rows (n[L], m) in the lecture's convention"))
    axes = normalise_axes(t, axis, name)
    assert axes is not None
    return axes[0]


def _log_softmax(z: Array, axis: int) -> Array:
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))




class Softmax(Unary):
    """softmax(Z) = e^Z / Σ_classes e^Z along ``axis`` (default 0: the classes are the rows)."""

    name, method = "softmax", "softmax"
    __slots__ = ("out", "axis")  # the cache: A = softmax(Z), from which its Jacobian-vector product

    @staticmethod
    def call(t: Tensor, axis: int = 0) -> Tensor:
        """softmax along ``axis`` (default 0, the classes of the column convention)."""
        return Softmax.apply(t, _axis(t, axis, "softmax"))

    def forward(self, z: Array, axis: int = 0) -> Array:
        self.axis = axis
        self.out = softmax_of(z, axis)
        return self.out

    def backward(self, g):
        # dZ = A * (dA - Σ_classes dA * A): the softmax's Jacobian applied to dA
        s = self.out
        return (s * (g - np.sum(g * s, axis=self.axis, keepdims=True)),)

    def rule(self, g, ins, out):
        axis = self.axis
        return (out * (g - Call("sum", (g * out,), lambda x: np.sum(x, axis=axis, keepdims=True),
                                f"axis={axis}, keepdims=True")),)


class LogSoftmax(Unary):
    """log(softmax(Z)) along ``axis``, computed as Z - max(Z) - log Σ e^(Z - max(Z))."""

    name, method = "log_softmax", "log_softmax"
    __slots__ = ("out", "axis")

    @staticmethod
    def call(t: Tensor, axis: int = 0) -> Tensor:
        """log softmax along ``axis`` (default 0)."""
        return LogSoftmax.apply(t, _axis(t, axis, "log_softmax"))

    def forward(self, z: Array, axis: int = 0) -> Array:
        self.axis = axis
        self.out = _log_softmax(z, axis)
        return self.out

    def backward(self, g):
        # d log_softmax: g - softmax(Z) * Σ_classes g
        return (g - np.exp(self.out) * np.sum(g, axis=self.axis, keepdims=True),)

    def rule(self, g, ins, out):
        axis = self.axis
        total = Call("sum", (g,), lambda x: np.sum(x, axis=axis, keepdims=True), f"axis={axis}, keepdims=True")
        return (g - Call("exp", (out,), np.exp) * total,)


class LogSumExp(Unary):
    """log Σ e^Z along ``axis`` (default 0), computed from Z - max(Z); its gradient is softmax(Z)."""

    name, method = "logsumexp", "logsumexp"
    __slots__ = ("z", "out", "axis", "keepdims")

    @staticmethod
    def call(t: Tensor, axis: int = 0, keepdims: bool = False) -> Tensor:
        """log Σ exp along ``axis`` (default 0)."""
        return LogSumExp.apply(t, _axis(t, axis, "logsumexp"), bool(keepdims))

    def forward(self, z: Array, axis: int = 0, keepdims: bool = False) -> Array:
        self.z, self.axis, self.keepdims = z, axis, keepdims
        m = np.max(z, axis=axis, keepdims=True)
        out = m + np.log(np.sum(np.exp(z - m), axis=axis, keepdims=True))
        self.out = out  # kept with the axis, for the backward pass
        return out if keepdims else np.squeeze(out, axis=axis)

    def backward(self, g):
        # d logsumexp / dZ = softmax(Z) = e^(Z - logsumexp(Z))
        if not self.keepdims:
            g = np.expand_dims(g, self.axis)
        return (g * np.exp(self.z - self.out),)

    def rule(self, g, ins, out):
        z, o, axis, keepdims = self.z, self.out, self.axis, self.keepdims
        grad = (lambda x: x * np.exp(z - o)) if keepdims else (lambda x: np.expand_dims(x, axis) * np.exp(z - o))
        return (Call("times_softmax", (g,), grad, f"axis={axis}"),)


class CategoricalCrossEntropy(Function):
    """J = -(1/m) Σ Y log A[L] over classes and examples (m = columns), from ``(A[L], Y)``; its
    backward is dA[L] = -Y / A[L], divided by m. A label weight of 0 counts 0 even where A[L] = 0."""

    name, arity = "categorical_cross_entropy", 2
    forward_hint = "log(0) in the cost: A[L] is exactly 0 for a true class; compute A[L] with .softmax()"
    backward_hint = "dA[L] = -Y / A[L] / m is infinite where A[L] = 0 for a true class"
    __slots__ = ("a", "y", "m")

    def forward(self, a: Array, y: Array) -> Array:
        self.a, self.y, self.m = a, y, columns(a)
        with np.errstate(divide="ignore", invalid="ignore"):
            loss = -np.where(y != 0, y * np.log(a), 0)
        return np.asanyarray(loss.sum() / self.m, dtype=a.dtype)

    def backward(self, g):
        # dA[L] = -Y / A[L], divided by m (J carries the 1/m)
        a, y, m = self.a, self.y, self.m
        need_a, need_y = self.needs_input_grad
        with np.errstate(divide="ignore", invalid="ignore"):
            ga = np.where(y != 0, -(y / a), 0) * (g / m) if need_a else None
            gy = -np.log(a) * (g / m) if need_y else None
        return ga, gy

    def rule(self, g, ins, out):
        a, y = ins
        return -(y / a) * (g / self.m), -Call("log", (a,), np.log) * (g / self.m)


class SoftmaxCrossEntropy(CategoricalCrossEntropy):
    """The same cost fused with the softmax that made A[L] = softmax(Z[L]) (axis 0): parents
    ``(A[L], Y, Z[L])``. J comes from log_softmax(Z[L]) (finite for any Z) and the backward rule is
    the lecture's shortcut dZ[L] = A[L] - Y (divided by m): no gradient flows through A[L]."""

    arity, fused = 3, True
    __slots__ = ("z",)

    def forward(self, a: Array, y: Array, z: Array) -> Array:  # type: ignore[override]
        self.a, self.y, self.z, self.m = a, y, z, columns(a)
        loss = -(y * _log_softmax(z, 0))
        return np.asanyarray(loss.sum() / self.m, dtype=a.dtype)

    def backward(self, g):
        # fused: dZ[L] = (A[L] - Y) / m (each column of Y sums to 1); dJ/dY = -log_softmax(Z[L]) / m
        gz = (self.a - self.y) * (g / self.m)
        gy = -_log_softmax(self.z, 0) * (g / self.m) if self.needs_input_grad[1] else None
        return None, gy, gz

    def sends_gradient(self) -> tuple[bool, ...]:
        _, need_y, need_z = self.needs_input_grad
        return False, need_y, need_z

    def rule(self, g, ins, out):
        a, y, z = ins
        log_softmax = Call("log_softmax", (z,), lambda x: _log_softmax(x, 0), "axis=0")
        return None, -log_softmax * (g / self.m), (a - y) * (g / self.m)


def categorical_cross_entropy(AL: Tensor, Y: Any) -> Tensor:
    """J = -(1/m) Σ Y log A[L] as a 0-d Tensor, fused with the softmax (axis 0) that produced A[L]
    when there is one (:class:`SoftmaxCrossEntropy`). No input checks: ``nn.softmax_cross_entropy``
    is the checked entry point."""
    Yt = _operand(Y, AL)
    sm = AL._ctx
    if type(sm) is Softmax and sm.axis == 0:
        return SoftmaxCrossEntropy.apply(AL, Yt, sm.parents[0])
    return CategoricalCrossEntropy.apply(AL, Yt)
