"""Autograd against the lecture's equations, or against a learner's own backward, layer by layer:
:func:`compare_gradients`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from ..errors import message
from ..lecture import check_data, key, name, parameter_keys, parameters_layer_dims
from ..nn import DeepNetwork
from .agree import amax, same
from .diagnose import cache_reads_findings, diagnose
from .reference import Reference, autograd, reference
from .report import GradientReport, GradientRow

__all__ = ["compare_gradients"]

Array = np.ndarray
_WHERE = "compare_gradients"


def _network_of(parameters: Any) -> tuple[dict[str, Array], list[str]]:
    """(course-style dict of float64 copies, activations) from a dict or a DeepNetwork."""
    if isinstance(parameters, DeepNetwork):
        return {k: np.array(v, dtype=np.float64) for k, v in parameters.to_parameters().items()}, \
            list(parameters.activations)
    if isinstance(parameters, Mapping):
        L = len(parameters_layer_dims(parameters, _WHERE)) - 1
        params = {k: np.array(parameters[k], dtype=np.float64) for k in parameter_keys(L)}
        return params, ["relu"] * (L - 1) + ["sigmoid"]  # the course's activations
    raise TypeError(message(_WHERE, "parameters must be a course-style dict {'W1': ..., 'b1': ..., ...} or a "
                                    f"DeepNetwork, got {type(parameters).__name__}"))


def _float64_data(X: Any, Y: Any, dims: list[int], where: str) -> tuple[Array, Array]:
    """X (n[0], m) and Y (n[L], m) as float64 copies, checked as the lecture lays them out."""
    try:
        x = np.array(getattr(X, "data", X), dtype=np.float64)
        y = np.array(getattr(Y, "data", Y), dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ValueError(message(where, f"X and Y must be numeric arrays (Y: labels 0 or 1), but: {e}")) from None
    return check_data(x, y, where, n_x=dims[0], n_y=dims[-1])


class _RecordingList(list):
    """A list that remembers which integer indices were read (to spot caches used off by one)."""

    def __init__(self, items: Sequence[Any]) -> None:
        super().__init__(items)
        self.reads: list[int] = []

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, (int, np.integer)):
            self.reads.append(int(index) % max(len(self), 1))
        return super().__getitem__(index)


def _run_learner(backward: Callable[..., Any], ref: Reference) -> tuple[dict[str, Any], str | None, list[int]]:
    """The learner's backward on copies of AL, Y and the caches: (grads, error text or None, cache reads)."""
    caches = _RecordingList([((a.copy(), w.copy(), b.copy()), z.copy()) for (a, w, b), z in ref.caches])
    error: str | None = None
    try:
        result = backward(ref.AL.copy(), ref.Y.copy(), caches)
    except Exception as e:  # the learner's code: report whatever it raised
        error, result = f"{type(e).__name__}: {e}", {}
    if not isinstance(result, Mapping):
        error = error or f"TypeError: it returned a {type(result).__name__}, not a dict of gradients"
        result = {}
    return {k: (np.asarray(v) if v is not None else None) for k, v in result.items()}, error, caches.reads


