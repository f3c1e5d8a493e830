"""The lecture's conventions, written once: names, equations, activations, initialisation,
the checks of layer_dims and of data, and example data. numpy only: no Tensor, no autograd.

Everything else in the package (nn, manual, check, data, viz, the command line) takes its
conventions from here, so that ``W[l]`` is spelled, a weight is drawn and a label is checked the
same way everywhere. The notation is the lecture's (see ``docs/lecture.md``):

* layers are counted from the input, layer 0, which is not counted in L;
  ``layer_dims = [n[0], n[1], ..., n[L]]``;
* one example per COLUMN: X = A[0] is (n[0], m); W[l] is (n[l], n[l-1]), b[l] is (n[l], 1),
  Z[l] and A[l] are (n[l], m); a gradient has the shape of its variable;
* Z[l] = W[l] A[l-1] + b[l], A[l] = g[l](Z[l]); the cost J carries the 1/m.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import ShapeError, message

__all__ = [
    "name",
    "key",
    "parse_name",
    "parameter_keys",
    "EQUATIONS",
    "equation",
    "CONVENTION",
    "Activation",
    "ACTIVATIONS",
    "ACTIVATION_NAMES",
    "sigmoid",
    "activation",
    "layer_activations",
    "INITS",
    "init_weights",
    "draw_weights",
    "random_state",
    "check_layer_dims",
    "check_activation",
    "check_init",
    "check_count",
    "parameters_layer_dims",
    "parse_key",
    "check_data",
    "check_labels",
    "example_data",
]

Array = np.ndarray

# ============================================================================= names


def name(symbol: str, l: int | str) -> str:
    """The lecture's name of a layer quantity: ``name("W", 1)`` is ``"W[1]"``, ``name("dA", "l-1")``
    is ``"dA[l-1]"``."""
    return f"{symbol}[{l}]"


def key(symbol: str, l: int) -> str:
    """The course's dict key of a layer quantity: ``key("W", 1)`` is ``"W1"``, ``key("dA", 0)`` is
    ``"dA0"`` (the keys of ``parameters``, ``grads`` and ``caches`` in the course's code)."""
    return f"{symbol}{l}"


_NAME = re.compile(r"^(d?)([A-Za-z]+)\[(\d+)\]$")


def parse_name(text: str | None) -> tuple[str, int] | None:
    """``"dW[2]"`` -> ``("dW", 2)``; None for anything that is not a layer quantity's name."""
    match = _NAME.match(text) if isinstance(text, str) else None
    if match is None:
        return None
    return match.group(1) + match.group(2), int(match.group(3))


def parameter_keys(L: int) -> list[str]:
    """``["W1", "b1", ..., "WL", "bL"]``: the keys of the course's ``parameters`` dict."""
    return [key(p, l) for l in range(1, L + 1) for p in "Wb"]


# ============================================================================= equations (4.2, 4.3, 4.6)

#: the lecture's equations, with ``[l]`` and ``[l-1]`` to be filled in by :func:`equation`
EQUATIONS: dict[str, str] = {
    "Z": "Z[l] = W[l] A[l-1] + b[l]",
    "A": "A[l] = g[l](Z[l])",
    "J": "J = -(1/m) sum(Y log A[L] + (1 - Y) log(1 - A[L]))",
    "dAL": "dA[L] = -(Y / A[L] - (1 - Y) / (1 - A[L]))  (no 1/m: the 1/m of J goes into dW and db only)",
    "dZL": "dZ[L] = A[L] - Y  (sigmoid output and cross-entropy cost, fused)",
    "J_softmax": "J = -(1/m) sum(Y log A[L])  (the categorical cross-entropy; each column of Y one-hot)",
    "dAL_softmax": "dA[L] = -Y / A[L]  (no 1/m: the 1/m of J goes into dW and db only)",
    "dZL_softmax": "dZ[L] = A[L] - Y  (softmax output and categorical cross-entropy, fused)",
    "dZ": "dZ[l] = dA[l] * g[l]'(Z[l])",
    "dW": "dW[l] = (1/m) dZ[l] A[l-1]^T, with W[l]'s shape (n[l], n[l-1])",
    "db": "db[l] = (1/m) np.sum(dZ[l], axis=1, keepdims=True), with b[l]'s shape (n[l], 1)",
    "dA": "dA[l-1] = W[l]^T dZ[l]  (no 1/m here)",
    "update": "W[l] := W[l] - α dW[l],  b[l] := b[l] - α db[l]",
}


def equation(which: str, l: int | None = None) -> str:
    """``EQUATIONS[which]`` with the layer number put in when ``l`` is given:
    ``equation("dW", 2)`` is ``"dW[2] = (1/m) dZ[2] A[1]^T, ..."``."""
    text = EQUATIONS[which]
    if l is None:
        return text
    return text.replace("[l-1]", f"[{l - 1}]").replace("[l]", f"[{l}]")


CONVENTION = (
    "Convention: autograd differentiates J, which carries the 1/m, so its dJ/dZ[l] and dJ/dA[l] are the "
    "lecture's dZ[l] and dA[l] divided by m; the dZ and dA rows compare m * dJ/dZ[l] and m * dJ/dA[l] with "
    "the lecture's dZ[l], dA[l]. dW[l] and db[l] are the same in both and are compared as they are."
)

# ============================================================================= activations


def sigmoid(z: Array) -> Array:
    """σ(Z) = 1 / (1 + e^(-Z)), elementwise, without overflow: exp is only ever taken of -|Z| <= 0,
    so A rounds to exactly 0 or 1 for large |Z| instead of warning."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1, e) / (1 + e)


def softmax(z: Array, axis: int = 0) -> Array:
    """e^Z / Σ e^Z along ``axis`` (0: the classes are the rows of (n[L], m)), from Z - max(Z), so
    nothing overflows even at Z = ±1000."""
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _softmax_backward(dA: Array, Z: Array) -> Array:
    A = softmax(Z)
    return A * (dA - np.sum(dA * A, axis=0, keepdims=True))


def _relu_backward(dA: Array, Z: Array) -> Array:
    return dA * (Z > 0)


def _sigmoid_backward(dA: Array, Z: Array) -> Array:
    s = sigmoid(Z)
    return dA * s * (1 - s)


def _tanh_backward(dA: Array, Z: Array) -> Array:
    t = np.tanh(Z)
    return dA * (1 - t * t)


@dataclass(frozen=True)
class Activation:
    """One activation g of the lecture, as numpy.

    Attributes:
        name: ``"relu"``, ``"sigmoid"``, ``"tanh"`` or ``"linear"`` (also the Tensor method's name).
        g: A = g(Z), elementwise.
        backward: dZ = dA * g'(Z), from dA and the cache Z.
        derivative: g'(Z) as the lecture writes it.
    """

    name: str
    g: Callable[[Array], Array]
    backward: Callable[[Array, Array], Array]
    derivative: str


#: the activations a layer can use, by name
ACTIVATIONS: dict[str, Activation] = {
    "relu": Activation("relu", lambda z: np.maximum(z, 0), _relu_backward,
                       "relu'(Z) = 1 where Z > 0, else 0 (relu'(0) = 0)"),
    "sigmoid": Activation("sigmoid", sigmoid, _sigmoid_backward, "sigmoid'(Z) = σ(Z)(1 - σ(Z)) = A(1 - A)"),
    "tanh": Activation("tanh", np.tanh, _tanh_backward, "tanh'(Z) = 1 - tanh(Z)^2 = 1 - A^2"),
    "linear": Activation("linear", lambda z: z, lambda dA, Z: np.array(dA, copy=True), "linear'(Z) = 1"),
    "softmax": Activation("softmax", softmax, _softmax_backward,
                          "softmax'(Z) is not elementwise: dZ = A * (dA - sum(dA * A, axis=0)), each column's "
                          "Jacobian being diag(A) - A A^T"),
}
ACTIVATION_NAMES: tuple[str, ...] = tuple(ACTIVATIONS)


def activation(which: Any, where: str) -> Activation:
    """The :class:`Activation` called ``which``, or a ValueError listing the valid ones."""
    return ACTIVATIONS[check_activation(which, where)]


def check_activation(which: Any, where: str) -> str:
    """The activation's name, or a ValueError listing the valid ones."""
    if not isinstance(which, str) or which not in ACTIVATIONS:
        raise ValueError(message(where, f"unknown activation {which!r}; valid activations are "
                                        f"{', '.join(ACTIVATION_NAMES)}"))
    return which


def layer_activations(L: int, hidden: str = "relu", output: str = "sigmoid",
                      activations: Sequence[str] | None = None, where: str = "network") -> list[str]:
    """g[1], ..., g[L]: ``hidden`` for l < L and ``output`` for l = L (the course's relu layers and
    sigmoid output by default), or ``activations`` (one per layer) when given. Each is checked."""
    if activations is None:
        return ([check_activation(hidden, f"{where} (hidden_activation)")] * (L - 1)
                + [check_activation(output, f"{where} (output_activation)")])
    if isinstance(activations, str) or len(activations) != L:
        raise ValueError(message(where, f"activations must list one activation per layer, L = {L}, got "
                                        f"{activations!r}"))
    return [check_activation(a, f"{where} (activation of layer {l})") for l, a in enumerate(activations, 1)]


# ============================================================================= initialisation

#: the initialisation schemes: W[l] = randn(n[l], n[l-1]) * scale, b[l] = 0
INITS: tuple[str, ...] = ("he", "xavier", "small")


def check_init(init: Any, where: str) -> str:
    """The init scheme's name, or a ValueError listing the valid ones."""
    if not isinstance(init, str) or init not in INITS:
        raise ValueError(message(where, f"unknown init {init!r}; valid schemes are {', '.join(INITS)}"))
    return init


def init_weights(randn: Array, init: str, n_prev: int, where: str = "init") -> Array:
    """W[l] from ``randn = rs.randn(n[l], n[l-1])`` for each scheme, written as the course writes it:

    * ``"he"``:     randn * sqrt(2 / n[l-1])   (for relu layers)
    * ``"xavier"``: randn / sqrt(n[l-1])       (the course's L-layer application)
    * ``"small"``:  randn * 0.01               (the course's step-by-step assignment)
    """
    init = check_init(init, where)
    if init == "he":
        return randn * np.sqrt(2.0 / n_prev)
    if init == "xavier":
        return randn / np.sqrt(n_prev)
    return randn * 0.01


def draw_weights(rs: np.random.RandomState, n_l: int, n_prev: int, init: str) -> tuple[Array, Array]:
    """Layer l's (W[l], b[l]): W[l] = rs.randn(n[l], n[l-1]) scaled by ``init``, b[l] = zeros((n[l], 1)).
    Drawing the layers in order from ONE RandomState gives the course's arrays."""
    return init_weights(rs.randn(n_l, n_prev), init, n_prev), np.zeros((n_l, 1))


def random_state(seed: Any, where: str) -> np.random.RandomState:
    """A ``numpy.random.RandomState`` from an int seed, a RandomState (used as it is) or None."""
    if isinstance(seed, np.random.RandomState):
        return seed
    if seed is None:
        return np.random.RandomState()
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer)):
        raise TypeError(message(where, f"seed must be an int, a numpy.random.RandomState or None, got {seed!r}"))
    return np.random.RandomState(int(seed))


