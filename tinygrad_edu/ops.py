"""The primitive operations: one small class per op, forward and backward side by side.

Each class is used the way tinygrad's ``mlops`` uses its ops: when a :class:`~tinygrad_edu.Tensor`
operation runs, one instance of the op is created, its :meth:`Function.forward` computes the
result from plain numpy arrays and keeps whatever the backward rule will need on ``self``. That
instance then *is* the node's context, what the lecture calls the **cache** (4.2, 4.6): the
output tensor holds it as ``tensor._ctx``, and :meth:`Function.backward` later reads the cache
to turn the gradient of the output into gradients of the inputs.

Conventions every backward rule follows:

* ``g`` is ``dJ/d(out)``, with the output's shape.
* It returns one gradient per parent, in the parents' order, or ``None`` where
  ``self.needs_input_grad[i]`` is false -- no work is spent on inputs such as X that need
  no gradient.
* A returned gradient may still have the *broadcast* shape of the output. Broadcasting is undone
  in exactly one place, :func:`tinygrad_edu.graph.unbroadcast`, called by the backward engine;
  that is where the lecture's ``db[l] = (1/m) sum(dZ[l], axis=1, keepdims=True)`` comes from
  (autograd's dJ/dZ[l] already carries the 1/m).
* Nothing is ever written in place: neither the inputs, nor the cache, nor ``g``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

Array = np.ndarray


class Function:
    """Base class of the primitive ops. ``parents`` and ``needs_input_grad`` are set when
    the result is recorded in the graph (that is, when some input requires grad)."""

    #: the operation's name as shown in ``Tensor.op``, error messages and pictures
    name: ClassVar[str] = "?"

    def forward(self, *args: Any) -> Array:  # pragma: no cover - interface
        raise NotImplementedError

    def backward(self, g: Array) -> tuple[Array | None, ...]:  # pragma: no cover - interface
        raise NotImplementedError

    def describe(self) -> str:
        """A short label for pictures: the op's name, or the expression when a number is involved."""
        return self.name

    def __repr__(self) -> str:
        return f"<{type(self).__name__} op '{self.describe()}'>"


# ----------------------------------------------------------------------------- elementwise, two inputs


class Add(Function):
    name = "add"

    def forward(self, a: Array, b: Array) -> Array:
        return a + b

    def backward(self, g):
        # d(a + b)/da = 1, d(a + b)/db = 1: the gradient passes through unchanged
        # (for Z[l] = W[l]A[l-1] + b[l], the engine then sums dZ[l] over the m columns for db[l])
        return g, g


class Sub(Function):
    name = "sub"

    def forward(self, a: Array, b: Array) -> Array:
        return a - b

    def backward(self, g):
        return g, (-g if self.needs_input_grad[1] else None)


class Mul(Function):
    name = "mul"

    def forward(self, a: Array, b: Array) -> Array:
        self.a, self.b = a, b
        return a * b

    def backward(self, g):
        # d(a*b)/da = b, d(a*b)/db = a  (elementwise, as in dZ[l] = dA[l] * g'(Z[l]))
        need_a, need_b = self.needs_input_grad
        return (g * self.b if need_a else None), (g * self.a if need_b else None)


class Div(Function):
    name = "div"

    def forward(self, a: Array, b: Array) -> Array:
        self.a, self.b = a, b
        return a / b

    def backward(self, g):
        # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2
        need_a, need_b = self.needs_input_grad
        ga = g / self.b if need_a else None
        gb = -g * self.a / (self.b * self.b) if need_b else None
        return ga, gb


