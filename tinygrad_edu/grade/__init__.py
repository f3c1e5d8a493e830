"""Grading a class: every learner's backward pass run in its own process, checked against the
lecture's equations on several networks, and diagnosed; on this machine or a Dask cluster.

* :func:`grade_submissions` (``tinygrad-edu grade``): ``.py`` files, notebooks or folders of them
  to a :class:`GradeResult`, one :class:`GradeRow` per submission (status, score, first wrong
  layer, mistake, the diagnosis).
* :func:`feedback` inside a learner's own notebook: their function checked on the same networks,
  the diagnosis printed for them.
* ``submissions`` (finding and reading them, notebooks' code cells), ``networks`` (what is graded
  on), ``verdict`` (a row from what the learner's process returned), ``grader`` (local threads or
  Dask), ``outputs`` (CSV, JSON, the console's tables) and ``html`` (the class report).
"""

from .feedback import feedback
from .grader import GradeResult, grade_one, grade_submissions
from .networks import Network, default_networks
from .submissions import Source, find_submissions
from .verdict import STATUSES, GradeRow

__all__ = [
    "STATUSES",
    "GradeResult",
    "GradeRow",
    "Network",
    "Source",
    "default_networks",
    "feedback",
    "find_submissions",
    "grade_one",
    "grade_submissions",
]
