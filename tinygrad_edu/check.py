"""Checking gradients: autograd against the lecture's equations (or a learner's own backward),
central differences, and the table of dimensions of lecture 4.4.

* :func:`compare_gradients` runs the same parameters and data through autograd and through the
  hand-derived equations of :mod:`tinygrad_edu.manual` (or a learner's ``model_backward``) and
  compares dZ[l], dA[l-1], dW[l] and db[l] layer by layer. When a learner's backward is wrong, the
  report names the first layer that disagrees (going backward from layer L) and recognises the
  classic mistakes, each with the equation it should have been.
* :func:`gradcheck` / :func:`gradcheck_parameters`: the course's gradient checking, centred
  differences with ε = 1e-7 and the relative error ‖g − ĝ‖ / (‖g‖ + ‖ĝ‖).
* :func:`dimension_table`: the shapes of W[l], b[l], Z[l], A[l] and their gradients.

The convention (NOTES.md): autograd differentiates the cost J, which carries the 1/m, so its
``Z[l].grad`` = dJ/dZ[l] is the lecture's dZ[l] divided by m (and likewise dJ/dA[l] is the
lecture's dA[l] / m), while ``W[l].grad`` and ``b[l].grad`` ARE the lecture's dW[l] and db[l].
The comparison multiplies autograd's dJ/dZ[l] and dJ/dA[l] by m before comparing, and says so.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import manual
from .errors import ShapeError
from .nn import DeepNetwork, Module, binary_cross_entropy, check_layer_dims, parameters_layer_dims
from .tensor import Tensor, no_grad

__all__ = [
    "CONVENTION",
    "GradientRow",
    "Finding",
    "GradientReport",
    "compare_gradients",
    "GradcheckEntry",
    "GradcheckResult",
    "gradcheck",
    "gradcheck_parameters",
    "DimensionTable",
    "dimension_table",
]

Array = np.ndarray

CONVENTION = (
    "Convention: autograd differentiates J, which carries the 1/m, so its dJ/dZ[l] and dJ/dA[l] are the "
    "lecture's dZ[l] and dA[l] divided by m; the dZ and dA rows compare m * dJ/dZ[l] and m * dJ/dA[l] with "
    "the lecture's dZ[l], dA[l]. dW[l] and db[l] are the same in both and are compared as they are."
)

# the equation each quantity should follow (lecture 4.2)
EQUATIONS = {
    "dAL": "dA[L] = -(Y / A[L] - (1 - Y) / (1 - A[L]))  (no 1/m: the 1/m of J goes into dW and db only)",
    "dZ": "dZ[l] = dA[l] * g[l]'(Z[l])",
    "dW": "dW[l] = (1/m) dZ[l] A[l-1]^T, with W[l]'s shape (n[l], n[l-1])",
    "db": "db[l] = (1/m) np.sum(dZ[l], axis=1, keepdims=True), with b[l]'s shape (n[l], 1)",
    "dA": "dA[l-1] = W[l]^T dZ[l]  (no 1/m here)",
}

_RTOL = 1e-8  # relative to the larger of the two values compared
_OPERAND_TOL = 1e-12  # relative to the size of the numbers summed (sums such as db can cancel to ~0)


def _eq(template: str, l: int) -> str:
    """An equation of EQUATIONS with the layer number put in."""
    return template.replace("[l-1]", f"[{l - 1}]").replace("[l]", f"[{l}]")


def _amax(a: Array | None) -> float:
    return float(np.max(np.abs(a))) if a is not None and a.size else 0.0


def _same(a: Any, b: Any, scale: float = 0.0) -> bool:
    """Whether two gradients agree: same shape, and max |a - b| <= 1e-8 * max(|a|, |b|) + 1e-12 * scale,
    where ``scale`` is the size of the numbers that were summed to produce them."""
    if not isinstance(a, np.ndarray) or not isinstance(b, np.ndarray) or a.shape != b.shape:
        return False
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return bool(np.array_equal(a, b, equal_nan=True))
    diff = _amax(a - b)
    return diff <= _RTOL * max(_amax(a), _amax(b)) + _OPERAND_TOL * scale


# ----------------------------------------------------------------------------- the report


@dataclass(frozen=True)
class GradientRow:
    """One quantity of one layer.

    Attributes:
        layer: l.
        quantity: ``"dZ[l]"``, ``"dA[l-1]"``, ``"dW[l]"`` or ``"db[l]"`` (with numbers).
        kind: ``"dZ"``, ``"dA"``, ``"dW"`` or ``"db"``.
        shape: the shape of autograd's value (in the lecture's convention).
        other_shape: the shape of the manual / learner value (None when not available).
        max_abs_diff: max |autograd - manual| (nan when the shapes differ or a value is missing).
        max_rel_diff: max_abs_diff / max |autograd value| (0 when both are 0).
        ok: True when they agree, False when they do not, None when not compared.
        note: why a row is not compared, or other remarks.
    """

    layer: int
    quantity: str
    kind: str
    shape: tuple[int, ...]
    other_shape: tuple[int, ...] | None
    max_abs_diff: float
    max_rel_diff: float
    ok: bool | None
    note: str = ""


@dataclass(frozen=True)
class Finding:
    """A recognised mistake: in ``layer``, ``quantity`` is wrong because of ``kind``.

    Kinds: ``missing_1/m``, ``extra_1/m``, ``wrong_sign``, ``transposed_dW``, ``dW_shape``,
    ``db_axis``, ``db_keepdims``, ``db_shape``, ``relu_sigmoid_swapped``, ``cache_off_by_one``,
    ``wrong_cache``, ``uses_A[l]``, ``uses_Z``, ``dA_no_transpose``, ``dA_shape``, ``scaled``,
    ``missing_key``, ``wrong_values``.
    """

    layer: int
    quantity: str
    kind: str
    message: str
    equation: str

    def __str__(self) -> str:
        return f"layer {self.layer}, {self.quantity}: {self.message}\n    It should be: {self.equation}"


@dataclass
class GradientReport:
    """The result of :func:`compare_gradients`.

    Attributes:
        rows: one :class:`GradientRow` per layer and quantity, layer L first (backward order).
        against: what autograd was compared with: ``"the lecture's equations"`` or ``"your backward"``.
        layer_dims, activations, m: the network and the number of examples.
        findings: the recognised mistakes (learner's backward only).
        first_bad_layer: the first layer, going backward from L, whose values disagree (or None).
        error: the exception the learner's backward raised, as text (or None).
        notes: remarks on the inputs, e.g. A[L] rounding to exactly 0 or 1.
    """

    rows: list[GradientRow]
    against: str
    layer_dims: list[int]
    activations: list[str]
    m: int
    findings: list[Finding] = field(default_factory=list)
    first_bad_layer: int | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every compared row agrees and nothing failed."""
        return self.error is None and all(r.ok is not False for r in self.rows)

    @property
    def diagnosis(self) -> str | None:
        """None when everything agrees; otherwise what went wrong, where, and the right equation."""
        if self.ok:
            return None
        lines: list[str] = list(self.notes)
        if self.error is not None:
            lines.append(f"Your backward raised {self.error}")
        if self.first_bad_layer is not None:
            L = len(self.layer_dims) - 1
            bad = [r.quantity for r in self.rows if r.layer == self.first_bad_layer and r.ok is False]
            lines.append(
                f"Layer {self.first_bad_layer} is the first layer that disagrees, going backward from layer L = {L} "
                f"({', '.join(bad)})."
            )
        if self.findings:
            lines.append("What went wrong:")
            for f in self.findings:
                lines.append(f"  - {f}")
        elif self.error is None:
            lines.append(
                "No classic mistake matches; compare your code with the equations of NOTES.md (4.2): "
                + "; ".join(EQUATIONS[k] for k in ("dZ", "dW", "db", "dA"))
            )
        return "\n".join(lines)

    def __str__(self) -> str:
        L = len(self.layer_dims) - 1
        head = [
            f"Autograd vs {self.against}: layer_dims = {self.layer_dims} (L = {L}), activations = "
            f"{self.activations}, m = {self.m}",
            CONVENTION,
        ]
        other = "yours" if self.against == "your backward" else "equations"
        cols = ["quantity", "shape", f"{other} shape", "max |diff|", "max rel diff", "ok"]
        body = []
        for r in self.rows:
            okstr = "ok" if r.ok else ("--" if r.ok is None else "WRONG")
            body.append(
                [
                    r.quantity,
                    str(r.shape),
                    "-" if r.other_shape is None else str(r.other_shape),
                    "-" if np.isnan(r.max_abs_diff) else f"{r.max_abs_diff:.2e}",
                    "-" if np.isnan(r.max_rel_diff) else f"{r.max_rel_diff:.2e}",
                    okstr + (f"  ({r.note})" if r.note else ""),
                ]
            )
        widths = [max(len(c), *(len(row[i]) for row in body)) if body else len(c) for i, c in enumerate(cols)]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths)
        table = [fmt.format(*cols).rstrip(), fmt.format(*("-" * w for w in widths))]
        table += [fmt.format(*row).rstrip() for row in body]
        verdict = ["All gradients agree." if self.ok else "Gradients DISAGREE."]
        if not self.ok:
            verdict.append(self.diagnosis or "")
        elif self.notes:
            verdict += self.notes
        return "\n".join(head + [""] + table + [""] + verdict)


