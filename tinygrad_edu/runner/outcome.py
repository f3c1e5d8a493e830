"""What running a learner's backward gives back, wherever it ran: per network (a *case*) the
gradients it returned, the order in which it read ``caches[...]`` and, when it did not return,
a :class:`Failure` saying what happened, where in the learner's code and in which layer.

These travel from the isolated child to the parent as JSON (:meth:`Failure.to_json`,
:meth:`Failure.from_json`); the parent treats that JSON as untrusted text (types and lengths are
checked, nothing is executed) and computes every verdict itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["STATUSES", "NOT_RETURNED", "Failure", "CaseResult", "Outcome"]

#: what can become of a learner's code, and what each status means
STATUSES: dict[str, str] = {
    "returned": "it returned gradients (right or wrong: the comparison decides)",
    "raised": "it raised an exception",
    "bad_output": "it returned something that is not a dict of numeric arrays",
    "memory": "it ran out of its memory limit",
    "timeout": "it did not finish within its time limit",
    "exited": "it ended its own process (sys.exit, os._exit, exit()) before returning",
    "killed": "its process was killed by a signal (a crash in native code, or the system)",
    "import_error": "importing the learner's file failed (a syntax error, or an exception at import)",
    "missing_function": "the learner's file has no function of the name asked for",
}

#: what a report's row says of a quantity the learner's code did not return, by status
NOT_RETURNED: dict[str, str] = {
    "raised": "your backward raised",
    "bad_output": "your backward returned no dict",
    "memory": "your backward ran out of memory",
    "timeout": "your backward timed out",
    "exited": "your backward ended its process",
    "killed": "your backward's process was killed",
    "import_error": "your file did not import",
    "missing_function": "your backward was not found",
}

_TEXT_LIMIT = 4000  # characters kept of a message or a line of code coming from the child


def _text(value: Any, limit: int = _TEXT_LIMIT) -> str | None:
    """A string from untrusted JSON, cut to ``limit`` characters (None stays None)."""
    if value is None:
        return None
    s = value if isinstance(value, str) else repr(value)
    return s if len(s) <= limit else s[:limit] + " [...]"


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class Failure:
    """Why the learner's code gave no gradients.

    Attributes:
        status: one of :data:`STATUSES` (not ``"returned"``).
        kind: the exception's type name (``"ValueError"``) or what happened (``"timeout"``).
        message: the exception's message, or a sentence.
        file, line, code, function: where in the learner's code (the innermost frame of their own
            file): file name, line number, the line itself and the function it is in.
        layer: the layer being processed: l when the last cache read was ``caches[l-1]``; None
            before any read.
        read: the last index read from ``caches`` (may be out of range: the cause).
        hint: what usually causes this, in the lecture's terms (filled in by :mod:`.hints`).
    """

    status: str
    kind: str
    message: str
    file: str | None = None
    line: int | None = None
    code: str | None = None
    function: str | None = None
    layer: int | None = None
    read: int | None = None
    hint: str | None = None

    @property
    def location(self) -> str | None:
        """``learner.py:12 in model_backward``, or None when not in the learner's code."""
        if self.file is None:
            return None
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return where + (f" in {self.function}" if self.function else "")

    def headline(self) -> str:
        """One line: ``ValueError: ... (at learner.py:12 in model_backward, layer 2)``."""
        text = f"{self.kind}: {self.message}" if self.kind and self.status in ("raised", "memory") else self.message
        text = " ".join(text.split())
        at = "stopped at" if self.status == "timeout" else "at"
        extras = [e for e in (f"{at} {self.location}" if self.location else None,
                              f"layer {self.layer}" if self.layer is not None else None) if e]
        return text + (f" ({', '.join(extras)})" if extras else "")

    def __str__(self) -> str:
        lines = [f"{self.kind}: {self.message}" if self.status in ("raised", "memory") else self.message]
        if self.location:
            at = "stopped at" if self.status == "timeout" else "at"  # the line it was running at the deadline
            lines.append(f"  {at} {self.location}" + (f": {self.code.strip()}" if self.code else ""))
        if self.layer is not None:
            lines.append(f"  while processing layer {self.layer} (the last cache it read was caches[{self.read}])")
        if self.hint:
            lines.append(f"  Hint: {self.hint}")
        return "\n".join(lines)

    def with_hint(self, hint: str | None) -> Failure:
        return Failure(self.status, self.kind, self.message, self.file, self.line, self.code, self.function,
                       self.layer, self.read, hint)

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("status", "kind", "message", "file", "line", "code", "function",
                                              "layer", "read")}

    @classmethod
    def from_json(cls, d: Any) -> Failure | None:
        """A Failure from the child's JSON, every field type-checked and cut to size (None if absent)."""
        if not isinstance(d, dict):
            return None
        status = d.get("status") if d.get("status") in STATUSES else "raised"
        return cls(status, _text(d.get("kind"), 100) or "Error", _text(d.get("message")) or "",
                   _text(d.get("file"), 500), _int(d.get("line")), _text(d.get("code"), 500),
                   _text(d.get("function"), 200), _int(d.get("layer")), _int(d.get("read")))


@dataclass
class CaseResult:
    """The learner's backward on one network.

    Attributes:
        grads: what it returned that is an array of numbers, by key (``"dW1"``).
        refused: returned keys whose values are not arrays of numbers, with why
            (``"dW1": "strings (dtype <U3)"``).
        reads: the indices of ``caches[...]`` it read, in order.
        failure: why it returned nothing (None when it returned).
    """

    grads: dict[str, np.ndarray] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)
    reads: list[int] = field(default_factory=list)
    failure: Failure | None = None


@dataclass
class Outcome:
    """What became of one run of a learner's code on one or more networks.

    Attributes:
        status: ``"returned"`` when every case returned, else the first case's failure status (or
            the status of the process: ``"timeout"``, ``"exited"``, ...). See :data:`STATUSES`.
        cases: one :class:`CaseResult` per network (empty when the code never got that far).
        failure: the failure that decided ``status`` (None when it returned).
        function: the name of the function that was called.
        output: what the learner's code printed (stdout and stderr), cut to the output limit.
        output_bytes: how many bytes it printed in all.
        seconds: wall-clock time, the start of the process and the import included.
        sandbox: what confined the process besides its limits (:mod:`.sandbox`), as the child
            reported it (``"landlock abi 6: ..."``, or ``"none: ..."`` and why).
    """

    status: str
    cases: list[CaseResult] = field(default_factory=list)
    failure: Failure | None = None
    function: str | None = None
    output: str = ""
    output_bytes: int = 0
    seconds: float = 0.0
    sandbox: str = "unknown"

    @property
    def returned(self) -> bool:
        return self.status == "returned"