class Pow(Function):
    """``a ** b``. Real powers follow numpy: ``0 ** negative`` is inf and ``negative **
    fractional`` is nan. The gradient with respect to the exponent, ``a**b * log(a)``, is only
    computed when the exponent requires grad (so ``x ** 2`` never takes a log)."""

    name = "pow"

    def forward(self, a: Array, b: Array) -> Array:
        self.a, self.b = a, b
        self.out = a**b
        return self.out

    def backward(self, g):
        # d(a^b)/da = b * a^(b-1),  d(a^b)/db = a^b * log(a)
        # (at a = 0 the limits are taken, as PyTorch does: 0 where b = 0, and 0 for d/db where b >= 0)
        a, b = self.a, self.b
        need_a, need_b = self.needs_input_grad
        ga = gb = None
        if need_a:
            with np.errstate(divide="ignore", invalid="ignore"):
                ga = g * np.where(b == 0, 0, b * a ** (b - 1))
        if need_b:
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = g * np.where((a == 0) & (b >= 0), 0, self.out * np.log(a))
        return ga, gb


class MatMul(Function):
    """``a @ b`` with numpy's matmul rules (1-D operands are promoted to a row / column and the
    extra axis removed again; leading axes broadcast as a batch)."""

    name = "matmul"

    def forward(self, a: Array, b: Array) -> Array:
        self.a, self.b = a, b
        return a @ b

    def backward(self, g):
        # Z = W A:  dW = dZ A^T  and  dA = W^T dZ   (lecture 4.2: dW[l] = dZ[l] A[l-1]^T,
        # dA[l-1] = W[l]^T dZ[l]; the 1/m lives in the cost J, so it is already inside dZ here)
        a, b = self.a, self.b
        need_a, need_b = self.needs_input_grad
        if a.ndim == 2 and b.ndim == 2:  # the lecture's case, kept direct
            return (g @ b.T if need_a else None), (a.T @ g if need_b else None)
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g2 = g
        if b.ndim == 1:  # restore the column axis numpy removed, then the row axis
            g2 = np.expand_dims(g2, -1)
        if a.ndim == 1:
            g2 = np.expand_dims(g2, -2)
        ga = gb = None
        if need_a:
            ga = g2 @ np.swapaxes(b2, -1, -2)
            if a.ndim == 1:  # the promoted row axis, summed away with the batch axes
                ga = ga.reshape(ga.shape[:-2] + (a.shape[0],)) if ga.ndim > 2 else ga.reshape(a.shape)
        if need_b:
            gb = np.swapaxes(a2, -1, -2) @ g2
            if b.ndim == 1:
                gb = gb[..., 0]
        return ga, gb


# ----------------------------------------------------------------------------- a tensor and a number
# A Python number in an expression (``1 - A``, ``Z / m``, ``W * 0.01``) is not a node of the graph:
# it is kept in the op's cache as ``self.c``, of the tensor's dtype (so float32 stays float32).


class AddConst(Function):
    name = "add"

    def forward(self, a: Array, c: Any) -> Array:
        self.c = c
        return a + c

    def backward(self, g):
        return (g,)

    def describe(self) -> str:
        return f"x + {self.c:g}"


class SubConst(Function):
    name = "sub"

    def forward(self, a: Array, c: Any) -> Array:
        self.c = c
        return a - c

    def backward(self, g):
        return (g,)

    def describe(self) -> str:
        return f"x - {self.c:g}"


class RSubConst(Function):
    name = "sub"

    def forward(self, a: Array, c: Any) -> Array:
        self.c = c
        return c - a

    def backward(self, g):
        # d(c - a)/da = -1   (as in 1 - A[L] in the cost)
        return (-g,)

    def describe(self) -> str:
        return f"{self.c:g} - x"


class MulConst(Function):
    name = "mul"

    def forward(self, a: Array, c: Any) -> Array:
        self.c = c
        return a * c

    def backward(self, g):
        return (g * self.c,)

    def describe(self) -> str:
        return f"x * {self.c:g}"


class DivConst(Function):
    name = "div"

    def forward(self, a: Array, c: Any) -> Array:
        self.c = c
        return a / c

    def backward(self, g):
        # d(a/c)/da = 1/c   (the lecture's 1/m when the cost is divided by m)
        return (g / self.c,)

    def describe(self) -> str:
        return f"x / {self.c:g}"


class RDivConst(Function):
    name = "div"

    def forward(self, a: Array, c: Any) -> Array:
        self.a, self.c = a, c
        return c / a

    def backward(self, g):
        # d(c/a)/da = -c/a^2
        return (-g * self.c / (self.a * self.a),)

    def describe(self) -> str:
        return f"{self.c:g} / x"