# ============================================================================= checks


def check_count(value: Any, what: str, where: str, minimum: int = 1) -> int:
    """An integer >= ``minimum`` (not a bool), or a ValueError naming ``what``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(message(where, f"{what} must be an integer >= {minimum}, got {value!r}"))
    return int(value)


def check_layer_dims(layer_dims: Any, where: str) -> list[int]:
    """``layer_dims`` as a list of ints, or a ValueError that says what layer_dims must be."""
    ok = isinstance(layer_dims, Sequence) and not isinstance(layer_dims, (str, bytes)) and len(layer_dims) >= 2
    dims: list[int] = []
    for n in layer_dims if ok else ():
        if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 1:
            ok = False
            break
        dims.append(int(n))
    if not ok:
        raise ValueError(message(
            where,
            "layer_dims must be a list [n[0], n[1], ..., n[L]] of at least two positive integers (n[0] = number "
            f"of input features, n[L] = number of output units), got {layer_dims!r}",
            "the lecture's network is [3, 5, 5, 3, 1] (L = 4)",
        ))
    return dims


def parameters_layer_dims(parameters: Any, where: str) -> list[int]:
    """layer_dims read off a course-style dict {"W1", "b1", ..., "WL", "bL"}, with clear errors for a
    missing key or a shape that does not fit the lecture's W[l] (n[l], n[l-1]), b[l] (n[l], 1)."""
    if not isinstance(parameters, Mapping):
        raise TypeError(message(where, "parameters must be a dict {'W1': ..., 'b1': ..., ...}, got "
                                       f"{type(parameters).__name__}"))
    L = 0
    while key("W", L + 1) in parameters or key("b", L + 1) in parameters:
        L += 1
    if L == 0:
        raise ValueError(message(where, f"parameters has no 'W1'/'b1'; expected keys W1, b1, ..., WL, bL, got "
                                        f"{sorted(map(str, parameters))}"))
    expected = parameter_keys(L)
    missing = [k for k in expected if k not in parameters]
    if missing:
        needs = "W1, b1" if L == 1 else f"W1, b1, ..., W{L}, b{L}"
        raise ValueError(message(where, f"parameters is missing {', '.join(map(repr, missing))}; a network with "
                                        f"L = {L} layer{'s' if L > 1 else ''} needs {needs}"))
    extra = sorted(k for k in parameters if isinstance(k, str) and k not in expected and parse_key(k) is not None)
    if extra:
        raise ValueError(message(where, f"parameters has {', '.join(map(repr, extra))} but no W/b of the layers "
                                        "before it"))
    dims: list[int] = []
    for l in range(1, L + 1):
        W, b = np.asarray(parameters[key("W", l)]), np.asarray(parameters[key("b", l)])
        if W.ndim != 2:
            raise ShapeError(message(where, f"W{l} must be a matrix (n[{l}], n[{l - 1}]), got shape {W.shape}"))
        if l > 1 and W.shape[1] != dims[-1]:
            raise ShapeError(message(where, f"W{l} has shape {W.shape} but must be (n[{l}], n[{l - 1}]) = "
                                            f"(n[{l}], {dims[-1]}), since W{l - 1} has {dims[-1]} rows"))
        dims += [W.shape[1], W.shape[0]] if l == 1 else [W.shape[0]]
        if b.shape != (W.shape[0], 1):
            raise ShapeError(message(where, f"b{l} must be (n[{l}], 1) = ({W.shape[0]}, 1) to match W{l}, got "
                                            f"shape {b.shape}"))
    return dims


