"""Training by gradient descent, the lecture's loop (4.6), and predictions.

One iteration = forward row (X = A[0] -> A[L]), cost J, backward row (J -> dW[l], db[l]),
update (W[l] := W[l] - α dW[l]). :func:`train` records the cost every ``record_every``
iterations the way the course prints it: the cost of iteration i, computed by its forward pass,
BEFORE that iteration's update, for i = 0, k, 2k, ...

    >>> import numpy as np
    >>> from tinygrad_edu.nn import DeepNetwork
    >>> from tinygrad_edu.train import train, accuracy
    >>> rs = np.random.RandomState(0)
    >>> X = rs.randn(2, 100); Y = (X[0:1] > 0).astype(float)
    >>> net = DeepNetwork([2, 4, 1], seed=1)
    >>> history = train(net, X, Y, num_iterations=300, learning_rate=0.5)
    >>> history.costs[0] > history.costs[-1]
    True
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import ShapeError
from .nn import Module, binary_cross_entropy
from .optim import GradientDescent, Optimizer
from .tensor import Tensor, no_grad

__all__ = ["TrainHistory", "train", "predict", "accuracy"]


@dataclass
class TrainHistory:
    """What :func:`train` recorded.

    Attributes:
        iterations: the recorded iteration numbers 0, k, 2k, ... (k = ``record_every``).
        costs: the cost J of each recorded iteration, before its update.
        final_cost: the cost of the last iteration (before its update), or None if none ran.
        record_every: k.
    """

    iterations: list[int] = field(default_factory=list)
    costs: list[float] = field(default_factory=list)
    final_cost: float | None = None
    record_every: int = 100


def _as_array(a: Any) -> np.ndarray:
    return a.data if isinstance(a, Tensor) else np.asarray(a)


def _check_xy(X: Any, Y: Any, where: str) -> None:
    x, y = _as_array(X), _as_array(Y)
    if x.ndim != 2 or y.ndim != 2:
        raise ShapeError(
            f"{where}: X must be (n[0], m) and Y (n[L], m), one example per column, got X {x.shape} and Y {y.shape}."
            + (" Hint: make a 1-D Y a row: Y.reshape(1, -1)." if y.ndim == 1 else "")
        )
    if x.shape[1] != y.shape[1]:
        hint = ""
        if x.shape[0] == y.shape[1] or x.shape[1] == y.shape[0]:
            hint = (" Hint: both need one example per column, the same m examples; check that neither is "
                    "transposed and that Y belongs to the same examples as X.")
        raise ShapeError(
            f"{where}: X has m = {x.shape[1]} examples (columns) but Y has {y.shape[1]}; X is (n[0], m) = {x.shape}, "
            f"Y must be (n[L], m), got {y.shape}.{hint}"
        )


def train(
    model: Module,
    X: Any,
    Y: Any,
    num_iterations: int = 3000,
    learning_rate: float = 0.0075,
    *,
    optimizer: Optimizer | None = None,
    record_every: int = 100,
    print_cost: bool = False,
    cost_fn: Callable[[Tensor, Any], Tensor] = binary_cross_entropy,
    callback: Callable[[int, float], Any] | None = None,
) -> TrainHistory:
    """Train ``model`` for ``num_iterations`` iterations of forward -> cost -> backward -> update.

    Args:
        model: a Module mapping X (n[0], m) to A[L] (n[L], m), e.g. a DeepNetwork.
        X, Y: data (n[0], m) and labels (n[L], m); not changed.
        learning_rate: α for the default optimizer, ``GradientDescent(model.parameters(), α)``.
        optimizer: another optimizer over the model's parameters (then learning_rate is unused).
        record_every: k; the cost of iterations 0, k, 2k, ... is recorded (before its update).
        print_cost: print "Cost after iteration i: J" at those iterations, as the course does.
        cost_fn: the cost, ``binary_cross_entropy`` by default.
        callback: called as ``callback(i, cost)`` after every iteration (e.g. a progress bar).

    Warns (``UserWarning``) once if, after the first backward pass, a parameter has no gradient:
    the cost does not depend on it, so it will never be trained. Returns a :class:`TrainHistory`.
    """
    if isinstance(num_iterations, bool) or not isinstance(num_iterations, (int, np.integer)) or num_iterations < 0:
        raise ValueError(f"train: num_iterations must be a non-negative integer, got {num_iterations!r}.")
    if isinstance(record_every, bool) or not isinstance(record_every, (int, np.integer)) or record_every < 1:
        raise ValueError(f"train: record_every must be a positive integer, got {record_every!r}.")
    _check_xy(X, Y, "train")
    named = model.named_parameters()
    opt = optimizer if optimizer is not None else GradientDescent([p for _, p in named], learning_rate)
    history = TrainHistory(record_every=int(record_every))
    for i in range(int(num_iterations)):
        AL = model(X)  # forward: A[0] = X -> A[L]
        J = cost_fn(AL, Y)  # J = -(1/m) Σ (Y log A[L] + (1 - Y) log(1 - A[L]))
        opt.zero_grad()
        J.backward()  # dW[l], db[l] for every layer
        if i == 0:
            _warn_missing_gradients(named)
        cost = J.item()
        if i % record_every == 0:  # the cost before this iteration's update, as the course prints it
            history.iterations.append(i)
            history.costs.append(cost)
            if print_cost:
                print(f"Cost after iteration {i}: {cost}")
        opt.step()  # W[l] := W[l] - α dW[l], b[l] := b[l] - α db[l]
        history.final_cost = cost
        if callback is not None:
            callback(i, cost)
    return history


def _warn_missing_gradients(named: list[tuple[str, Tensor]]) -> None:
    missing = [f"{name} {p.shape}" for name, p in named if p.grad is None]
    if missing:
        warnings.warn(
            f"train: {', '.join(missing)} got no gradient: the cost does not depend on "
            f"{'it' if len(missing) == 1 else 'them'}, so {'it' if len(missing) == 1 else 'they'} will never "
            "be trained. Check that the forward pass uses every layer.",
            UserWarning,
            stacklevel=3,
        )


def predict(model: Module, X: Any, threshold: float = 0.5) -> np.ndarray:
    """Predicted labels: 1.0 where A[L] > threshold (0.5), else 0.0, shape (n[L], m), as in the
    course's ``predict``. Nothing is recorded for backward."""
    with no_grad():
        AL = model(X)
    return (AL.data > threshold).astype(np.float64)


def accuracy(model: Module, X: Any, Y: Any, threshold: float = 0.5) -> float:
    """The fraction of labels predicted right: mean(predict(model, X) == Y), in [0, 1]."""
    _check_xy(X, Y, "accuracy")
    pred = predict(model, X, threshold)
    y = _as_array(Y)
    if pred.shape != y.shape:
        raise ShapeError(f"accuracy: the predictions have shape {pred.shape} (n[L], m) but Y has shape {y.shape}.")
    return float(np.mean(pred == y))