# ----------------------------------------------------------------------------- inputs


def _network_of(parameters: Any) -> tuple[dict[str, Array], list[str]]:
    """(course-style dict of float64 copies, activations) from a dict or a DeepNetwork."""
    if isinstance(parameters, DeepNetwork):
        params = {}
        for l, layer in enumerate(parameters.layers, start=1):
            params[f"W{l}"] = np.array(layer.W.data, dtype=np.float64)
            params[f"b{l}"] = np.array(layer.b.data, dtype=np.float64)
        return params, list(parameters.activations)
    if isinstance(parameters, Mapping):
        dims = parameters_layer_dims(parameters, "compare_gradients")
        L = len(dims) - 1
        params = {
            k: np.array(parameters[k], dtype=np.float64) for k in (f"{p}{l}" for l in range(1, L + 1) for p in "Wb")
        }
        return params, ["relu"] * (L - 1) + ["sigmoid"]
    raise TypeError(
        f"compare_gradients: parameters must be a course-style dict {{'W1': ..., 'b1': ..., ...}} or a DeepNetwork, "
        f"got {type(parameters).__name__}."
    )


def _data(X: Any, Y: Any, dims: list[int], where: str) -> tuple[Array, Array]:
    """X (n[0], m) and Y (n[L], m) as float64 copies, with errors that say what they must be."""
    try:
        x = np.array(X.data if isinstance(X, Tensor) else X, dtype=np.float64)
        y = np.array(Y.data if isinstance(Y, Tensor) else Y, dtype=np.float64)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{where}: X and Y must be numeric arrays (Y: labels 0 or 1), but: {e}") from None
    n0, nL = dims[0], dims[-1]
    if x.ndim != 2 or x.shape[0] != n0:
        hint = " Hint: pass X.T; examples go in columns." if x.ndim == 2 and x.shape[1] == n0 else ""
        raise ShapeError(f"{where}: X = A[0] must be (n[0], m) = ({n0}, m), got shape {x.shape}.{hint}")
    m = x.shape[1]
    if y.shape != (nL, m):
        hint = ""
        if y.shape == (m,) and nL == 1:
            hint = f" Hint: make Y a row: Y.reshape(1, {m})."
        elif y.ndim == 2 and y.shape == (m, nL):
            hint = " Hint: Y looks transposed; labels go one per column."
        raise ShapeError(
            f"{where}: Y must be (n[L], m) = ({nL}, {m}) to match X {x.shape} and n[L] = {nL}, "
            f"got shape {y.shape}.{hint}"
        )
    if not np.all((y >= 0) & (y <= 1)):
        raise ValueError(
            f"{where}: Y must hold labels in [0, 1] (the cost is the binary cross-entropy), but it contains "
            f"{y[~((y >= 0) & (y <= 1))].flat[0].item()!r}. Hint: map labels such as -1/+1 to 0/1 first."
        )
    return x, y


