"""numpy's names on Tensors, beyond the op methods: the functions ``where``, ``concatenate``,
``stack``, ``split``, ``maximum``, ``minimum``, ``softmax``, ``log_softmax``, ``logsumexp``; the
method ``var`` (built from the ops, so its gradient comes from them; ``std`` is an op), indexing
``t[key]``, comparisons (``t > 0``: a plain boolean array, as a comparison has no gradient) and
``abs(t)``; and numpy's own functions applied to a Tensor: ``np.exp(t)``, ``np.sum(t, axis=1)``,
``np.maximum(a, b)`` ... run the same ops and return a Tensor, and any other numpy function says
which method to call instead of failing with numpy's confusing TypeError.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import ops
from .diagnostics import normalise_axes
from .errors import message
from .tensor import Tensor, _coerce, _operand

__all__ = ["where", "concatenate", "stack", "split", "maximum", "minimum", "softmax", "log_softmax", "logsumexp"]


def _tensor(x: Any, like: Tensor | None = None) -> Tensor:
    """``x`` as a Tensor; a Python number takes ``like``'s dtype (float32 stays float32)."""
    if isinstance(x, Tensor):
        return x
    if like is None:
        return Tensor(x)
    if isinstance(x, (int, float, np.number)) and not isinstance(x, bool):
        x = np.asarray(x, dtype=like.data.dtype)
    return _operand(x, like)


def where(cond: Any, a: Any, b: Any) -> Tensor:
    """``a`` where ``cond`` is true, else ``b`` (numpy's ``where``, broadcasting). ``cond`` is a
    boolean array (a comparison such as ``Z > 0``); the gradient goes to a where cond holds, to b
    elsewhere."""
    like = a if isinstance(a, Tensor) else b if isinstance(b, Tensor) else None
    ta, tb = _tensor(a, like), _tensor(b, like)
    c = cond.data if isinstance(cond, Tensor) else cond
    c = np.asanyarray(c)
    if c.dtype != bool:
        raise TypeError(message("where", f"cond must be a boolean array (a comparison such as Z > 0), got dtype "
                                         f"{c.dtype}", "compare first: where(Z > 0, Z, 0)"))
    return ops.Where.apply(ta, tb, c)


