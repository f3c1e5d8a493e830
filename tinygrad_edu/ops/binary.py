"""The ops with two inputs: + - * / ** (elementwise, broadcasting; either input may be a Python
number) and the matrix product @."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..graph import unbroadcast
from ..symbolic import Call
from ..tensor import Binary

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

    def rule(self, g, ins, out):  # the same, as an expression (for explain)
        return g, g


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

    def rule(self, g, ins, out):
        return g, -g


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

    def rule(self, g, ins, out):
        a, b = ins
        return g * b, g * a


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

    def rule(self, g, ins, out):
        a, b = ins
        return g / b, -g * a / (b * b)


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

    def rule(self, g, ins, out):
        a, b = ins
        return g * (b * a ** (b - 1)), g * (out * Call("log", (a,), np.log))


def _share(a: Array, b: Array, winner: Array) -> tuple[Array, Array]:
    """The weights of a and b in maximum(a, b) (or minimum): 1 for the one chosen, 1/2 each on a
    tie, as PyTorch splits them."""
    t = np.result_type(a, b).type
    wa = np.where(a == b, t(0.5), np.where(winner, t(1), t(0)))
    return wa, 1 - wa


class _Elementwise(Binary):
    """The elementwise larger (smaller) of two tensors: the one class behind :class:`Maximum` and
    :class:`Minimum` (``pick``: numpy's function, ``wins``: the comparison that says which input
    it took, ``picks``: the word for the rule). Where they are equal, each gets half the gradient
    (as in PyTorch)."""

    numbers, shape_rule = True, "broadcast"
    pick: Any = None
    wins: Any = None
    picks = ""
    __slots__ = ("a", "b")

    def forward(self, a: Array, b: Array) -> Array:
        self.a, self.b = a, b
        return type(self).pick(a, b)

    def backward(self, g):
        # the gradient goes to whichever input was taken; half each where they are equal
        wa, wb = _share(np.asanyarray(self.a), np.asanyarray(self.b), type(self).wins(self.a, self.b))
        need_a, need_b = self.needs_input_grad
        return (g * wa if need_a else None), (g * wb if need_b else None)

    def rule(self, g, ins, out):
        wins = type(self).wins
        weights = lambda x, y: _share(np.asanyarray(x), np.asanyarray(y), wins(x, y))  # noqa: E731
        return (g * Call(self.picks, ins, lambda x, y: weights(x, y)[0]),
                g * Call(self.picks, (ins[1], ins[0]), lambda y, x: weights(x, y)[1]))


class Maximum(_Elementwise):
    """The elementwise larger of two tensors (``tinygrad_edu.maximum(a, b)``, ``np.maximum``);
    where they are equal, each gets half the gradient (as in PyTorch)."""

    name, symbol, pick, wins, picks = "maximum", None, staticmethod(np.maximum), staticmethod(np.greater), "is_max"
    __slots__ = ()


class Minimum(_Elementwise):
    """The elementwise smaller of two tensors (``tinygrad_edu.minimum(a, b)``, ``np.minimum``);
    where they are equal, each gets half the gradient (as in PyTorch)."""

    name, symbol, pick, wins, picks = "minimum", None, staticmethod(np.minimum), staticmethod(np.less), "is_min"
    __slots__ = ()


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

    def rule(self, g, ins, out):
        a, b = ins
        if self.a.ndim == 2 and self.b.ndim == 2:  # dW = dZ A^T, dA = W^T dZ
            return g @ b.T, a.T @ g
        sa, sb = self.a.shape, self.b.shape  # batched: the batch axes summed away, as the engine does
        grads = lambda a_, b_, g_: _batched_matmul_grads(a_, b_, g_, True, True)  # noqa: E731
        return (Call("matmul_grad_a", (a, b, g), lambda *x: unbroadcast(np.asarray(grads(*x)[0]), sa)),
                Call("matmul_grad_b", (a, b, g), lambda *x: unbroadcast(np.asarray(grads(*x)[1]), sb)))


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
