"""The lecture's hand-derived equations in plain numpy: no Tensor, no autograd.

Function names, arguments and cache layouts are those of the course's assignment ("Building
your deep neural network: step by step"), so a learner's own functions plug in where these do,
and :func:`tinygrad_edu.check.compare_gradients` can hold them against autograd. Notation as in
the lecture (``docs/lecture.md``, :mod:`tinygrad_edu.lecture`): one example per COLUMN, X = A[0]
is (n[0], m), W[l] is (n[l], n[l-1]), b[l] is (n[l], 1), Z[l] and A[l] are (n[l], m).

Caches, exactly as the course lays them out:

* ``linear_cache = (A_prev, W, b)``                    from :func:`linear_forward`
* ``cache = (linear_cache, Z)`` = ``((A[l-1], W[l], b[l]), Z[l])``   from :func:`linear_activation_forward`
* ``caches = [cache of layer 1, ..., cache of layer L]``  from :func:`model_forward` (``caches[l-1]`` is layer l's)

Gradients follow the lecture's convention: dZ[l] and dA[l] carry no 1/m (dZ[L] = A[L] - Y), the
1/m appears in dW[l] and db[l]. (Autograd's dJ/dZ[l] is this dZ[l] divided by m.)

Nothing here changes its arguments: every function returns new arrays.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from . import lecture
from .lecture import ACTIVATIONS, check_layer_dims, key
from .outputs import OUTPUTS

__all__ = [
    "initialize_parameters_deep",
    "linear_forward",
    "sigmoid",
    "relu",
    "tanh",
    "softmax",
    "softmax_backward",
    "compute_categorical_cost",
    "sigmoid_backward",
    "relu_backward",
    "tanh_backward",
    "activation_backward",
    "linear_activation_forward",
    "model_forward",
    "compute_cost",
    "linear_backward",
    "linear_activation_backward",
    "model_backward",
    "update_parameters",
    "L_layer_model",
]

Array = np.ndarray
LinearCache = tuple[Array, Array, Array]
Cache = tuple[LinearCache, Array]


# ----------------------------------------------------------------------------- initialisation


def initialize_parameters_deep(
    layer_dims: Sequence[int], init: str = "he", seed: int | None = None
) -> dict[str, Array]:
    """W[l] = randn(n[l], n[l-1]) * scale and b[l] = zeros((n[l], 1)) for l = 1..L.

    With an int ``seed`` the weights come from ONE ``np.random.RandomState(seed)``, layer by layer,
    W[1] first, exactly as :class:`tinygrad_edu.nn.DeepNetwork` draws them (same seed and init =>
    identical arrays). scale: ``"he"`` sqrt(2/n[l-1]), ``"xavier"`` 1/sqrt(n[l-1]) (the course's
    L-layer application, seeded 1), ``"small"`` 0.01 (the course's step-by-step assignment).

    Returns {"W1": (n[1], n[0]), "b1": (n[1], 1), ..., "WL": (n[L], n[L-1]), "bL": (n[L], 1)}.
    """
    dims = check_layer_dims(layer_dims, "initialize_parameters_deep")
    lecture.check_init(init, "initialize_parameters_deep")
    rs = np.random.RandomState(seed)
    parameters: dict[str, Array] = {}
    for l in range(1, len(dims)):
        # W[l] = randn(n[l], n[l-1]) * scale: (n[l], n[l-1]);  b[l] = zeros: (n[l], 1)
        parameters[key("W", l)], parameters[key("b", l)] = lecture.draw_weights(rs, dims[l], dims[l - 1], init)
    return parameters


# ----------------------------------------------------------------------------- forward


def linear_forward(A_prev: Array, W: Array, b: Array) -> tuple[Array, LinearCache]:
    """Z[l] = W[l] A[l-1] + b[l].

    Shapes: A_prev (n[l-1], m), W (n[l], n[l-1]), b (n[l], 1) -> Z (n[l], m).
    Returns (Z, linear_cache) with linear_cache = (A_prev, W, b).
    """
    Z = W @ A_prev + b  # b broadcasts over the m columns
    return Z, (A_prev, W, b)


def sigmoid(Z: Array) -> tuple[Array, Array]:
    """A = σ(Z) = 1 / (1 + e^(-Z)), elementwise (computed without overflow). Returns (A, cache), cache = Z."""
    return ACTIVATIONS["sigmoid"].g(Z), Z


def relu(Z: Array) -> tuple[Array, Array]:
    """A = max(0, Z), elementwise. Returns (A, cache) with cache = Z."""
    return ACTIVATIONS["relu"].g(Z), Z


def tanh(Z: Array) -> tuple[Array, Array]:
    """A = tanh(Z), elementwise. Returns (A, cache) with cache = Z."""
    return ACTIVATIONS["tanh"].g(Z), Z


def softmax(Z: Array) -> tuple[Array, Array]:
    """A = e^Z / Σ_classes e^Z over axis 0 (the classes are the rows of (C, m)), computed from
    Z - max(Z). Returns (A, cache) with cache = Z."""
    return ACTIVATIONS["softmax"].g(Z), Z


def softmax_backward(dA: Array, cache: Array) -> Array:
    """dZ = A * (dA - Σ_classes dA * A), A = softmax(Z): each column's Jacobian diag(A) - A A^T
    applied to dA. With the categorical cost's dA[L] = -Y / A[L] it is dZ[L] = A[L] - Y."""
    return ACTIVATIONS["softmax"].backward(dA, cache)


def linear_activation_forward(A_prev: Array, W: Array, b: Array, activation: str) -> tuple[Array, Cache]:
    """One layer's forward box (4.2): Z[l] = W[l] A[l-1] + b[l], A[l] = g[l](Z[l]).

    ``activation`` is ``"relu"`` or ``"sigmoid"`` as in the course (``"tanh"`` and ``"linear"``
    also work). Shapes: A_prev (n[l-1], m) -> A (n[l], m).
    Returns (A, cache) with cache = (linear_cache, Z) = ((A_prev, W, b), Z).
    """
    g = lecture.activation(activation, "linear_activation_forward").g
    Z, linear_cache = linear_forward(A_prev, W, b)
    return g(Z), (linear_cache, Z)


def _layer_count(parameters: Mapping[str, Any], where: str = "model_forward") -> int:
    """L, read off a course-style dict W1, b1, ..., WL, bL; a missing or extra key, or shapes
    that do not chain, raise a clear error (rather than silently dropping a layer)."""
    return len(lecture.parameters_layer_dims(parameters, where)) - 1


def model_forward(
    X: Array,
    parameters: Mapping[str, Array],
    hidden_activation: str = "relu",
    output_activation: str = "sigmoid",
    *,
    activations: Sequence[str] | None = None,
) -> tuple[Array, list[Cache]]:
    """The forward row of boxes (4.3): A[0] = X; for l = 1..L: A[l] = g[l](W[l] A[l-1] + b[l]),
    with relu for l < L and sigmoid for l = L, as in the course (the keyword arguments generalise
    it; ``activations`` gives all L at once).

    Shapes: X (n[0], m) -> AL (n[L], m). Returns (AL, caches), caches[l-1] = ((A[l-1], W[l], b[l]), Z[l]).
    """
    L = _layer_count(parameters)
    acts = lecture.layer_activations(L, hidden_activation, output_activation, activations, "model_forward")
    caches: list[Cache] = []
    A = X
    for l in range(1, L + 1):
        A, cache = linear_activation_forward(A, parameters[key("W", l)], parameters[key("b", l)], acts[l - 1])
        caches.append(cache)
    return A, caches


def compute_categorical_cost(AL: Array, Y: Array) -> Array:
    """J = -(1/m) Σ Y log A[L] over the classes and examples, for a softmax output; Y one-hot
    (C, m). A 0-d array, as :func:`compute_cost`; no input checks (the checked version is
    :func:`tinygrad_edu.nn.softmax_cross_entropy`)."""
    return np.squeeze(np.array(OUTPUTS["softmax"].cost(AL, Y)))


def compute_cost(AL: Array, Y: Array) -> Array:
    """J = -(1/m) Σ (Y log A[L] + (1 - Y) log(1 - A[L])), m = number of columns.

    Shapes: AL and Y (n[L], m). Returns J as a 0-d array, ``np.squeeze(cost)``, as the course's
    function does (``float(cost)`` is the number). The course's function: no input checks (the
    checked version is :func:`tinygrad_edu.nn.binary_cross_entropy`).
    """
    m = Y.shape[1]
    cost = -(1 / m) * np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))
    return np.squeeze(np.array(cost))  # a 0-d array, as the course's np.squeeze(cost)


