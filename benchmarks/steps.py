"""One training step of the lecture's L-layer network (relu hidden layers, sigmoid output,
cross-entropy cost, gradient descent), written four ways over the same data and parameters:

* ``numpy_step``: the baseline, the lecture's equations written tightly by hand (fused
  dZ[L] = A[L] - Y, no dA[0]);
* ``tensor_step``: tinygrad_edu, the network written as Tensor expressions, ``J.backward()``;
* ``nn_step``: tinygrad_edu as the lecture toolkit is used: ``nn.DeepNetwork`` (which names every
  Z[l] and A[l]), the checked ``nn.binary_cross_entropy`` and ``optim.GradientDescent``;
* ``torch_step``: PyTorch eager, the same expressions (reference row, when torch is installed);
* ``micrograd_step``: micrograd's scalar ``Value`` graph (reference row, tiny networks only);
* ``StrictNumpyStep``: the stricter baseline of the jit's table: the same step in plain numpy into
  buffers allocated once (``out=`` everywhere, activations in place);
* ``jit_step``: ``tensor_step`` under ``@tinygrad_edu.jit``; ``jax_step``: the same step under
  ``jax.jit`` (reference column, when jax is installed).
"""

from __future__ import annotations

import math

import numpy as np

from tinygrad_edu import Tensor
from tinygrad_edu.ops import cross_entropy

LR = 0.001  # small enough that no configuration saturates its sigmoid during a benchmark run


def make_problem(layer_dims: list[int], m: int, dtype, seed: int = 0):
    """Data X (n[0], m), labels Y (n[L], m) in {0, 1}, and He-initialised parameters [W1, b1, ...]."""
    rng = np.random.RandomState(seed)
    X = rng.randn(layer_dims[0], m).astype(dtype)
    Y = (rng.rand(layer_dims[-1], m) > 0.5).astype(dtype)
    params = []
    for l in range(1, len(layer_dims)):
        W = (rng.randn(layer_dims[l], layer_dims[l - 1]) * np.sqrt(2 / layer_dims[l - 1])).astype(dtype)
        params += [W, np.zeros((layer_dims[l], 1), dtype)]
    return X, Y, params


# ----------------------------------------------------------------------------- plain numpy (baseline)


def numpy_step(X, Y, params: list[np.ndarray]) -> float:
    """The lecture's step by hand; updates ``params`` by rebinding its entries."""
    L = len(params) // 2
    m = X.shape[1]
    lr_m = X.dtype.type(LR / m)  # keep float32 float32
    A = X
    cache = []
    for l in range(L):
        Z = params[2 * l] @ A + params[2 * l + 1]
        cache.append((A, Z))
        A = np.maximum(Z, 0) if l < L - 1 else 1 / (1 + np.exp(-Z))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dZ = A - Y  # dZ[L] = A[L] - Y
    for l in reversed(range(L)):
        A_prev, _ = cache[l]
        W = params[2 * l]
        if l > 0:
            dA_prev = W.T @ dZ  # dA[l-1] = W[l]^T dZ[l]
        params[2 * l] = W - lr_m * (dZ @ A_prev.T)  # W[l] -= alpha (1/m) dZ[l] A[l-1]^T
        params[2 * l + 1] = params[2 * l + 1] - lr_m * np.sum(dZ, axis=1, keepdims=True)
        if l > 0:
            dZ = dA_prev * (cache[l - 1][1] > 0)  # dZ[l-1] = dA[l-1] * relu'(Z[l-1])
    return float(cost)


# ----------------------------------------------------------------------------- tinygrad_edu


def tensor_update(X: Tensor, Y, params: list[Tensor], opt) -> Tensor:
    """The network as Tensor expressions, its cost J, backward and ``opt``'s update; returns J."""
    L = len(params) // 2
    A = X
    for l in range(L):
        Z = params[2 * l] @ A + params[2 * l + 1]
        A = Z.relu() if l < L - 1 else Z.sigmoid()
    J = cross_entropy(A, Y)
    opt.zero_grad()
    J.backward()
    opt.step()  # W[l] := W[l] - alpha dW[l], into a new array
    return J