def parse_key(text: str) -> tuple[str, int] | None:
    """``"W2"`` -> ``("W", 2)``; None for anything that is not a course-style parameter key."""
    match = re.fullmatch(r"([Wb])(\d+)", text)
    return None if match is None else (match.group(1), int(match.group(2)))


def check_labels(Y: Array, where: str) -> None:
    """The one rule for labels: every value of Y in [0, 1] (0/1 class labels, or probabilities,
    as the cross-entropy cost allows). A ValueError names the first value outside."""
    if Y.dtype.kind not in "fiub":
        raise ValueError(message(where, f"Y must be numeric labels in [0, 1], got dtype {Y.dtype}"))
    inside = (Y >= 0) & (Y <= 1)
    if Y.size and not bool(np.all(inside)):
        bad = Y[~inside]
        raise ValueError(message(
            where,
            f"Y must hold labels in [0, 1] (1 = positive class, 0 = negative), but it contains "
            f"{bad.flat[0].item()!r} ({bad.size} value(s) outside [0, 1])",
            "map labels such as -1/+1 or 1/2 to 0/1 first",
        ))


def _values(a: Any) -> Array:
    """The array behind a Tensor (anything with ``.data`` that is an ndarray) or an array-like."""
    data = getattr(a, "data", None)
    return data if isinstance(data, np.ndarray) else np.asarray(a)


