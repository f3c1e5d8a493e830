"""The primitive operations: one small class per op, forward and backward side by side.

Each class is used the way tinygrad's ``mlops`` uses its ops: ``Op.apply(...)`` creates one
instance, its :meth:`forward` computes the result from plain numpy arrays and keeps whatever the
backward rule will need on ``self`` -- exactly the attributes its ``__slots__`` declare. That
instance then *is* the node's context, what the lecture calls the **cache** (4.2, 4.6): the
output tensor holds it as ``tensor._ctx``, and :meth:`backward` later reads the cache to turn the
gradient of the output into gradients of the inputs. The class attributes (``name``, ``symbol``,
``fused``, the hints) are described in :class:`tinygrad_edu.tensor.Function`.

Conventions every backward rule follows:

* ``g`` is ``dJ/d(out)``, with the output's shape.
* It returns one gradient per input slot, in order, and ``None`` where
  ``self.needs_input_grad[i]`` is false -- no work is spent on inputs such as X that need
  no gradient, nor on a Python number in the op (``1 - A``: the 1 has no gradient).
* A returned gradient may still have the *broadcast* shape of the output. Broadcasting is undone
  in exactly one place, :func:`tinygrad_edu.graph.unbroadcast`, called by the backward engine;
  that is where the lecture's ``db[l] = (1/m) sum(dZ[l], axis=1, keepdims=True)`` comes from
  (autograd's dJ/dZ[l] already carries the 1/m).
* Nothing is ever written in place: neither the inputs, nor the cache, nor ``g``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .diagnostics import normalise_axes, normalise_permutation
from .lecture import sigmoid
from .tensor import Binary, Function, Tensor, Unary, _operand

Array = np.ndarray

# ============================================================================= elementwise, two inputs
# Either input may be a Python number (``1 - A``, ``Z / m``, ``W * 0.01``): it is kept in the op
# (``number``), in the tensor's dtype, and is not a node of the graph.


class Add(Binary):
    name, symbol, numbers, shape_rule = "add", "+", True, "broadcast"
    operator = "add"
    __slots__ = ()  # the cache: nothing, the derivative is 1

    def forward(self, a: Array, b: Array) -> Array:
        return a + b

    def backward(self, g):
        # d(a + b)/da = 1, d(a + b)/db = 1: the gradient passes through unchanged
        # (for Z[l] = W[l]A[l-1] + b[l], the engine then sums dZ[l] over the m columns for db[l])
        need_a, need_b = self.needs_input_grad
        return (g if need_a else None), (g if need_b else None)


class Sub(Binary):
    name, symbol, numbers, shape_rule = "sub", "-", True, "broadcast"
    operator = "sub"
    __slots__ = ()

    def forward(self, a: Array, b: Array) -> Array:
        return a - b

    def backward(self, g):
        # d(a - b)/da = 1, d(a - b)/db = -1   (as in 1 - A[L] in the cost)
        need_a, need_b = self.needs_input_grad
        return (g if need_a else None), (-g if need_b else None)


class Mul(Binary):
    name, symbol, numbers, shape_rule = "mul", "*", True, "broadcast"
    operator = "mul"
    __slots__ = ("a", "b")  # the cache: both factors

    def forward(self, a: Array, b: Array) -> Array:
        self.a, self.b = a, b
        return a * b

    def backward(self, g):
        # d(a*b)/da = b, d(a*b)/db = a  (elementwise, as in dZ[l] = dA[l] * g'(Z[l]))
        need_a, need_b = self.needs_input_grad
        return (g * self.b if need_a else None), (g * self.a if need_b else None)


class Div(Binary):
    name, symbol, numbers, shape_rule = "div", "/", True, "broadcast"
    operator = "truediv"
    forward_hint = "a division by zero (or 0/0) happened: check the denominator"
    backward_hint = "d(a/b)/db = -a/b^2 (and d(a/b)/da = 1/b) is infinite where b = 0"
    __slots__ = ("a", "b")

    def forward(self, a: Array, b: Array) -> Array:
        self.a, self.b = a, b
        return a / b

    def backward(self, g):
        # d(a/b)/da = 1/b (the lecture's 1/m when the cost is divided by m), d(a/b)/db = -a/b^2
        need_a, need_b = self.needs_input_grad
        ga = g / self.b if need_a else None
        gb = -g * self.a / (self.b * self.b) if need_b else None
        return ga, gb


class Pow(Binary):
    """``a ** b``. Real powers follow numpy: ``0 ** negative`` is inf and ``negative **
    fractional`` is nan. The gradient with respect to the exponent, ``a**b * log(a)``, is only
    computed when the exponent requires grad (so ``x ** 2`` never takes a log)."""

    name, symbol, numbers, shape_rule = "pow", "**", True, "broadcast"
    operator = "pow"
    forward_hint = "0 ** negative is inf and negative ** fractional is NaN (numpy's rules)"
    backward_hint = "d(a^c)/da = c a^(c-1) is infinite at a = 0 when c < 1 (e.g. a square root)"
    __slots__ = ("a", "b", "out")

    def forward(self, a: Array, b: Array) -> Array:
        self.a, self.b = a, b
        self.out = a**b
        return self.out

    def backward(self, g):
        # d(a^b)/da = b * a^(b-1),  d(a^b)/db = a^b * log(a)
        # (the limits are taken where these read 0 * inf, as PyTorch does: d/da = 0 where b = 0,
        # d/db = 0 where a = 0 and b >= 0)
        a, b = self.a, self.b
        need_a, need_b = self.needs_input_grad
        ga = gb = None
        with np.errstate(divide="ignore", invalid="ignore"):
            if need_a:
                ga = g * np.where(b == 0, 0, b * a ** (b - 1))
            if need_b:
                gb = g * np.where((a == 0) & (b >= 0), 0, self.out * np.log(a))
        return ga, gb


class MatMul(Binary):
    """``a @ b`` with numpy's matmul rules (1-D operands are promoted to a row / column and the
    extra axis removed again; leading axes broadcast as a batch)."""

    name, symbol, shape_rule = "matmul", "@", "matmul"
    operator = "matmul"
    __slots__ = ("a", "b")  # the cache: both operands (Z = W A keeps W[l] and A[l-1])

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
        return _batched_matmul_grads(a, b, g, need_a, need_b)


def _batched_matmul_grads(a: Array, b: Array, g: Array, need_a: bool, need_b: bool):
    """MatMul's backward for 1-D operands and batches: promote, multiply, and remove the axes
    numpy added (the batch axes are summed away by unbroadcast)."""
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


# ============================================================================= elementwise, one input


class Neg(Unary):
    """-t, elementwise (the method ``t.__neg__``, written ``-t``)."""

    name = "neg"
    method = "__neg__"
    __slots__ = ()

    def forward(self, a: Array) -> Array:
        return -a

    def backward(self, g):
        return (-g,)


class Exp(Unary):
    """e^t, elementwise (e^t overflows to inf above about 709 in float64)."""

    name = "exp"
    method = "exp"
    forward_hint = ("exp overflows above about 709 (float64) or 88 (float32): are the inputs too large? A smaller "
                    "learning rate or initialisation ('he', 'xavier', 'small') keeps Z[l] moderate")
    __slots__ = ("out",)  # the cache: the result, which is also the derivative

    def forward(self, a: Array) -> Array:
        self.out = np.exp(a)
        return self.out

    def backward(self, g):
        # d exp(a)/da = exp(a): the cached output is the derivative
        return (g * self.out,)


class Log(Unary):
    """Natural logarithm. ``log(0) = -inf`` and ``log(negative) = nan``, as in numpy."""

    name = "log"
    method = "log"
    forward_hint = ("log(0) = -inf and log of a negative number is NaN: is A[L] exactly 0 or 1 somewhere? Compute "
                    "the cost from Z[L] (nn.binary_cross_entropy fuses it with the sigmoid) or clip A[L]")
    backward_hint = "d log(a)/da = 1/a is infinite where a = 0"
    __slots__ = ("a",)

    def forward(self, a: Array) -> Array:
        self.a = a
        return np.log(a)

    def backward(self, g):
        # d log(a)/da = 1/a
        return (g / self.a,)


class ReLU(Unary):
    """``max(Z, 0)``. Convention at the kink: relu'(0) = 0 (as in PyTorch and the course)."""

    name = "relu"
    method = "relu"
    __slots__ = ("out",)  # the cache: A = relu(Z), positive exactly where Z is (so it stands for Z)

    def forward(self, z: Array) -> Array:
        self.out = np.maximum(z, 0)
        return self.out

    def backward(self, g):
        # dZ = dA * g'(Z), with g'(Z) = 1 where Z > 0 and 0 elsewhere (so relu'(0) = 0);
        # A = max(Z, 0) > 0 exactly where Z > 0, so the cached output serves as the cache
        return (g * (self.out > 0),)


