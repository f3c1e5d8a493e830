"""Optimizers: gradient descent (lecture 4.6), and momentum and Adam (course 2).

Each optimizer holds a list of parameter tensors. ``step()`` reads each parameter's ``.grad``
(dJ/dW[l], which is the lecture's dW[l]) and REPLACES ``p.data`` with a new array; it never
writes into the old one, so arrays saved in a graph that is still alive (the caches of the last
forward pass) keep their values. Writing into ``p.data`` in place yourself while a graph is alive
is at your own risk. Parameters whose ``.grad`` is None (the cost did not depend on them) are
skipped. ``zero_grad()`` sets every ``.grad`` to None; call it before each ``backward()``, since
gradients accumulate.

    W[l] := W[l] - α dW[l]                       GradientDescent
    v := β v + (1 - β) dW;  W := W - α v          Momentum
    Adam: see :class:`Adam`
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .errors import message
from .mode import state
from .tensor import Tensor

__all__ = ["Optimizer", "GradientDescent", "Momentum", "Adam"]


def _positive(value: Any, what: str, where: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(message(where, f"{what} must be a number, got {value!r}")) from None
    if not v > 0 or not np.isfinite(v):
        raise ValueError(message(where, f"{what} must be a positive finite number, got {value!r}"))
    return v


def _beta(value: Any, what: str, where: str) -> float:
    v = float(value)
    if not 0 <= v < 1:
        raise ValueError(message(where, f"{what} must be in [0, 1), got {value!r}"))
    return v


class Optimizer:
    """Base class: keeps the parameter list and implements ``zero_grad``.

    Args:
        params: the tensors to update (e.g. ``net.parameters()``), or a Module.
        lr: the learning rate α > 0.
    """

    def __init__(self, params: Iterable[Tensor] | Any, lr: float) -> None:
        where = type(self).__name__
        if hasattr(params, "parameters") and callable(params.parameters):
            params = params.parameters()
        self.params: list[Tensor] = list(params)
        if not self.params:
            raise ValueError(message(where, "got an empty parameter list", "pass e.g. net.parameters()"))
        seen: dict[int, int] = {}
        for i, p in enumerate(self.params):
            if id(p) in seen:  # it would be stepped twice per step() (PyTorch warns of this)
                label = getattr(p, "name", None) or f"parameter {seen[id(p)]}"
                raise ValueError(message(where, f"{label} is in the parameter list twice (at {seen[id(p)]} and {i}), "
                                                "so each step would update it twice",
                                         "pass each parameter once, e.g. net.parameters()"))
            seen[id(p)] = i
        for i, p in enumerate(self.params):
            if not isinstance(p, Tensor):
                raise TypeError(message(where, f"parameter {i} is a {type(p).__name__}, not a Tensor"))
            if not p.requires_grad:
                label = p.name or f"parameter {i}"
                raise ValueError(message(where, f"{label} {p.shape} does not require grad, so it would never get a "
                                                "gradient", "create parameters with Tensor(..., requires_grad=True)"))
        self.lr = _positive(lr, "lr (the learning rate α)", where)
        self.t = 0  # number of steps taken

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to None (gradients accumulate across backward calls)."""
        if state.tracer is not None:
            self._traced()
        for p in self.params:
            p.grad = None

    def _state(self) -> list[tuple[str, list[Any]]]:
        """The optimizer's own arrays, per parameter, by name (``[("v", self.v)]``): the state the
        jit carries from one replayed step to the next."""
        return []

    def _counters(self) -> list[tuple[Any, Any]]:
        """The optimizer's step counters, as (owner, attribute or index): a replayed step adds to
        each what the recorded one added."""
        return [(self, "t")]

    def _traced(self) -> None:
        """While the jit records a step: the parameters and the optimizer's arrays are its state,
        its counters count replayed steps too."""
        for p in self.params:
            state.tracer.touch(p)
        for name, arrays in self._state():
            for i in range(len(arrays)):
                state.tracer.add_slot(arrays, i, f"{name}[{i}]")
        for owner, attr in self._counters():
            state.tracer.add_counter(owner, attr)

    def step(self) -> None:
        """Update every parameter that has a gradient."""
        if state.tracer is not None:
            self._traced()
        self.t += 1
        for i, p in enumerate(self.params):
            if p.grad is not None:
                p.data = self._update(i, p.data, p.grad)  # a new array: the old one is not touched

    def _update(self, i: int, w: np.ndarray, dw: np.ndarray) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError


