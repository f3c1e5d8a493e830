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

import functools
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Traced", "Tape", "Instruction", "Slot", "plain", "root_of"]

# numpy functions that return a view of their first argument: nothing to record (the view aliases
# the same memory, which the replay refreshes in place); reshape and ravel return a copy when
# the layout asks for one, and the copy is recorded
_VIEWS = {np.broadcast_to, np.expand_dims, np.transpose, np.swapaxes, np.reshape, np.squeeze, np.moveaxis,
          np.atleast_1d, np.atleast_2d, np.ravel, np.split, np.array_split}
# numpy functions that read only shapes and dtypes, never values: their results are not state
_METADATA = {np.result_type, np.shape, np.ndim, np.size, np.iscomplexobj, np.isrealobj, np.may_share_memory,
             np.shares_memory, np.min_scalar_type, np.can_cast}


def root_of(a: np.ndarray) -> np.ndarray:
    """The array that owns ``a``'s memory."""
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


def _is_view_of(result: Any, a: Any) -> bool:
    return isinstance(result, np.ndarray) and isinstance(a, np.ndarray) and root_of(result) is root_of(a)


def _split_key(key: Any) -> tuple[Any, list[Any]]:
    """An index key as a template and the arrays in it (which the replay reads like any other input):
    ``(slice(None), mask)`` -> ``((slice(None), _KeySlot(0)), [mask])``."""
    arrays: list[Any] = []
    return _pack(_plain_args(key), arrays), arrays


@dataclass(frozen=True)
class _KeySlot:
    """Where the i-th array of an index key goes."""

    i: int


class _Key:
    """A recorded index key: ``key(*arrays)`` rebuilds it (its text is what the source shows)."""

    def __init__(self, template: Any) -> None:
        self.template = template

    def __call__(self, arrays: tuple[Any, ...]) -> Any:
        return _unpack(self.template, arrays)

    def __repr__(self) -> str:
        return self.text([f"<array {i}>" for i in range(64)])

    def text(self, names: list[str]) -> str:
        """The key as Python source, its arrays called ``names``."""
        parts = self.template if isinstance(self.template, tuple) else (self.template,)

        def text(k: Any) -> str:
            if isinstance(k, _KeySlot):
                return names[k.i]
            if isinstance(k, slice):
                return ":".join("" if v is None else str(v) for v in (k.start, k.stop)) + (
                    f":{k.step}" if k.step is not None else "")
            return "..." if k is Ellipsis else "None" if k is None else repr(k)

        return ", ".join(text(k) for k in parts)


def _nested(x: Any) -> bool:
    """A list or tuple with an array somewhere inside (np.concatenate's first argument)."""
    return isinstance(x, (list, tuple)) and any(isinstance(v, np.ndarray) or _nested(v) for v in x)


def _pack(x: Any, arrays: list[Any]) -> Any:
    """``x`` with every array in it replaced by its place in ``arrays`` (appended)."""
    if isinstance(x, np.ndarray):
        arrays.append(x)
        return _KeySlot(len(arrays) - 1)
    if isinstance(x, (list, tuple)):
        return type(x)(_pack(v, arrays) for v in x)
    return x


def _unpack(x: Any, arrays: tuple[Any, ...]) -> Any:
    if isinstance(x, _KeySlot):
        return arrays[x.i]
    if isinstance(x, (list, tuple)):
        return type(x)(_unpack(v, arrays) for v in x)
    return x


def packed_text(x: Any, names: list[str]) -> str:
    """A packed argument as source, its arrays called ``names``."""
    if isinstance(x, _KeySlot):
        return names[x.i]
    if isinstance(x, list):
        return "[" + ", ".join(packed_text(v, names) for v in x) + "]"
    if isinstance(x, tuple):
        return "(" + ", ".join(packed_text(v, names) for v in x) + ("," if len(x) == 1 else "") + ")"
    return repr(x)


