"""The primitive operations: one small class per op, forward and backward side by side, one
module per family: :mod:`.binary` (+ - * / ** @, maximum, minimum), :mod:`.unary` (neg, exp,
log, relu, sigmoid, tanh, abs, sqrt, leaky_relu, softplus), :mod:`.shapes` (sum, mean, max, min, std,
transpose, reshape, indexing, concatenate, where), :mod:`.cost` (the lecture's cross-entropy) and
:mod:`.classes` (softmax, log_softmax, logsumexp and the categorical cross-entropy). Each
op's ``rule`` writes its backward as an expression (for explain).

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

from .binary import Add, Div, MatMul, Maximum, Minimum, Mul, Pow, Sub  # noqa: I001  (the registry's order)
from .unary import Abs, Exp, LeakyReLU, Log, Neg, ReLU, Sigmoid, Softplus, Sqrt, Tanh
from .shapes import Concatenate, Index, Max, Mean, Min, Reshape, Std, Sum, Transpose, Where
from .cost import BinaryCrossEntropy, SigmoidCrossEntropy, cross_entropy
from .classes import (CategoricalCrossEntropy, LogSoftmax, LogSumExp, Softmax, SoftmaxCrossEntropy,
                      categorical_cross_entropy)
from ..tensor import Function  # the base class of every op (and Function.registry), as before the split

__all__ = ["Function", "Add", "Sub", "Mul", "Div", "Pow", "MatMul", "Maximum", "Minimum", "Neg", "Exp", "Log", "ReLU",
           "Sigmoid", "Tanh", "Abs", "Sqrt", "LeakyReLU", "Softplus", "Sum", "Mean", "Max", "Min", "Std", "Transpose",
           "Reshape",
           "Index", "Concatenate", "Where", "BinaryCrossEntropy", "SigmoidCrossEntropy", "cross_entropy", "Softmax",
           "LogSoftmax", "LogSumExp", "CategoricalCrossEntropy", "SoftmaxCrossEntropy", "categorical_cross_entropy"]