def concatenate(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """The tensors joined along ``axis`` (numpy's ``concatenate``)."""
    ts = [_tensor(t) for t in tensors]
    if not ts:
        raise ValueError(message("concatenate", "needs at least one tensor"))
    nd = ts[0].ndim
    if not isinstance(axis, (int, np.integer)) or not -nd <= axis < max(nd, 1):
        raise ValueError(message("concatenate", f"axis {axis!r} is out of range for {nd}-d tensors"))
    ax = int(axis) % nd
    for k, t in enumerate(ts[1:], start=1):
        if t.ndim != nd or t.shape[:ax] + t.shape[ax + 1:] != ts[0].shape[:ax] + ts[0].shape[ax + 1:]:
            raise ValueError(message("concatenate", f"tensor {k} has shape {t.shape}, tensor 0 {ts[0].shape}: all "
                                                    f"sizes but axis {ax}'s must agree"))
    return ops.Concatenate.join(ts, ax)


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """The tensors (all of one shape) stacked along a new ``axis`` (numpy's ``stack``)."""
    ts = [_tensor(t) for t in tensors]
    if not ts:
        raise ValueError(message("stack", "needs at least one tensor"))
    shape = ts[0].shape
    if any(t.shape != shape for t in ts):
        raise ValueError(message("stack", f"all tensors must have one shape, got {[t.shape for t in ts]}"))
    nd = len(shape) + 1
    if not isinstance(axis, (int, np.integer)) or not -nd <= axis < nd:
        raise ValueError(message("stack", f"axis {axis!r} is out of range for the {nd}-d result"))
    ax = int(axis) % nd
    new = shape[:ax] + (1,) + shape[ax:]
    return concatenate([t.reshape(new) for t in ts], axis=ax)


def split(t: Tensor, sections: int | Sequence[int], axis: int = 0) -> list[Tensor]:
    """``t`` cut along ``axis`` into equal ``sections`` or at the given indices (numpy's
    ``split``); each piece is a slice of t, so the gradients go back to their places."""
    nd = t.ndim
    if not isinstance(axis, (int, np.integer)) or not -nd <= axis < nd:
        raise ValueError(message("split", f"axis {axis!r} is out of range for {t.shape}"))
    ax, n = int(axis) % nd, t.shape[int(axis) % nd]
    if isinstance(sections, (int, np.integer)):
        if sections <= 0 or n % sections:
            raise ValueError(message("split", f"{n} entries along axis {ax} cannot be split into {sections} equal "
                                              "parts", "give the indices to cut at instead: split(t, [2, 5])"))
        cuts = list(range(0, n, n // sections))[1:]
    else:
        cuts = [int(c) for c in sections]
    bounds = [0, *cuts, n]
    pieces = []
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        key = tuple(slice(None) for _ in range(ax)) + (slice(lo, hi),)
        pieces.append(t[key])
    return pieces


def maximum(a: Any, b: Any) -> Tensor:
    """The elementwise larger (numpy's ``maximum``); ties share the gradient, half each."""
    return _binary(ops.Maximum, a, b)


def minimum(a: Any, b: Any) -> Tensor:
    """The elementwise smaller (numpy's ``minimum``); ties share the gradient, half each."""
    return _binary(ops.Minimum, a, b)


def _binary(op: Any, a: Any, b: Any) -> Tensor:
    if isinstance(a, Tensor):
        return op.apply(a, b if isinstance(b, Tensor) else _coerce(op, a, b))
    if isinstance(b, Tensor):
        return op.apply(_coerce(op, b, a), b)
    return op.apply(Tensor(a), b)


def softmax(t: Tensor, axis: int = 0) -> Tensor:
    """softmax along ``axis`` (default 0: the classes are the rows)."""
    return t.softmax(axis)


def log_softmax(t: Tensor, axis: int = 0) -> Tensor:
    """log softmax along ``axis`` (default 0)."""
    return t.log_softmax(axis)


def logsumexp(t: Tensor, axis: int = 0, keepdims: bool = False) -> Tensor:
    """log Σ e^t along ``axis`` (default 0)."""
    return t.logsumexp(axis, keepdims)


# ----------------------------------------------------------------------------- Tensor methods


def _var(self: Tensor, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> Tensor:
    """The variance over ``axis`` (numpy's ``var``: divided by N - ddof), built from mean, -, *
    and sum, which give it its gradient."""
    axes = normalise_axes(self, axis, "var")
    n = ops.shapes.reduced_count(self, axes, ddof, "var")
    centred = self - self.mean(axis=axes, keepdims=True)
    return (centred * centred).sum(axis=axes, keepdims=keepdims) / (n - ddof)


def _getitem(self: Tensor, key: Any) -> Tensor:
    """``t[key]``: numpy's indexing (ints, slices, integer arrays, boolean masks)."""
    return ops.Index.call(self, key)


def _values(x: Any) -> Any:
    return x.data if isinstance(x, Tensor) else x


def _comparison(fn: Any, symbol: str) -> Any:
    def method(self: Tensor, other: Any) -> np.ndarray:
        return fn(self.data, _values(other))

    method.__name__ = method.__qualname__ = f"comparison {symbol}"
    method.__doc__ = f"``t {symbol} other``: a plain boolean array (a comparison has no gradient)."
    return method


for _name, _fn, _symbol in (("__lt__", np.less, "<"), ("__le__", np.less_equal, "<="), ("__gt__", np.greater, ">"),
                            ("__ge__", np.greater_equal, ">="), ("__eq__", np.equal, "=="),
                            ("__ne__", np.not_equal, "!=")):
    setattr(Tensor, _name, _comparison(_fn, _symbol))
Tensor.__hash__ = object.__hash__  # type: ignore[method-assign]  (== compares values; identity hashes)
Tensor.__abs__ = lambda self: self.abs()  # type: ignore[method-assign]
Tensor.__getitem__ = _getitem  # type: ignore[method-assign]
Tensor.var = _var  # type: ignore[attr-defined]


# ----------------------------------------------------------------------------- numpy's functions


def _operator(name: str) -> Any:
    """numpy's ufunc for a Tensor operator: the Tensor's method, reflected when the Tensor is on
    the right (``ndarray + t`` is ``t.__radd__(ndarray)``), never numpy's own (which would ask
    the Tensor again)."""
    return lambda a, b: getattr(a, f"__{name}__")(b) if isinstance(a, Tensor) else getattr(b, f"__r{name}__")(a)


_UFUNCS: dict[Any, Any] = {
    np.add: _operator("add"), np.subtract: _operator("sub"), np.multiply: _operator("mul"),
    np.true_divide: _operator("truediv"), np.power: _operator("pow"), np.matmul: _operator("matmul"),
    np.negative: lambda a: -a, np.exp: lambda a: a.exp(), np.log: lambda a: a.log(), np.tanh: lambda a: a.tanh(),
    np.sqrt: lambda a: a.sqrt(), np.absolute: lambda a: a.abs(), np.maximum: maximum, np.minimum: minimum,
    np.less: lambda a, b: _values(a) < _values(b), np.less_equal: lambda a, b: _values(a) <= _values(b),
    np.greater: lambda a, b: _values(a) > _values(b), np.greater_equal: lambda a, b: _values(a) >= _values(b),
    np.equal: lambda a, b: np.equal(_values(a), _values(b)), np.not_equal: lambda a, b: np.not_equal(_values(a),
                                                                                                    _values(b)),
}

_FUNCTIONS: dict[Any, Any] = {
    np.sum: lambda a, axis=None, keepdims=False: _tensor(a).sum(axis=axis, keepdims=keepdims),
    np.mean: lambda a, axis=None, keepdims=False: _tensor(a).mean(axis=axis, keepdims=keepdims),
    np.max: lambda a, axis=None, keepdims=False: _tensor(a).max(axis=axis, keepdims=keepdims),
    np.amax: lambda a, axis=None, keepdims=False: _tensor(a).max(axis=axis, keepdims=keepdims),
    np.min: lambda a, axis=None, keepdims=False: _tensor(a).min(axis=axis, keepdims=keepdims),
    np.amin: lambda a, axis=None, keepdims=False: _tensor(a).min(axis=axis, keepdims=keepdims),
    np.var: lambda a, axis=None, keepdims=False, ddof=0: _var(_tensor(a), axis, keepdims, ddof),
    np.std: lambda a, axis=None, keepdims=False, ddof=0: ops.Std.call(_tensor(a), axis, keepdims, ddof),
    np.transpose: lambda a, axes=None: _tensor(a).transpose(*(() if axes is None else (axes,))),
    np.reshape: lambda a, shape: _tensor(a).reshape(shape),
    np.where: lambda cond, a, b: where(cond, a, b),
    np.concatenate: lambda tensors, axis=0: concatenate(tensors, axis),
    np.stack: lambda tensors, axis=0: stack(tensors, axis),
    np.split: lambda a, sections, axis=0: split(_tensor(a), sections, axis),
    np.abs: lambda a: _tensor(a).abs(),
}


def _refuse(what: str) -> TypeError:
    return TypeError(message(what, "is not defined on a Tensor here (its gradient would be lost)",
                             "use the Tensor's own method (t.sum(), t.exp(), t.max(axis=0), ...), one of "
                             "tinygrad_edu's functions (where, concatenate, stack, split, maximum, minimum, "
                             "softmax, log_softmax, logsumexp), or np.<name>(t.numpy()) for the values alone"))


def _array_ufunc(self: Tensor, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
    fn = _UFUNCS.get(ufunc)
    if method != "__call__" or fn is None or kwargs:
        extra = f" with {', '.join(kwargs)}=" if kwargs else "" if method == "__call__" else f".{method}"
        raise _refuse(f"np.{ufunc.__name__}{extra}")
    return fn(*inputs)


def _array_function(self: Tensor, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
    fn = _FUNCTIONS.get(func)
    if fn is None:
        raise _refuse(f"np.{getattr(func, '__name__', func)}")
    try:
        return fn(*args, **kwargs)
    except TypeError as e:
        raise TypeError(message(f"np.{func.__name__}", f"on a Tensor takes fewer options here: {e}",
                                "use the Tensor's method, e.g. t.sum(axis=1, keepdims=True)")) from None


Tensor.__array_ufunc__ = _array_ufunc  # type: ignore[assignment]
Tensor.__array_function__ = _array_function  # type: ignore[attr-defined]
