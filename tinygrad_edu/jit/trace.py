"""Recording a training step as the numpy calls it makes.

While a :class:`Tape` is active (``mode.state.tracer``), the arrays of the step's *state* (the
jitted function's Tensor arguments, every parameter an op or an optimizer touches: its ``.data``
and ``.grad``, and the optimizers' own arrays) are :class:`Traced` views of themselves. numpy
hands every operation on a Traced array to :meth:`Traced.__array_ufunc__` /
:meth:`Traced.__array_function__`, which compute it on plain arrays, record it as an
:class:`Instruction` (the function, its arguments, the array it produced) and give back a Traced
view of the result. So the tape ends up holding exactly the numpy calls the eager step made, in
order, with the arrays they read and wrote; anything computed from constants alone (the seed of
backward, ``1 / m``) is computed once, at recording, and enters the tape as a constant.

A Python value read from a Traced array (``float(J)``, ``J.item()``, ``if`` on data) is noted
(:attr:`Tape.reads`): such a value would be frozen into the replay, so the jit refuses it.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Traced", "Tape", "Instruction", "Slot", "plain"]

# numpy functions that return a view of their first argument: nothing to record (the view aliases
# the same memory, which the replay refreshes in place)
_VIEWS = {np.broadcast_to, np.expand_dims, np.transpose, np.swapaxes, np.reshape, np.squeeze, np.moveaxis,
          np.atleast_1d, np.atleast_2d, np.ravel}


def plain(x: Any) -> Any:
    """A plain ndarray view of a Traced array (anything else unchanged)."""
    return x.view(np.ndarray) if isinstance(x, Traced) else x


def _plain_args(args: Any) -> Any:
    if isinstance(args, tuple):
        return tuple(_plain_args(a) for a in args)
    if isinstance(args, list):
        return [_plain_args(a) for a in args]
    return plain(args)


def _has_traced(args: Any) -> bool:
    if isinstance(args, (tuple, list)):
        return any(_has_traced(a) for a in args)
    return isinstance(args, Traced)


@dataclass
class Instruction:
    """One recorded numpy call: ``fn(*args, **kwargs)`` wrote its result into ``out`` (a plain
    array). ``kind``: ``"ufunc"`` (a ufunc or one of its methods, ``out=`` given), ``"call"``
    (another numpy function: its result is copied into ``out``)."""

    kind: str
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    out: np.ndarray
    name: str  # for the program's source: ``matmul``, ``add``, ``where``


@dataclass
class Slot:
    """A place that holds one of the step's state arrays: ``owner.attr`` (a Tensor's data or grad)
    or ``owner[attr]`` (an optimizer's list of moments). ``start`` is the plain array it held when
    recording began (None if it held none)."""

    owner: Any
    attr: Any
    label: str
    start: np.ndarray | None = None

    def get(self) -> Any:
        return self.owner[self.attr] if isinstance(self.owner, list) else getattr(self.owner, self.attr)

    def set(self, value: Any) -> None:
        if isinstance(self.owner, list):
            self.owner[self.attr] = value
        else:
            setattr(self.owner, self.attr, value)


@dataclass
class Tape:
    """What one recorded call did (see the module docstring)."""

    instructions: list[Instruction] = field(default_factory=list)
    slots: list[Slot] = field(default_factory=list)
    reads: list[str] = field(default_factory=list)  # "float(...) at file.py:12"
    refused: list[str] = field(default_factory=list)  # numpy calls that cannot be replayed
    _seen: set[tuple[int, Any]] = field(default_factory=set)

    # --- state
    def add_slot(self, owner: Any, attr: Any, label: str) -> None:
        """Register ``owner.attr`` as state (once) and make the array it holds Traced."""
        key = (id(owner), attr)
        if key in self._seen:
            return
        self._seen.add(key)
        slot = Slot(owner, attr, label)
        value = slot.get()
        if isinstance(value, np.generic):  # a numpy scalar: state too, as a 0-d array
            value = np.array(value)
        if isinstance(value, np.ndarray) and not isinstance(value, Traced):
            slot.start = value
            slot.set(value.view(Traced))
        self.slots.append(slot)

    def touch(self, t: Any) -> None:
        """A Tensor met by an op or an optimizer: its data and grad become state (leaves only; a
        result of an op is computed by the tape already)."""
        if t is not None and t._ctx is None and (t.requires_grad or id(t) in self._args):
            name = t.name or f"param{len(self.slots) // 2}"
            self.add_slot(t, "data", name)
            self.add_slot(t, "grad", f"d{name}")

    _args: set[int] = field(default_factory=set)

    # --- recording
    def ufunc(self, ufunc: np.ufunc, method: str, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        out = kwargs.pop("out", None)
        args = _plain_args(inputs)
        if out is not None:
            outs = _plain_args(out)
            result = getattr(ufunc, method)(*args, out=outs, **kwargs)
            target = outs[0] if isinstance(outs, tuple) else outs
        else:
            result = getattr(ufunc, method)(*args, **kwargs)
            if isinstance(result, tuple):
                self.refused.append(f"{ufunc.__name__} with several outputs")
                return result
            if not isinstance(result, np.ndarray):  # a 0-d result comes back as a scalar
                result = np.array(result)
            target = result
        fn = ufunc if method == "__call__" else getattr(ufunc, method)
        name = ufunc.__name__ + ("" if method == "__call__" else f".{method}")
        self.instructions.append(Instruction("ufunc", fn, args, kwargs, target, name))
        return target.view(Traced)

    def function(self, func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        pargs, pkw = _plain_args(args), {k: _plain_args(v) for k, v in kwargs.items()}
        result = func(*pargs, **pkw)
        if func in _VIEWS:
            return result.view(Traced) if isinstance(result, np.ndarray) else result
        if not isinstance(result, np.ndarray):
            if isinstance(result, (np.generic, float, int, bool)):
                result = np.array(result)
            else:
                self.refused.append(f"np.{getattr(func, '__name__', func)}")
                return result
        self.instructions.append(Instruction("call", func, pargs, pkw, result, getattr(func, "__name__", "call")))
        return result.view(Traced)

    def read(self, what: str) -> None:
        """A Python value was read from the step's arrays: where, in the user's code."""
        frames = [f for f in traceback.extract_stack()[:-2] if "tinygrad_edu" not in f.filename.replace("\\", "/")
                  or "/tests/" in f.filename]
        where = f" at {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}" if frames else ""
        self.reads.append(f"{what}{where}")


def _astype(a: np.ndarray, dtype: np.dtype) -> np.ndarray:
    return a.astype(dtype)


def _tape() -> Tape | None:
    from ..mode import state

    return state.tracer


class Traced(np.ndarray):
    """An array of the step being recorded: numpy's operations on it are recorded (see the module
    docstring). Views of it are Traced too; reading a Python value from it is noted."""

    __array_priority__ = 1000.0

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        tape = _tape()
        if tape is None:  # outside recording (a leftover view): plain numpy
            args = _plain_args(inputs)
            kwargs = {k: _plain_args(v) for k, v in kwargs.items()}
            return getattr(ufunc, method)(*args, **kwargs)
        return tape.ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        tape = _tape()
        if tape is None:
            return func(*_plain_args(args), **{k: _plain_args(v) for k, v in kwargs.items()})
        return tape.function(func, args, kwargs)

    def astype(self, dtype: Any, *args: Any, **kwargs: Any) -> Any:  # a copy: recorded like any other call
        tape = _tape()
        if tape is None:
            return self.view(np.ndarray).astype(dtype, *args, **kwargs)
        if np.dtype(dtype) == self.dtype and kwargs.get("copy", True) is False:
            return self
        return tape.function(_astype, (self, np.dtype(dtype)), {})

    def copy(self, order: str = "C") -> Any:
        tape = _tape()
        if tape is None:
            return self.view(np.ndarray).copy(order)
        return tape.function(np.copy, (self,), {"order": order})

    def _read(self, what: str) -> None:
        tape = _tape()
        if tape is not None:
            tape.read(what)

    def item(self, *args: Any) -> Any:
        self._read(".item()")
        return self.view(np.ndarray).item(*args)

    def tolist(self) -> Any:
        self._read(".tolist()")
        return self.view(np.ndarray).tolist()

    def __float__(self) -> float:
        self._read("float()")
        return float(self.view(np.ndarray))

    def __int__(self) -> int:
        self._read("int()")
        return int(self.view(np.ndarray))

    def __index__(self) -> int:
        self._read("an index")
        return self.view(np.ndarray).__index__()

    def __bool__(self) -> bool:
        self._read("a truth value (if, and, or)")
        return bool(self.view(np.ndarray))

    def __repr__(self) -> str:
        self._read("printing its values")
        return repr(self.view(np.ndarray))

    __str__ = __repr__
