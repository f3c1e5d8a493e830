"""Checking gradients: autograd against the lecture's equations (or a learner's own backward),
central differences, and the table of dimensions of lecture 4.4.

* :func:`compare_gradients` (``compare``) runs the same parameters and data through autograd and
  through the hand-derived equations of :mod:`tinygrad_edu.manual` (``reference``), or through a
  learner's ``model_backward``, and compares dZ[l], dA[l-1], dW[l] and db[l] layer by layer
  (``agree`` holds the tolerance). When a learner's backward is wrong, the report (``report``)
  names the first layer that disagrees (going backward from layer L) and the classic mistakes
  (``diagnose``), each with the equation it should have been, from the table :data:`MISTAKES`
  (``mistakes``).
* :func:`gradcheck` / :func:`gradcheck_parameters` (``gradcheck``): the course's gradient checking,
  centred differences with ε = 1e-7 and the relative error ‖g − ĝ‖ / (‖g‖ + ‖ĝ‖).
* :func:`dimension_table` (``shapes``): the shapes of W[l], b[l], Z[l], A[l] and their gradients.

The convention (:data:`CONVENTION`): autograd differentiates the cost J, which carries the 1/m,
so its ``Z[l].grad`` = dJ/dZ[l] is the lecture's dZ[l] divided by m (and likewise dJ/dA[l] is
the lecture's dA[l] / m), while ``W[l].grad`` and ``b[l].grad`` ARE the lecture's dW[l] and db[l].
The comparison multiplies autograd's dJ/dZ[l] and dJ/dA[l] by m before comparing, and says so.
"""

from ..lecture import CONVENTION
from .compare import compare_gradients
from .gradcheck import GradcheckEntry, GradcheckResult, gradcheck, gradcheck_parameters
from .mistakes import MISTAKES, Mistake
from .report import Finding, GradientReport, GradientRow
from .shapes import DimensionTable, dimension_table

__all__ = [
    "CONVENTION",
    "GradientRow",
    "Finding",
    "GradientReport",
    "compare_gradients",
    "MISTAKES",
    "Mistake",
    "GradcheckEntry",
    "GradcheckResult",
    "gradcheck",
    "gradcheck_parameters",
    "DimensionTable",
    "dimension_table",
]