def tensor_step(X: Tensor, Y: np.ndarray, params: list[Tensor], opt=None) -> float:
    """The network as Tensor expressions; ``opt`` is an ``optim.GradientDescent`` over ``params``."""
    return tensor_update(X, Y, params, opt).item()


def make_network(params: list[np.ndarray]):
    """A DeepNetwork holding copies of ``params`` and a GradientDescent optimizer for it."""
    from tinygrad_edu import nn, optim

    course = {f"{k}{l // 2 + 1}": p for l, p in enumerate(params) for k in ("Wb"[l % 2],)}
    net = nn.DeepNetwork.from_parameters(course)
    return net, optim.GradientDescent(net.parameters(), LR)


def nn_step(X: Tensor, Y: np.ndarray, net, opt) -> float:
    from tinygrad_edu import nn

    J = nn.binary_cross_entropy(net(X), Y)
    opt.zero_grad()
    J.backward()
    opt.step()
    return J.item()


# ----------------------------------------------------------------------------- PyTorch eager (reference)


def torch_step(X, Y, params) -> float:
    import torch
    import torch.nn.functional as F

    L = len(params) // 2
    A = X
    for l in range(L):
        Z = params[2 * l] @ A + params[2 * l + 1]
        A = torch.relu(Z) if l < L - 1 else torch.sigmoid(Z)
    J = F.binary_cross_entropy(A, Y)  # mean over all entries = (1/m) sum for n[L] = 1
    for p in params:
        p.grad = None
    J.backward()
    with torch.no_grad():
        for p in params:
            p -= LR * p.grad
    return J.item()


# ----------------------------------------------------------------------------- micrograd (reference)


def _mg_exp(v):
    from micrograd.engine import Value

    out = Value(math.exp(v.data), (v,), "exp")

    def _backward():
        v.grad += out.data * out.grad

    out._backward = _backward
    return out


def _mg_log(v):
    from micrograd.engine import Value

    out = Value(math.log(v.data), (v,), "log")

    def _backward():
        v.grad += out.grad / v.data

    out._backward = _backward
    return out


def micrograd_params(params: list[np.ndarray]):
    from micrograd.engine import Value

    return [[[Value(float(x)) for x in row] for row in p] for p in params]


def micrograd_step(X: np.ndarray, Y: np.ndarray, params) -> float:
    """The same step on micrograd's scalar Values (exp and log added the way micrograd adds ops)."""
    L = len(params) // 2
    m = X.shape[1]
    A = [[float(x) for x in row] for row in X]
    for l in range(L):
        W, b = params[2 * l], params[2 * l + 1]
        Z = [[sum((W[i][k] * A[k][j] for k in range(len(A))), b[i][0]) for j in range(m)] for i in range(len(W))]
        if l < L - 1:
            A = [[z.relu() for z in row] for row in Z]
        else:
            A = [[(1 + _mg_exp(-z)) ** -1 for z in row] for row in Z]
    terms = [Y[i][j] * _mg_log(a) + (1 - Y[i][j]) * _mg_log(1 - a)
             for i, row in enumerate(A) for j, a in enumerate(row)]
    J = sum(terms) * (-1.0 / m)
    for p in params:
        for row in p:
            for v in row:
                v.grad = 0.0
    J.backward()
    for p in params:
        for row in p:
            for v in row:
                v.data -= LR * v.grad
    return J.data


# ----------------------------------------------------------------------------- the jit's table


