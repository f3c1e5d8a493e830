"""When two gradients agree: the one tolerance rule of the checks.

Two arrays agree when they have the same shape and

    max |a - b| <= 1e-8 * max(max |a|, max |b|) + 1e-12 * scale

where ``scale`` is the size of the numbers that were summed to produce them (a sum such as db can
cancel to almost 0, leaving only rounding noise of that size). Non-finite arrays agree only when
they are equal, NaN where NaN.
"""

from __future__ import annotations

from typing import Any

import numpy as np

RTOL = 1e-8  # relative to the larger of the two values compared
OPERAND_TOL = 1e-12  # relative to the size of the numbers summed


def amax(a: np.ndarray | None) -> float:
    """max |a| (0 for None or an empty array)."""
    return float(np.max(np.abs(a))) if a is not None and np.size(a) else 0.0


def same(a: Any, b: Any, scale: float = 0.0) -> bool:
    """Whether two gradients agree (see the module docstring)."""
    if not isinstance(a, np.ndarray) or not isinstance(b, np.ndarray) or a.shape != b.shape:
        return False
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        return bool(np.array_equal(a, b, equal_nan=True))
    return amax(a - b) <= RTOL * max(amax(a), amax(b)) + OPERAND_TOL * scale