class Sigmoid(Unary):
    """σ(Z) = 1 / (1 + e^(-Z)), computed without overflow for any Z (:func:`lecture.sigmoid`)."""

    name = "sigmoid"
    method = "sigmoid"
    __slots__ = ("out",)  # the cache: A = σ(Z), from which σ'(Z) = A(1 - A)

    def forward(self, z: Array) -> Array:
        self.out = sigmoid(z)
        return self.out

    def backward(self, g):
        # dZ = dA * σ'(Z), with σ'(Z) = σ(Z)(1 - σ(Z)) = A(1 - A)
        s = self.out
        return (g * s * (1 - s),)


class Tanh(Unary):
    """tanh(Z) = (e^Z - e^-Z) / (e^Z + e^-Z), elementwise, in (-1, 1)."""

    name = "tanh"
    method = "tanh"
    __slots__ = ("out",)  # the cache: A = tanh(Z), from which tanh'(Z) = 1 - A^2

    def forward(self, z: Array) -> Array:
        self.out = np.tanh(z)
        return self.out

    def backward(self, g):
        # dZ = dA * tanh'(Z), with tanh'(Z) = 1 - tanh(Z)^2 = 1 - A^2
        t = self.out
        return (g * (1 - t * t),)


# ============================================================================= reductions and shapes