# ----------------------------------------------------------------------------- backward


def linear_backward(dZ: Array, cache: LinearCache) -> tuple[Array, Array, Array]:
    """The linear part of one backward box (4.2), from dZ[l] and cache = (A[l-1], W[l], b[l]):

        dW[l]   = (1/m) dZ[l] A[l-1]^T                       (n[l], n[l-1])
        db[l]   = (1/m) np.sum(dZ[l], axis=1, keepdims=True)  (n[l], 1)
        dA[l-1] = W[l]^T dZ[l]                                (n[l-1], m)

    dZ is (n[l], m). Returns (dA_prev, dW, db).
    """
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = (1 / m) * (dZ @ A_prev.T)
    db = (1 / m) * np.sum(dZ, axis=1, keepdims=True)
    dA_prev = W.T @ dZ
    return dA_prev, dW, db


def relu_backward(dA: Array, cache: Array) -> Array:
    """dZ[l] = dA[l] * relu'(Z[l]), with relu'(Z) = 1 where Z > 0 and 0 elsewhere (relu'(0) = 0).
    cache = Z[l]; dA and dZ are (n[l], m)."""
    return ACTIVATIONS["relu"].backward(dA, cache)


def sigmoid_backward(dA: Array, cache: Array) -> Array:
    """dZ[l] = dA[l] * σ'(Z[l]), with σ'(Z) = σ(Z) (1 - σ(Z)). cache = Z[l]; shapes (n[l], m)."""
    return ACTIVATIONS["sigmoid"].backward(dA, cache)


