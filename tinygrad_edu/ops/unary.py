"""The elementwise ops with one input: negation, exp, log and the activations relu, sigmoid, tanh
(each with its derivative, the lecture's g'(Z), in its backward); beyond week 4: abs, sqrt,
leaky_relu, softplus."""

from __future__ import annotations

import numpy as np

from ..errors import message
from ..lecture import sigmoid
from ..symbolic import Call, Deriv
from ..tensor import Tensor, Unary

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


# ============================================================================= beyond week 4
# Derivative conventions at the kinks, as PyTorch has them: abs'(0) = 0, leaky_relu'(0) = slope,
# relu'(0) = 0 (above); sqrt'(0) = inf.


class Abs(Unary):
    """|t|, elementwise (the method ``abs``, and Python's ``abs(t)``). abs'(0) = 0, as in PyTorch."""

    name = "abs"
    method = "abs"
    __slots__ = ("a",)

    def forward(self, a: Array) -> Array:
        self.a = a
        return np.abs(a)

    def backward(self, g):
        # d|a|/da = sign(a): 1 above 0, -1 below, 0 at 0
        return (g * np.sign(self.a),)

    def rule(self, g, ins, out):
        return (g * Call("sign", (ins[0],), np.sign),)


class Sqrt(Unary):
    """√t, elementwise (NaN below 0, as in numpy; its derivative is infinite at 0)."""

    name = "sqrt"
    method = "sqrt"
    backward_hint = "d sqrt(a)/da = 1 / (2 sqrt(a)) is infinite at a = 0"
    __slots__ = ("out",)  # the cache: √a, from which the derivative 1 / (2√a)

    def forward(self, a: Array) -> Array:
        self.out = np.sqrt(a)
        return self.out

    def backward(self, g):
        # d sqrt(a)/da = 1 / (2 sqrt(a))
        return (g / (2 * self.out),)

    def rule(self, g, ins, out):
        return (g / (2 * out),)


class LeakyReLU(Unary):
    """``max(Z, 0) + slope * min(Z, 0)``: relu with a small slope below 0 (default 0.01, as in
    PyTorch). leaky_relu'(0) = slope, as in PyTorch."""

    name, method = "leaky_relu", "leaky_relu"
    __slots__ = ("z", "slope")

    @staticmethod
    def call(t: Tensor, slope: float = 0.01) -> Tensor:
        """leaky relu with ``slope`` (a number, usually small) below 0."""
        if not isinstance(slope, (int, float)) or isinstance(slope, bool) or not np.isfinite(slope):
            raise ValueError(message("leaky_relu", f"slope must be a finite number, got {slope!r}"))
        return LeakyReLU.apply(t, float(slope))

    def forward(self, z: Array, slope: float = 0.01) -> Array:
        self.z, self.slope = z, slope
        return np.where(z > 0, z, z * slope)

    def _derivative(self, z: Array) -> Array:
        """1 where z > 0, else slope, in z's dtype."""
        return np.where(z > 0, z.dtype.type(1), z.dtype.type(self.slope))

    def backward(self, g):
        # dZ = dA * g'(Z), g'(Z) = 1 where Z > 0, else slope
        return (g * self._derivative(self.z),)

    def rule(self, g, ins, out):
        return (g * Call("leaky_relu'", (ins[0],), self._derivative, f"slope={self.slope:g}"),)


class Softplus(Unary):
    """log(1 + e^t), elementwise, computed as max(t, 0) + log1p(e^-|t|) (no overflow); its
    derivative is σ(t)."""

    name, method = "softplus", "softplus"
    __slots__ = ("z",)

    def forward(self, z: Array) -> Array:
        self.z = z
        return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))

    def backward(self, g):
        # d softplus(z)/dz = sigmoid(z)
        return (g * sigmoid(self.z),)

    def rule(self, g, ins, out):
        return (g * Call("sigmoid", (ins[0],), sigmoid),)
