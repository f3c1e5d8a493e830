"""The engine's teaching diagnostics: the messages of shape errors and of anomaly mode.

Kept apart from the engine (:mod:`tinygrad_edu.tensor`, :mod:`tinygrad_edu.graph`) so that it
reads as the engine alone. An op's own hints live on its class (``Function.forward_hint``,
``backward_hint``, ``shape_rule``); here they are put into sentences that name the operation,
the tensors (with their lecture names) and their shapes.
"""

from __future__ import annotations

import os
import sys
import weakref
import zlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import AnomalyError, ShapeError, message

if TYPE_CHECKING:  # pragma: no cover
    from .tensor import Function, Tensor

__all__ = ["label", "called", "shape_error", "normalise_axes", "normalise_permutation", "backward_seed",
           "checked_forward", "check_unchanged", "check_gradients"]


def label(t: Tensor | None) -> str:
    """How messages name an operand: ``W[1] (5, 3)``, just its shape, or ``a number``."""
    if t is None:
        return "a number"
    return f"{t.name} {t.shape}" if t.name else str(t.shape)


def called(t: Tensor) -> str:
    """How a sentence names a tensor: ``W[1] (5, 3)`` or ``a tensor of shape (5, 3)``."""
    return f"{t.name} {t.shape}" if t.name else f"a tensor of shape {t.shape}"


# ============================================================================= shapes


def shape_error(ctx: Function, parents: Sequence[Tensor | None], err: Exception) -> ShapeError:
    """The ShapeError for an op whose inputs do not fit, explained by the op's ``shape_rule``."""
    if ctx.shape_rule == "matmul":
        return _matmul_error(*parents)  # type: ignore[arg-type]
    if ctx.shape_rule == "broadcast" and len(parents) == 2 and all(p is not None for p in parents):
        return _broadcast_error(ctx.name, *parents)  # type: ignore[arg-type]
    return ShapeError(message(ctx.name, f"{err} (input {', '.join(label(p) for p in parents)})"))


def _matmul_error(a: Tensor, b: Tensor) -> ShapeError:
    la, lb = label(a), label(b)
    A, B = a.shape, b.shape
    if a.ndim == 0 or b.ndim == 0:
        return ShapeError(message("matmul", f"@ needs operands with at least one axis, got {la} @ {lb}",
                                  "use * to scale by a number"))
    k_left, k_right = A[-1], (B[-2] if b.ndim >= 2 else B[0])
    if k_left == k_right:
        return ShapeError(message("matmul", f"the batch axes of {la} and {lb} cannot be broadcast together"))
    problem = (
        f"inner dimensions differ: {la} @ {lb}; the left operand has {k_left} columns but the right operand has "
        f"{k_right} rows. In Z[l] = W[l] A[l-1], W[l] must be (n[l], n[l-1]) and A[l-1] must be (n[l-1], m)"
    )
    hint = None
    if a.ndim == 2 and b.ndim == 2:
        if A[1] == B[1]:
            hint = (f"the right operand transposed, {B[::-1]}, would fit; if it is data, put one example per "
                    "column: X must be (n[0], m)")
        elif A[0] == B[0]:
            hint = f"the left operand transposed, {A[::-1]}, would fit; W[l] is (n[l], n[l-1]), not (n[l-1], n[l])"
        elif A[0] == B[1]:
            hint = "the operands look swapped; the right one times the left one would fit"
    return ShapeError(message("matmul", problem, hint))


def _broadcast_error(opname: str, a: Tensor, b: Tensor) -> ShapeError:
    A, B = a.shape, b.shape
    problem = (
        f"shapes {label(a)} and {label(b)} cannot be broadcast together. numpy compares shapes from the last "
        "axis; each pair of sizes must be equal, or one of them 1"
    )
    hint = None
    if a.ndim == 2 and b.ndim == 2 and (A[1] == 1 or B[1] == 1) and A[0] != B[0]:
        hint = ("a bias b[l] must be (n[l], 1) to broadcast over the m columns of W[l] A[l-1], which is (n[l], m); "
                "here the numbers of rows differ")
    elif A == B[::-1]:
        hint = "the shapes are transposes of each other; did you mean .T? Examples go in columns: (n[l], m)"
    return ShapeError(message(opname, problem, hint))