def tanh_backward(dA: Array, cache: Array) -> Array:
    """dZ[l] = dA[l] * tanh'(Z[l]), with tanh'(Z) = 1 - tanh(Z)^2. cache = Z[l]; shapes (n[l], m)."""
    return ACTIVATIONS["tanh"].backward(dA, cache)


def activation_backward(dA: Array, Z: Array, activation: str) -> Array:
    """dZ[l] = dA[l] * g[l]'(Z[l]) for any of the activations ("linear": g' = 1, dZ = dA)."""
    return lecture.activation(activation, "activation_backward").backward(dA, Z)


def linear_activation_backward(dA: Array, cache: Cache, activation: str) -> tuple[Array, Array, Array]:
    """One backward box (4.2): from dA[l] and cache = ((A[l-1], W[l], b[l]), Z[l]):

        dZ[l]   = dA[l] * g[l]'(Z[l])
        dW[l]   = (1/m) dZ[l] A[l-1]^T
        db[l]   = (1/m) np.sum(dZ[l], axis=1, keepdims=True)
        dA[l-1] = W[l]^T dZ[l]

    dA (n[l], m). Returns (dA_prev (n[l-1], m), dW (n[l], n[l-1]), db (n[l], 1)).
    """
    linear_cache, Z = cache
    dZ = activation_backward(dA, Z, activation)
    return linear_backward(dZ, linear_cache)


