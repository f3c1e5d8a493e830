"""Reductions and shapes: sum and mean over axes (their backward copies the gradient back over
the reduced axes), transpose and reshape; beyond week 4: max, min and std over axes, indexing,
concatenation and where."""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from ..diagnostics import normalise_axes, normalise_permutation
from ..errors import message
from ..symbolic import Call
from ..tensor import Function, Tensor, Unary, _run

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


# ============================================================================= beyond week 4


def _extremum_backward(g: Array, a: Array, out: Array, axis: tuple[int, ...] | None, keepdims: bool) -> Array:
    """The gradient of max (or min) over ``axis``: to the entries equal to the result, shared
    equally among ties (as torch.amax shares it)."""
    hit = a == _expand_reduced(out, a.shape, axis, keepdims)
    count = np.sum(hit, axis=axis, keepdims=True, dtype=a.dtype)
    return _expand_reduced(g, a.shape, axis, keepdims) * hit / count


class _Extremum(Unary):
    """max or min over ``axis`` (numpy's): the one class behind :class:`Max` and :class:`Min`,
    which say which (``reduce``, ``picks``: the word for the gradient's destination)."""

    reduce: Any = None
    picks = ""
    __slots__ = ("a", "out", "axis", "keepdims")

    def forward(self, a: Array, axis: tuple[int, ...] | None = None, keepdims: bool = False) -> Array:
        self.a, self.axis, self.keepdims = a, axis, keepdims
        self.out = type(self).reduce(a, axis=axis, keepdims=keepdims)
        return self.out

    def backward(self, g):
        # d max/da = 1 at the maximum (1/k each for k tied entries), 0 elsewhere; the same for min
        return (_extremum_backward(g, self.a, self.out, self.axis, self.keepdims),)

    def rule(self, g, ins, out):
        a, o, axis, keepdims = self.a, self.out, self.axis, self.keepdims
        return (Call(self.picks, (g,), lambda x: _extremum_backward(x, a, o, axis, keepdims), f"axis={axis}"),)


class Max(_Extremum):
    """The largest entry over ``axis`` (numpy's ``max``). Ties share the gradient equally."""

    name, method, reduce, picks = "max", "max", staticmethod(np.max), "to_argmax"
    __slots__ = ()


class Min(_Extremum):
    """The smallest entry over ``axis`` (numpy's ``min``). Ties share the gradient equally."""

    name, method, reduce, picks = "min", "min", staticmethod(np.min), "to_argmin"
    __slots__ = ()