def compare_gradients(
    parameters: Mapping[str, Any] | DeepNetwork,
    X: Any,
    Y: Any,
    backward: Callable[[Array, Array, list], Mapping[str, Array]] | None = None,
) -> GradientReport:
    """Compare autograd's gradients with the lecture's equations, or with a learner's backward.

    Args:
        parameters: a course-style dict {"W1": ..., "b1": ..., ...} (relu hidden layers and a
            sigmoid output, as in the course) or a :class:`~tinygrad_edu.nn.DeepNetwork` (its own
            activations; the output must be sigmoid, since the cost is the cross-entropy).
        X: (n[0], m). Y: (n[L], m), labels in [0, 1].
        backward: optional, a function with ``manual.model_backward``'s signature,
            ``backward(AL, Y, caches) -> grads`` with grads {"dA0", "dW1", "db1", ...}, and the
            course's cache layout, caches[l-1] = ((A[l-1], W[l], b[l]), Z[l]). It gets copies.
            It must follow the course's activations (relu hidden, sigmoid output); for a
            DeepNetwork with other activations, compare without ``backward`` (the built-in
            equations handle relu, sigmoid, tanh and linear layers).

    Everything runs in float64 on copies; nothing passed in is changed. Autograd's dJ/dZ[l] and
    dJ/dA[l] are multiplied by m to be in the lecture's convention (see :data:`CONVENTION`).
    Returns a :class:`GradientReport`; ``print(report)`` shows the table and the diagnosis.
    """
    params, acts = _network_of(parameters)
    dims = parameters_layer_dims(params, _WHERE)
    L = len(dims) - 1
    if acts[-1] != "sigmoid":
        raise ValueError(message(_WHERE, f"the output layer's activation is {acts[-1]!r}; the comparison uses the "
                                         "lecture's cross-entropy cost, which needs a sigmoid output (A[L] in [0, 1])",
                                 "build the network with output_activation='sigmoid'"))
    if backward is not None and acts != ["relu"] * (L - 1) + ["sigmoid"]:
        raise ValueError(message(
            _WHERE, f"your backward(AL, Y, caches) follows the course (relu hidden layers, sigmoid output), but this "
            f"network's activations are {acts}",
            "compare without backward= (the built-in equations handle relu, sigmoid, tanh and linear layers), or "
            "build the network with hidden_activation='relu'"))
    if backward is not None and not callable(backward):
        raise TypeError(message(_WHERE, f"backward must be a function backward(AL, Y, caches), got {backward!r}"))
    x, y = _float64_data(X, Y, dims, _WHERE)

    auto = autograd(params, acts, x, y)
    ref = reference(params, acts, x, y)
    error: str | None = None
    reads: list[int] = []
    if backward is None:
        other: dict[str, Any] = ref.grads
    else:
        other, error, reads = _run_learner(backward, ref)
    rows = _rows(auto, other, ref, learner=backward is not None, failed=error is not None)
    first_bad = next((r.layer for r in rows if r.ok is False), None)
    notes: list[str] = []
    if not np.all((ref.AL > 0) & (ref.AL < 1)):
        notes.append(
            "Note: A[L] rounds to exactly 0 or 1 for some examples (saturated sigmoid), where the lecture's "
            "dA[L] = -(Y / A[L] - (1 - Y) / (1 - A[L])) divides by zero, so the equations give nan or inf there; "
            "autograd uses the fused dZ[L] = A[L] - Y, which stays exact. Scale the inputs or the weights down."
        )
    findings = []
    if error is not None:  # nothing to compare: only the order in which it read the caches can help
        first_bad = None
        findings = cache_reads_findings(reads, L, set())
    elif backward is not None and first_bad is not None:
        findings = diagnose(ref, other, reads)
    against = "your backward" if backward is not None else "the lecture's equations"
    return GradientReport(rows, against, dims, acts, x.shape[1], findings, first_bad, error, notes)


def _rows(auto: dict[str, Array], other: Mapping[str, Any], ref: Reference, learner: bool,
          failed: bool) -> list[GradientRow]:
    """One row per layer (L first) and quantity: dZ[l], dA[l-1], dW[l], db[l]."""
    rows: list[GradientRow] = []
    for l in range(ref.L, 0, -1):
        (A_prev, W, _b), _Z = ref.caches[l - 1]
        scale = amax(auto[key("dZ", l)]) * max(1.0, amax(A_prev), amax(W))
        for kind, k, qty in (("dZ", key("dZ", l), name("dZ", l)), ("dA", key("dA", l - 1), name("dA", l - 1)),
                             ("dW", key("dW", l), name("dW", l)), ("db", key("db", l), name("db", l))):
            a = auto[k]
            o = other.get(k)
            if learner and kind == "dZ":
                note = "model_backward returns no dZ"
                rows.append(GradientRow(l, qty, kind, a.shape, None, np.nan, np.nan, None, note))
            elif o is None:
                why = "your backward failed" if failed else f"no '{k}' in grads"
                rows.append(GradientRow(l, qty, kind, a.shape, None, np.nan, np.nan, False, why))
            elif o.shape != a.shape:
                rows.append(GradientRow(l, qty, kind, a.shape, o.shape, np.nan, np.nan, False, "wrong shape"))
            else:
                diff = amax(a - o)
                rel = diff / amax(a) if amax(a) > 0 else (0.0 if diff == 0 else np.inf)
                ok = same(o, a, scale if kind != "dZ" else amax(a))
                rows.append(GradientRow(l, qty, kind, a.shape, o.shape, diff, rel, ok))
    return rows