# ----------------------------------------------------------------------------- the two computations


def _autograd(params: dict[str, Array], acts: list[str], X: Array, Y: Array) -> dict[str, Array]:
    """Autograd's gradients in the lecture's convention: dZ{l} and dA{l} multiplied by m."""
    net = DeepNetwork.from_parameters(params, activations=acts)
    m = X.shape[1]
    Xt = Tensor(X, requires_grad=True, name="A[0]")
    AL, cache = net.forward_cache(Xt)
    J = binary_cross_entropy(AL, Y)
    J.backward()
    out: dict[str, Array] = {}
    L = len(acts)
    for l in range(1, L + 1):
        Z = cache[f"Z[{l}]"]
        A_prev = cache[f"A[{l - 1}]"]
        out[f"dZ{l}"] = m * Z.grad  # autograd's dJ/dZ[l] = dZ[l] / m
        out[f"dA{l - 1}"] = m * A_prev.grad  # autograd's dJ/dA[l-1] = dA[l-1] / m
        out[f"dW{l}"] = net.layers[l - 1].W.grad
        out[f"db{l}"] = net.layers[l - 1].b.grad
    return out


@dataclass
class _Reference:
    AL: Array
    caches: list[manual.Cache]
    dAL: Array
    grads: dict[str, Array]  # dZ{l}, dA{l-1}, dW{l}, db{l}


def _reference(params: dict[str, Array], acts: list[str], X: Array, Y: Array) -> _Reference:
    """The lecture's equations, with the manual module's building blocks, per-layer activations."""
    L = len(acts)
    A = X
    caches: list[manual.Cache] = []
    for l in range(1, L + 1):
        A, cache = manual.linear_activation_forward(A, params[f"W{l}"], params[f"b{l}"], acts[l - 1])
        caches.append(cache)
    AL = A
    grads: dict[str, Array] = {}
    with np.errstate(divide="ignore", invalid="ignore"):  # a saturated A[L] is reported in the notes
        dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
        dA = dAL
        for l in range(L, 0, -1):
            linear_cache, Z = caches[l - 1]
            dZ = manual.activation_backward(dA, Z, acts[l - 1])
            dA, dW, db = manual.linear_backward(dZ, linear_cache)
            grads[f"dZ{l}"], grads[f"dA{l - 1}"], grads[f"dW{l}"], grads[f"db{l}"] = dZ, dA, dW, db
    return _Reference(AL, caches, dAL, grads)


class _RecordingList(list):
    """A list that remembers which integer indices were read (to spot caches used off by one)."""

    def __init__(self, items: Sequence[Any]) -> None:
        super().__init__(items)
        self.reads: list[int] = []

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, (int, np.integer)):
            self.reads.append(int(index) % max(len(self), 1))
        return super().__getitem__(index)


def _copy_caches(caches: list[manual.Cache]) -> _RecordingList:
    return _RecordingList([((a.copy(), w.copy(), b.copy()), z.copy()) for (a, w, b), z in caches])