def normalise_axes(t: Tensor, axis: Any, opname: str) -> tuple[int, ...] | None:
    """``axis`` as a sorted tuple of non-negative ints (None: all axes), with a teaching error."""
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis) if isinstance(axis, (tuple, list)) else None
    if axes is None or not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in axes):
        raise ShapeError(message(opname, f"axis must be None, an int or a tuple of ints, got {axis!r}"))
    nd = t.ndim
    if nd == 0 and axes:
        raise ShapeError(message(opname, f"{label(t)} is a single number (0 axes)", "use axis=None"))
    out = []
    for a in axes:
        if not -nd <= a < nd:
            raise ShapeError(message(
                opname,
                f"axis {a!r} is out of range for {label(t)}, which has {nd} axes (valid: 0..{nd - 1} or -{nd}..-1). "
                "In the column convention, axis=1 runs over the m examples (db[l] = (1/m) sum(dZ[l], axis=1, "
                "keepdims=True)) and axis=0 over the n[l] units",
            ))
        out.append(int(a) % nd)
    if len(set(out)) != len(out):
        raise ShapeError(message(opname, f"axis {axis!r} names the same axis twice for {label(t)}"))
    return tuple(sorted(out))


def normalise_permutation(t: Tensor, axes: tuple[Any, ...]) -> tuple[int, ...]:
    """``axes`` of a transpose as non-negative ints, or a ShapeError if they are not a permutation."""
    nd = t.ndim
    ok = all(isinstance(a, (int, np.integer)) and -nd <= a < nd for a in axes)
    if not ok or sorted(int(a) % nd for a in axes) != list(range(nd)):
        raise ShapeError(message("transpose", f"axes {axes} are not a permutation of the {nd} axes of {label(t)} "
                                              f"(each of 0..{nd - 1}, or -{nd}..-1, exactly once)"))
    return tuple(int(a) % nd for a in axes)


def backward_seed(t: Tensor, grad: Any) -> np.ndarray:
    """dJ/d(t) to start ``t.backward(grad)`` from: 1 for a one-element t, else ``grad`` (copied, in
    t's dtype), with the error a learner needs when neither works."""
    if not t.requires_grad:
        raise RuntimeError(message(
            "backward", f"{label(t)} does not require grad, so there is nothing to differentiate. None of the "
            "tensors it was computed from has requires_grad=True (create parameters with Tensor(..., "
            "requires_grad=True)), or it was computed inside no_grad()"))
    if grad is None:
        if t.data.size != 1:
            raise ValueError(message(
                "backward", f"{label(t)} has {t.data.size} elements; backward() without grad= needs a single number "
                "such as the cost J", "reduce it first, e.g. .sum() or .mean() (the lecture's cost averages over the "
                f"m examples), or pass grad= an array of shape {t.shape}"))
        return np.array(1, t.data.dtype).reshape(t.data.shape)
    given = np.asarray(getattr(grad, "data", grad))
    if given.dtype.kind not in "fiub":
        raise TypeError(message("backward", f"grad= must be numbers, got dtype {given.dtype}",
                                f"pass an array of shape {t.shape}, e.g. np.ones({t.shape})"))
    seed = np.array(given, dtype=t.data.dtype)  # a copy
    if seed.shape != t.data.shape:
        raise ShapeError(message(
            "backward", f"grad= has shape {seed.shape} but {t.name or 'the tensor'} has shape {t.shape}; the gradient "
            "dJ/dt always has the shape of t (4.4: dZ[l] has the shape of Z[l])",
            "to start from a cost, reduce to one number first with .sum() or .mean()"))
    return seed


# ============================================================================= anomaly mode

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep

#: where each op made inside detect_anomaly() was created (the op objects themselves stay small)
_CREATED_AT: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()
#: what each op made inside detect_anomaly() saved for backward, with a checksum of its values
_SAVED: weakref.WeakKeyDictionary[Any, list[tuple[str, np.ndarray, int]]] = weakref.WeakKeyDictionary()


def user_code_location() -> str:
    """``file:line in function`` of the innermost frame outside the tinygrad_edu package: the
    line of the user's code that (directly, or through nn/train helpers) created the op."""
    f = sys._getframe(1)
    while f is not None and f.f_code.co_filename.startswith(_PACKAGE_DIR):
        f = f.f_back
    if f is None:
        return "<unknown>"
    return f"{f.f_code.co_filename}:{f.f_lineno} in {f.f_code.co_name}"