class PowConst(Function):
    name = "pow"

    def forward(self, a: Array, c: Any) -> Array:
        self.a, self.c = a, c
        return a**c

    def backward(self, g):
        # d(a^c)/da = c a^(c-1)   (and 0 for c = 0, where 0 * 0^-1 would be NaN)
        if self.c == 0:
            return (g * 0,)
        return (g * self.c * self.a ** (self.c - 1),)

    def describe(self) -> str:
        return f"x ** {self.c:g}"


class RPowConst(Function):
    name = "pow"

    def forward(self, a: Array, c: Any) -> Array:
        self.c = c
        self.out = c**a
        return self.out

    def backward(self, g):
        # d(c^a)/da = c^a log(c)   (and 0 for c = 0 where c^a = 0, instead of 0 * -inf)
        if self.c == 0:
            return (g * np.where(self.out == 0, 0, np.inf),)
        return (g * self.out * np.log(self.c),)

    def describe(self) -> str:
        return f"{self.c:g} ** x"


# ----------------------------------------------------------------------------- elementwise, one input


class Neg(Function):
    name = "neg"

    def forward(self, a: Array) -> Array:
        return -a

    def backward(self, g):
        return (-g,)


class Exp(Function):
    name = "exp"

    def forward(self, a: Array) -> Array:
        self.out = np.exp(a)
        return self.out

    def backward(self, g):
        # d exp(a)/da = exp(a): the cached output is the derivative
        return (g * self.out,)


class Log(Function):
    """Natural logarithm. ``log(0) = -inf`` and ``log(negative) = nan``, as in numpy."""

    name = "log"

    def forward(self, a: Array) -> Array:
        self.a = a
        return np.log(a)

    def backward(self, g):
        # d log(a)/da = 1/a
        return (g / self.a,)


class ReLU(Function):
    """``max(Z, 0)``. Convention at the kink: relu'(0) = 0 (as in PyTorch and the course)."""

    name = "relu"

    def forward(self, z: Array) -> Array:
        self.out = np.maximum(z, 0)
        return self.out

    def backward(self, g):
        # dZ = dA * g'(Z), with g'(Z) = 1 where Z > 0 and 0 elsewhere (so relu'(0) = 0);
        # A = max(Z, 0) > 0 exactly where Z > 0, so the cached output serves as the cache
        return (g * (self.out > 0),)