# ----------------------------------------------------------------------------- compare_gradients


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
    dims = parameters_layer_dims(params, "compare_gradients")
    L = len(dims) - 1
    if acts[-1] != "sigmoid":
        raise ValueError(
            f"compare_gradients: the output layer's activation is {acts[-1]!r}; the comparison uses the lecture's "
            "cross-entropy cost, which needs a sigmoid output (A[L] in [0, 1]). Build the network with "
            "output_activation='sigmoid'."
        )
    course = ["relu"] * (L - 1) + ["sigmoid"]
    if backward is not None and acts != course:
        raise ValueError(
            f"compare_gradients: your backward(AL, Y, caches) follows the course (relu hidden layers, sigmoid output), "
            f"but this network's activations are {acts}. Compare without backward= (the built-in equations handle "
            "relu, sigmoid, tanh and linear layers), or build the network with hidden_activation='relu'."
        )
    if backward is not None and not callable(backward):
        raise TypeError(f"compare_gradients: backward must be a function backward(AL, Y, caches), got {backward!r}.")
    x, y = _data(X, Y, dims, "compare_gradients")
    m = x.shape[1]

    auto = _autograd(params, acts, x, y)
    ref = _reference(params, acts, x, y)
    error: str | None = None
    reads: list[int] = []
    if backward is None:
        other: dict[str, Any] = ref.grads
        against = "the lecture's equations"
    else:
        against = "your backward"
        caches_copy = _copy_caches(ref.caches)
        try:
            result = backward(ref.AL.copy(), y.copy(), caches_copy)
        except Exception as e:  # the learner's code: report whatever it raised
            error = f"{type(e).__name__}: {e}"
            result = {}
        reads = caches_copy.reads
        if not isinstance(result, Mapping):
            error = error or f"TypeError: it returned a {type(result).__name__}, not a dict of gradients"
            result = {}
        other = {k: (np.asarray(v) if v is not None else None) for k, v in result.items()}

    rows: list[GradientRow] = []
    first_bad: int | None = None
    for l in range(L, 0, -1):
        (A_prev, W, _b), _Z = ref.caches[l - 1]
        scale = _amax(auto[f"dZ{l}"]) * max(1.0, _amax(A_prev), _amax(W))
        for kind, key, qty in (
            ("dZ", f"dZ{l}", f"dZ[{l}]"),
            ("dA", f"dA{l - 1}", f"dA[{l - 1}]"),
            ("dW", f"dW{l}", f"dW[{l}]"),
            ("db", f"db{l}", f"db[{l}]"),
        ):
            a = auto[key]
            if backward is not None and kind == "dZ":
                rows.append(
                    GradientRow(l, qty, kind, a.shape, None, np.nan, np.nan, None, "model_backward returns no dZ")
                )
                continue
            o = other.get(key)
            if o is None:
                why = "your backward failed" if error is not None else f"no '{key}' in grads"
                rows.append(GradientRow(l, qty, kind, a.shape, None, np.nan, np.nan, False, why))
            elif o.shape != a.shape:
                rows.append(GradientRow(l, qty, kind, a.shape, o.shape, np.nan, np.nan, False, "wrong shape"))
            else:
                diff = _amax(a - o)
                ok = _same(o, a, scale if kind != "dZ" else _amax(a))
                rel = diff / _amax(a) if _amax(a) > 0 else (0.0 if diff == 0 else np.inf)
                rows.append(GradientRow(l, qty, kind, a.shape, o.shape, diff, rel, ok))
            if rows[-1].ok is False and first_bad is None:
                first_bad = l

    notes: list[str] = []
    if not np.all((ref.AL > 0) & (ref.AL < 1)):
        notes.append(
            "Note: A[L] rounds to exactly 0 or 1 for some examples (saturated sigmoid), where the lecture's "
            "dA[L] = -(Y / A[L] - (1 - Y) / (1 - A[L])) divides by zero, so the equations give nan or inf there; "
            "autograd uses the fused dZ[L] = A[L] - Y, which stays exact. Scale the inputs or the weights down."
        )
    findings: list[Finding] = []
    if error is not None:  # nothing to compare: only the order in which it read the caches can help
        first_bad = None
        findings = _cache_reads_findings(reads, L, set())
    elif backward is not None and first_bad is not None:
        findings = _diagnose(ref, acts, y, other, reads)
    return GradientReport(rows, against, dims, acts, m, findings, first_bad, error, notes)


# ----------------------------------------------------------------------------- diagnosis


def _step(dA: Array, cache: manual.Cache, act: str) -> dict[str, Array]:
    """One backward box: dZ, dW, db, dA_prev from dA[l] and layer l's cache."""
    (A_prev, W, b), Z = cache
    dZ = manual.activation_backward(dA, Z, act)
    dA_prev, dW, db = manual.linear_backward(dZ, (A_prev, W, b))
    return {"dZ": dZ, "dW": dW, "db": db, "dA": dA_prev}


def _try(fn: Callable[[], Any]) -> Any:
    try:
        with np.errstate(all="ignore"):
            return fn()
    except (ValueError, IndexError, TypeError):
        return None


_GENERIC = {"wrong_values", "scaled", "dW_shape", "db_shape", "dA_shape"}


def _diagnose(ref: _Reference, acts: list[str], Y: Array, got: Mapping[str, Any], reads: list[int]) -> list[Finding]:
    """Recognise the classic mistakes. Each backward box l is checked on its own: given the dA[l]
    it was fed, what must it output? The input is the learner's own dA{l} (what their code passed
    down) or the right dA[l] (for l = L, the right dA[L]); a box that is right for either input is
    right. Where it disagrees, each mistake is reconstructed (what would that mistake have
    produced from the same inputs?) and matched against what the box did produce; of the two
    inputs, the one whose explanation is more specific wins."""
    L = len(acts)
    findings: list[Finding] = []
    explained: set[int] = set()
    for l in range(L, 0, -1):
        Z = ref.caches[l - 1][1]
        right_in = ref.dAL if l == L else ref.grads[f"dA{l}"]
        fed = got.get(f"dA{l}") if l < L else None
        inputs = [right_in]
        if isinstance(fed, np.ndarray) and fed.shape == Z.shape and not _same(fed, right_in):
            inputs.insert(0, fed)  # what the learner's code most likely passed to this box
        best: list[Finding] | None = None
        for dA_in in inputs:
            layer_findings = _diagnose_box(l, dA_in, ref, acts, Y.shape[1], got)
            if not layer_findings:
                best = []
                break
            if best is None or sum(f.kind in _GENERIC for f in layer_findings) < sum(f.kind in _GENERIC for f in best):
                best = layer_findings
        if best:
            explained.add(l)
            findings += best
    findings += _cache_reads_findings(reads, L, explained)
    return findings


def _diagnose_box(
    l: int, dA_in: Array, ref: _Reference, acts: list[str], m: int, got: Mapping[str, Any]
) -> list[Finding]:
    """The findings for backward box l fed with dA_in ([] when its outputs are right)."""
    L = len(acts)
    cache = ref.caches[l - 1]
    (A_prev, W, _b), Z = cache
    act = acts[l - 1]
    exp = _step(dA_in, cache, act)
    scale = _amax(exp["dZ"]) * max(1.0, _amax(A_prev), _amax(W))
    names = {"dW": f"dW{l}", "db": f"db{l}", "dA": f"dA{l - 1}"}
    qty = {"dW": f"dW[{l}]", "db": f"db[{l}]", "dA": f"dA[{l - 1}]"}
    values = {k: got.get(v) for k, v in names.items()}
    bad = [k for k in ("dW", "db", "dA") if not _same(values[k], exp[k], scale)]
    findings: list[Finding] = []
    missing = [k for k in bad if values[k] is None]
    for k in missing:
        findings.append(Finding(l, qty[k], "missing_key", f"grads has no '{names[k]}'.", _eq(EQUATIONS[k], l)))
    bad = [k for k in bad if k not in missing]
    if not bad:
        return findings

    # 1. mistakes in dZ[l] (or in dA[L]), which change dW, db and dA[l-1] together
    for kind, cand, message, equation in _dz_hypotheses(l, L, dA_in, cache, act, ref, acts, m):
        if cand is not None and all(_same(values[k], cand[k], scale) for k in ("dW", "db", "dA") if k not in missing):
            return findings + [Finding(l, f"dZ[{l}]", kind, message, equation)]

    # 2. mistakes in one equation
    for k in bad:
        findings.append(_quantity_finding(k, l, values[k], exp, cache, act, m, scale, qty[k]))
    return findings


