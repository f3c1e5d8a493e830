"""Walking the recorded graph: topological order, undoing broadcasting, and the backward pass.

Nothing here recurses, so graphs of any depth (a 200,000-op chain, a 1,000-layer network) are
walked without touching Python's recursion limit.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from .tensor import Tensor


def topological_order(*outputs: Tensor) -> list[Tensor]:
    """Every tensor reachable from ``outputs``, inputs before the tensors computed from them.

    Iterative depth-first search (after HIPS/autograd's ``toposort``): each tensor is listed
    after all of its parents. Reversed, the list is the order in which backpropagation visits the
    graph: every tensor comes after all the tensors that used it, so its gradient is complete.
    """
    return _toposort(outputs, only_requires_grad=False)


def _toposort(outputs: Iterable[Tensor], only_requires_grad: bool) -> list[Tensor]:
    order: list[Tensor] = []
    visited: set[int] = set()
    for out in outputs:
        if id(out) in visited:
            continue
        visited.add(id(out))
        # stack of (tensor, iterator over the parents still to visit)
        stack = [(out, iter(out.parents))]
        while stack:
            node, parents = stack[-1]
            for p in parents:
                if id(p) not in visited and (p.requires_grad or not only_requires_grad):
                    visited.add(id(p))
                    stack.append((p, iter(p.parents)))
                    break
            else:  # all parents done: the node can be listed
                stack.pop()
                order.append(node)
    return order


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` over the axes that numpy broadcasting added or stretched, so that it gets
    ``shape`` back. The one place in the library where broadcasting is undone.

    When ``b[l]`` of shape (n[l], 1) is added to ``W[l] A[l-1]`` of shape (n[l], m), b[l] is
    stretched over the m columns; its gradient is therefore the sum of ``dZ[l]`` over those
    columns: the lecture's ``db[l] = np.sum(dZ[l], axis=1, keepdims=True)`` (with the 1/m
    already inside ``dZ[l]``, because autograd differentiates J, which carries the 1/m).
    """
    if grad.shape == shape:
        return grad
    lead = grad.ndim - len(shape)  # axes broadcasting prepended
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(shape) if n == 1 and grad.shape[lead + i] != 1
    )
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def run_backward(output: Tensor, seed: np.ndarray) -> None:
    """Reverse-mode accumulation from ``output`` with ``dJ/d(output) = seed``.

    Visits the tensors that require grad in reverse topological order. Each tensor's gradient
    for this pass is complete when it is visited; it is then added to the tensor's ``.grad``
    (``+=``, so calling backward twice accumulates twice) and pushed through the op that made the
    tensor, to its parents. Gradients are stored read-only: one array may serve several tensors
    (an add hands the same dZ to both of its inputs), so writing into one would silently change
    another.
    """
    pending: dict[int, np.ndarray] = {id(output): seed}
    for t in reversed(_toposort((output,), only_requires_grad=True)):
        g = pending.pop(id(t), None)
        if g is None:  # not reached by this pass (cannot happen for tensors above output)
            continue
        if type(g) is not np.ndarray:  # numpy returns scalars for 0-d arithmetic
            g = np.asarray(g)
        g.flags.writeable = False
        t.grad = g if t.grad is None else _readonly(t.grad + g)
        ctx = t._ctx
        if ctx is None:  # a leaf: nothing further back
            continue
        for p, pg in zip(ctx.parents, ctx.backward(g)):
            if pg is None or not p.requires_grad:
                continue
            data = p.data
            if pg.shape != data.shape:
                pg = unbroadcast(pg, data.shape)
            if pg.dtype != data.dtype:  # e.g. a float32 W used with float64 X
                pg = pg.astype(data.dtype)
            key = id(p)
            prev = pending.get(key)
            pending[key] = pg if prev is None else prev + pg


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a)
    a.flags.writeable = False
    return a