def _bad_values(a: np.ndarray) -> str:
    n_nan = int(np.count_nonzero(np.isnan(a)))
    n_pinf = int(np.count_nonzero(a == np.inf))
    n_minf = int(np.count_nonzero(a == -np.inf))
    parts = [f"{n} {w}" for n, w in ((n_nan, "NaN"), (n_pinf, "+inf"), (n_minf, "-inf")) if n]
    return ", ".join(parts) + f" (of {a.size} entries)"


def checked_forward(ctx: Function, parents: Sequence[Tensor | None], arrays: Sequence[Any], params: Sequence[Any]):
    """The forward pass inside ``detect_anomaly()``: remember where the op was created, compute it
    with numpy's warnings silenced, and raise AnomalyError if the result is not finite."""
    _CREATED_AT[ctx] = where = user_code_location()
    try:
        with np.errstate(all="ignore"):
            data = ctx.forward(*arrays, *params)
    except ValueError as e:
        raise shape_error(ctx, parents, e) from None
    data = np.asarray(data)
    _SAVED[ctx] = [(attr, arr, zlib.crc32(np.ascontiguousarray(arr))) for attr, arr in ctx.saved().items()
                   if isinstance(arr, np.ndarray)]  # to tell, at backward, whether the cache was changed
    if np.all(np.isfinite(data)):
        return data
    tensors = [p for p in parents if p is not None]
    problem = (
        f"the forward pass produced {_bad_values(data)} in its result of shape {data.shape}, from input(s) "
        f"{', '.join(label(p) for p in parents)}; operation created at {where}"
    )
    bad_inputs = [p for p in tensors if not np.all(np.isfinite(p.data))]
    hint = ctx.forward_hint
    if bad_inputs:
        problem += (f". Its input {label(bad_inputs[0])} already contained {_bad_values(bad_inputs[0].data)}: the "
                    "problem started earlier, outside detect_anomaly() or in data you passed in")
        hint = None
    raise AnomalyError(message(ctx.describe(), problem, hint))


def check_unchanged(t: Tensor, ctx: Function) -> None:
    """Inside ``detect_anomaly()``, before the backward step of ``ctx`` (which made ``t``): raise
    AnomalyError if an array it saved at forward has been changed in place since (its gradients
    would be computed from the wrong values; PyTorch raises here too). A checksum of every saved
    array is taken at forward inside ``detect_anomaly()``; outside it nothing is checked, because
    the checksums would cost about as much as the step itself on large arrays."""
    for attr, arr, crc in _SAVED.get(ctx, ()):
        if zlib.crc32(np.ascontiguousarray(arr)) == crc:
            continue
        owners = [p for p in (*ctx.parents, t) if p is not None and p.data is arr]
        who = called(owners[0]) if owners else f"the array it saved as {attr!r}"
        raise AnomalyError(message(
            ctx.describe(), f"{who} was changed in place after the forward pass: the values {ctx.name} saved for its "
            f"backward step are not the ones it computed with, so the gradients would be wrong; operation created at "
            f"{_CREATED_AT.get(ctx, '<unknown>')}",
            "give the tensor a new array (t.data = t.data - lr * t.grad, as the optimizers do) instead of writing "
            "into it (t.data[...] = ..., t.data -= ...) between forward and backward"))


def check_gradients(t: Tensor, ctx: Function, g: np.ndarray, in_grads: Sequence[Any]) -> None:
    """Inside ``detect_anomaly()``: raise AnomalyError if the backward step of ``ctx`` (which made
    ``t``) produced a non-finite gradient, saying whether it arrived non-finite or was made here."""
    for i, (p, pg) in enumerate(zip(ctx.parents, in_grads)):
        if pg is None or np.all(np.isfinite(pg)):
            continue
        out = f"{t.name} {t.shape}" if t.name else f"its result {t.shape}"
        inp = f"{p.name} {p.shape}" if p is not None and p.name else f"input {i + 1} {np.shape(pg)}"
        problem = (
            f"the backward pass produced a gradient with non-finite entries for {inp}: "
            f"{int(np.count_nonzero(~np.isfinite(pg)))} of {np.size(pg)}; operation created at "
            f"{_CREATED_AT.get(ctx, '<created outside detect_anomaly()>')}"
        )
        if not np.all(np.isfinite(g)):
            raise AnomalyError(message(ctx.describe(), problem + f". The gradient arriving at {out} was already "
                                                                 "non-finite"))
        problem += f". The gradient arriving at {out} was finite, so this op's own derivative is the problem"
        raise AnomalyError(message(ctx.describe(), problem, ctx.backward_hint or "an infinite derivative, or inf * 0"))