def _dz_hypotheses(
    l: int, L: int, dA_in: Array, cache: manual.Cache, act: str, ref: _Reference, acts: list[str], m: int
) -> list[tuple[str, dict[str, Array] | None, str, str]]:
    """(kind, what the mistake would produce, message, right equation) for mistakes inside dZ[l]."""
    out: list[tuple[str, dict[str, Array] | None, str, str]] = []
    (A_prev, W, b), Z = cache
    right = _step(dA_in, cache, act)
    swap = {"relu": "sigmoid", "sigmoid": "relu"}.get(act)
    if swap is not None:
        g_right = "relu'(Z) = 1 where Z > 0, else 0" if act == "relu" else "σ'(Z) = σ(Z)(1 - σ(Z))"
        out.append(
            (
                "relu_sigmoid_swapped",
                _try(lambda: _step(dA_in, cache, swap)),
                f"relu and sigmoid are swapped: layer {l} is a {act} layer but its dZ[{l}] used {swap}'s derivative.",
                f"dZ[{l}] = dA[{l}] * g[{l}]'(Z[{l}]) with g[{l}] = {act}: {g_right}",
            )
        )
    for k in (l + 1, l - 1):
        if 1 <= k <= L:
            other = ref.caches[k - 1]
            if other[1].shape != Z.shape:
                continue
            for a in dict.fromkeys((act, acts[k - 1])):
                out.append(
                    (
                        "cache_off_by_one",
                        _try(lambda other=other, a=a: _step(dA_in, other, a)),
                        f"caches off by one: the backward step of layer {l} used caches[{k - 1}] (layer {k}'s cache) "
                        f"instead of caches[{l - 1}].",
                        f"layer l's backward step uses its own cache, caches[l-1] = ((A[l-1], W[l], b[l]), Z[l]); "
                        f"here caches[{l - 1}]",
                    )
                )
    start = "dA[L]" if l == L else f"dZ[{l}]"
    start_eq = EQUATIONS["dAL"] if l == L else _eq(EQUATIONS["dZ"], l)
    out.append(
        (
            "wrong_sign",
            {k: -v for k, v in right.items()},
            f"wrong sign: dW[{l}], db[{l}] and dA[{l - 1}] all have the opposite sign, so {start} has the wrong sign.",
            start_eq,
        )
    )
    out.append(
        (
            "extra_1/m",
            {k: v / m for k, v in right.items()},
            f"extra 1/m: dW[{l}], db[{l}] and dA[{l - 1}] are all m = {m} times too small: {start} was divided by m.",
            start_eq,
        )
    )
    return out


def _quantity_finding(
    k: str, l: int, got: Array, exp: dict[str, Array], cache: manual.Cache, act: str, m: int, scale: float, qty: str
) -> Finding:
    """The finding for one wrong quantity (dW, db or dA[l-1]) of layer l."""
    (A_prev, W, b), Z = cache
    dZ = exp["dZ"]
    eq = _eq(EQUATIONS[k], l)
    cands: list[tuple[str, Callable[[], Array], str]] = []
    if k == "dW":
        A_l, _ = manual.linear_activation_forward(A_prev, W, b, act)
        cands = [
            ("missing_1/m", lambda: dZ @ A_prev.T, f"{qty} is m = {m} times too large: the 1/m is missing."),
            (
                "extra_1/m",
                lambda: dZ @ A_prev.T / m**2,
                f"{qty} is m = {m} times too small: it was divided by m twice.",
            ),
            ("wrong_sign", lambda: -exp["dW"], f"{qty} has the wrong sign."),
            (
                "transposed_dW",
                lambda: exp["dW"].T,
                f"{qty} is transposed: it has shape {got.shape}, but dW[{l}] must have W[{l}]'s shape "
                f"{exp['dW'].shape}; it computed A[{l - 1}] dZ[{l}]^T instead of dZ[{l}] A[{l - 1}]^T.",
            ),
            (
                "uses_A[l]",
                lambda: dZ @ A_l.T / m,
                f"{qty} used A[{l}] instead of A[{l - 1}] (the erratum of the summary slide).",
            ),
        ]
    elif k == "db":
        cands = [
            (
                "missing_1/m",
                lambda: np.sum(dZ, axis=1, keepdims=True),
                f"{qty} is m = {m} times too large: the 1/m is missing.",
            ),
            (
                "extra_1/m",
                lambda: np.sum(dZ, axis=1, keepdims=True) / m**2,
                f"{qty} is m = {m} times too small: divided by m twice.",
            ),
            ("wrong_sign", lambda: -exp["db"], f"{qty} has the wrong sign."),
            (
                "db_keepdims",
                lambda: np.sum(dZ, axis=1) / m,
                f"{qty} has shape {got.shape}: summed without keepdims=True, so it lost the column axis of b[{l}].",
            ),
            (
                "db_axis",
                lambda: np.sum(dZ, axis=0, keepdims=True) / m,
                f"{qty} has shape {got.shape}: summed over axis 0 (the n[{l}] units) instead of axis 1 "
                "(the m examples).",
            ),
            (
                "db_axis",
                lambda: np.sum(dZ, axis=0) / m,
                f"{qty} has shape {got.shape}: summed over axis 0 (the n[{l}] units) instead of axis 1 "
                "(the m examples), "
                "and without keepdims.",
            ),
            (
                "db_axis",
                lambda: np.sum(dZ) / m,
                f"{qty} is a single number: summed over all axes instead of axis 1 only.",
            ),
        ]
    else:
        cands = [
            (
                "extra_1/m",
                lambda: W.T @ dZ / m,
                f"{qty} is m = {m} times too small: it has a 1/m that does not belong there.",
            ),
            ("wrong_sign", lambda: -exp["dA"], f"{qty} has the wrong sign."),
            ("uses_Z", lambda: W.T @ Z, f"{qty} used Z[{l}] instead of dZ[{l}] (the erratum of the summary slide)."),
            ("dA_no_transpose", lambda: W @ dZ, f"{qty} used W[{l}] instead of W[{l}]^T."),
        ]
    for kind, fn, message in cands:
        cand = _try(fn)
        if cand is not None and _same(got, np.asarray(cand), scale):
            return Finding(l, qty, kind, message, eq)
    right = exp[k]
    if got.shape != right.shape:
        kind = {"dW": "dW_shape", "db": "db_shape", "dA": "dA_shape"}[k]
        return Finding(l, qty, kind, f"{qty} has shape {got.shape} but must have shape {right.shape}.", eq)
    denom = float(np.sum(right * right))
    if denom > 0:
        c = float(np.sum(got * right)) / denom  # least-squares factor: got ≈ c * right
        if _same(got, c * right, scale):
            return Finding(l, qty, "scaled", f"{qty} is {c:.6g} times the right value (m = {m}).", eq)
    return Finding(l, qty, "wrong_values", f"{qty} has the right shape but wrong values.", eq)


