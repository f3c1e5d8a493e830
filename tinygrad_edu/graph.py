"""Walking the recorded graph: topological order, undoing broadcasting, and the backward pass.

Nothing here recurses, so graphs of any depth (a 200,000-op chain, a 1,000-layer network) are
walked without touching Python's recursion limit.
"""

from __future__ import annotations

import threading
from heapq import heappop, heappush
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from .diagnostics import check_gradients, check_unchanged

if TYPE_CHECKING:  # pragma: no cover
    from .tensor import Tensor

__all__ = ["topological_order", "unbroadcast", "run_backward", "backward_order", "BackwardStep", "gradients"]

_ACCUMULATE = threading.Lock()  # held while a gradient is added into a .grad


def topological_order(*outputs: Tensor) -> list[Tensor]:
    """Every tensor reachable from ``outputs``, inputs before the tensors computed from them.

    Each tensor carries a creation number (``_seq``), and an operation's result is always created
    after its inputs, so sorting the reachable tensors by that number is a topological order. The
    reachable set is collected with an explicit stack: no recursion, whatever the depth.
    """
    seen: dict[int, Tensor] = {}
    stack = list(outputs)
    while stack:
        t = stack.pop()
        if id(t) not in seen:
            seen[id(t)] = t
            if t._ctx is not None:
                stack.extend(p for p in t._ctx.parents if p is not None)  # None: a number's slot
    return sorted(seen.values(), key=_seq)


