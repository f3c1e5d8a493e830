"""Tensor's operators and methods, made from the op classes (:mod:`tinygrad_edu.ops`).

Each op class names the Tensor method that applies it (``method``, with a static ``call`` when
it takes arguments) or the operator it is (``operator``)::

    Z.relu()         is  ops.ReLU.apply(Z)
    t.sum(axis=1)    is  ops.Sum.call(t, axis=1)
    a + b            is  ops.Add.apply(a, b)
    1 - A            is  ops.Sub.apply(1.0, A)     (the number is kept in the op, not a node)

``ndarray + Tensor`` and ``number * Tensor`` come to the reflected methods (``__radd__``,
``__rmul__``, ...). ``import tinygrad_edu`` runs this module, so a new op is a class in
:mod:`tinygrad_edu.ops` and nothing more.
"""

from __future__ import annotations

from typing import Any

from . import ops
from . import tensor as _tensor_module
from .tensor import Binary, Function, Tensor, _coerce

__all__: list[str] = []


def _operator(op: type[Binary], reflected: bool) -> Any:
    """Tensor's method for a binary operator: ``self <op> other``, or ``other <op> self`` when reflected."""
    apply = op.apply
    if reflected:

        def method(self: Tensor, other: Any) -> Tensor:
            return apply(other if type(other) is Tensor else _coerce(op, self, other), self)
    else:

        def method(self: Tensor, other: Any) -> Tensor:
            return apply(self, other if type(other) is Tensor else _coerce(op, self, other))

    return method


def _unary_method(op: type[Function]) -> Any:
    """Tensor's method for a one-input op without arguments: ``t.relu()`` is ``ReLU.apply(t)``."""
    apply = op.apply

    def method(self: Tensor) -> Tensor:
        return apply(self)

    return method


def _set_method(name: str, method: Any, doc: str) -> None:
    method.__name__, method.__qualname__, method.__doc__ = name, f"Tensor.{name}", doc
    setattr(Tensor, name, method)


for _op in Function.registry:
    if _op.method:
        _call = _op.call or _unary_method(_op)
        _set_method(_op.method, _call, (_call.__doc__ or _op.__doc__ or _op.name).strip().split("\n\n")[0])
    if _op.operator:
        for _reflected, _prefix in ((False, ""), (True, "r")):
            _set_method(f"__{_prefix}{_op.operator}__", _operator(_op, _reflected),  # type: ignore[arg-type]
                         f"``{'other ' if _reflected else 'self '}{_op.symbol} {'self' if _reflected else 'other'}``")

_tensor_module.cross_entropy = ops.cross_entropy  # type: ignore[attr-defined]  (its former address)
