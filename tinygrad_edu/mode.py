"""Grad mode and anomaly mode, per thread: whether operations are recorded for backward
(:class:`no_grad`, :class:`enable_grad`) and whether every value and gradient is checked for NaN
and infinity (:class:`detect_anomaly`). Each is a context manager and a decorator; each only
affects the thread that uses it."""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["no_grad", "enable_grad", "is_grad_enabled", "detect_anomaly", "state"]

F = TypeVar("F", bound=Callable[..., Any])


class _Mode(threading.local):
    enabled = True  # the class attributes are each thread's starting values
    anomaly = False
    tracer: Any = None  # the jit's tape while it records a step (tinygrad_edu.jit.trace.Tape)
    slow = False  # anomaly or tracer: every op takes the general path (Function's _run)

    def __init__(self) -> None:
        self.saved: list[tuple[str, bool]] = []  # what each open with-block replaced, innermost last


#: this thread's modes: ``state.enabled`` (record for backward), ``state.anomaly`` (check values),
#: ``state.tracer`` (the jit is recording); ``state.slow`` is kept equal to anomaly or tracer
state = _Mode()


def update_slow() -> None:
    """Keep ``state.slow`` (one check on each op's fast path) equal to anomaly or tracer."""
    state.slow = state.anomaly or state.tracer is not None


def is_grad_enabled() -> bool:
    """Whether operations in the current thread are recorded for backward."""
    return state.enabled


class _ModeSwitch:
    _field = "enabled"
    _value: bool

    def __enter__(self) -> _ModeSwitch:
        # the saved value lives in the thread's own state, so one instance may be shared by threads
        state.saved.append((self._field, getattr(state, self._field)))
        setattr(state, self._field, self._value)
        update_slow()
        return self

    def __exit__(self, *exc: object) -> None:
        field, value = state.saved.pop()
        setattr(state, field, value)
        update_slow()

    def __call__(self, func: F) -> F:
        """Use as a decorator: ``@no_grad()`` runs every call of ``func`` in this mode; for a
        generator function, every step of the generator (between its yields) runs in it."""
        switch = type(self)
        if inspect.isgeneratorfunction(func):

            @functools.wraps(func)
            def generator(*args: Any, **kwargs: Any) -> Any:
                gen = func(*args, **kwargs)
                value: Any = None
                while True:
                    try:
                        with switch():
                            item = gen.send(value)
                    except StopIteration as stop:
                        return stop.value
                    value = yield item

            return generator  # type: ignore[return-value]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with switch():
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_ModeSwitch):
    """Context manager (and decorator, ``@no_grad()``) inside which nothing is recorded:
    results have no parents and do not require grad. Use it for predictions and for parameter
    updates. It only affects the current thread."""

    _value = False


class enable_grad(_ModeSwitch):
    """The opposite of :class:`no_grad`: record operations again inside a ``no_grad`` block."""

    _value = True


class detect_anomaly(_ModeSwitch):
    """Context manager (and decorator, ``@detect_anomaly()``) that checks every value computed
    forward and every gradient computed by ``backward()`` for NaN and infinity. At the first one
    it raises :class:`~tinygrad_edu.AnomalyError` naming the operation, the tensors' names and
    shapes, and the file and line of your code that created the operation, e.g.::

        with detect_anomaly():
            J = -(Y * AL.log()).sum()      # AnomalyError: log produced -inf ... at train.py:12

    It costs a pass over every array, so use it to find a problem, not in every run. It only
    affects the current thread. Outside it, numpy's own RuntimeWarnings report overflow,
    division by zero and invalid values."""

    _field = "anomaly"
    _value = True