def model_backward(
    AL: Array,
    Y: Array,
    caches: Sequence[Cache],
    hidden_activation: str = "relu",
    output_activation: str = "sigmoid",
    *,
    activations: Sequence[str] | None = None,
    keep_dZ: bool = False,
) -> dict[str, Array]:
    """The backward row of boxes (4.2, 4.6), right to left, starting from the cost's derivative

        dA[L] = -(Y / A[L] - (1 - Y) / (1 - A[L]))        (n[L], m)

    (for a softmax output, of the categorical cost: dA[L] = -Y / A[L], Y one-hot (C, m))

    then, for l = L..1, (dA[l-1], dW[l], db[l]) = linear_activation_backward(dA[l], caches[l-1], g[l])
    (sigmoid for l = L, relu below, as in the course; the keyword arguments generalise it).
    Y is reshaped to AL's shape, as in the course.

    Returns grads = {"dA0", "dW1", "db1", ..., "dA{L-1}", "dW{L}", "db{L}"} (dA{l-1} comes out of
    layer l's box; dA0 is the gradient with respect to the input and is not needed for training);
    with ``keep_dZ`` also "dZ1", ..., "dZ{L}" and "dA{L}" (the start of the chain).
    """
    L = len(caches)
    acts = lecture.layer_activations(L, hidden_activation, output_activation, activations, "model_backward")
    Y = Y.reshape(AL.shape)
    dA = OUTPUTS[acts[-1]].dA(AL, Y) if acts[-1] in OUTPUTS else -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    grads: dict[str, Array] = {key("dA", L): dA} if keep_dZ else {}
    for l in range(L, 0, -1):  # layer l, with its own cache caches[l-1]
        linear_cache, Z = caches[l - 1]
        dZ = activation_backward(dA, Z, acts[l - 1])  # dZ[l] = dA[l] * g[l]'(Z[l])
        dA, dW, db = linear_backward(dZ, linear_cache)  # dA[l-1], dW[l], db[l]
        grads[key("dA", l - 1)], grads[key("dW", l)], grads[key("db", l)] = dA, dW, db
        if keep_dZ:
            grads[key("dZ", l)] = dZ
    return grads


def update_parameters(
    parameters: Mapping[str, Array], grads: Mapping[str, Array], learning_rate: float
) -> dict[str, Array]:
    """Gradient descent (4.6): W[l] := W[l] - α dW[l], b[l] := b[l] - α db[l].

    Returns a NEW dict of new arrays; ``parameters`` and ``grads`` are not changed.
    """
    L = _layer_count(parameters, "update_parameters")
    new: dict[str, Array] = {}
    for k in lecture.parameter_keys(L):
        new[k] = parameters[k] - learning_rate * grads["d" + k]
    return new


def L_layer_model(
    X: Array,
    Y: Array,
    layers_dims: Sequence[int],
    learning_rate: float = 0.0075,
    num_iterations: int = 3000,
    print_cost: bool = False,
    init: str = "he",
    seed: int | None = None,
    record_every: int = 100,
) -> tuple[dict[str, Array], list[float]]:
    """The course's training loop (4.6): for i in 0..num_iterations-1: forward, cost, backward,
    update. The cost of iteration i (computed BEFORE its update) is recorded when
    i % record_every == 0, as the course records it.

    X (n[0], m), Y (n[L], m). Returns (parameters, costs).
    """
    parameters = initialize_parameters_deep(layers_dims, init=init, seed=seed)
    costs: list[float] = []
    for i in range(num_iterations):
        AL, caches = model_forward(X, parameters)
        cost = compute_cost(AL, Y)
        grads = model_backward(AL, Y, caches)
        parameters = update_parameters(parameters, grads, learning_rate)
        if i % record_every == 0:
            costs.append(cost)
            if print_cost:
                print(f"Cost after iteration {i}: {cost}")
    return parameters, costs
