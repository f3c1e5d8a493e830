"""The table of matrix dimensions of lecture 4.4: :func:`dimension_table`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import message
from ..lecture import check_layer_dims

__all__ = ["DimensionTable", "dimension_table"]


@dataclass
class DimensionTable:
    """The shapes of lecture 4.4 for every layer. ``rows[l]`` is a dict with keys ``l``, ``n``,
    ``W``, ``b``, ``Z``, ``A`` (shapes as tuples; ``"m"`` stands for the number of examples when it
    was not given; None where a layer has no such quantity, i.e. W, b, Z of layer 0).
    The gradients dW[l], db[l], dZ[l], dA[l] have the same shapes as W[l], b[l], Z[l], A[l]."""

    layer_dims: list[int]
    m: int | str
    rows: list[dict[str, Any]]
    classes: bool = False  # a softmax output: n[L] = C classes, Y one-hot (C, m)

    def __str__(self) -> str:
        def s(shape: tuple[Any, ...] | None) -> str:
            return "-" if shape is None else "(" + ", ".join(str(v) for v in shape) + ")"

        L = len(self.layer_dims) - 1

        cols = ["l", "n[l]", "W[l], dW[l]", "b[l], db[l]", "Z[l], dZ[l]", "A[l], dA[l]"]
        body = [
            [str(r["l"]), str(r["n"]) + (" = C" if self.classes and r["l"] == L else ""), s(r["W"]), s(r["b"]),
             s(r["Z"]), s(r["A"]) + ("  = X" if r["l"] == 0 else "  = Y-hat, as Y (one-hot)"
                                     if self.classes and r["l"] == L else "")]
            for r in self.rows
        ]
        widths = [max(len(c), *(len(row[i]) for row in body)) for i, c in enumerate(cols)]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths)
        lines = [
            f"Matrix dimensions (lecture 4.4) for layer_dims = {self.layer_dims}, L = {L}, "
            + (f"m = {self.m}:" if self.m != "m" else "m examples:"),
            "W[l]: (n[l], n[l-1])   b[l]: (n[l], 1)   Z[l], A[l]: (n[l], m)   a gradient has its variable's shape",
            *([f"softmax output: n[L] = C = {self.layer_dims[-1]} classes, A[L] and Y (C, m), a column per example"]
              if self.classes else []),
            "",
            fmt.format(*cols).rstrip(),
            fmt.format(*("-" * w for w in widths)),
        ]
        lines += [fmt.format(*row).rstrip() for row in body]
        return "\n".join(lines)


def dimension_table(layer_dims: Sequence[int], m: int | None = None,
                    output_activation: str = "sigmoid") -> DimensionTable:
    """The table of lecture 4.4: for l = 0..L the shapes of W[l] (n[l], n[l-1]), b[l] (n[l], 1),
    Z[l] and A[l] (n[l], m), which are also the shapes of dW[l], db[l], dZ[l], dA[l]. Without
    ``m`` the number of examples is shown as the symbol m. With ``output_activation="softmax"``
    the last layer's n[L] is marked as C, the number of classes."""
    dims = check_layer_dims(layer_dims, "dimension_table")
    if m is not None and (isinstance(m, bool) or not isinstance(m, (int, np.integer)) or m < 1):
        raise ValueError(message("dimension_table", "m (the number of examples) must be a positive integer or None, "
                                                    f"got {m!r}"))
    mm: int | str = "m" if m is None else int(m)
    rows: list[dict[str, Any]] = [{"l": 0, "n": dims[0], "W": None, "b": None, "Z": None, "A": (dims[0], mm)}]
    for l in range(1, len(dims)):
        n, n_prev = dims[l], dims[l - 1]
        rows.append({"l": l, "n": n, "W": (n, n_prev), "b": (n, 1), "Z": (n, mm), "A": (n, mm)})
    return DimensionTable(dims, mm, rows, output_activation == "softmax")
