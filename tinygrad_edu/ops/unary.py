"""The elementwise ops with one input: negation, exp, log and the activations relu, sigmoid, tanh
(each with its derivative, the lecture's g'(Z), in its backward)."""

from __future__ import annotations

import numpy as np

from ..lecture import sigmoid
from ..symbolic import Deriv
from ..tensor import Unary

Array = np.ndarray

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

    def rule(self, g, ins, out):
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

    def rule(self, g, ins, out):
        return (g * out,)


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

    def rule(self, g, ins, out):
        return (g / ins[0],)


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

    def rule(self, g, ins, out):  # dZ = dA * relu'(Z)
        return (g * Deriv("relu", ins[0], out),)


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

    def rule(self, g, ins, out):  # dZ = dA * sigmoid'(Z)
        return (g * Deriv("sigmoid", ins[0], out),)


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

    def rule(self, g, ins, out):  # dZ = dA * tanh'(Z)
        return (g * Deriv("tanh", ins[0], out),)