class StrictNumpyStep:
    """The lecture's step in plain numpy with every array allocated once: ``np.matmul(..., out=)``,
    activations and updates in place. Call it for one step; it returns the cost."""

    def __init__(self, X, Y, params: list[np.ndarray]) -> None:
        self.X, self.Y = X, Y
        self.P = [p.copy() for p in params]
        L, m, dt = len(params) // 2, X.shape[1], X.dtype
        self.L, self.m, self.lr_m = L, m, dt.type(LR / m)
        n = [X.shape[0]] + [params[2 * l].shape[0] for l in range(L)]
        self.Z = [np.empty((n[l + 1], m), dt) for l in range(L)]
        self.A = [X] + [np.empty((n[l + 1], m), dt) for l in range(L)]
        self.dZ = [np.empty((n[l + 1], m), dt) for l in range(L)]
        self.dA = [np.empty((n[l], m), dt) for l in range(L)]
        self.dW = [np.empty_like(params[2 * l]) for l in range(L)]
        self.db = [np.empty_like(params[2 * l + 1]) for l in range(L)]
        self.mask = [np.empty((n[l + 1], m), bool) for l in range(L)]
        self.t1, self.t2 = np.empty((n[-1], m), dt), np.empty((n[-1], m), dt)
        self.one_minus_Y = 1 - Y

    def __call__(self) -> float:
        P, Z, A, L = self.P, self.Z, self.A, self.L
        for l in range(L):  # Z[l] = W[l] A[l-1] + b[l], A[l] = g(Z[l])
            np.matmul(P[2 * l], A[l], out=Z[l])
            np.add(Z[l], P[2 * l + 1], out=Z[l])
            if l < L - 1:
                np.maximum(Z[l], 0, out=A[l + 1])
            else:  # 1 / (1 + e^-Z)
                np.negative(Z[l], out=A[l + 1])
                np.exp(A[l + 1], out=A[l + 1])
                np.add(A[l + 1], 1, out=A[l + 1])
                np.reciprocal(A[l + 1], out=A[l + 1])
        AL, t1, t2 = A[L], self.t1, self.t2
        np.log(AL, out=t1)
        np.multiply(self.Y, t1, out=t1)
        np.subtract(1, AL, out=t2)
        np.log(t2, out=t2)
        np.multiply(self.one_minus_Y, t2, out=t2)
        np.add(t1, t2, out=t1)
        cost = -t1.sum() / self.m
        np.subtract(AL, self.Y, out=self.dZ[L - 1])  # dZ[L] = A[L] - Y
        for l in reversed(range(L)):
            W, dZ = P[2 * l], self.dZ[l]
            if l > 0:
                np.matmul(W.T, dZ, out=self.dA[l])  # dA[l-1] = W[l]^T dZ[l]
            np.matmul(dZ, A[l].T, out=self.dW[l])
            np.multiply(self.dW[l], self.lr_m, out=self.dW[l])
            np.subtract(W, self.dW[l], out=W)  # W[l] -= alpha (1/m) dZ[l] A[l-1]^T
            np.sum(dZ, axis=1, keepdims=True, out=self.db[l])
            np.multiply(self.db[l], self.lr_m, out=self.db[l])
            np.subtract(P[2 * l + 1], self.db[l], out=P[2 * l + 1])
            if l > 0:  # dZ[l-1] = dA[l-1] * relu'(Z[l-1])
                np.greater(Z[l - 1], 0, out=self.mask[l - 1])
                np.multiply(self.dA[l], self.mask[l - 1], out=self.dZ[l - 1])
        return float(cost)


def jit_step(params: list[Tensor], opt):
    """``tensor_update`` under ``@tinygrad_edu.jit``, called with ``(X, Y)``, returning J."""
    from tinygrad_edu import jit

    return jit(lambda X, Y: tensor_update(X, Y, params, opt))


def jax_step(X, Y, params: list[np.ndarray]):
    """The same step under ``jax.jit`` (float64 when the data is: jax's x64 mode); a function of no
    arguments that runs one step and waits for it."""
    import jax
    import jax.numpy as jnp

    if X.dtype == np.float64:
        jax.config.update("jax_enable_x64", True)
    m = X.shape[1]

    def cost(ps, X, Y):
        A = X
        L = len(ps) // 2
        for l in range(L):
            Z = ps[2 * l] @ A + ps[2 * l + 1]
            A = jnp.maximum(Z, 0) if l < L - 1 else Z
        # the fused cross-entropy of the sigmoid output, as the engine computes it
        return jnp.sum(jnp.maximum(A, 0) - A * Y + jnp.log1p(jnp.exp(-jnp.abs(A)))) / m

    @jax.jit
    def step(ps, X, Y):
        J, grads = jax.value_and_grad(cost)(ps, X, Y)
        return J, [p - LR * g for p, g in zip(ps, grads)]

    state = {"ps": [jnp.asarray(p) for p in params]}
    Xj, Yj = jnp.asarray(X), jnp.asarray(Y)

    def run() -> float:
        J, state["ps"] = step(state["ps"], Xj, Yj)
        J.block_until_ready()
        return J

    return run
