"""Naming a learner's mistakes: each backward box of their ``model_backward`` is checked on its
own, and where it disagrees, every row of :data:`~tinygrad_edu.check.mistakes.MISTAKES` is
reconstructed from the same inputs and matched against what the box did produce."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..lecture import key, name
from .agree import amax, same
from .mistakes import GENERIC, Box, Mistake, equation_fields, fill, mistake, mistakes_for
from .reference import Reference
from .report import Finding

__all__ = ["diagnose", "cache_reads_findings"]

Array = np.ndarray
_QUANTITIES = ("dW", "db", "dA")


def diagnose(ref: Reference, got: Mapping[str, Any], reads: list[int]) -> list[Finding]:
    """The findings for a learner's grads ``got``, layer L first. Box l is given what it must output
    for either of two inputs: the learner's own dA{l} (what their code passed down) or the right
    dA[l]; a box that is right for either input is right. Of two explanations, the more specific
    one (fewer generic findings) wins. ``reads`` (the order in which their code read
    ``caches[...]``) explains layers the values did not."""
    findings: list[Finding] = []
    explained: set[int] = set()
    for l in range(ref.L, 0, -1):
        right_in = ref.dAL if l == ref.L else ref.grads[key("dA", l)]
        fed = got.get(key("dA", l)) if l < ref.L else None
        inputs = [right_in]
        if isinstance(fed, np.ndarray) and fed.shape == right_in.shape and not same(fed, right_in):
            inputs.insert(0, fed)  # what the learner's code most likely passed to this box
        best: list[Finding] | None = None
        for dA_in in inputs:
            box_findings = _diagnose_box(Box(l, dA_in, ref), got)
            if not box_findings:
                best = []
                break
            if best is None or _generic(box_findings) < _generic(best):
                best = box_findings
        if best:
            explained.add(l)
            findings += best
    return findings + cache_reads_findings(reads, ref.L, explained)


def _generic(findings: list[Finding]) -> int:
    return sum(f.kind in GENERIC for f in findings)


def _finding(mk: Mistake, box: Box, quantity: str, fields: dict[str, Any]) -> Finding:
    target = mk.target if mk.target != "any" else fields.get("target", "")
    common = {**equation_fields(box, target), "q": quantity, **fields}
    common = {k: fill(v, common) if isinstance(v, str) else v for k, v in common.items()}
    code = "dAL_sign" if mk.code == "dZ_sign" and box.l == box.ref.L else mk.code  # the sign of dA[L] itself
    return Finding(box.l, quantity, code, fill(mk.sentence, common), fill(mk.equation, common))


def _diagnose_box(box: Box, got: Mapping[str, Any]) -> list[Finding]:
    """The findings for backward box ``box.l`` fed with ``box.dA`` ([] when its outputs are right)."""
    l = box.l
    (A_prev, W, _b), _Z = box.cache
    scale = amax(box.right["dZ"]) * max(1.0, amax(A_prev), amax(W))
    keys = {"dW": key("dW", l), "db": key("db", l), "dA": key("dA", l - 1)}
    names = {"dW": name("dW", l), "db": name("db", l), "dA": name("dA", l - 1)}
    values = {k: got.get(keys[k]) for k in _QUANTITIES}
    bad = [k for k in _QUANTITIES if not same(values[k], box.right[k], scale)]
    missing = [k for k in bad if values[k] is None]
    findings = [_finding(mistake("missing_key"), box, names[k], {"key": keys[k], "target": k}) for k in missing]
    bad = [k for k in bad if k not in missing]
    if not bad:
        return findings
    # 1. a mistake inside dZ[l] (or dA[L]) changes dW, db and dA[l-1] together
    for mk in mistakes_for("dZ"):
        for value, fields in _variants(mk, box):
            if all(same(values[k], value[k], scale) for k in _QUANTITIES if k not in missing):
                return findings + [_finding(mk, box, name("dZ", l), fields)]
    # 2. a mistake in one equation
    return findings + [_quantity_finding(k, box, values[k], names[k], scale) for k in bad]


def _variants(mk: Mistake, box: Box) -> list[tuple[Any, dict[str, Any]]]:
    try:
        with np.errstate(all="ignore"):
            return mk.produce(box)  # type: ignore[misc]
    except (ValueError, IndexError, TypeError):  # the mistake cannot even be made with these shapes
        return []


def _quantity_finding(k: str, box: Box, got: Array, quantity: str, scale: float) -> Finding:
    """The finding for one wrong quantity (dW, db or dA[l-1]) of box ``box.l``."""
    right = box.right[k]
    shapes = {"shape": np.shape(got), "right_shape": right.shape, "target": k}
    for mk in mistakes_for(k):
        for value, fields in _variants(mk, box):
            if same(got, np.asarray(value), scale):
                return _finding(mk, box, quantity, {**shapes, **fields})
    if np.shape(got) != right.shape:
        return _finding(mistake(f"{k}_shape", k), box, quantity, shapes)
    denom = float(np.sum(right * right))
    if denom > 0:
        c = float(np.sum(got * right)) / denom  # least-squares factor: got ≈ c * right
        if same(got, c * right, scale):
            return _finding(mistake("scaled"), box, quantity, {**shapes, "c": c})
    return _finding(mistake("wrong_values"), box, quantity, shapes)


def cache_reads_findings(reads: list[int], L: int, explained: set[int]) -> list[Finding]:
    """From the order in which the learner's code read ``caches[...]``: the step for layer l (the
    i-th step, l = L - i) must read caches[l-1]. Reported for layers not already explained; only
    the first wrong read (later ones follow from it)."""
    # each step normally reads its cache once; a learner who reads it several times in a row is
    # allowed for when there are more reads than layers
    seq = reads if len(reads) <= L else [r for i, r in enumerate(reads) if i == 0 or r != reads[i - 1]]
    for i, idx in enumerate(seq[:L]):
        l = L - i
        if idx != l - 1 and l not in explained:
            mk = mistake("cache_off_by_one", "dZ") if abs(idx - (l - 1)) == 1 else mistake("wrong_cache")
            fields = {"l": l, "lm1": l - 1, "k": idx + 1, "k_index": idx}
            return [Finding(l, "cache", mk.code, fill(mk.sentence, fields), fill(mk.equation, fields))]
    return []