def _expand_reduced(g: Array, shape: tuple[int, ...], axis: tuple[int, ...] | None, keepdims: bool) -> Array:
    """Broadcast the gradient of a reduction back over the axes that were reduced."""
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    return np.broadcast_to(g, shape)


class Sum(Unary):
    name, method = "sum", "sum"
    __slots__ = ("shape", "axis", "keepdims")  # the cache: how to copy g back over the summed axes

    @staticmethod
    def call(t: Tensor, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Sum over ``axis`` (all axes when None). In the column convention axis=1 runs over the
        m examples, as in the lecture's ``db[l] = (1/m) np.sum(dZ[l], axis=1, keepdims=True)``."""
        return Sum.apply(t, normalise_axes(t, axis, "sum"), bool(keepdims))

    def forward(self, a: Array, axis: tuple[int, ...] | None = None, keepdims: bool = False) -> Array:
        self.shape, self.axis, self.keepdims = a.shape, axis, keepdims
        return np.sum(a, axis=axis, keepdims=keepdims)

    def backward(self, g):
        # every summed entry contributed with weight 1: copy g back over the summed axes
        return (_expand_reduced(g, self.shape, self.axis, self.keepdims),)


class Mean(Unary):
    name, method = "mean", "mean"
    __slots__ = ("shape", "axis", "keepdims", "count")

    @staticmethod
    def call(t: Tensor, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Mean over ``axis`` (all axes when None)."""
        return Mean.apply(t, normalise_axes(t, axis, "mean"), bool(keepdims))

    def forward(self, a: Array, axis: tuple[int, ...] | None = None, keepdims: bool = False) -> Array:
        self.shape, self.axis, self.keepdims = a.shape, axis, keepdims
        out = np.mean(a, axis=axis, keepdims=keepdims)
        self.count = max(1, a.size // max(1, np.size(out)))  # how many entries each mean averaged
        return out

    def backward(self, g):
        # each averaged entry contributed with weight 1/count (the lecture's 1/m when averaging
        # over the m examples)
        return (_expand_reduced(g / self.count, self.shape, self.axis, self.keepdims),)


class Transpose(Unary):
    name, method = "transpose", "transpose"
    __slots__ = ("axes",)

    @staticmethod
    def call(t: Tensor, *axes: Any) -> Tensor:
        """Reverse the axes (``W.transpose()`` is ``W.T``), or permute them as given."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return Transpose.apply(t, normalise_permutation(t, axes) if axes else None)

    def forward(self, a: Array, axes: tuple[int, ...] | None = None) -> Array:
        self.axes = axes
        return np.transpose(a, axes)

    def backward(self, g):
        # transposing back: the inverse permutation (for a matrix, just .T again)
        return (np.transpose(g, None if self.axes is None else np.argsort(self.axes)),)


class Reshape(Unary):
    name, method = "reshape", "reshape"
    __slots__ = ("shape",)

    @staticmethod
    def call(t: Tensor, *shape: Any) -> Tensor:
        """The same values in a new shape: ``t.reshape(2, 3)`` or ``t.reshape((2, 3))``; one
        entry may be -1."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return Reshape.apply(t, tuple(int(s) for s in shape))

    def forward(self, a: Array, shape: tuple[int, ...]) -> Array:
        self.shape = a.shape
        return a.reshape(shape)

    def backward(self, g):
        return (g.reshape(self.shape),)


# ============================================================================= the lecture's cost


def _columns(a: Array) -> int:
    """m, the number of examples: the number of columns in the column convention."""
    return a.shape[-1] if a.ndim else 1


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
        self.a, self.y, self.m = a, y, _columns(a)
        # 0 * log(0) counts as 0, as in the limit; only log(0) actually used gives inf
        with np.errstate(divide="ignore", invalid="ignore"):
            loss = -(np.where(y != 0, y * np.log(a), 0) + np.where(y != 1, (1 - y) * np.log1p(-a), 0))
        return np.asarray(loss.sum() / self.m, dtype=a.dtype)

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
        self.a, self.y, self.z, self.m = a, y, z, _columns(a)
        # -(y log σ(z) + (1-y) log(1-σ(z))) = max(z, 0) - z y + log(1 + e^-|z|), stable for any z
        loss = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
        return np.asarray(loss.sum() / self.m, dtype=a.dtype)

    def backward(self, g):
        # fused: dZ[L] = (A[L] - Y) / m; dJ/dY = -Z[L] / m; nothing for A[L]
        gz = (self.a - self.y) * (g / self.m)
        gy = -self.z * (g / self.m) if self.needs_input_grad[1] else None
        return None, gy, gz

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

