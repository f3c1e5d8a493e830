"""A submission's verdict, computed by the grader from what the learner's process returned (never
by the learner's process): one :class:`GradeRow`.

* ``status``: ``correct`` (every quantity on every network agrees), ``wrong`` (it returned
  arrays of numbers and some disagree), ``error`` (it raised, or returned something that is not
  a dict of arrays of numbers), ``timeout``, ``memory``, ``crashed`` (it ended its own process or
  was killed), ``missing_function``, ``import_error``.
* ``score``: the fraction of the quantities dW[l], db[l], dA[l-1] over every layer of every
  network that agree (partial credit); 0 when nothing was returned.
* ``mistake``: the short code of the first diagnosis (``check.MISTAKES``, e.g.
  ``missing_1_over_m``, ``db_wrong_axis``, ``dW_transposed``, ``dAL_sign``,
  ``activation_swapped``, ``cache_off_by_one``), or of the failure's cause (``runner.hints``,
  e.g. ``elementwise_not_dot``, ``missing_transpose``, ``endless_loop``); "" when none applies.
* ``message``: the one-sentence diagnosis the learner reads; ``details``: the full report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields

from ..check.compare import Prepared, report_for
from ..check.diagnose import cache_reads_findings
from ..check.report import GradientReport
from ..runner import CaseResult, Context, Failure, Outcome
from ..runner.hints import match
from .submissions import Source

__all__ = ["STATUSES", "GradeRow", "verdict", "not_read"]

#: what each status means
STATUSES: dict[str, str] = {
    "correct": "every gradient on every network agrees with the lecture's equations",
    "wrong": "it returned gradients and some disagree",
    "error": "it raised an exception, or returned something that is not a dict of arrays of numbers",
    "timeout": "it did not finish within the time limit",
    "memory": "it went beyond the memory limit",
    "crashed": "it ended its own process (sys.exit, os._exit) or the process was killed",
    "missing_function": "the file has no function of the name graded",
    "import_error": "the file could not be read or imported (a syntax error, an exception at import)",
}

_FROM_RUNNER = {"raised": "error", "bad_output": "error", "memory": "memory", "timeout": "timeout",
                "exited": "crashed", "killed": "crashed", "import_error": "import_error",
                "missing_function": "missing_function"}
_DETAILS_LIMIT = 20_000
_OUTPUT_LIMIT = 4_000


@dataclass(frozen=True)
class GradeRow:
    """One submission's result (see the module docstring for the columns)."""

    submission: str
    status: str
    score: float
    first_wrong_layer: int | None
    mistake: str
    message: str
    seconds: float
    function: str | None = None
    details: str = ""
    output: str = ""

    COLUMNS = ("submission", "status", "score", "first_wrong_layer", "mistake", "message", "seconds")

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_json(cls, d: dict[str, object]) -> GradeRow:
        return cls(**{f.name: d[f.name] for f in fields(cls) if f.name in d})  # type: ignore[arg-type]

    def same_verdict(self, other: GradeRow) -> bool:
        """Equal in every column but the time taken (the details of a timeout, the line the code
        was stopped at, may differ from run to run)."""
        return all(getattr(self, c) == getattr(other, c) for c in self.COLUMNS if c != "seconds")


def _placed(failure: Failure, source: Source) -> Failure:
    """The failure with the learner's file and line as they know them (a notebook's cell)."""
    if failure.file is None:
        return failure
    file, line = source.where(failure.line) if failure.file == source.run_name else (failure.file, failure.line)
    return Failure(failure.status, failure.kind, failure.message, file, line, failure.code, failure.function,
                   failure.layer, failure.read, failure.hint)


def not_read(source: Source) -> GradeRow:
    """The row of a submission that could not be read."""
    return GradeRow(source.name, "import_error", 0.0, None, "", source.problem or "", 0.0)


def _failed(source: Source, outcome: Outcome, failure: Failure, ctx: Context, reads: Sequence[int]) -> GradeRow:
    found = match(failure, ctx)
    code, hint = found if found else ("", None)
    failure = _placed(failure, source).with_hint(hint)
    # where a timed-out run was stopped is chance: it is in the details, not in the message
    headline = failure.message if failure.status == "timeout" else failure.headline()
    message = headline + (f" Hint: {hint}" if hint else "")
    read = cache_reads_findings(list(reads), ctx.L or 0, set()) if reads and ctx.L else []
    if failure.status == "raised" and read:  # the order it read the caches in says more than numpy's message
        code, message = read[0].kind, f"{read[0].message} It raised {failure.headline()}"
    status = _FROM_RUNNER.get(failure.status, "error")
    return GradeRow(source.name, status, 0.0, failure.layer, code, message, round(outcome.seconds, 4),
                    outcome.function, str(failure), outcome.output[:_OUTPUT_LIMIT])


def _counts(report: GradientReport) -> tuple[int, int]:
    compared = [r for r in report.rows if r.kind != "dZ"]
    return sum(r.ok is True for r in compared), len(compared)


def verdict(source: Source, outcome: Outcome, prepared: Sequence[Prepared]) -> GradeRow:
    """The row for ``source``, from the runner's ``outcome`` on the networks ``prepared``."""
    first = prepared[0]
    if outcome.failure is not None and not outcome.cases:  # nothing ran: import, function, process
        return _failed(source, outcome, outcome.failure, Context(first.layer_dims, first.ref.m), ())
    for p, case in zip(prepared, outcome.cases):
        if case.failure is not None:
            return _failed(source, outcome, case.failure, Context(p.layer_dims, p.ref.m), case.reads)
    reports = [report_for(p, case, outcome) for p, case in zip(prepared, outcome.cases)]
    right = total = 0
    for report in reports:
        r, t = _counts(report)
        right, total = right + r, total + t
    score = round(right / total, 4) if total else 0.0
    details = "\n\n".join(f"--- network {i + 1}: {list(p.layer_dims)}, m = {p.ref.m}\n{report}"
                          for i, (p, report) in enumerate(zip(prepared, reports)))[:_DETAILS_LIMIT]
    output = outcome.output[:_OUTPUT_LIMIT]
    bad = next(((p, rep) for p, rep in zip(prepared, reports) if not rep.ok), None)
    if bad is None:
        return GradeRow(source.name, "correct", 1.0, None, "", f"All gradients agree on the {len(reports)} networks.",
                        round(outcome.seconds, 4), outcome.function, details, output)
    p, rep = bad
    refused = _refused(outcome.cases)
    if refused:
        key, why = refused
        return GradeRow(source.name, "error", score, rep.first_bad_layer, "not_numbers",
                        f"grads[{key!r}] is {why}: return arrays of numbers.", round(outcome.seconds, 4),
                        outcome.function, details, output)
    where = f"on the network {list(p.layer_dims)}"
    if rep.findings:
        f = rep.findings[0]
        message = f"Layer {f.layer}, {f.quantity}: {f.message} It should be: {f.equation} ({where})"
        mistake = f.kind
    else:
        bad_rows = [r.quantity for r in rep.rows if r.ok is False]
        message = f"Layer {rep.first_bad_layer} is the first that disagrees ({', '.join(bad_rows[:4])}) {where}."
        mistake = ""
    return GradeRow(source.name, "wrong", score, rep.first_bad_layer, mistake, message, round(outcome.seconds, 4),
                    outcome.function, details, output)


def _refused(cases: Sequence[CaseResult]) -> tuple[str, str] | None:
    for case in cases:
        for key, why in case.refused.items():
            return key, why
    return None