def _seq(t: Tensor) -> int:
    return t._seq


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes that numpy broadcasting added or stretched, so that it gets
    ``shape`` back. The one place in the library where broadcasting is undone.

    When ``b[l]`` of shape (n[l], 1) is added to ``W[l] A[l-1]`` of shape (n[l], m), b[l] is
    stretched over the m columns; its gradient is therefore the sum of dJ/dZ[l] over those
    columns: the lecture's ``db[l] = (1/m) np.sum(dZ[l], axis=1, keepdims=True)``, where the 1/m
    is already inside autograd's dJ/dZ[l] (J carries the 1/m).
    """
    if grad.shape == shape:
        return grad
    if len(shape) == 2 and shape[1] == 1 and grad.shape[0] == shape[0] and grad.ndim == 2:
        return grad.sum(axis=1, keepdims=True)  # the bias case, b[l] (n[l], 1) against (n[l], m)
    lead = grad.ndim - len(shape)  # axes broadcasting prepended
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1
    )
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    if grad.shape[lead:] != tuple(shape):  # an op's backward rule returned a wrong shape: never reshape it away
        raise RuntimeError(f"internal error: a gradient of shape {grad.shape} cannot belong to an input of {shape}")
    return grad.reshape(shape)


def run_backward(output: Tensor, seed: np.ndarray, anomaly: bool = False, visits: list[Tensor] | None = None) -> None:
    """Reverse-mode accumulation from ``output`` with ``dJ/d(output) = seed``.

    A tensor is visited once its gradient for this pass is complete. A tensor used by a single op
    (most of them: ``_uses == 1``) is complete as soon as that op's backward has run, and is
    visited next. A tensor used several times collects its gradients in ``pending`` and waits in
    a heap keyed on the creation number ``_seq``, newest first: every tensor that used it was
    created after it, so all of them have been visited by the time it comes off the heap. Only
    tensors that actually receive a gradient are visited: nothing is spent on X, on constants, or
    on branches that need no grad.

    At its visit a tensor's gradient is added to its ``.grad`` (so calling backward twice
    accumulates twice) and pushed through the op that made it, to its parents. Leaves (the
    parameters) need no visit: each gradient reaching one is added to its ``.grad`` at once. Gradients are
    stored read-only: one array may serve several tensors (an add hands the same dZ to both of
    its inputs), so writing into one would silently change another. Adding into ``.grad`` holds a
    lock, so that backward passes in several threads that share parameters add up every
    gradient (none is lost between a read and a write).

    With ``anomaly`` (inside ``detect_anomaly()``) every gradient is checked for NaN and
    infinity, and the first one raises AnomalyError naming the op whose backward produced it.
    ``visits``, when given, gets each visited tensor appended, in order: the order that
    :func:`backward_order` predicts without computing anything.
    """
    pending: dict[Tensor, np.ndarray] = {}  # gradients still being summed, for tensors used several times
    heap: list[tuple[int, Tensor]] = []  # (-_seq, tensor) of those, newest first
    ready = [(output, seed)]  # tensors whose gradient for this pass is complete
    ndarray = np.ndarray
    while ready or heap:
        if ready:
            t, g = ready.pop()
        else:
            t = heappop(heap)[1]
            g = pending.pop(t)
        if type(g) is not ndarray:  # numpy returns scalars for 0-d arithmetic (asanyarray: the jit's arrays stay)
            g = np.asanyarray(g)
        g.setflags(write=False)
        if t.grad is None and t._uses == 0 and t is output:  # nothing else can be writing it (a fresh output)
            t.grad = g
        else:
            with _ACCUMULATE:  # .grad += g is a read and a write: one thread at a time
                t.grad = g if t.grad is None else _readonly(t.grad + g)
        if visits is not None:
            visits.append(t)
        ctx = t._ctx
        if ctx is None:  # backward() called on a leaf itself
            continue
        if anomaly:
            check_unchanged(t, ctx)
            with np.errstate(all="ignore"):
                in_grads = ctx.backward(g)
            check_gradients(t, ctx, g, in_grads)
        else:
            in_grads = ctx.backward(g)
        for p, pg in zip(ctx.parents, in_grads):
            if pg is None or not p._rg:  # no gradient for this slot (X, a number, the fused A[L])
                continue
            data = p.data
            if pg.shape != data.shape:
                pg = unbroadcast(pg, data.shape)
            if pg.dtype != data.dtype:  # e.g. a float32 W used with float64 X
                pg = pg.astype(data.dtype)
            if p._ctx is None:  # a leaf (W[l], b[l]): its gradient goes straight into .grad
                if type(pg) is not ndarray:  # numpy returns scalars for 0-d arithmetic
                    pg = np.asanyarray(pg)
                pg.setflags(write=False)
                with _ACCUMULATE:  # leaves are shared: backward passes in several threads add up
                    p.grad = pg if p.grad is None else _readonly(p.grad + pg)
            elif p._uses == 1:  # t is p's only consumer: p's gradient is complete already
                ready.append((p, pg))
            else:
                prev = pending.get(p)
                if prev is None:  # first gradient reaching p: schedule p's visit
                    pending[p] = pg
                    heappush(heap, (-p._seq, p))
                else:
                    pending[p] = prev + pg


class BackwardStep(NamedTuple):
    """One visit of the backward pass: ``tensor`` gets its complete gradient, and its op sends
    gradients to the inputs in ``slots`` (positions in ``tensor._ctx.parents``)."""

    tensor: Tensor
    slots: tuple[int, ...]


def backward_order(output: Tensor) -> list[BackwardStep]:
    """The backward pass from ``output`` as :func:`run_backward` runs it, without computing anything:
    the tensors in the exact order it visits them, each with the input slots its op sends a
    gradient to (the edges that carry a gradient). Pictures of the backward pass and any other
    reader take the schedule from here, so that they show what the engine does.

    It follows run_backward step by step: a tensor used by one op is visited right after that op
    (last in, first out), a tensor used by several waits in a heap, newest first; leaves are not
    visited (their gradient arrives along an edge); a slot sends a gradient when its op's
    :meth:`~tinygrad_edu.tensor.Function.sends_gradient` says so and its input requires grad.
    """
    steps: list[BackwardStep] = []
    if not output._rg:
        return steps
    waiting: set[int] = set()  # ids of the tensors in the heap (used several times)
    heap: list[tuple[int, Tensor]] = []
    ready = [output]
    while ready or heap:
        t = ready.pop() if ready else heappop(heap)[1]
        ctx = t._ctx
        if ctx is None:  # backward() called on a leaf itself
            steps.append(BackwardStep(t, ()))
            continue
        sends = ctx.sends_gradient()
        slots = tuple(k for k, p in enumerate(ctx.parents) if sends[k] and p is not None and p._rg)
        steps.append(BackwardStep(t, slots))
        for k in slots:
            p = ctx.parents[k]
            if p._ctx is None:
                continue
            if p._uses == 1:
                ready.append(p)
            elif id(p) not in waiting:
                waiting.add(id(p))
                heappush(heap, (-p._seq, p))
    return steps


def gradients(output: Tensor, seed: np.ndarray | None = None) -> dict[int, np.ndarray]:
    """The gradient dJ/dt of every tensor t the backward pass from ``output`` reaches (seed: ones),
    keyed by ``id(t)``, computed by the ops' own backward rules in :func:`backward_order`'s
    schedule: bit for bit the numbers of :func:`run_backward`, but kept in the returned dict, no
    ``.grad`` written (explain checks its equations against them). Slower than run_backward; not
    for training."""
    grads = {id(output): np.ones(output.shape, output.data.dtype) if seed is None else seed}
    for t, slots in backward_order(output):
        ctx = t._ctx
        if ctx is None:
            continue
        in_grads = ctx.backward(grads[id(t)])
        for k in slots:
            p, pg = ctx.parents[k], np.asarray(in_grads[k])
            if pg.shape != p.data.shape:
                pg = unbroadcast(pg, p.data.shape)
            pg = pg.astype(p.data.dtype, copy=False)
            grads[id(p)] = grads[id(p)] + pg if id(p) in grads else pg
    return grads


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.asanyarray(a)
    a.setflags(write=False)
    return a
