"""Exceptions raised by tinygrad_edu, and the one style every message follows.

A message names where the problem happened (the operation or function), what is wrong (with
shapes in the lecture's notation where they apply), and, when there is one, a hint::

    matmul: inner dimensions differ: W[1] (5, 3) @ X (10, 3). Hint: the right operand transposed ...

:func:`message` writes that style; every module builds its messages through it.
"""

from __future__ import annotations

__all__ = ["ShapeError", "AnomalyError", "message", "missing_extra"]


class ShapeError(ValueError):
    """Shapes that do not fit an operation: the lecture's "getting your matrix dimensions
    right" (4.4). A subclass of ``ValueError``, so ``except ValueError`` still catches it."""


class AnomalyError(FloatingPointError):
    """A NaN or an infinity appeared inside ``detect_anomaly()``. The message names the
    operation, the tensors (with their lecture names and shapes), and the file and line of the
    code that created the operation."""


def _sentence(text: str) -> str:
    """``text`` ending with a full stop (or ? or !), before any closing quotes or brackets."""
    text = text.strip()
    return text if not text or text.rstrip(")\"'").endswith((".", "?", "!")) else text + "."


def message(where: str, problem: str, hint: str | None = None) -> str:
    """``"where: problem. Hint: hint."``: the style of every message in the package.

    ``where`` is the operation or function (``"matmul"``, ``"DeepNetwork"``, a file name);
    ``problem`` says what is wrong, with the values and shapes involved; ``hint`` (optional) says
    what to do about it. Sentences get their final full stop here, once.
    """
    text = f"{where}: {_sentence(problem)}" if where else _sentence(problem)
    if hint:
        text += f" Hint: {_sentence(hint)}"
    return text


def missing_extra(where: str, package: str, extra: str, also: str = "") -> str:
    """The message for an optional package that is not installed: which one, and the extra of
    tinygrad-edu that installs it (``also``: another way, said after it)."""
    return message(where, f"the optional package {package!r} is not installed",
                   f'install it with: pip install "tinygrad-edu[{extra}]"' + (f" ({also})" if also else ""))
