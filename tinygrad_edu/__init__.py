"""tinygrad_edu: a small, exact, fast autograd engine that teaches deep L-layer networks.

    >>> import numpy as np
    >>> from tinygrad_edu import Tensor
    >>> W = Tensor(np.ones((2, 3)), requires_grad=True, name="W[1]")
    >>> X = Tensor(np.ones((3, 4)))                 # one example per column
    >>> J = (W @ X).relu().sum()
    >>> J.backward()
    >>> W.grad
    array([[4., 4., 4.],
           [4., 4., 4.]])
"""

from . import operators, ops  # noqa: F401, I001  (first: Tensor's +, relu(), sum() ... come from the ops)
from . import functions  # noqa: F401, I001  (then numpy's names: where, concatenate, t[key], np.exp(t) ...)
from .functions import concatenate, log_softmax, logsumexp, maximum, minimum, softmax, split, stack, where
from . import check, manual, nn, optim, train
from .errors import AnomalyError, ShapeError
from .jit import jit
from .explain import explain  # the function (the package's modules stay importable: tinygrad_edu.explain.chain)
from .graph import topological_order
from .tensor import Tensor, detect_anomaly, enable_grad, is_grad_enabled, no_grad

__version__ = "0.1.0"

__all__ = [
    "Tensor",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "detect_anomaly",
    "ShapeError",
    "AnomalyError",
    "topological_order",
    "nn",
    "optim",
    "train",
    "manual",
    "check",
    "explain",
    "where",
    "concatenate",
    "stack",
    "split",
    "maximum",
    "minimum",
    "softmax",
    "log_softmax",
    "logsumexp",
    "jit",
    "ops",
    "__version__",
]
