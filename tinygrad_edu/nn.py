"""Networks in the lecture's notation: ``Module``, ``Linear``, ``DeepNetwork`` and the cost.

Everything follows the lecture (4.1-4.4, ``docs/lecture.md``): one example per COLUMN, so the input X = A[0] is
(n[0], m); layer l holds W[l] of shape (n[l], n[l-1]) and b[l] of shape (n[l], 1) and computes

    Z[l] = W[l] A[l-1] + b[l]        (b[l] broadcasts over the m columns)
    A[l] = g[l](Z[l])

The forward pass of :class:`DeepNetwork` names every tensor it creates with its lecture name
(``A[0]``, ``Z[1]``, ``A[1]``, ..., ``A[L]``) and the parameters are named ``W[1]``, ``b[1]``, ...,
so pictures of the graph and error messages speak the lecture's language.

    >>> import numpy as np
    >>> from tinygrad_edu.nn import DeepNetwork, binary_cross_entropy
    >>> net = DeepNetwork([3, 5, 5, 3, 1], init="he", seed=1)    # the lecture's L = 4 network
    >>> X = np.random.RandomState(0).randn(3, 10)                # (n[0], m) = (3, 10)
    >>> AL = net(X)                                              # A[4] = Y-hat, (1, 10)
    >>> J = binary_cross_entropy(AL, np.ones((1, 10)))
    >>> J.backward()
    >>> net.layers[0].W.grad.shape                               # dW[1] has W[1]'s shape
    (5, 3)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from . import lecture
from .errors import ShapeError, message
from .lecture import ACTIVATION_NAMES as ACTIVATIONS
from .lecture import INITS, check_layer_dims, init_weights, parameters_layer_dims
from .ops import categorical_cross_entropy, cross_entropy
from .outputs import OUTPUTS, check_shape
from .tensor import Tensor

__all__ = [
    "softmax_cross_entropy",
    "COSTS",
    "ACTIVATIONS",
    "INITS",
    "Module",
    "Linear",
    "DeepNetwork",
    "activate",
    "binary_cross_entropy",
    "init_weights",
    "check_layer_dims",
    "parameters_layer_dims",
]

# ACTIVATIONS (the activation names), INITS, init_weights, check_layer_dims and parameters_layer_dims
# are the lecture's conventions, from tinygrad_edu.lecture; they are listed here too for nn's users.


# ----------------------------------------------------------------------------- Module


class Module:
    """Base class of layers and networks.

    A module's parameters are the Tensors that require grad among its attributes, and those of
    the modules it holds (directly or in a list). ``module(x)`` calls ``module.forward(x)``.
    """

    def forward(self, *args: Any, **kwargs: Any) -> Tensor:  # pragma: no cover - interface
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Tensor:
        return self.forward(*args, **kwargs)

    def named_parameters(self) -> list[tuple[str, Tensor]]:
        """(name, tensor) for every parameter. A parameter with a ``.name`` is listed under it
        (``"W[1]"``); otherwise under its attribute path (``"layers.0.W"``)."""
        out: list[tuple[str, Tensor]] = []
        seen: set[int] = set()
        for path, t in self._walk(""):
            if id(t) not in seen:
                seen.add(id(t))
                out.append((t.name or path, t))
        return out

    def _walk(self, prefix: str) -> Iterator[tuple[str, Tensor]]:
        for attr, value in vars(self).items():
            items = list(enumerate(value)) if isinstance(value, (list, tuple)) else [(None, value)]
            for i, v in items:
                path = f"{prefix}{attr}" if i is None else f"{prefix}{attr}.{i}"
                if isinstance(v, Tensor) and v.requires_grad:
                    yield path, v
                elif isinstance(v, Module):
                    yield from v._walk(path + ".")

    def parameters(self) -> list[Tensor]:
        """The parameter tensors, in the order of :meth:`named_parameters`."""
        return [t for _, t in self.named_parameters()]

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (``.grad = None``); call it before each backward."""
        for p in self.parameters():
            p.zero_grad()


