"""Running a learner's backward pass, in its own process with limits, or in-process.

A learner's code is untrusted: ``compare --backward``, ``gradcheck --backward`` (and the grading
of a class) run it through :func:`run_backward`, in a child process with a time limit, a memory
limit and a cap on what it prints (:class:`Limits`). The child gets plain arrays and gives back
plain arrays; it decides nothing, so a learner's file that patches this package, prints "All
gradients agree." or ends its process early cannot pass itself.

* :mod:`.isolated`: :class:`Submission` (a file or module and a function name) and
  :func:`run_backward`, the parent's side; :mod:`.child`: the child process.
* :mod:`.call`: calling ``backward(AL, Y, caches)`` on copies, recording which ``caches[...]``
  it reads, catching and locating what it raises (used in the child and in-process).
* :mod:`.outcome`: :class:`Outcome`, :class:`CaseResult`, :class:`Failure` and the
  :data:`STATUSES` a run can end in.
* :mod:`.hints`: what usually causes each failure, in the lecture's terms.
* :mod:`.limits`: :class:`Limits` and how they are applied.

This layer sits beside ``nn`` and ``manual`` (numpy, the lecture's conventions and the data
readers only); the checks compute the verdicts from what it returns.
"""

from .call import call_backward
from .hints import Context, hint
from .isolated import DEFAULT_FUNCTIONS, Case, Submission, run_backward
from .limits import Limits
from .outcome import STATUSES, CaseResult, Failure, Outcome

__all__ = [
    "DEFAULT_FUNCTIONS",
    "STATUSES",
    "Case",
    "CaseResult",
    "Context",
    "Failure",
    "Limits",
    "Outcome",
    "Submission",
    "call_backward",
    "hint",
    "run_backward",
]
