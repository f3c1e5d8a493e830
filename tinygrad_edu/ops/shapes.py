"""Reductions and shapes: sum and mean over axes (their backward copies the gradient back over
the reduced axes), transpose and reshape."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..diagnostics import normalise_axes, normalise_permutation
from ..symbolic import Call
from ..tensor import Tensor, Unary

Array = np.ndarray

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

    def rule(self, g, ins, out):
        shape, axis, keepdims = self.shape, self.axis, self.keepdims
        return (Call("broadcast", (g,), lambda x: _expand_reduced(x, shape, axis, keepdims), str(shape)),)


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

    def rule(self, g, ins, out):
        shape, axis, keepdims = self.shape, self.axis, self.keepdims
        return (Call("broadcast", (g / self.count,), lambda x: _expand_reduced(x, shape, axis, keepdims),
                     str(shape)),)


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

    def rule(self, g, ins, out):
        inverse = None if self.axes is None else tuple(int(i) for i in np.argsort(self.axes))
        if inverse is None:
            return (Call("T", (g,), np.transpose),)
        return (Call("transpose", (g,), lambda x: np.transpose(x, inverse), str(inverse)),)


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

    def rule(self, g, ins, out):
        shape = self.shape
        return (Call("reshape", (g,), lambda x: x.reshape(shape), str(shape)),)