def check_X(X: Any, where: str, n_x: int | None = None) -> Array:
    """X = A[0] as an array (not copied), checked to be (n[0], m): one example per column (and
    n[0] = ``n_x`` when given); a ShapeError that spots a transposed X or a single 1-D example."""
    x = _values(X)
    if x.ndim != 2 or (n_x is not None and x.shape[0] != n_x):
        hint = None
        if x.ndim == 2 and n_x is not None and x.shape[1] == n_x:
            hint = f"X looks like one example per row; pass X.T, shape {x.shape[::-1]}: examples go in columns"
        elif x.ndim == 1:
            hint = "a single example must be a column: X.reshape(-1, 1)"
        nx = "n[0]" if n_x is None else str(n_x)
        raise ShapeError(message(where, f"X = A[0] must be (n[0], m) = ({nx}, m), one example per column, got "
                                        f"shape {x.shape}", hint))
    return x


def check_data(X: Any, Y: Any, where: str, n_x: int | None = None, n_y: int | None = None) -> tuple[Array, Array]:
    """X (n[0], m) and Y (n[L], m), one example per column, with labels in [0, 1]; returns the two
    arrays (not copied). ``n_x`` and ``n_y``, when given, are the n[0] and n[L] they must have."""
    x, y = check_X(X, where, n_x), _values(Y)
    m = x.shape[1]
    if m == 0:
        raise ShapeError(message(where, f"X has no examples: its shape is {x.shape}, m = 0 columns",
                                 "the cost and the gradients average over the m examples; give at least one"))
    if y.ndim != 2:
        raise ShapeError(message(where, f"Y must be (n[L], m) = ({n_y or 'n[L]'}, {m}), one label per column, got "
                                        f"shape {y.shape}", "make a 1-D Y a row: Y.reshape(1, -1)"))
    if y.shape[1] != m:
        hint = None
        if y.shape[0] == m:
            hint = "Y looks transposed; labels go one per column, like the examples of X"
        raise ShapeError(message(where, f"X has m = {m} examples (columns) but Y has {y.shape[1]}; X is (n[0], m) = "
                                        f"{x.shape}, Y must be (n[L], m) = ({n_y or 'n[L]'}, {m}), got shape "
                                        f"{y.shape}", hint))
    if n_y is not None and y.shape[0] != n_y:
        raise ShapeError(message(where, f"Y must be (n[L], m) = ({n_y}, {m}) to match n[L] = {n_y}, got shape "
                                        f"{y.shape}"))
    check_labels(y, where)
    return x, y


# ============================================================================= example data


def example_data(layer_dims: Sequence[int], m: int, seed: int = 1, classes: bool = False) -> tuple[Array, Array]:
    """Random data for a network of ``layer_dims``: X = randn(n[0], m) (one example per column) and
    Y (n[L], m) of 0/1 labels, both drawn from ``RandomState(seed)``, float64; with ``classes``
    (a softmax output) Y is one-hot: one of the n[L] = C classes per column."""
    dims = check_layer_dims(layer_dims, "example_data")
    m = check_count(m, "m (the number of examples)", "example_data")
    rs = np.random.RandomState(seed)
    X = rs.randn(dims[0], m)  # X = A[0]: (n[0], m)
    Y = (rs.rand(dims[-1], m) > 0.5).astype(np.float64)  # (n[L], m)
    if classes:
        Y = np.zeros((dims[-1], m))
        Y[rs.randint(dims[-1], size=m), np.arange(m)] = 1.0  # (C, m), one-hot columns
    return X, Y
