"""The learner mistakes that :func:`~tinygrad_edu.check.compare_gradients` recognises, as one table.

Each row of :data:`MISTAKES` says what the mistake is (``what``), how it shows in the numbers
(``produce``: what a backward box with that mistake computes from the same inputs -- the
diagnosis matches it against what the learner's box did compute), the sentence that names it and
the equation it should have been. A new diagnosis is one row here plus one test row in
``tests/test_check.py``.

``target`` says what the mistake changes:

* ``"dZ"``: a mistake inside dZ[l] (or dA[L]), so dW[l], db[l] and dA[l-1] are all off together;
  ``produce`` returns the box's three outputs ``{"dW", "db", "dA"}``;
* ``"dW"``, ``"db"``, ``"dA"``: one equation; ``produce`` returns that one quantity;
* ``"any"``: found by other means (a missing key, a shape, a factor, the order of cache reads);
  ``produce`` is None.

``produce`` returns a list of variants ``(value, fields)``: usually one; ``fields`` are extra
values for the sentence. Sentences and equations are ``str.format`` templates with the fields
``l``, ``lm1`` (l - 1), ``L``, ``m``, ``q`` (the quantity, ``dW[2]``), ``key`` (its dict key),
``shape`` (what the learner's value has), ``right_shape``, ``act``, ``derivative``, ``start``
(``dA[L]`` or ``dZ[l]``), ``start_equation``, ``equation`` (the lecture's equation of the target)
and the variant's own fields.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from .. import manual
from ..lecture import ACTIVATIONS, equation
from ..outputs import OUTPUTS
from .reference import Reference, step

__all__ = ["Box", "Mistake", "MISTAKES", "mistakes_for"]

Array = np.ndarray
Variant = tuple[Any, dict[str, Any]]


@dataclass
class Box:
    """Backward box l as the diagnosis sees it: the dA[l] it was fed, its cache, and the network."""

    l: int
    dA: Array
    ref: Reference
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def cache(self) -> manual.Cache:
        return self.ref.caches[self.l - 1]

    @property
    def act(self) -> str:
        return self.ref.acts[self.l - 1]

    @property
    def m(self) -> int:
        return self.ref.m

    @cached_property
    def right(self) -> dict[str, Array]:
        """What the box should output from its input: dZ, dW, db, dA (= dA[l-1])."""
        return step(self.dA, self.cache, self.act)

    def outputs(self, scale: Callable[[Array], Array] = lambda v: v) -> dict[str, Array]:
        """The three outputs dW, db, dA with ``scale`` applied to each."""
        return {k: scale(self.right[k]) for k in ("dW", "db", "dA")}


@dataclass(frozen=True)
class Mistake:
    """One row of :data:`MISTAKES` (see the module docstring)."""

    code: str
    target: str
    what: str
    sentence: str
    equation: str
    produce: Callable[[Box], list[Variant]] | None = None


def _one(fn: Callable[[Box], Any]) -> Callable[[Box], list[Variant]]:
    """``produce`` for a mistake with a single variant."""
    return lambda box: [(fn(box), {})]


def _swap(box: Box) -> list[Variant]:
    """relu' for sigmoid' and back; in a softmax layer the sigmoid's derivative, either as
    sigmoid(Z)(1 - sigmoid(Z)) or written with the layer's own output, A[l](1 - A[l])."""
    other = {"relu": "sigmoid", "sigmoid": "relu", "softmax": "sigmoid"}.get(box.act)
    if other is None:
        return []
    if box.act != "softmax":
        return [(step(box.dA, box.cache, other), {"swap": other, "what": "relu and sigmoid are swapped"})]
    fields = {"swap": other, "what": "the sigmoid's derivative in a softmax layer"}
    A = ACTIVATIONS["softmax"].g(box.cache[1])
    with np.errstate(all="ignore"):
        dA_prev, dW, db = manual.linear_backward(box.dA * A * (1 - A), box.cache[0])
    return [(step(box.dA, box.cache, other), fields), ({"dW": dW, "db": db, "dA": dA_prev}, fields)]


def _neighbour_caches(box: Box) -> list[Variant]:
    """Layer l's box run on layer l+1's or l-1's cache (with either layer's activation)."""
    out: list[Variant] = []
    ref, Z = box.ref, box.cache[1]
    for k in (box.l + 1, box.l - 1):
        if 1 <= k <= ref.L and ref.caches[k - 1][1].shape == Z.shape:
            for act in dict.fromkeys((box.act, ref.acts[k - 1])):
                out.append((step(box.dA, ref.caches[k - 1], act), {"k": k, "k_index": k - 1}))
    return out


def _dZ_A(box: Box) -> Array:
    """dZ[l] A[l-1]^T, without the 1/m."""
    return box.right["dZ"] @ box.cache[0][0].T