def _cache_reads_findings(reads: list[int], L: int, explained: set[int]) -> list[Finding]:
    """From the order in which the learner's code read caches[...]: the step for layer l (the
    i-th step, l = L - i) must read caches[l-1]. Reported for layers not already explained."""
    # each step normally reads its cache once; a learner who reads it several times in a row
    # is allowed for when there are more reads than layers
    seq = reads if len(reads) <= L else [r for i, r in enumerate(reads) if i == 0 or r != reads[i - 1]]
    out: list[Finding] = []
    for i, idx in enumerate(seq[:L]):
        l = L - i
        if idx != l - 1 and l not in explained:
            off = abs(idx - (l - 1)) == 1
            out.append(
                Finding(
                    l,
                    "cache",
                    "cache_off_by_one" if off else "wrong_cache",
                    f"{'caches off by one: ' if off else ''}the backward step of layer {l} read caches[{idx}] "
                    f"(layer {idx + 1}'s cache) instead of caches[{l - 1}].",
                    f"layer l's backward step uses its own cache, caches[l-1] = ((A[l-1], W[l], b[l]), Z[l]); "
                    f"here caches[{l - 1}]",
                )
            )
            break  # later reads follow from the first wrong one
    return out


# ----------------------------------------------------------------------------- gradcheck


@dataclass(frozen=True)
class GradcheckEntry:
    """One checked entry: the parameter's name, the index, the analytic g and the numerical ĝ."""

    name: str
    index: tuple[int, ...]
    analytic: float
    numerical: float

    @property
    def abs_diff(self) -> float:
        return abs(self.analytic - self.numerical)


@dataclass
class GradcheckResult:
    """The result of :func:`gradcheck`.

    Attributes:
        difference: ‖g − ĝ‖ / (‖g‖ + ‖ĝ‖) over all checked entries (0 when both are 0).
        threshold: the largest difference accepted; ``ok`` is ``difference <= threshold``.
        eps: the ε of the centred differences.
        worst: the entries with the largest |g − ĝ|, largest first.
        n_checked: how many entries were checked.
        warnings: e.g. float32 inputs.
    """

    difference: float
    threshold: float
    eps: float
    worst: list[GradcheckEntry]
    n_checked: int
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.difference <= self.threshold)

    def __str__(self) -> str:
        verdict = "the backward pass looks right" if self.ok else "there is probably a mistake in the backward pass"
        lines = [
            f"gradcheck: ε = {self.eps:g}, {self.n_checked} entries, relative error ‖g − ĝ‖ / (‖g‖ + ‖ĝ‖) = "
            f"{self.difference:.3e} ({'<=' if self.ok else '>'} {self.threshold:g}): {verdict}.",
            "g = analytic gradient (backward), ĝ = (J(θ + ε) − J(θ − ε)) / (2ε).",
        ]
        if self.worst:
            lines.append("Worst entries:")
            w = max(len(f"{e.name}{list(e.index)}") for e in self.worst)
            lines.append(f"  {'entry':<{w}}  {'g':>13}  {'ĝ':>13}  {'|g − ĝ|':>10}")
            for e in self.worst:
                lines.append(
                    f"  {e.name + str(list(e.index)):<{w}}  {e.analytic:>13.6e}  {e.numerical:>13.6e}  "
                    f"{e.abs_diff:>10.2e}"
                )
        if not self.ok:
            lines.append(
                "Note: with relu, an entry whose perturbation moves some Z across 0 crosses relu's kink, where the "
                "derivative jumps; such an entry can disagree without any mistake in the backward pass."
            )
        lines += [f"Warning: {msg}" for msg in self.warnings]
        return "\n".join(lines)


def _named_tensors(params: Any) -> list[tuple[str, Tensor]]:
    if isinstance(params, Module):
        return params.named_parameters()
    if isinstance(params, Mapping):
        items = list(params.items())
    else:
        items = [(t.name or f"param{i}", t) for i, t in enumerate(params)]
    for name, t in items:
        if not isinstance(t, Tensor):
            raise TypeError(
                f"gradcheck: {name} is a {type(t).__name__}, not a Tensor; use gradcheck_parameters for a "
                "dict of arrays."
            )
    return [(str(n), t) for n, t in items]