def _extremum_call(op: type[_Extremum], word: str) -> Any:
    """``t.max(axis, keepdims)`` (``t.min``): the op's Tensor method."""

    def call(t: Tensor, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        return op.apply(t, normalise_axes(t, axis, op.name), bool(keepdims))

    call.__doc__ = f"The {word} over ``axis`` (all axes when None); ties share the gradient."
    return staticmethod(call)


Max.call, Min.call = _extremum_call(Max, "maximum"), _extremum_call(Min, "minimum")


def _std_backward(g: Array, a: Array, out: Array, axis: tuple[int, ...] | None, keepdims: bool,
                  divisor: int) -> Array:
    """d std/da = (a - mean) / ((N - ddof) std); 0 where the std is 0 (all entries equal), as
    PyTorch has it."""
    centred = a - np.mean(a, axis=axis, keepdims=True)
    s = _expand_reduced(out, a.shape, axis, keepdims)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(s == 0, 0, _expand_reduced(g, a.shape, axis, keepdims) * centred / (divisor * s))


class Std(Unary):
    """The standard deviation over ``axis`` (numpy's ``std``: the root of the sum of squared
    deviations divided by N - ddof). Where all entries are equal its derivative is taken as 0."""

    name, method = "std", "std"
    __slots__ = ("a", "out", "axis", "keepdims", "divisor")

    @staticmethod
    def call(t: Tensor, axis: int | tuple[int, ...] | None = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
        """The standard deviation over ``axis`` (all axes when None), divided by N - ``ddof``."""
        axes = normalise_axes(t, axis, "std")
        return Std.apply(t, axes, bool(keepdims), reduced_count(t, axes, ddof, "std") - ddof)

    def forward(self, a: Array, axis: tuple[int, ...] | None = None, keepdims: bool = False,
                divisor: int = 1) -> Array:
        self.a, self.axis, self.keepdims, self.divisor = a, axis, keepdims, divisor
        self.out = np.sqrt(np.sum((a - np.mean(a, axis=axis, keepdims=True)) ** 2, axis=axis, keepdims=keepdims)
                           / divisor)
        return self.out

    def backward(self, g):
        # d std/da = (a - mean(a)) / ((N - ddof) std), 0 where std = 0
        return (_std_backward(g, self.a, self.out, self.axis, self.keepdims, self.divisor),)

    def rule(self, g, ins, out):
        a, o, axis, keepdims, d = self.a, self.out, self.axis, self.keepdims, self.divisor
        return (Call("std'", (g,), lambda x: _std_backward(x, a, o, axis, keepdims, d), f"axis={axis}"),)


def reduced_count(t: Tensor, axes: tuple[int, ...] | None, ddof: int, name: str) -> int:
    """N, the number of entries each result of a reduction over ``axes`` gathers, checked against
    ``ddof`` (var and std divide by N - ddof)."""
    if not isinstance(ddof, (int, np.integer)) or isinstance(ddof, bool) or ddof < 0:
        raise ValueError(message(name, f"ddof must be a non-negative int, got {ddof!r}"))
    n = t.size if axes is None else int(np.prod([t.shape[a] for a in axes]))
    if n - ddof <= 0:
        raise ValueError(message(name, f"{n} entries with ddof={ddof} leave nothing to divide by",
                                 "ddof=0 divides by N, ddof=1 by N - 1"))
    return n


def _scatter(g: Array, shape: tuple[int, ...], key: Any) -> Array:
    """g put back at ``key`` in zeros of ``shape``; repeated indices add up (np.add.at)."""
    out = np.zeros_like(g, shape=shape)
    np.add.at(out, key, g)
    return out


class Index(Unary):
    """``t[key]``: numpy's indexing and slicing (``t[i]``, ``t[:, 2:5]``, an integer array, a
    boolean mask). The backward pass puts the gradient back where the entries came from; an entry
    taken several times (repeated indices) gets the sum."""

    name = "index"
    __slots__ = ("shape", "key")

    @staticmethod
    def call(t: Tensor, key: Any) -> Tensor:
        return Index.apply(t, _index_key(t, key))

    def forward(self, a: Array, key: Any = ()) -> Array:
        self.shape, self.key = a.shape, key
        return a[key]

    def backward(self, g):
        # each entry of the result came from one place of the input: the gradient goes back there
        return (_scatter(g, self.shape, self.key),)

    def rule(self, g, ins, out):
        shape, key = self.shape, self.key
        return (Call("scatter", (g,), lambda x: _scatter(x, shape, key), f"at {_key_text(key)}"),)


def _index_key(t: Tensor, key: Any) -> Any:
    """The key, with Tensors in it as their values (an index is not differentiated) and a teaching
    error for one numpy refuses."""
    keys = key if isinstance(key, tuple) else (key,)
    keys = tuple(k.data if isinstance(k, Tensor) else k for k in keys)
    try:
        np.empty(t.shape, dtype=bool)[keys if isinstance(key, tuple) else keys[0]]
    except (IndexError, TypeError, ValueError) as e:
        raise IndexError(message("index", f"{e} (indexing a tensor of shape {t.shape})",
                                 "indices run 0..n-1 along each axis; a mask must have the tensor's shape")) from None
    return keys if isinstance(key, tuple) else keys[0]


def _key_text(key: Any) -> str:
    return re.sub(r"\s+", " ", repr(key))[:60]


class Concatenate(Function):
    """The tensors joined along ``axis`` (numpy's ``concatenate``); any number of inputs. The
    gradient is split back into the pieces."""

    name, arity = "concatenate", 0  # the inputs: as many as given
    __slots__ = ("axis", "sizes")

    @classmethod
    def join(cls, tensors: list[Tensor], axis: int) -> Tensor:
        return _run(cls(), tuple(tensors), [t.data for t in tensors], (axis,))

    def forward(self, *arrays: Any) -> Array:
        *pieces, axis = arrays
        self.axis, self.sizes = axis, [p.shape[axis] for p in pieces]
        return np.concatenate(pieces, axis=axis)

    def backward(self, g):
        # each input gets its own part of the gradient back
        return tuple(np.split(g, np.cumsum(self.sizes)[:-1], axis=self.axis))

    def rule(self, g, ins, out):
        cuts, axis = np.cumsum(self.sizes)[:-1], self.axis
        return tuple(Call("part", (g,), lambda x, k=k: np.split(x, cuts, axis=axis)[k], f"{k} along axis {axis}")
                     for k in range(len(self.sizes)))


class Where(Function):
    """``where(cond, a, b)``: a where cond is true, else b (numpy's ``where``, broadcasting); the
    gradient goes to a where cond holds and to b elsewhere."""

    name, arity, shape_rule = "where", 2, "broadcast"
    __slots__ = ("cond",)

    def forward(self, a: Array, b: Array, cond: Any = True) -> Array:
        self.cond = cond
        return np.where(cond, a, b)

    def backward(self, g):
        need_a, need_b = self.needs_input_grad
        return (np.where(self.cond, g, 0) if need_a else None), (np.where(self.cond, 0, g) if need_b else None)

    def rule(self, g, ins, out):
        cond = self.cond
        return (Call("where", (g,), lambda x: np.where(cond, x, 0), "cond, 0"),
                Call("where", (g,), lambda x: np.where(cond, 0, x), "cond, 0 else"))
