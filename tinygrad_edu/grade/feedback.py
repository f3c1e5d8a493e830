"""``feedback(L_model_backward)``: for a learner, in their own notebook. Their function is checked
on the grader's networks (in their own process: it is their code, and they are the one reading
the verdict) and the diagnosis is printed for them, the same words the class report would show.

    from tinygrad_edu.grade import feedback
    feedback(L_model_backward)
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from ..errors import message
from ..runner import CaseResult, Outcome, call_backward
from .grader import _prepared
from .networks import default_networks
from .submissions import Source
from .verdict import GradeRow, verdict

__all__ = ["feedback"]


def feedback(backward: Callable[..., Any], seed: int = 0, show: bool = True) -> GradeRow:
    """Check ``backward(AL, Y, caches) -> grads`` on the grader's networks (seeded by ``seed``) and
    print what a learner needs to read (unless ``show`` is False). Returns the row the grader
    would give it."""
    if not callable(backward):
        raise TypeError(message("feedback", f"give your backward function itself, e.g. feedback(L_model_backward), "
                                            f"got {type(backward).__name__}"))
    name = getattr(backward, "__name__", "backward")
    networks = default_networks(seed)
    prepared = _prepared(tuple(networks))
    start = time.perf_counter()
    cases: list[CaseResult] = [call_backward(backward, *p.case) for p in prepared]
    failure = next((c.failure for c in cases if c.failure is not None), None)
    outcome = Outcome("returned" if failure is None else failure.status, cases, failure, name)
    outcome.seconds = time.perf_counter() - start
    row = verdict(Source(name, name, ""), outcome, prepared)
    if show:
        print(_text(name, row, len(networks)))
    return row


def _text(name: str, row: GradeRow, n: int) -> str:
    if row.status == "correct":
        return f"Your {name}: all gradients agree with the lecture's equations on the {n} networks. Well done."
    head = f"Your {name}: {row.status}" + (f" (score {row.score:.2f}: the fraction of dW, db and dA that are right)"
                                           if row.status == "wrong" else "")
    return "\n".join([head, "", row.message, "", "The full report:", row.details or row.message])