def _float32_warning(names: list[str]) -> str:
    return (
        f"{', '.join(names)} {'is' if len(names) == 1 else 'are'} float32: with ε = 1e-7, centred differences in "
        "float32 (about 7 significant digits) are dominated by rounding, so the relative error is meaningless. "
        "Check in float64 (e.g. Tensor(x, dtype='float64'))."
    )


def _entries(shape: tuple[int, ...], max_entries: int | None, rs: np.random.RandomState) -> list[tuple[int, ...]]:
    idx = list(np.ndindex(shape))
    if max_entries is not None and len(idx) > max_entries:
        pick = rs.choice(len(idx), size=max_entries, replace=False)
        idx = [idx[i] for i in sorted(pick)]
    return idx


def _finish(
    g: list[float],
    gh: list[float],
    entries: list[tuple[str, tuple[int, ...]]],
    eps: float,
    threshold: float,
    worst: int,
    warns: list[str],
) -> GradcheckResult:
    ga, gn = np.array(g, dtype=np.float64), np.array(gh, dtype=np.float64)
    num = float(np.linalg.norm(ga - gn))
    den = float(np.linalg.norm(ga) + np.linalg.norm(gn))
    difference = num / den if den > 0 else 0.0  # ‖g − ĝ‖ / (‖g‖ + ‖ĝ‖)
    order = np.argsort(-np.abs(ga - gn), kind="stable")[:worst]
    worst_list = [GradcheckEntry(entries[i][0], entries[i][1], float(ga[i]), float(gn[i])) for i in order]
    return GradcheckResult(difference, threshold, eps, worst_list, len(g), warns)


def gradcheck(
    f: Callable[[], Any],
    params: Module | Mapping[str, Tensor] | Sequence[Tensor],
    *,
    grads: Mapping[str, Any] | None = None,
    eps: float = 1e-7,
    threshold: float = 2e-7,
    worst: int = 5,
    max_entries: int | None = None,
    seed: int = 0,
) -> GradcheckResult:
    """Gradient checking by centred differences (the course's ``gradient_check_n``).

    For every entry θ of every parameter: ĝ = (J(θ + ε) − J(θ − ε)) / (2ε), compared with the
    analytic gradient g through the relative error ‖g − ĝ‖ / (‖g‖ + ‖ĝ‖) (course: below 1e-7 is
    great, above 1e-3 is a mistake).

    Args:
        f: called without arguments, computes the cost J (a one-element Tensor or a number) from the
            parameters' current values, e.g. ``lambda: binary_cross_entropy(net(X), Y)``.
        params: the parameters to check: a Module, a dict name -> Tensor, or a list of Tensors.
        grads: the analytic gradients to check, name -> array (e.g. from your own backward);
            default: autograd's, from ``f().backward()``.
        eps: ε (1e-7). threshold: the largest relative error called ok (2e-7, as in the course).
        worst: how many of the worst entries to list. max_entries: check at most this many entries
            per parameter, chosen at random (``seed``); default all.

    The parameters are restored afterwards (their ``.data`` arrays and ``.grad`` are the same
    objects as before; the perturbations are made in a private copy). Warns when a parameter is float32.
    """
    named = _named_tensors(params)
    warns: list[str] = []
    f32 = [n for n, t in named if t.dtype == np.float32]
    if f32:
        warns.append(_float32_warning(f32))
        warnings.warn("gradcheck: " + warns[-1], UserWarning, stacklevel=2)
    if grads is None:
        saved = [t.grad for _, t in named]
        try:
            for _, t in named:
                t.grad = None
            J = f()
            if not isinstance(J, Tensor):
                raise TypeError(
                    "gradcheck: f() must return a Tensor when grads= is not given (autograd needs the graph)."
                )
            J.backward()
            analytic = {
                n: (np.zeros(t.shape) if t.grad is None else np.array(t.grad, dtype=np.float64)) for n, t in named
            }
        finally:
            for (_, t), g in zip(named, saved):
                t.grad = g
    else:
        analytic = {}
        for n, t in named:
            if n not in grads:
                raise ValueError(f"gradcheck: grads has no entry for {n!r}; it has {sorted(grads)}.")
            ga = np.asarray(grads[n], dtype=np.float64)
            if ga.shape != t.shape:
                raise ShapeError(f"gradcheck: the gradient of {n} has shape {ga.shape}, but {n} has shape {t.shape}.")
            analytic[n] = ga

    def J() -> float:
        with no_grad():
            out = f()
        return float(out.item() if isinstance(out, Tensor) else out)

    rs = np.random.RandomState(seed)
    g: list[float] = []
    gh: list[float] = []
    entries: list[tuple[str, tuple[int, ...]]] = []
    for name, t in named:
        original = t.data
        work = original.copy()  # perturb a private copy, never the user's array
        t.data = work
        try:
            for idx in _entries(t.shape, max_entries, rs):
                work[idx] = original[idx] + eps
                J_plus = J()
                work[idx] = original[idx] - eps
                J_minus = J()
                work[idx] = original[idx]
                gh.append((J_plus - J_minus) / (2 * eps))  # ĝ = (J(θ + ε) − J(θ − ε)) / (2ε)
                g.append(float(analytic[name][idx]))
                entries.append((name, idx))
        finally:
            t.data = original
    return _finish(g, gh, entries, eps, threshold, worst, warns)