def _sum_dZ(box: Box, **kw: Any) -> Array:
    return np.sum(box.right["dZ"], **kw)


def _uses_A_l(box: Box) -> Array:
    (A_prev, W, b), Z = box.cache
    return box.right["dZ"] @ ACTIVATIONS[box.act].g(Z).T / box.m


def _db_axis(box: Box) -> list[Variant]:
    # a variant's text fields are templates too: {shape} and {l} are filled in with the others
    wrong_axis = "has shape {shape}: summed over axis 0 (the n[{l}] units) instead of axis 1 (the m examples)"
    return [
        (_sum_dZ(box, axis=0, keepdims=True) / box.m, {"how": wrong_axis}),
        (_sum_dZ(box, axis=0) / box.m, {"how": wrong_axis + ", and without keepdims"}),
        (_sum_dZ(box) / box.m, {"how": "is a single number: summed over all axes instead of axis 1 only"}),
    ]


_CACHE_EQUATION = ("layer l's backward step uses its own cache, caches[l-1] = ((A[l-1], W[l], b[l]), Z[l]); here "
                   "caches[{lm1}]")
_SLIDE = "(the erratum of the summary slide)"

#: every mistake the diagnosis can name, in the order they are tried
MISTAKES: tuple[Mistake, ...] = (
    # --- inside dZ[l] (or dA[L]): dW[l], db[l] and dA[l-1] are all off ------------------------------------
    Mistake("activation_swapped", "dZ", "used sigmoid's derivative in a relu or softmax layer, or relu's in a "
            "sigmoid layer",
            "{what}: layer {l} is a {act} layer but its dZ[{l}] used {swap}'s derivative.",
            "dZ[{l}] = dA[{l}] * g[{l}]'(Z[{l}]) with g[{l}] = {act}: {derivative}", _swap),
    Mistake("cache_off_by_one", "dZ", "layer l's backward step used the cache of layer l+1 or l-1",
            "caches off by one: the backward step of layer {l} read caches[{k_index}] (layer {k}'s cache) instead "
            "of caches[{lm1}].", _CACHE_EQUATION, _neighbour_caches),
    Mistake("dZ_sign", "dZ", "dA[L] (or dZ[l]) with the opposite sign (code dAL_sign at layer L)",
            "wrong sign: dW[{l}], db[{l}] and dA[{lm1}] all have the opposite sign, so {start} has the wrong sign.",
            "{start_equation}", _one(lambda box: box.outputs(np.negative))),
    Mistake("extra_1_over_m", "dZ", "dA[L] (or dZ[l]) divided by m",
            "extra 1/m: dW[{l}], db[{l}] and dA[{lm1}] are all m = {m} times too small: {start} was divided by m.",
            "{start_equation}", _one(lambda box: box.outputs(lambda v: v / box.m))),
    # --- dW[l] = (1/m) dZ[l] A[l-1]^T ---------------------------------------------------------------------
    Mistake("missing_1_over_m", "dW", "dW[l] without the 1/m",
            "{q} is m = {m} times too large: the 1/m is missing.", "{equation}", _one(_dZ_A)),
    Mistake("extra_1_over_m", "dW", "dW[l] divided by m twice",
            "{q} is m = {m} times too small: it was divided by m twice.", "{equation}",
            _one(lambda box: _dZ_A(box) / box.m**2)),
    Mistake("dW_sign", "dW", "dW[l] with the opposite sign", "{q} has the wrong sign.", "{equation}",
            _one(lambda box: -box.right["dW"])),
    Mistake("dW_transposed", "dW", "A[l-1] dZ[l]^T instead of dZ[l] A[l-1]^T",
            "{q} is transposed: it has shape {shape}, but dW[{l}] must have W[{l}]'s shape {right_shape}; it "
            "computed A[{lm1}] dZ[{l}]^T instead of dZ[{l}] A[{lm1}]^T.", "{equation}",
            _one(lambda box: box.right["dW"].T)),
    Mistake("dW_uses_A_l", "dW", f"A[l] instead of A[l-1] in dW[l] {_SLIDE}",
            f"{{q}} used A[{{l}}] instead of A[{{lm1}}] {_SLIDE}.", "{equation}", _one(_uses_A_l)),
    # --- db[l] = (1/m) np.sum(dZ[l], axis=1, keepdims=True) -----------------------------------------------
    Mistake("missing_1_over_m", "db", "db[l] without the 1/m",
            "{q} is m = {m} times too large: the 1/m is missing.", "{equation}",
            _one(lambda box: _sum_dZ(box, axis=1, keepdims=True))),
    Mistake("extra_1_over_m", "db", "db[l] divided by m twice", "{q} is m = {m} times too small: divided by m twice.",
            "{equation}", _one(lambda box: _sum_dZ(box, axis=1, keepdims=True) / box.m**2)),
    Mistake("db_sign", "db", "db[l] with the opposite sign", "{q} has the wrong sign.", "{equation}",
            _one(lambda box: -box.right["db"])),
    Mistake("db_no_keepdims", "db", "np.sum(dZ[l], axis=1) without keepdims=True",
            "{q} has shape {shape}: summed without keepdims=True, so it lost the column axis of b[{l}].",
            "{equation}", _one(lambda box: _sum_dZ(box, axis=1) / box.m)),
    Mistake("db_wrong_axis", "db", "the sum of db[l] over axis 0 (or all axes) instead of axis 1",
            "{q} {how}.", "{equation}", _db_axis),
    # --- dA[l-1] = W[l]^T dZ[l] ---------------------------------------------------------------------------
    Mistake("extra_1_over_m", "dA", "dA[l-1] with a 1/m", "{q} is m = {m} times too small: it has a 1/m that does not "
            "belong there.", "{equation}", _one(lambda box: box.right["dA"] / box.m)),
    Mistake("dA_sign", "dA", "dA[l-1] with the opposite sign", "{q} has the wrong sign.", "{equation}",
            _one(lambda box: -box.right["dA"])),
    Mistake("dA_uses_Z", "dA", f"W[l]^T Z[l] instead of W[l]^T dZ[l] {_SLIDE}",
            f"{{q}} used Z[{{l}}] instead of dZ[{{l}}] {_SLIDE}.", "{equation}",
            _one(lambda box: box.cache[0][1].T @ box.cache[1])),
    Mistake("dA_no_transpose", "dA", "W[l] dZ[l] instead of W[l]^T dZ[l]",
            "{q} used W[{l}] instead of W[{l}]^T.", "{equation}", _one(lambda box: box.cache[0][1] @ box.right["dZ"])),
    # --- found by other means -----------------------------------------------------------------------------
    Mistake("missing_key", "any", "a gradient missing from the returned dict", "grads has no '{key}'.", "{equation}"),
    Mistake("dW_shape", "dW", "dW[l] of a wrong shape", "{q} has shape {shape} but must have shape {right_shape}.",
            "{equation}"),
    Mistake("db_shape", "db", "db[l] of a wrong shape", "{q} has shape {shape} but must have shape {right_shape}.",
            "{equation}"),
    Mistake("dA_shape", "dA", "dA[l-1] of a wrong shape", "{q} has shape {shape} but must have shape "
            "{right_shape}.", "{equation}"),
    Mistake("scaled", "any", "a gradient off by a constant factor", "{q} is {c:.6g} times the right value (m = {m}).",
            "{equation}"),
    Mistake("wrong_values", "any", "a gradient with the right shape but other values",
            "{q} has the right shape but wrong values.", "{equation}"),
    Mistake("wrong_cache", "any", "a backward step that read the cache of a layer further away",
            "the backward step of layer {l} read caches[{k_index}] (layer {k}'s cache) instead of caches[{lm1}].",
            _CACHE_EQUATION),
)

