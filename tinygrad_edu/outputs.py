"""The output layer's conventions, once for each kind of classifier (numpy only, like
:mod:`.lecture`): which cost goes with the output activation, the lecture's dA[L] and fused
dZ[L] for it, the labels it takes and how predictions and accuracy are read off A[L].

* ``"sigmoid"``: binary (or multi-label) classification, labels Y (n[L], m) in [0, 1]; the
  binary cross-entropy; a prediction is 1 where A[L] > 0.5.
* ``"softmax"``: C = n[L] classes, labels one-hot Y (C, m) (or integer labels (1, m) in 0..C-1,
  turned one-hot); the categorical cross-entropy J = -(1/m) Σ Y log A[L]; a prediction is the
  class of the largest A[L] in each column (argmax over axis 0).

nn (the checked costs), manual, check, train, data and the command line all take these from
here, so that a new kind of output is one entry of :data:`OUTPUTS`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import ShapeError, message
from .lecture import check_labels

__all__ = ["Output", "OUTPUTS", "output", "one_hot"]

Array = np.ndarray


def _binary_cost(AL: Array, Y: Array) -> float:
    m = Y.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(-np.sum(np.where(Y != 0, Y * np.log(AL), 0) + np.where(Y != 1, (1 - Y) * np.log1p(-AL), 0)) / m)


def _categorical_cost(AL: Array, Y: Array) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(-np.sum(np.where(Y != 0, Y * np.log(AL), 0)) / Y.shape[1])


def _binary_dA(AL: Array, Y: Array) -> Array:
    return -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))


def _categorical_dA(AL: Array, Y: Array) -> Array:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(Y != 0, -np.divide(Y, AL), 0)


def one_hot(labels: Array, C: int) -> Array:
    """Integer class labels (1, m) in 0..C-1 as one-hot columns (C, m) of floats."""
    y = np.asarray(labels).reshape(-1).astype(np.int64)
    out = np.zeros((C, y.size))
    out[y, np.arange(y.size)] = 1.0
    return out


def _binary_labels(Y: Array, n_L: int, where: str) -> Array:
    check_labels(Y, where)
    return Y


def _class_labels(Y: Array, n_L: int, where: str) -> Array:
    """One-hot (C, m) labels checked, or integer labels (1, m) in 0..C-1 turned one-hot."""
    y = np.asarray(Y)
    if y.ndim == 2 and y.shape[0] == 1 and n_L > 1:
        if y.size and (not np.all(np.isfinite(y)) or np.any(y != np.round(y)) or y.min() < 0 or y.max() >= n_L):
            bad = y[~(np.isfinite(y) & (y == np.round(y)) & (y >= 0) & (y < n_L))]
            raise ValueError(message(where, f"integer class labels must be 0..{n_L - 1} (n[L] = C = {n_L} classes), "
                                            f"got {bad.flat[0].item()!r}",
                                     "or give Y one-hot, shape (C, m): one column per example"))
        return one_hot(y, n_L).astype(y.dtype if y.dtype.kind == "f" else np.float64)
    check_labels(y, where)
    if y.ndim == 2 and y.shape[0] == n_L and y.size and not np.allclose(y.sum(axis=0), 1.0, rtol=0, atol=1e-6):
        k = int(np.argmax(np.abs(y.sum(axis=0) - 1)))
        raise ValueError(message(where, f"each column of Y must hold one class's probabilities summing to 1 (one-hot "
                                        f"for a label), but column {k} sums to {y[:, k].sum():.6g}",
                                 "for C classes give Y one-hot (C, m), or integer labels (1, m) in 0..C-1"))
    return y


def _threshold(AL: Array) -> Array:
    return (AL > 0.5).astype(np.float64)


def _argmax(AL: Array) -> Array:
    return one_hot(np.argmax(AL, axis=0), AL.shape[0])


@dataclass(frozen=True)
class Output:
    """The conventions of one output activation (see the module docstring).

    Attributes:
        activation: ``"sigmoid"`` or ``"softmax"``.
        cost_name: the cost, in words.
        equations: the keys of :data:`lecture.EQUATIONS` for J, dA[L] and the fused dZ[L].
        cost: J from numpy A[L] and Y (labels already in Y's form).
        dA: the lecture's dA[L] (no 1/m).
        labels: ``labels(Y, n_L, where)``: Y checked (and integer labels made one-hot).
        predict: A[L] -> predictions, in the form of the labels.
    """

    activation: str
    cost_name: str
    equations: tuple[str, str, str]
    cost: Callable[[Array, Array], float]
    dA: Callable[[Array, Array], Array]
    labels: Callable[[Array, int, str], Array]
    predict: Callable[[Array], Array]

    def hits(self, pred: Array, Y: Array) -> Array:
        """Which predictions (as :attr:`predict` makes them) are right: per label for a binary (or
        multi-label) output, a label counting as 1 above 0.5; per example for classes (the argmax
        matches). Accuracy is their mean."""
        if self.activation == "softmax":
            return np.argmax(pred, axis=0) == np.argmax(Y, axis=0)
        return pred == (Y > 0.5)


#: the output activations a cost is defined for
OUTPUTS: dict[str, Output] = {
    "sigmoid": Output("sigmoid", "binary cross-entropy", ("J", "dAL", "dZL"), _binary_cost, _binary_dA,
                      _binary_labels, _threshold),
    "softmax": Output("softmax", "categorical cross-entropy", ("J_softmax", "dAL_softmax", "dZL_softmax"),
                      _categorical_cost, _categorical_dA, _class_labels, _argmax),
}


def output(activation: Any, where: str) -> Output:
    """The :class:`Output` of an output activation, or a ValueError saying which have a cost."""
    if activation not in OUTPUTS:
        raise ValueError(message(where, f"the output layer's activation is {activation!r}, which has no cost here",
                                 "build the network with output_activation='sigmoid' (two classes, or several "
                                 "labels) or 'softmax' (one of C classes)"))
    return OUTPUTS[activation]


def check_shape(y: Array, n_L: int, m: int, out: Output, where: str) -> None:
    """A ShapeError when labels of this shape cannot go with A[L] (n[L], m)."""
    ok = y.ndim == 2 and y.shape[1] == m and (y.shape[0] == n_L or (out.activation == "softmax" and y.shape[0] == 1))
    if not ok:
        forms = f"({n_L}, {m})" + (f" one-hot, or (1, {m}) integer labels" if out.activation == "softmax" else "")
        raise ShapeError(message(where, f"Y has shape {y.shape} but must be {forms}, one column per example"))