def gradcheck_parameters(
    parameters: Mapping[str, Any],
    X: Any,
    Y: Any,
    grads: Mapping[str, Any] | None = None,
    *,
    eps: float = 1e-7,
    threshold: float = 2e-7,
    worst: int = 5,
    max_entries: int | None = None,
    seed: int = 0,
) -> GradcheckResult:
    """The course's ``gradient_check_n`` on a course-style dict: J(θ) = compute_cost(model_forward(X, θ), Y)
    (relu hidden layers, sigmoid output); ``grads`` ({"dW1", "db1", ...}, e.g. from your own
    model_backward) defaults to ``manual.model_backward``'s. Works on copies: ``parameters`` is not changed.
    Warns when the parameters or X are float32 (they are then checked in float32)."""
    dims = parameters_layer_dims(parameters, "gradcheck_parameters")
    L = len(dims) - 1
    keys = [f"{p}{l}" for l in range(1, L + 1) for p in "Wb"]
    arrays = {k: np.asarray(parameters[k]) for k in keys}
    x, y = np.asarray(X.data if isinstance(X, Tensor) else X), np.asarray(Y.data if isinstance(Y, Tensor) else Y)
    _data(x, y, dims, "gradcheck_parameters")  # shape and label checks
    warns: list[str] = []
    f32 = [k for k in keys if arrays[k].dtype == np.float32] + (["X"] if x.dtype == np.float32 else [])
    if f32:
        warns.append(_float32_warning(f32))
        warnings.warn("gradcheck_parameters: " + warns[-1], UserWarning, stacklevel=2)
    work = {k: np.array(v, dtype=v.dtype if v.dtype == np.float32 else np.float64) for k, v in arrays.items()}
    if grads is None:
        AL, caches = manual.model_forward(x, work)
        grads = manual.model_backward(AL, y, caches)
    analytic = {}
    for k in keys:
        gk = grads.get(f"d{k}") if isinstance(grads, Mapping) else None
        if gk is None:
            raise ValueError(f"gradcheck_parameters: grads has no 'd{k}'; expected dW1, db1, ..., dW{L}, db{L}.")
        gk = np.asarray(gk, dtype=np.float64)
        if gk.shape != work[k].shape:
            raise ShapeError(f"gradcheck_parameters: d{k} has shape {gk.shape} but {k} has shape {work[k].shape}.")
        analytic[k] = gk

    def J() -> float:
        AL, _ = manual.model_forward(x, work)
        return manual.compute_cost(AL, y)

    rs = np.random.RandomState(seed)
    g: list[float] = []
    gh: list[float] = []
    entries: list[tuple[str, tuple[int, ...]]] = []
    for k in keys:
        w = work[k]
        for idx in _entries(w.shape, max_entries, rs):
            orig = w[idx]
            w[idx] = orig + eps
            J_plus = J()
            w[idx] = orig - eps
            J_minus = J()
            w[idx] = orig
            gh.append((J_plus - J_minus) / (2 * eps))
            g.append(float(analytic[k][idx]))
            entries.append((k, idx))
    return _finish(g, gh, entries, eps, threshold, worst, warns)


# ----------------------------------------------------------------------------- dimension table


@dataclass
class DimensionTable:
    """The shapes of lecture 4.4 for every layer. ``rows[l]`` is a dict with keys ``l``, ``n``,
    ``W``, ``b``, ``Z``, ``A`` (shapes as tuples; ``"m"`` stands for the number of examples when it
    was not given; None where a layer has no such quantity, i.e. W, b, Z of layer 0).
    The gradients dW[l], db[l], dZ[l], dA[l] have the same shapes as W[l], b[l], Z[l], A[l]."""

    layer_dims: list[int]
    m: int | str
    rows: list[dict[str, Any]]

    def __str__(self) -> str:
        def s(shape: tuple[Any, ...] | None) -> str:
            return "-" if shape is None else "(" + ", ".join(str(v) for v in shape) + ")"

        cols = ["l", "n[l]", "W[l], dW[l]", "b[l], db[l]", "Z[l], dZ[l]", "A[l], dA[l]"]
        body = [
            [str(r["l"]), str(r["n"]), s(r["W"]), s(r["b"]), s(r["Z"]), s(r["A"]) + ("  = X" if r["l"] == 0 else "")]
            for r in self.rows
        ]
        widths = [max(len(c), *(len(row[i]) for row in body)) for i, c in enumerate(cols)]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths)
        L = len(self.layer_dims) - 1
        lines = [
            f"Matrix dimensions (lecture 4.4) for layer_dims = {self.layer_dims}, L = {L}, "
            + (f"m = {self.m}:" if self.m != "m" else "m examples:"),
            "W[l]: (n[l], n[l-1])   b[l]: (n[l], 1)   Z[l], A[l]: (n[l], m)   a gradient has its variable's shape",
            "",
            fmt.format(*cols).rstrip(),
            fmt.format(*("-" * w for w in widths)),
        ]
        lines += [fmt.format(*row).rstrip() for row in body]
        return "\n".join(lines)


def dimension_table(layer_dims: Sequence[int], m: int | None = None) -> DimensionTable:
    """The table of lecture 4.4: for l = 0..L the shapes of W[l] (n[l], n[l-1]), b[l] (n[l], 1),
    Z[l] and A[l] (n[l], m), which are also the shapes of dW[l], db[l], dZ[l], dA[l]. Without
    ``m`` the number of examples is shown as the symbol m."""
    dims = check_layer_dims(layer_dims, "dimension_table")
    if m is not None and (isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 1):
        raise ValueError(f"dimension_table: m (the number of examples) must be a positive integer or None, got {m!r}.")
    mm: int | str = "m" if m is None else int(m)
    rows: list[dict[str, Any]] = [{"l": 0, "n": dims[0], "W": None, "b": None, "Z": None, "A": (dims[0], mm)}]
    for l in range(1, len(dims)):
        rows.append(
            {
                "l": l,
                "n": dims[l],
                "W": (dims[l], dims[l - 1]),
                "b": (dims[l], 1),
                "Z": (dims[l], mm),
                "A": (dims[l], mm),
            }
        )
    return DimensionTable(dims, mm, rows)
