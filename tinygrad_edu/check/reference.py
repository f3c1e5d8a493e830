"""The two computations a comparison holds against each other, on the same parameters and data:
autograd's gradients (converted to the lecture's convention) and the lecture's hand-derived
equations, computed by calling :mod:`tinygrad_edu.manual` (there is no second copy of them here)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import manual
from ..lecture import key, name
from ..nn import COSTS, DeepNetwork
from ..tensor import Tensor

Array = np.ndarray


@dataclass(frozen=True)
class Reference:
    """The lecture's forward and backward pass for one network and data set (float64).

    ``caches[l-1]`` is layer l's cache ((A[l-1], W[l], b[l]), Z[l]); ``grads`` holds dZ{l}, dA{l},
    dW{l}, db{l} for every layer, and dA{L}, the start of the chain, in the lecture's convention."""

    acts: list[str]
    Y: Array
    AL: Array
    caches: list[manual.Cache]
    grads: dict[str, Array]

    @property
    def L(self) -> int:
        return len(self.acts)

    @property
    def m(self) -> int:
        return int(self.Y.shape[1])

    @property
    def dAL(self) -> Array:
        return self.grads[key("dA", self.L)]


def reference(params: dict[str, Array], acts: list[str], X: Array, Y: Array) -> Reference:
    """manual.model_forward and manual.model_backward with the network's own activations. Where A[L]
    rounds to exactly 0 or 1 the lecture's dA[L] divides by zero; that gives inf/nan quietly here
    (the report explains it in a note)."""
    AL, caches = manual.model_forward(X, params, activations=acts)
    with np.errstate(divide="ignore", invalid="ignore"):
        grads = manual.model_backward(AL, Y, caches, activations=acts, keep_dZ=True)
    return Reference(list(acts), Y, AL, caches, grads)


def step(dA: Array, cache: manual.Cache, act: str) -> dict[str, Array]:
    """One backward box (4.2): dZ, dW, db and dA (for dA[l-1]) from dA[l] and layer l's cache."""
    linear_cache, Z = cache
    with np.errstate(all="ignore"):
        dZ = manual.activation_backward(dA, Z, act)
        dA_prev, dW, db = manual.linear_backward(dZ, linear_cache)
    return {"dZ": dZ, "dW": dW, "db": db, "dA": dA_prev}


def autograd(params: dict[str, Array], acts: list[str], X: Array, Y: Array) -> dict[str, Array]:
    """Autograd's gradients in the lecture's convention: dJ/dZ[l] and dJ/dA[l-1] multiplied by m
    (J carries the 1/m), dJ/dW[l] and dJ/db[l] as they are."""
    net = DeepNetwork.from_parameters(params, activations=acts)
    m = X.shape[1]
    AL, cache = net.forward_cache(Tensor(X, requires_grad=True, name=name("A", 0)))
    COSTS[acts[-1]](AL, Y).backward()  # the output's cost: binary, or categorical for a softmax
    out: dict[str, Array] = {}
    for l, layer in enumerate(net.layers, start=1):
        out[key("dZ", l)] = m * cache[name("Z", l)].grad  # autograd's dJ/dZ[l] = dZ[l] / m
        out[key("dA", l - 1)] = m * cache[name("A", l - 1)].grad  # autograd's dJ/dA[l-1] = dA[l-1] / m
        out[key("dW", l)] = layer.W.grad
        out[key("db", l)] = layer.b.grad
    return out