class GradientDescent(Optimizer):
    """Plain gradient descent (lecture 4.6): W[l] := W[l] - α dW[l], b[l] := b[l] - α db[l]."""

    def step(self) -> None:
        """W[l] := W[l] - α dW[l] for every parameter that has a gradient."""
        if state.tracer is not None:
            self._traced()
        self.t += 1
        minus_lr = -self.lr
        for p in self.params:
            dw = p.grad
            if dw is not None:
                # W - α dW computed in one new array (no second temporary): -(α dW) + W is the
                # same IEEE result as W - α dW, bit for bit; the old array is not touched
                new = dw * minus_lr
                new += p.data
                p.data = new


class Momentum(Optimizer):
    """Gradient descent with momentum (course 2, week 2):

        v_dW := β v_dW + (1 - β) dW
        W    := W - α v_dW

    v starts at zero; β = 0 is plain gradient descent.
    """

    def __init__(self, params: Iterable[Tensor] | Any, lr: float, beta: float = 0.9) -> None:
        super().__init__(params, lr)
        self.beta = _beta(beta, "beta", "Momentum")
        self.v: list[np.ndarray | None] = [None] * len(self.params)

    def _state(self) -> list[tuple[str, list[Any]]]:
        return [("v", self.v)]

    def _update(self, i: int, w: np.ndarray, dw: np.ndarray) -> np.ndarray:
        v = self.v[i]
        v = (1 - self.beta) * dw if v is None else self.beta * v + (1 - self.beta) * dw
        self.v[i] = v
        return w - self.lr * v


class Adam(Optimizer):
    """Adam (course 2, week 2), t = the number of updates of this parameter so far (from 1):

        v := β1 v + (1 - β1) dW           s := β2 s + (1 - β2) dW²
        v̂ := v / (1 - β1^t)               ŝ := s / (1 - β2^t)
        W := W - α v̂ / (sqrt(ŝ) + ε)

    v and s start at zero. A parameter skipped in some step (no gradient) keeps its v, s and t, so
    that a parameter that first gets a gradient at step 11 is bias-corrected as at its first
    update, as in PyTorch (``steps[i]`` counts each parameter's updates). β1^t and β2^t are kept
    as arrays (``beta1_t[i]``, ``beta2_t[i]``), multiplied by β each update, so that a jitted step
    replays them too.
    """

    def __init__(
        self,
        params: Iterable[Tensor] | Any,
        lr: float,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, lr)
        self.beta1 = _beta(beta1, "beta1", "Adam")
        self.beta2 = _beta(beta2, "beta2", "Adam")
        self.eps = _positive(eps, "eps", "Adam")
        self.v: list[np.ndarray | None] = [None] * len(self.params)
        self.s: list[np.ndarray | None] = [None] * len(self.params)
        self.steps: list[int] = [0] * len(self.params)
        self.beta1_t: list[np.ndarray] = [np.ones(()) for _ in self.params]  # β1^t, float64
        self.beta2_t: list[np.ndarray] = [np.ones(()) for _ in self.params]

    def _state(self) -> list[tuple[str, list[Any]]]:
        return [("v", self.v), ("s", self.s), ("beta1_t", self.beta1_t), ("beta2_t", self.beta2_t)]

    def _counters(self) -> list[tuple[Any, Any]]:
        return [*super()._counters(), *((self.steps, i) for i in range(len(self.steps)))]

    def _update(self, i: int, w: np.ndarray, dw: np.ndarray) -> np.ndarray:
        self.steps[i] += 1
        b1, b2 = self.beta1, self.beta2
        v, s = self.v[i], self.s[i]
        v = (1 - b1) * dw if v is None else b1 * v + (1 - b1) * dw
        s = (1 - b2) * dw * dw if s is None else b2 * s + (1 - b2) * dw * dw
        self.v[i], self.s[i] = v, s
        self.beta1_t[i] = b1t = np.asanyarray(self.beta1_t[i] * b1)  # β1^t (an array, not a numpy scalar)
        self.beta2_t[i] = b2t = np.asanyarray(self.beta2_t[i] * b2)
        v_hat = np.divide(v, 1 - b1t, dtype=w.dtype)  # float32 parameters stay float32
        s_hat = np.divide(s, 1 - b2t, dtype=w.dtype)
        return w - self.lr * v_hat / (np.sqrt(s_hat) + self.eps)
