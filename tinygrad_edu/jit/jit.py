"""``@jit``: record a training step once, replay it as a flat numpy program.

The first call with given argument shapes runs eagerly, as without jit (an optimizer creates its
moments then). The second records while it runs eagerly (:mod:`.trace`) and compiles the replay
(:mod:`.program`). From the third on, the replay runs: the same numpy calls in the same order
into buffers allocated once, the parameters, gradients and optimizer state left exactly as eager
would leave them. Arguments of a new shape or dtype record again (a small cache); a Python value
read from the step's arrays while recording (``float(J)``, ``J.item()``, an ``if`` on data) would
be frozen into the replay, so the jit refuses it, saying where.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import message
from ..mode import state, update_slow
from ..recognise import recognise
from ..tensor import Tensor, _record
from .program import Program, ReplayError, root_of
from .trace import Tape, Traced

__all__ = ["jit", "Jitted", "JitError"]

_CACHE_SIZE = 8  # argument signatures kept per jitted function


class JitError(RuntimeError):
    """A step the jit cannot replay faithfully; the message says why and what to do."""


@dataclass
class _Entry:
    calls: int = 0
    program: Program | None = None
    arg_roots: list[int] = field(default_factory=list)
    arg_data: list[Any] = field(default_factory=list)
    arg_layout: list[tuple[tuple[int, ...], bool]] = field(default_factory=list)
    outputs: list[tuple[np.ndarray, str | None]] = field(default_factory=list)
    single: bool = True


def _flatten(args: tuple[Any, ...], kwargs: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(f"argument {i + 1}", a) for i, a in enumerate(args)] + [(f"argument {k!r}", v) for k, v in kwargs.items()]


def _key_part(a: Any) -> Any:
    if isinstance(a, Tensor):
        return ("Tensor", a.shape, a.data.dtype.str, a.requires_grad)
    try:
        hash(a)
        return ("value", type(a).__name__, a)
    except TypeError:
        return ("object", id(a))


class Jitted:
    """A jitted function (see the module docstring). ``source()`` is the replay of the last
    recorded signature as readable numpy, ``ops`` what it runs."""

    def __init__(self, fn: Callable[..., Any], debug: bool = False) -> None:
        functools.update_wrapper(self, fn)
        self.fn = fn
        self.debug = debug or os.environ.get("TINYGRAD_EDU_DEBUG") == "1"
        self.cache: dict[Any, _Entry] = {}
        self.kinds: tuple[tuple[str, bool], ...] | None = None  # which arguments are Tensors
        self.last: _Entry | None = None
        self._fast: tuple[tuple[Any, ...], list[Tensor], list[Any], _Entry] | None = None

    def _say(self, text: str) -> None:
        if self.debug:
            print(f"jit {getattr(self.fn, '__name__', 'step')}: {text}", file=sys.stderr)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        fast = self._fast  # the same argument objects as the last replayed call: straight to the replay
        if fast is not None and not kwargs and len(args) == len(fast[0]):
            same = all(a is b for a, b in zip(args, fast[0]))
            if same and all(t.data is d for t, d in zip(fast[1], fast[2])):
                self.last = fast[3]
                self._run(fast[3])
                return self._results(fast[3])
        named = _flatten(args, kwargs)
        kinds = tuple((label, isinstance(a, Tensor)) for label, a in named)
        if self.kinds is not None and kinds != self.kinds:
            for (label, was), (_, now) in zip(self.kinds, kinds):
                if was != now:
                    value = dict(named)[label]
                    raise TypeError(message(f"jit {getattr(self.fn, '__name__', '')}".strip(),
                                            f"{label} was a Tensor when the step was recorded and is now a "
                                            f"{type(value).__name__}" if was else f"{label} is now a Tensor; it "
                                            "was not when the step was recorded",
                                            "pass the same kinds of arguments every call (wrap arrays: Tensor(x))"))
            raise TypeError(message("jit", "the arguments are not the ones the step was recorded with"))
        self.kinds = kinds
        key = tuple(_key_part(a) for _, a in named)
        entry = self.cache.get(key)
        if entry is None:
            if len(self.cache) >= _CACHE_SIZE:
                self.cache.pop(next(iter(self.cache)))
            if self.cache:
                self._say(f"new argument shapes or dtypes, recording again: {key}")
            entry = self.cache[key] = _Entry()
        self.last = entry
        if entry.program is not None:
            out = self._replay(entry, named)
            if not kwargs:
                tensors = [a for a in args if isinstance(a, Tensor)]
                self._fast = (args, tensors, [t.data for t in tensors], entry)
            return out
        entry.calls += 1
        if entry.calls == 1:
            return self.fn(*args, **kwargs)
        return self._record(entry, args, kwargs, named)

    # ------------------------------------------------------------------ recording
    def _record(self, entry: _Entry, args: tuple[Any, ...], kwargs: dict[str, Any],
                named: list[tuple[str, Any]]) -> Any:
        """Run the step eagerly while the tape records it, then compile the replay."""
        tape = Tape()
        arg_tensors = [a for _, a in named if isinstance(a, Tensor)]
        tape._args = {id(t) for t in arg_tensors}
        for i, t in enumerate(arg_tensors):
            tape.add_slot(t, "data", t.name or f"input{i}")
        state.tracer = tape
        update_slow()
        try:
            result = self.fn(*args, **kwargs)
        except BaseException:
            _unwrap(tape)
            raise
        finally:
            state.tracer = None
            update_slow()
        outs = list(result) if isinstance(result, (tuple, list)) else [result]
        names = _names(tape, outs, arg_tensors) if all(isinstance(o, Tensor) for o in outs) else {}
        finals = [_plain(s.get()) for s in tape.slots]
        _unwrap(tape)
        self._refuse(tape, outs, result)
        outputs = [(_plain(o.data), o.name) for o in outs]
        arg_roots = [root_of(_plain(t.data)) for t in arg_tensors]
        try:
            program = Program(tape, finals, [o for o, _ in outputs], arg_roots, names)
        except ReplayError as e:
            raise JitError(message("jit", f"{self._name} cannot be replayed: {e}")) from None
        for s in tape.slots:  # what the program needs it keeps itself: the arrays of before go
            s.start = None
        entry.program, entry.outputs = program, outputs
        entry.single = not isinstance(result, (tuple, list))
        entry.arg_roots = [id(r) for r in arg_roots]
        entry.arg_data = [t.data for t in arg_tensors]
        entry.arg_layout = [(t.data.strides, t.data.flags.c_contiguous) for t in arg_tensors]
        self._say(f"recorded {len(program.instructions)} numpy calls")
        return self._results(entry)

    @property
    def _name(self) -> str:
        return getattr(self.fn, "__name__", "the step")

    def _refuse(self, tape: Tape, outs: list[Any], result: Any) -> None:
        """A JitError for a step that returned no Tensors, read a value or made a call the replay
        cannot repeat."""
        if not all(isinstance(o, Tensor) for o in outs):
            raise JitError(message("jit", f"{self._name} must return a Tensor or a tuple of Tensors, got "
                                          f"{type(result).__name__}", "return the cost J (and what else you need)"))
        problems = [f"it read {r}" for r in tape.reads]
        problems += [f"it called {r}, which the jit cannot replay" for r in tape.refused]
        if problems:
            raise JitError(message(
                "jit", f"{self._name} cannot be replayed: " + "; ".join(problems[:5]) +
                ": a value read while recording would be frozen into every later call",
                "return the value from the function instead (return J, then J.item() outside), and make no "
                "Python decision on a tensor's values inside it"))

    # ------------------------------------------------------------------ replaying
    def _replay(self, entry: _Entry, named: list[tuple[str, Any]]) -> Any:
        program = entry.program
        assert program is not None
        tensors = [a for _, a in named if isinstance(a, Tensor)]
        for i, t in enumerate(tensors):
            data = t.data
            if data is entry.arg_data[i]:
                continue
            strides, c_order = entry.arg_layout[i]
            if data.strides != strides:  # another layout than the recorded input's: a copy in that one
                data = np.ascontiguousarray(data) if c_order else np.asfortranarray(data)
            program.rebind(entry.arg_roots[i], data)  # the views made at recording, on the new array
            entry.arg_data[i] = t.data
        self._run(entry)
        return self._results(entry)

    def _run(self, entry: _Entry) -> None:
        assert entry.program is not None
        try:
            entry.program()
        except ReplayError as e:
            raise JitError(message(f"jit {self._name}", str(e))) from None

    def _results(self, entry: _Entry) -> Any:
        """New Tensors holding copies of the outputs (no graph)."""
        outs = []
        for o, name in entry.outputs:
            t = _record(o.copy(), None, (), ())
            t.name = name
            outs.append(t)
        return outs[0] if entry.single else tuple(outs)

    def reset(self) -> None:
        """Forget every recorded program: the next calls run eagerly and record again (after you
        change a number the step uses, such as ``opt.lr``, which a replay keeps as recorded)."""
        self.cache.clear()
        self.kinds = None
        self.last = None
        self._fast = None

    def source(self) -> str:
        """The replay of the most recently used signature, as numpy source (after two calls)."""
        if self.last is None or self.last.program is None:
            raise JitError(message("jit", "nothing recorded yet", "call the function twice first"))
        return self.last.program.source()

    @property
    def ops(self) -> Any:
        """How many numpy calls of each kind one replayed step makes (a Counter)."""
        if self.last is None or self.last.program is None:
            raise JitError(message("jit", "nothing recorded yet", "call the function twice first"))
        return self.last.program.ops


def _plain(a: Any) -> Any:
    return a.view(np.ndarray) if isinstance(a, Traced) else a


def _unwrap(tape: Tape) -> None:
    """Every state slot back to plain arrays (the same memory): the very array it held before
    recording when it still holds that one."""
    for s in tape.slots:
        v = s.get()
        if isinstance(v, Traced):
            p, start = v.view(np.ndarray), s.start
            same = (start is not None and root_of(p) is root_of(start) and p.shape == start.shape
                    and p.strides == start.strides
                    and p.__array_interface__["data"] == start.__array_interface__["data"])
            s.set(start if same else p)


def _names(tape: Tape, outs: list[Tensor], args: list[Tensor]) -> dict[int, str]:
    """The lecture's names of the step's arrays (by the id of their memory's owner): the names
    recognise gives the graph's tensors (W[1], Z[1], A[1], ...) and their gradients (dW[1], ...),
    the arguments', and for a parameter's next value its name with ``_next``."""
    names: dict[int, str] = {}

    def add(a: Any, name: str) -> None:
        if isinstance(a, np.ndarray) and name and " " not in name:
            names.setdefault(id(root_of(_plain(a))), name)

    starts = {id(s.owner): s.start for s in tape.slots if s.attr == "data" and s.start is not None}
    for o in outs:
        if o._ctx is not None:
            a = recognise(o)
            for t, name in zip(a.order, a.name):
                add(starts.get(id(t), t.data), name)  # a parameter's name is its value's at the start
                if t.grad is not None:
                    add(t.grad, "d" + name)
    for i, t in enumerate(args):
        add(t.data, t.name or f"input{i}")
    for s in tape.slots:
        if s.start is not None:
            add(s.start, s.label)
    for s in tape.slots:
        start = names.get(id(root_of(s.start))) if s.start is not None else None
        add(s.get(), f"{start or s.label}_next" if s.attr == "data" else (start or s.label))
    return names


def jit(fn: Callable[..., Any] | None = None, *, debug: bool = False) -> Any:
    """Decorator: ``@jit`` (or ``@jit(debug=True)``, which says on stderr when it records) on a
    function that builds its graph from Tensors (its arguments and the parameters it closes
    over), may call ``backward()`` and an optimizer's ``zero_grad()`` and ``step()``, and returns
    Tensors. See :mod:`tinygrad_edu.jit`."""
    if fn is None:
        return lambda f: Jitted(f, debug)
    if not callable(fn):
        raise TypeError(message("jit", f"decorate a function, got {type(fn).__name__}"))
    return Jitted(fn, debug)
