"""Autograd against the lecture's equations, or against a learner's own backward, layer by layer:
:func:`compare_gradients`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import message
from ..lecture import check_data, key, name, parameter_keys, parameters_layer_dims
from ..nn import DeepNetwork
from ..outputs import OUTPUTS
from ..runner import CaseResult, Context, Failure, Limits, Outcome, Submission, call_backward, hint, run_backward
from ..runner.outcome import NOT_RETURNED
from .agree import amax, same
from .diagnose import cache_reads_findings, diagnose
from .reference import Reference, autograd, reference
from .report import GradientReport, GradientRow

__all__ = ["compare_gradients", "Prepared", "prepare", "report_for"]

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


def _older_keys(grads: dict[str, Array], ref: Reference) -> tuple[dict[str, Array], str | None]:
    """The course's older notebook stored dA[l] as grads["dA" + str(l + 1)] (so "dA1" .. "dA{L}",
    no "dA0"): such grads with the lecture's keys, and a note saying so (else unchanged, None)."""
    L = ref.L
    if key("dA", 0) in grads or key("dA", L) not in grads:
        return grads, None
    shifted = [grads.get(key("dA", l)) for l in range(1, L + 1)]
    if any(v is None or v.shape != ref.grads[key("dA", l - 1)].shape for l, v in enumerate(shifted, start=1)):
        return grads, None
    out = {k: v for k, v in grads.items() if not k.startswith("dA")}
    out.update({key("dA", l - 1): v for l, v in enumerate(shifted, start=1)})
    return out, ("Note: your grads use the older notebook's keys, dA[l-1] under 'dA' + str(l) (\"dA1\" .. "
                 f"\"dA{L}\"); they were compared as dA[0] .. dA[{L - 1}]. The course now stores dA[l] under "
                 "'dA' + str(l).")


def _run_learner(backward: Callable[..., Any] | Submission, ref: Reference,
                 limits: Limits | None) -> tuple[CaseResult, Outcome | None]:
    """The learner's backward on copies of AL, Y and the caches: in its own process for a
    :class:`Submission`, in this one for a function; a failure gets its hint."""
    if isinstance(backward, Submission):
        outcome = run_backward(backward, [(ref.AL, ref.Y, ref.caches)], limits)
        case = outcome.cases[0] if outcome.cases else CaseResult(failure=outcome.failure)
    else:
        outcome, case = None, call_backward(backward, ref.AL, ref.Y, ref.caches)
    if case.failure is not None:
        dims = [int(ref.caches[0][0][0].shape[0])] + [int(z.shape[0]) for _, z in ref.caches]
        case.failure = case.failure.with_hint(hint(case.failure, Context(dims, ref.m)))
    case.grads = {k: np.asarray(v, dtype=np.float64) for k, v in case.grads.items()}
    return case, outcome


