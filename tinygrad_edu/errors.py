"""Exceptions raised by tinygrad_edu. Each message names the operation, the shapes (in the
lecture's notation where it applies) and a hint."""

from __future__ import annotations


class ShapeError(ValueError):
    """Shapes that do not fit an operation: the lecture's "getting your matrix dimensions
    right" (4.4). A subclass of ``ValueError``, so ``except ValueError`` still catches it."""


class AnomalyError(FloatingPointError):
    """A NaN or an infinity appeared inside ``detect_anomaly()``. The message names the
    operation, the tensors (with their lecture names and shapes), and the file and line of the
    code that created the operation."""