def _call_packed(*arrays: Any, func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``func`` on arguments that hold arrays inside lists (recorded flat, so the replay sees them)."""
    return func(*_unpack(args, arrays), **{k: _unpack(v, arrays) for k, v in kwargs.items()})


def _getitem(a: np.ndarray, *arrays: Any, key: _Key) -> np.ndarray:
    return a[key(arrays)]


def _ufunc_at(target: np.ndarray, *rest: Any, ufunc: np.ufunc, key: _Key, n_values: int) -> None:
    """``ufunc.at(target, key, *values)``: the values first in ``rest``, then the key's arrays."""
    ufunc.at(target, key(rest[n_values:]), *rest[:n_values])


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
    (another numpy function: its result is copied into ``out``), ``"inplace"`` (``np.add.at``:
    it updates its first argument, ``out``, in place)."""

    kind: str
    fn: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    out: np.ndarray
    name: str  # for the program's source: ``matmul``, ``add``, ``where``
    key: Any = None  # for the source: an index key (``getitem``, ``add.at``), or packed arguments

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
    counters: list[tuple[Any, Any, int]] = field(default_factory=list)  # (owner, attr, value at the start)

    def add_counter(self, owner: Any, attr: Any) -> None:
        """Register a step counter (``opt.t``): a replay adds what the recorded step added."""
        key = (id(owner), ("counter", attr))
        if key not in self._seen:
            self._seen.add(key)
            self.counters.append((owner, attr, Slot(owner, attr, "").get()))

    # --- recording
    def ufunc(self, ufunc: np.ufunc, method: str, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if method == "at":
            return self._at(ufunc, inputs)
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

    def _at(self, ufunc: np.ufunc, inputs: tuple[Any, ...]) -> None:
        """``np.add.at(target, key, values)``: an update in place of ``target``, recorded as one."""
        target, key, *values = inputs
        if not isinstance(target, Traced):
            self.refused.append(f"np.{ufunc.__name__}.at into an array the step did not compute")
            ufunc.at(plain(target), _plain_args(key), *_plain_args(tuple(values)))
            return None
        template, arrays = _split_key(key)
        k = _Key(template)
        args = (plain(target), *_plain_args(tuple(values)), *arrays)
        fn = functools.partial(_ufunc_at, ufunc=ufunc, key=k, n_values=len(values))
        fn(*args)
        self.instructions.append(Instruction("inplace", fn, args, {}, plain(target), f"{ufunc.__name__}.at", k))
        return None

    def getitem(self, a: Traced, key: Any) -> Any:
        """``a[key]``: a view (basic indexing) is not recorded; a copy (an integer array, a mask) is."""
        pa = plain(a)
        template, arrays = _split_key(key)
        k = _Key(template)
        if any(isinstance(x, Traced) and x.dtype == bool for x in (key if isinstance(key, tuple) else (key,))):
            self.refused.append(f"a[{k!r}] with a boolean mask computed in the step (the result's shape "
                                "depends on the values: use where(mask, a, 0) instead)")
        result = pa[k(tuple(arrays))]
        if not isinstance(result, np.ndarray):  # one element: a Python value read from the step's data
            self.read(f"an element [{k!r}]")
            return result
        if _is_view_of(result, pa):
            return result.view(Traced)
        fn = functools.partial(_getitem, key=k)
        self.instructions.append(Instruction("call", fn, (pa, *arrays), {}, result, "getitem", k))
        return result.view(Traced)

    def function(self, func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        pargs, pkw = _plain_args(args), {k: _plain_args(v) for k, v in kwargs.items()}
        result = func(*pargs, **pkw)
        if func in _METADATA:
            return result
        first = pargs[0] if pargs else None
        if func in _VIEWS and isinstance(result, (list, tuple)) and all(_is_view_of(r, first) for r in result):
            return [r.view(Traced) for r in result]
        if func in _VIEWS and (_is_view_of(result, first) or not isinstance(result, np.ndarray)):
            return result.view(Traced) if isinstance(result, np.ndarray) else result
        if not isinstance(result, np.ndarray):
            if isinstance(result, (np.generic, float, int, bool)):
                result = np.array(result)
            else:
                self.refused.append(f"np.{getattr(func, '__name__', func)}")
                return result
        name = getattr(func, "__name__", "call")
        if any(_nested(a) for a in (*pargs, *pkw.values())):  # arrays inside a list: recorded flat
            arrays: list[Any] = []
            packed_args, packed_kw = _pack(tuple(pargs), arrays), {k: _pack(v, arrays) for k, v in pkw.items()}
            fn = functools.partial(_call_packed, func=func, args=packed_args, kwargs=packed_kw)
            self.instructions.append(Instruction("call", fn, tuple(arrays), {}, result, name,
                                                 (packed_args, packed_kw)))
        else:
            self.instructions.append(Instruction("call", func, pargs, pkw, result, name))
        return result.view(Traced)

    def read(self, what: str) -> None:
        """A Python value was read from the step's arrays: where, in the user's code."""
        frames = [f for f in traceback.extract_stack()[:-2] if "tinygrad_edu" not in f.filename.replace("\\", "/")
                  or "/tests/" in f.filename]
        where = f" at {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}" if frames else ""
        self.reads.append(f"{what}{where}")


def _astype(a: np.ndarray, dtype: np.dtype) -> np.ndarray:
    return a.astype(dtype)


def _reshape(a: np.ndarray, shape: Any, order: str = "C") -> np.ndarray:
    return np.reshape(a, shape, order=order)


_reshape.__name__ = "reshape"


_VIEWS.add(_reshape)


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

    def __getitem__(self, key: Any) -> Any:
        tape = _tape()
        if tape is None:
            return self.view(np.ndarray)[_plain_args(key)]
        return tape.getitem(self, key)

    def __setitem__(self, key: Any, value: Any) -> None:
        tape = _tape()
        if tape is not None:
            tape.refused.append("an assignment into an array (a[i] = v)")
        self.view(np.ndarray)[_plain_args(key)] = plain(value)

    def _shaped(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """reshape/ravel/flatten as a method: a view is not recorded, a copy is."""
        tape = _tape()
        if tape is None:
            return fn(self.view(np.ndarray), *args, **kwargs)
        return tape.function(fn, (self, *args), kwargs)

    def reshape(self, *shape: Any, **kwargs: Any) -> Any:
        return self._shaped(_reshape, shape[0] if len(shape) == 1 else shape, **kwargs)

    def ravel(self, order: str = "C") -> Any:
        return self._shaped(np.ravel, order=order)

    def flatten(self, order: str = "C") -> Any:
        tape = _tape()
        if tape is None:
            return self.view(np.ndarray).flatten(order)
        return tape.function(np.copy, (self.reshape(-1, order=order),), {"order": "C"})

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
