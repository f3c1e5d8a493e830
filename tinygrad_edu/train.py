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

from .errors import ShapeError, message
from .lecture import check_count, check_data
from .nn import Module, binary_cross_entropy
from .optim import GradientDescent, Optimizer
from .outputs import OUTPUTS, Output
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
    cost_fn: Callable[[Tensor, Any], Tensor] | None = None,
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
        cost_fn: the cost; by default the model's own (``DeepNetwork.cost``: the binary
            cross-entropy for a sigmoid output, the categorical one for a softmax output, whose Y may
            also be integer class labels (1, m)), else ``binary_cross_entropy``.
        callback: called as ``callback(i, cost)`` after every iteration (e.g. a progress bar).

    Warns (``UserWarning``) once if, after the first backward pass, a parameter has no gradient:
    the cost does not depend on it, so it will never be trained. Returns a :class:`TrainHistory`.
    """
    num_iterations = check_count(num_iterations, "num_iterations", "train", minimum=0)
    record_every = check_count(record_every, "record_every", "train")
    Y = _labels(model, X, Y, "train")
    check_data(X, Y, "train")
    if cost_fn is None:
        cost_fn = getattr(model, "cost", binary_cross_entropy)
    named = model.named_parameters()
    opt = optimizer if optimizer is not None else GradientDescent([p for _, p in named], learning_rate)
    history = TrainHistory(record_every=record_every)
    for i in range(num_iterations):
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
        one = len(missing) == 1
        warnings.warn(
            message("train", f"{', '.join(missing)} got no gradient: the cost does not depend on "
                             f"{'it' if one else 'them'}, so {'it' if one else 'they'} will never be trained",
                    "check that the forward pass uses every layer"),
            UserWarning,
            stacklevel=3,
        )


def _output(model: Module) -> str:
    acts = getattr(model, "activations", None)
    return acts[-1] if acts else "sigmoid"


def output_of(model: Module) -> Output:
    """The model's output conventions: softmax's for a softmax output, else the binary ones."""
    return OUTPUTS["softmax" if _output(model) == "softmax" else "sigmoid"]


def _labels(model: Module, X: Any, Y: Any, where: str) -> Any:
    """Y as the model's output takes it: for a softmax output, integer labels (1, m) made one-hot."""
    if _output(model) != "softmax":
        return Y
    y = np.asarray(getattr(Y, "data", Y))
    n_L = model.layer_dims[-1]  # type: ignore[attr-defined]
    return OUTPUTS["softmax"].labels(y, n_L, where) if y.ndim == 2 and y.shape[0] == 1 else Y


def predict(model: Module, X: Any, threshold: float = 0.5) -> np.ndarray:
    """Predicted labels, shape (n[L], m), nothing recorded for backward: 1.0 where A[L] >
    threshold (0.5), else 0.0, as in the course's ``predict``; for a softmax output, one-hot
    columns of the class with the largest A[L] (argmax over axis 0)."""
    with no_grad():
        AL = model(X)
    if _output(model) == "softmax":
        return OUTPUTS["softmax"].predict(AL.data)
    return (AL.data > threshold).astype(np.float64)


def accuracy(model: Module, X: Any, Y: Any, threshold: float = 0.5) -> float:
    """The fraction predicted right, in [0, 1]: of the labels (0/1, a probability counting as
    class 1 above 0.5), or for a softmax output of the examples (the argmax matches; Y one-hot or
    integer labels (1, m))."""
    _, y = check_data(X, _labels(model, X, Y, "accuracy"), "accuracy")
    pred = predict(model, X, threshold)
    if pred.shape != y.shape:
        raise ShapeError(message("accuracy", f"the predictions have shape {pred.shape} (n[L], m) but Y has shape "
                                             f"{y.shape}"))
    return float(np.mean(output_of(model).hits(pred, y)))