def _sigmoid(z: Array) -> Array:
    """1 / (1 + exp(-z)) without overflow: exp is only ever taken of -|z| <= 0."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1, e) / (1 + e)


class Sigmoid(Function):
    """σ(Z) = 1 / (1 + e^(-Z)), computed without overflow for any Z."""

    name = "sigmoid"

    def forward(self, z: Array) -> Array:
        self.out = _sigmoid(z)
        return self.out

    def backward(self, g):
        # dZ = dA * σ'(Z), with σ'(Z) = σ(Z)(1 - σ(Z)) = A(1 - A)
        s = self.out
        return (g * s * (1 - s),)


class Tanh(Function):
    name = "tanh"

    def forward(self, z: Array) -> Array:
        self.out = np.tanh(z)
        return self.out

    def backward(self, g):
        # dZ = dA * tanh'(Z), with tanh'(Z) = 1 - tanh(Z)^2 = 1 - A^2
        t = self.out
        return (g * (1 - t * t),)


# ----------------------------------------------------------------------------- reductions and shapes


def _expand_reduced(g: Array, shape: tuple[int, ...], axis: tuple[int, ...] | None, keepdims: bool) -> Array:
    """Broadcast the gradient of a reduction back over the axes that were reduced."""
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, shape)


class Sum(Function):
    name = "sum"

    def forward(self, a: Array, axis: tuple[int, ...] | None = None, keepdims: bool = False) -> Array:
        self.shape, self.axis, self.keepdims = a.shape, axis, keepdims
        return np.sum(a, axis=axis, keepdims=keepdims)

    def backward(self, g):
        # every summed entry contributed with weight 1: copy g back over the summed axes
        return (_expand_reduced(g, self.shape, self.axis, self.keepdims),)


class Mean(Function):
    name = "mean"

    def forward(self, a: Array, axis: tuple[int, ...] | None = None, keepdims: bool = False) -> Array:
        self.shape, self.axis, self.keepdims = a.shape, axis, keepdims
        out = np.mean(a, axis=axis, keepdims=keepdims)
        self.count = max(1, a.size // max(1, np.size(out)))  # how many entries each mean averaged
        return out

    def backward(self, g):
        # each averaged entry contributed with weight 1/count (the lecture's 1/m when averaging
        # over the m examples)
        return (_expand_reduced(g / self.count, self.shape, self.axis, self.keepdims),)


class Transpose(Function):
    name = "transpose"

    def forward(self, a: Array, axes: tuple[int, ...] | None = None) -> Array:
        self.axes = axes
        return np.transpose(a, axes)

    def backward(self, g):
        # transposing back: the inverse permutation (for a matrix, just .T again)
        return (np.transpose(g, None if self.axes is None else np.argsort(self.axes)),)


class Reshape(Function):
    name = "reshape"

    def forward(self, a: Array, shape: tuple[int, ...]) -> Array:
        self.shape = a.shape
        return a.reshape(shape)

    def backward(self, g):
        return (g.reshape(self.shape),)


# ----------------------------------------------------------------------------- the lecture's cost


def _columns(a: Array) -> int:
    """m, the number of examples: the number of columns in the column convention."""
    return a.shape[-1] if a.ndim else 1


class BinaryCrossEntropy(Function):
    """The lecture's cost J = -(1/m) Σ (Y log A[L] + (1 - Y) log(1 - A[L])), m = number of columns.

    Parents are ``(A[L], Y)``, or ``(A[L], Y, Z[L])`` when A[L] = sigmoid(Z[L]) was recorded. In that
    *fused* case the cost is computed from Z[L] (finite even where A[L] rounds to exactly 0 or 1) and
    the backward rule is the lecture's shortcut straight to Z[L]:

        dZ[L] = A[L] - Y      (divided by m, because J carries the 1/m)

    so no gradient flows through A[L] (its ``.grad`` stays None) and no 0 * inf ever appears.
    """

    name = "cross_entropy"

    def forward(self, a: Array, y: Array, z: Array | None = None) -> Array:
        self.a, self.y, self.z, self.m = a, y, z, _columns(a)
        if z is not None:
            # -(y log σ(z) + (1-y) log(1-σ(z))) = max(z, 0) - z y + log(1 + e^-|z|), stable for any z
            loss = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
        else:
            # 0 * log(0) counts as 0, as in the limit; only log(0) actually used gives inf
            with np.errstate(divide="ignore", invalid="ignore"):
                loss = -(np.where(y != 0, y * np.log(a), 0) + np.where(y != 1, (1 - y) * np.log1p(-a), 0))
        return np.asarray(loss.sum() / self.m, dtype=a.dtype)

    def backward(self, g):
        a, y, m = self.a, self.y, self.m
        need = self.needs_input_grad
        if self.z is not None:
            # fused: dZ[L] = (A[L] - Y) / m; dJ/dY = -Z[L] / m
            gz = (a - y) * (g / m)
            gy = -self.z * (g / m) if need[1] else None
            return None, gy, gz
        # dA[L] = (-(Y / A[L]) + (1 - Y) / (1 - A[L])) / m, each term counted only where its label
        # weight is non-zero (as in the cost): A[L] = 1 with Y = 1 gives 0, not 0/0
        with np.errstate(divide="ignore", invalid="ignore"):
            ga = gy = None
            if need[0]:
                ga = (np.where(y != 0, -(y / a), 0) + np.where(y != 1, (1 - y) / (1 - a), 0)) * (g / m)
            if need[1]:
                gy = -(np.log(a) - np.log1p(-a)) * (g / m)
        return ga, gy