# ----------------------------------------------------------------------------- Linear


class Linear(Module):
    """One layer's linear part: ``Z = W A_prev + b`` on column-per-example input.

    Args:
        n_in: n[l-1], the number of units feeding the layer (rows of A_prev).
        n_out: n[l], the number of units of the layer.
        init: ``"he"``, ``"xavier"`` or ``"small"`` (see :func:`init_weights`); b starts at zero.
        seed: an int, a ``numpy.random.RandomState`` (used as is, so several layers can draw
            from one stream) or None. W = ``rs.randn(n_out, n_in)`` scaled by the scheme.
        layer: the layer number l; when given, the parameters are named ``W[l]``, ``b[l]``
            (otherwise they have no name and a Module lists them by attribute path).
        dtype: float64 (default) or float32.

    Shapes: W (n[l], n[l-1]), b (n[l], 1), A_prev (n[l-1], m), Z (n[l], m).
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        init: str = "he",
        seed: int | np.random.RandomState | None = None,
        layer: int | None = None,
        dtype: Any = np.float64,
    ) -> None:
        for what, n in (("n_in", n_in), ("n_out", n_out)):
            if isinstance(n, (bool, np.bool_)) or not isinstance(n, (int, np.integer)) or n < 1:
                raise ValueError(message("Linear", f"{what} must be a positive integer (a number of units), got {n!r}"))
        self.n_in, self.n_out, self.layer = int(n_in), int(n_out), layer
        lecture.check_init(init, "Linear")
        # W[l] = randn(n[l], n[l-1]) scaled by the init scheme;  b[l] = zeros((n[l], 1))
        W, b = lecture.draw_weights(lecture.random_state(seed, "Linear"), self.n_out, self.n_in, init)
        named = layer is not None
        self.W = Tensor(W, requires_grad=True, name=lecture.name("W", layer) if named else None, dtype=dtype)
        self.b = Tensor(b, requires_grad=True, name=lecture.name("b", layer) if named else None, dtype=dtype)

    def forward(self, A_prev: Tensor) -> Tensor:
        """Z[l] = W[l] A[l-1] + b[l]: (n[l], n[l-1]) @ (n[l-1], m) + (n[l], 1) -> (n[l], m)."""
        if not isinstance(A_prev, Tensor):
            A_prev = Tensor(A_prev)
        if A_prev.ndim != 2 or A_prev.shape[0] != self.n_in:
            l = "l" if self.layer is None else self.layer
            lp = "l-1" if self.layer is None else self.layer - 1
            hint = None
            if A_prev.ndim == 2 and A_prev.shape[1] == self.n_in:
                hint = f"its transpose, {A_prev.shape[::-1]}, would fit: put one example per column"
            elif A_prev.ndim == 1:
                hint = "a single example must be a column, shape (n, 1): use x.reshape(-1, 1)"
            raise ShapeError(message(
                f"Linear layer {l}",
                f"A[{lp}] must be (n[{lp}], m) = ({self.n_in}, m) to compute Z[{l}] = W[{l}] A[{lp}] + b[{l}] with "
                f"W[{l}] {self.W.shape}, got shape {A_prev.shape}", hint))
        return self.W @ A_prev + self.b

    def __repr__(self) -> str:
        return f"Linear(n_in={self.n_in}, n_out={self.n_out}, layer={self.layer})"


# ----------------------------------------------------------------------------- DeepNetwork


def activate(Z: Tensor, activation: str) -> Tensor:
    """A[l] = g[l](Z[l]) for an activation of :data:`lecture.ACTIVATIONS`: the Tensor method of that
    name (``Z.relu()``, ``Z.sigmoid()``, ``Z.tanh()``); for ``"linear"``, g(Z) = Z is Z itself."""
    lecture.check_activation(activation, "activate")
    return Z if activation == "linear" else getattr(Z, activation)()


class DeepNetwork(Module):
    """The lecture's L-layer network for ``layer_dims = [n[0], n[1], ..., n[L]]``.

    Args:
        layer_dims: [n[0], ..., n[L]], at least two positive integers (L >= 1).
        hidden_activation: g[l] for l = 1..L-1 (``"relu"``, ``"sigmoid"``, ``"tanh"``, ``"linear"``).
        output_activation: g[L] (``"sigmoid"`` for a binary classifier).
        activations: optionally all L activations at once, overriding the two above.
        init: ``"he"`` (randn * sqrt(2/n[l-1])), ``"xavier"`` (randn / sqrt(n[l-1])) or ``"small"``
            (randn * 0.01); biases are zero.
        seed: with an int, the weights are drawn layer by layer, W[1] first, from one
            ``numpy.random.RandomState(seed)`` as ``randn(n[l], n[l-1])``, then scaled; the same
            arrays as :func:`tinygrad_edu.manual.initialize_parameters_deep` with the same seed and
            init, and as the course's code after ``np.random.seed(seed)``.
        dtype: float64 (default) or float32.

    Parameters are ``W[1], b[1], ..., W[L], b[L]`` (``net.layers[l-1].W`` is W[l]). Calling the
    network runs the forward pass and returns A[L]; every intermediate is named: the input
    ``A[0]``, then ``Z[l]`` and ``A[l]`` for each layer. An ndarray input is wrapped in a new
    Tensor named ``A[0]`` (sharing, never changing, its data); a Tensor input is used as it is
    and never renamed, so that a gradient asked for with ``requires_grad=True`` reaches it (its
    ``.grad`` is then dJ/dA[0]). For a ``"linear"`` layer A[l] is the tensor Z[l] itself.
    """

    def __init__(
        self,
        layer_dims: Sequence[int],
        hidden_activation: str = "relu",
        output_activation: str = "sigmoid",
        init: str = "he",
        seed: int | np.random.RandomState | None = None,
        *,
        activations: Sequence[str] | None = None,
        dtype: Any = np.float64,
    ) -> None:
        dims = check_layer_dims(layer_dims, "DeepNetwork")
        L = len(dims) - 1
        acts = lecture.layer_activations(L, hidden_activation, output_activation, activations, "DeepNetwork")
        if acts[-1] == "softmax" and dims[-1] < 2:
            raise ValueError(message("DeepNetwork", "a softmax output needs n[L] = C >= 2 classes (over one class it "
                                                    "is always 1)", "for two classes use n[L] = 1 and a sigmoid"))
        lecture.check_init(init, "DeepNetwork")
        rs = lecture.random_state(seed, "DeepNetwork")
        self.layer_dims: tuple[int, ...] = tuple(dims)
        self.activations: tuple[str, ...] = tuple(acts)
        self.init = init
        # one RandomState, W[1] first: W[l] = rs.randn(n[l], n[l-1]), scaled by the init scheme
        self.layers: list[Linear] = [
            Linear(dims[l - 1], dims[l], init=init, seed=rs, layer=l, dtype=dtype) for l in range(1, L + 1)
        ]

    @property
    def L(self) -> int:
        """The number of layers (the input layer 0 is not counted)."""
        return len(self.layers)

    def forward(self, X: Any) -> Tensor:
        """A[L] = Ŷ for X = A[0] of shape (n[0], m)."""
        return self.forward_cache(X)[0]

    def cost(self, AL: Tensor, Y: Any) -> Tensor:
        """The cost of this network's output layer (:data:`COSTS`): the binary cross-entropy for a
        sigmoid output, the categorical one for a softmax output."""
        if self.activations[-1] not in COSTS:
            raise ValueError(message("DeepNetwork.cost", f"the output layer's activation is "
                                                         f"{self.activations[-1]!r}, which has no cost here",
                                     "build the network with output_activation='sigmoid' or 'softmax'"))
        return COSTS[self.activations[-1]](AL, Y)

    def forward_cache(self, X: Any) -> tuple[Tensor, dict[str, Tensor]]:
        """The forward pass, returning A[L] and the named intermediates
        ``{"A[0]": ..., "Z[1]": ..., "A[1]": ..., ..., "A[L]": ...}`` (the lecture's cache)."""
        A = X if isinstance(X, Tensor) else Tensor(X, name=lecture.name("A", 0))
        lecture.check_X(A.data, "DeepNetwork", self.layer_dims[0])  # (n[0], m): one example per column
        cache: dict[str, Tensor] = {lecture.name("A", 0): A}
        for l, (layer, act) in enumerate(zip(self.layers, self.activations), start=1):
            Z = layer(A).named(lecture.name("Z", l))  # Z[l] = W[l] A[l-1] + b[l]
            A = activate(Z, act)  # A[l] = g[l](Z[l])
            if A is not Z:
                A.named(lecture.name("A", l))
            cache[Z.name] = Z  # type: ignore[index]
            cache[lecture.name("A", l)] = A
        return A, cache

    def named_parameters(self) -> list[tuple[str, Tensor]]:
        """[("W[1]", W[1]), ("b[1]", b[1]), ..., ("W[L]", W[L]), ("b[L]", b[L])]."""
        return [(lecture.name(p, l), getattr(layer, p)) for l, layer in enumerate(self.layers, 1) for p in "Wb"]

    def to_parameters(self) -> dict[str, np.ndarray]:
        """The parameters as the course's dict ``{"W1": ..., "b1": ..., ...}`` (copies)."""
        layers = enumerate(self.layers, start=1)
        return {lecture.key(p, l): getattr(layer, p).data.copy() for l, layer in layers for p in "Wb"}

    @classmethod
    def from_parameters(
        cls,
        parameters: Mapping[str, Any],
        hidden_activation: str = "relu",
        output_activation: str = "sigmoid",
        *,
        activations: Sequence[str] | None = None,
        dtype: Any = None,
    ) -> DeepNetwork:
        """A network holding a copy of the course-style dict ``{"W1": ..., "b1": ..., ...}``
        (checked for missing keys and shapes; the dict itself is not changed)."""
        dims = parameters_layer_dims(parameters, "DeepNetwork.from_parameters")
        if dtype is not None and np.dtype(dtype).kind != "f":
            raise TypeError(message("DeepNetwork.from_parameters", "dtype must be a floating-point type such as "
                                    f"float64 or float32, got {np.dtype(dtype)}; integer weights would be truncated"))
        net = cls(dims, hidden_activation, output_activation, init="small", seed=0, activations=activations)
        for l, layer in enumerate(net.layers, start=1):
            for p in "Wb":
                value = np.array(parameters[lecture.key(p, l)], dtype=dtype)
                setattr(layer, p, Tensor(value, requires_grad=True, name=lecture.name(p, l)))
        return net

    def __repr__(self) -> str:
        return f"DeepNetwork(layer_dims={list(self.layer_dims)}, activations={list(self.activations)})"


# ----------------------------------------------------------------------------- the cost


def binary_cross_entropy(AL: Tensor, Y: Any) -> Tensor:
    """The lecture's cost J = -(1/m) Σ (Y log A[L] + (1 - Y) log(1 - A[L])), a 0-d Tensor.

    m is the number of columns (examples) of A[L], whatever n[L] is. When A[L] = sigmoid(Z[L])
    the gradient is the lecture's fused one, dZ[L] = (A[L] - Y)/m (the /m because J carries
    1/m), computed without ever dividing by A[L] or 1 - A[L], and the cost is computed from Z[L],
    so it stays finite where A[L] rounds to exactly 0 or 1.

    Raises ValueError (a ShapeError for shapes) when Y does not have A[L]'s shape (n[L], m), when Y
    has values outside [0, 1], or when an A[L] not produced by a sigmoid has values outside [0, 1].
    Nothing passed in is changed.
    """
    if not isinstance(AL, Tensor):
        AL = Tensor(AL, name="A[L]")
    y = Y.data if isinstance(Y, Tensor) else np.asarray(Y)
    name = AL.name or "A[L]"
    if y.shape != AL.shape:
        hint = None
        if y.shape == AL.shape[::-1]:
            hint = "Y looks transposed; labels go one per column, shape (n[L], m)"
        elif y.ndim == 1 and AL.ndim == 2 and y.shape[0] == AL.shape[1]:
            hint = f"Y is 1-D; make it a row, Y.reshape(1, {y.shape[0]})"
        raise ShapeError(message("binary_cross_entropy", f"Y has shape {y.shape} but {name} has shape {AL.shape}; "
                                 "Y must have A[L]'s shape (n[L], m), one label per output unit and example", hint))
    if AL.ndim and AL.shape[-1] == 0:
        raise ShapeError(message("binary_cross_entropy", f"{name} has no examples: shape {AL.shape}, m = 0 columns",
                                 "J = -(1/m) sum(...) needs at least one example"))
    lecture.check_labels(np.asarray(y), "binary_cross_entropy")  # plain values: under jit, checked when recording
    if AL.op != "sigmoid" and AL.size and not bool(np.all((np.asarray(AL.data) >= 0) & (np.asarray(AL.data) <= 1))):
        raise ValueError(message(
            "binary_cross_entropy",
            f"{name} must hold probabilities in [0, 1], but its values range from {np.nanmin(AL.data):.4g} to "
            f"{np.nanmax(AL.data):.4g}{' and include nan' if np.isnan(AL.data).any() else ''}",
            "the output layer of a binary classifier needs a sigmoid: A[L] = sigmoid(Z[L])"))
    return cross_entropy(AL, Y)


def softmax_cross_entropy(AL: Tensor, Y: Any) -> Tensor:
    """The categorical cross-entropy J = -(1/m) Σ Y log A[L] over the C = n[L] classes and the m
    examples, a 0-d Tensor. Y is one-hot (C, m), or integer class labels (1, m) in 0..C-1 (made
    one-hot). When A[L] = Z[L].softmax() (over axis 0) the gradient is the fused
    dZ[L] = (A[L] - Y)/m and the cost is computed from Z[L] (finite for any Z).

    Raises ValueError (a ShapeError for shapes) for labels that do not fit A[L] (n[L], m), for
    one-hot columns that do not sum to 1, or for an A[L] not produced by a softmax whose columns
    are not probabilities. Nothing passed in is changed.
    """
    where = "softmax_cross_entropy"
    if not isinstance(AL, Tensor):
        AL = Tensor(AL, name="A[L]")
    if AL.ndim != 2:
        raise ShapeError(message(where, f"A[L] must be (n[L], m) = (C, m), got shape {AL.shape}"))
    y = np.asarray(Y.data if isinstance(Y, Tensor) else Y)  # plain values: under jit, checked when recording
    out = OUTPUTS["softmax"]
    check_shape(y, AL.shape[0], AL.shape[1], out, where)
    if AL.shape[1] == 0:
        raise ShapeError(message(where, "A[L] has no examples (m = 0)", "J = -(1/m) sum(...) needs an example"))
    labels = out.labels(y, AL.shape[0], where)
    if AL.op != "softmax":
        a = np.asarray(AL.data)
        if not bool(np.all((a >= 0) & (a <= 1))) or not np.allclose(a.sum(axis=0), 1, atol=1e-6):
            raise ValueError(message(where, f"{AL.name or 'A[L]'}'s columns must be probabilities over the classes",
                                     "the output layer of a C-class classifier needs A[L] = softmax(Z[L], axis=0)"))
    return categorical_cross_entropy(AL, Y if labels.shape == y.shape else labels)  # one-hot as given, or made


#: the cost of each output activation
COSTS = {"sigmoid": binary_cross_entropy, "softmax": softmax_cross_entropy}