#: the codes that say only that something is off, not which mistake it is
GENERIC: frozenset[str] = frozenset({"missing_key", "dW_shape", "db_shape", "dA_shape", "scaled", "wrong_values"})


def fill(template: str, fields: dict[str, Any]) -> str:
    """A sentence or equation template with its fields put in."""
    return template.format(**fields)


def mistakes_for(target: str, recognisable: bool = True) -> Sequence[Mistake]:
    """The rows for ``target``: those with a ``produce`` (``recognisable``) or without it."""
    return [mk for mk in MISTAKES if mk.target == target and (mk.produce is not None) == recognisable]


def mistake(code: str, target: str = "any") -> Mistake:
    """The row with this code (and target, where a code has several)."""
    rows = [mk for mk in MISTAKES if mk.code == code]
    return next((mk for mk in rows if mk.target == target), rows[0])


def equation_fields(box: Box, target: str) -> dict[str, Any]:
    """The template fields every sentence and equation of box ``box.l`` may use."""
    l, L = box.l, box.ref.L
    fields = {"l": l, "lm1": l - 1, "L": L, "m": box.m, "act": box.act,
              "derivative": ACTIVATIONS[box.act].derivative,
              "start": "dA[L]" if l == L else f"dZ[{l}]",
              "start_equation": equation(OUTPUTS[box.ref.acts[-1]].equations[1] if box.ref.acts[-1] in OUTPUTS
                                         else "dAL") if l == L else equation("dZ", l)}
    if target in ("dW", "db", "dA"):
        fields["equation"] = equation(target, l)
    return fields