def compare_gradients(
    parameters: Mapping[str, Any] | DeepNetwork,
    X: Any,
    Y: Any,
    backward: Callable[[Array, Array, list], Mapping[str, Array]] | Submission | str | None = None,
    limits: Limits | None = None,
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
            A function runs in this process (your own code, in your notebook); a learner's file
            given as a :class:`~tinygrad_edu.runner.Submission` or a string ``"file.py"``,
            ``"file.py:function"``, ``"module:function"`` runs in its own process under
            ``limits`` (:class:`~tinygrad_edu.runner.Limits`: time, memory, output), so that
            nothing it does can change the verdict; see :mod:`tinygrad_edu.runner`.
            It must follow the course's activations (relu hidden, sigmoid output); for a
            DeepNetwork with other activations, compare without ``backward`` (the built-in
            equations handle relu, sigmoid, tanh and linear layers).

    Everything runs in float64 on copies; nothing passed in is changed. Autograd's dJ/dZ[l] and
    dJ/dA[l] are multiplied by m to be in the lecture's convention (see :data:`CONVENTION`).
    Returns a :class:`GradientReport`; ``print(report)`` shows the table and the diagnosis.
    """
    params, acts, backward = _arguments(parameters, backward)
    prepared = prepare(params, acts, X, Y)
    if backward is None:
        return report_for(prepared)
    learner, outcome = _run_learner(backward, prepared.ref, limits)
    return report_for(prepared, learner, outcome)


@dataclass(frozen=True)
class Prepared:
    """One network and data set, ready to be compared with any number of learners' gradients:
    the lecture's reference (:func:`~.reference.reference`) and autograd's gradients in the
    lecture's convention. Made by :func:`prepare`; used by :func:`report_for`."""

    layer_dims: list[int]
    activations: list[str]
    X: Array
    Y: Array
    auto: dict[str, Array]
    ref: Reference

    @property
    def case(self) -> tuple[Array, Array, list[Any]]:
        """(AL, Y, caches): what a learner's backward is given."""
        return self.ref.AL, self.ref.Y, self.ref.caches


def prepare(params: Mapping[str, Any], activations: list[str], X: Any, Y: Any) -> Prepared:
    """A course-style dict of parameters with its activations, and data X (n[0], m), Y (n[L], m)
    (for a softmax output also integer labels (1, m)), checked and computed once for
    :func:`report_for`."""
    params = {k: np.array(v, dtype=np.float64) for k, v in params.items()}
    dims = parameters_layer_dims(params, _WHERE)
    if activations[-1] == "softmax":
        Y = OUTPUTS["softmax"].labels(np.asarray(getattr(Y, "data", Y), dtype=np.float64), dims[-1], _WHERE)
    x, y = _float64_data(X, Y, dims, _WHERE)
    return Prepared(dims, list(activations), x, y, autograd(params, list(activations), x, y),
                    reference(params, list(activations), x, y))


def report_for(prepared: Prepared, learner: CaseResult | None = None, outcome: Outcome | None = None) -> GradientReport:
    """The report for one network: autograd against the lecture's equations (no ``learner``), or
    against what a learner's backward returned (``learner``, from :mod:`tinygrad_edu.runner`;
    ``outcome``, when it ran in its own process, adds what it printed and how it ended)."""
    ref, notes = prepared.ref, []
    if learner is None:
        other: dict[str, Any] = ref.grads
    else:
        other, note = _older_keys(learner.grads, ref)
        notes += [note] if note else []
        notes += [f"Note: grads[{k!r}] is {why}; return arrays of numbers." for k, why in learner.refused.items()]
    failure = learner.failure if learner is not None else None
    rows = _rows(prepared.auto, other, ref, learner, failure)
    first_bad = next((r.layer for r in rows if r.ok is False), None)
    if not np.all((ref.AL > 0) & (ref.AL < 1)):
        notes.append(_SATURATED)
    findings = []
    if learner is not None and failure is not None:  # nothing to compare: the order of its cache reads may help
        first_bad = None
        findings = cache_reads_findings(learner.reads, ref.L, set())
    elif learner is not None and first_bad is not None:
        findings = diagnose(ref, other, learner.reads)
    against = "your backward" if learner is not None else "the lecture's equations"
    return GradientReport(rows, against, prepared.layer_dims, prepared.activations, ref.m, findings, first_bad,
                          failure.headline() if failure else None, notes, failure,
                          outcome.output if outcome else "", outcome.status if outcome else None)


_SATURATED = (
    "Note: A[L] rounds to exactly 0 or 1 for some examples (saturated sigmoid), where the lecture's "
    "dA[L] = -(Y / A[L] - (1 - Y) / (1 - A[L])) divides by zero, so the equations give nan or inf there; "
    "autograd uses the fused dZ[L] = A[L] - Y, which stays exact. Scale the inputs or the weights down."
)


def _arguments(parameters: Any, backward: Any) -> tuple[dict[str, Array], list[str], Any]:
    """(params, activations, backward) checked: a sigmoid output, the course's activations for a
    learner's backward, and a backward that is a function or a learner's file."""
    params, acts = _network_of(parameters)
    L = len(acts)
    if acts[-1] not in OUTPUTS:
        raise ValueError(message(_WHERE, f"the output layer's activation is {acts[-1]!r}; the comparison uses the "
                                         "lecture's cross-entropy cost, which needs a sigmoid output (A[L] in [0, 1]) "
                                         "or a softmax output (C classes)",
                                 "build the network with output_activation='sigmoid' or 'softmax'"))
    if backward is not None and acts[:-1] != ["relu"] * (L - 1):
        raise ValueError(message(
            _WHERE, f"your backward(AL, Y, caches) follows the course (relu hidden layers, a sigmoid or softmax "
            f"output), but this network's activations are {acts}",
            "compare without backward= (the built-in equations handle relu, sigmoid, tanh, linear and softmax "
            "layers), or build the network with hidden_activation='relu'"))
    if isinstance(backward, str):
        backward = Submission.parse(backward)
    if backward is not None and not callable(backward) and not isinstance(backward, Submission):
        raise TypeError(message(_WHERE, f"backward must be a function backward(AL, Y, caches) or a learner's file "
                                        f"(a Submission, or a string 'file.py:function'), got {backward!r}"))
    return params, acts, backward


def _rows(auto: dict[str, Array], other: Mapping[str, Any], ref: Reference, learner: CaseResult | None,
          failure: Failure | None) -> list[GradientRow]:
    """One row per layer (L first) and quantity: dZ[l], dA[l-1], dW[l], db[l]."""
    rows: list[GradientRow] = []
    refused = learner.refused if learner is not None else {}
    for l in range(ref.L, 0, -1):
        (A_prev, W, _b), _Z = ref.caches[l - 1]
        scale = amax(auto[key("dZ", l)]) * max(1.0, amax(A_prev), amax(W))
        for kind, k, qty in (("dZ", key("dZ", l), name("dZ", l)), ("dA", key("dA", l - 1), name("dA", l - 1)),
                             ("dW", key("dW", l), name("dW", l)), ("db", key("db", l), name("db", l))):
            a = auto[k]
            o = other.get(k)
            if learner is not None and kind == "dZ":
                note = "model_backward returns no dZ"
                rows.append(GradientRow(l, qty, kind, a.shape, None, np.nan, np.nan, None, note))
            elif o is None:
                why = NOT_RETURNED[failure.status] if failure else \
                    f"'{k}' is {refused[k]}" if k in refused else f"no '{k}' in grads"
                rows.append(GradientRow(l, qty, kind, a.shape, None, np.nan, np.nan, False, why))
            elif o.shape != a.shape:
                rows.append(GradientRow(l, qty, kind, a.shape, o.shape, np.nan, np.nan, False, "wrong shape"))
            else:
                diff = amax(a - o)
                rel = diff / amax(a) if amax(a) > 0 else (0.0 if diff == 0 else np.inf)
                ok = same(o, a, scale if kind != "dZ" else amax(a))
                rows.append(GradientRow(l, qty, kind, a.shape, o.shape, diff, rel, ok))
    return rows
