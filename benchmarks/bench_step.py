"""Time one training step (forward, cost, backward, update) of an L-layer network written with
tinygrad_edu Tensor ops against the same step written tightly in plain numpy, in one process.

    python benchmarks/bench_step.py            # prints microseconds per step and the ratio

Both sides start from the same parameters and data. Timings are interleaved (a batch of
tinygrad_edu steps, then a batch of numpy steps, repeated) after a warm-up, and the medians are
compared, so that machine noise affects both sides alike.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from tinygrad_edu import Tensor, no_grad
from tinygrad_edu.tensor import cross_entropy

LR = 0.01


def make_problem(layer_dims, m, dtype, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(layer_dims[0], m).astype(dtype)
    Y = (rng.rand(1, m) > 0.5).astype(dtype) * np.ones((layer_dims[-1], 1), dtype)
    params = []
    for l in range(1, len(layer_dims)):
        W = (rng.randn(layer_dims[l], layer_dims[l - 1]) * np.sqrt(2 / layer_dims[l - 1])).astype(dtype)
        params += [W, np.zeros((layer_dims[l], 1), dtype)]
    return X, Y, params


def numpy_step(X, Y, params):
    """The lecture's step by hand: relu hidden layers, sigmoid output, fused dZ[L] = A[L] - Y,
    no dA[0]. Updates ``params`` (a list [W1, b1, ...]) by rebinding, as a learner would."""
    L = len(params) // 2
    m = X.shape[1]
    A = X
    caches = []
    for l in range(L):
        W, b = params[2 * l], params[2 * l + 1]
        Z = W @ A + b
        caches.append((A, Z))
        A = np.maximum(Z, 0) if l < L - 1 else 1 / (1 + np.exp(-Z))
    cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m
    dZ = A - Y
    for l in reversed(range(L)):
        A_prev, Z = caches[l]
        W = params[2 * l]
        dW = dZ @ A_prev.T / m
        db = np.sum(dZ, axis=1, keepdims=True) / m
        if l > 0:
            dZ = (W.T @ dZ) * (caches[l - 1][1] > 0)
        params[2 * l] = W - LR * dW
        params[2 * l + 1] = params[2 * l + 1] - LR * db
    return cost


def tensor_step(X, Y, params):
    """The same step with Tensor ops and backward()."""
    L = len(params) // 2
    A = X
    for l in range(L):
        Z = params[2 * l] @ A + params[2 * l + 1]
        A = Z.relu() if l < L - 1 else Z.sigmoid()
    J = cross_entropy(A, Y)
    for p in params:
        p.grad = None
    J.backward()
    with no_grad():
        for p in params:
            p.data = p.data - LR * p.grad
    return J


def measure(layer_dims, m, dtype, rounds=15, budget=0.05):
    X, Y, base = make_problem(layer_dims, m, dtype)
    np_params = [p.copy() for p in base]
    t_params = [Tensor(p.copy(), requires_grad=True) for p in base]
    Xt = Tensor(X)
    # warm-up, and a sanity check that both sides compute the same cost
    c_np = numpy_step(X, Y, np_params)
    c_t = tensor_step(Xt, Y, t_params).item()
    assert abs(c_np - c_t) <= 1e-4 * max(1.0, abs(c_np)), (c_np, c_t)
    t0 = time.perf_counter()
    numpy_step(X, Y, np_params)
    per = max(time.perf_counter() - t0, 1e-6)
    k = max(1, int(budget / per))
    a_times, b_times = [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(k):
            tensor_step(Xt, Y, t_params)
        a_times.append((time.perf_counter() - t0) / k)
        t0 = time.perf_counter()
        for _ in range(k):
            numpy_step(X, Y, np_params)
        b_times.append((time.perf_counter() - t0) / k)
    ta, tb = statistics.median(a_times), statistics.median(b_times)
    return ta, tb


CONFIGS = {
    "tiny": ([2, 4, 4, 1], 4),
    "course": ([12288, 20, 7, 5, 1], 209),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args(argv)
    print(f"{'config':8} {'layer_dims':22} {'m':>4} {'dtype':8} {'tinygrad_edu us':>16} {'numpy us':>10} {'ratio':>6}")
    for name, (dims, m) in CONFIGS.items():
        for dtype in (np.float64, np.float32):
            ta, tb = measure(dims, m, dtype, rounds=args.rounds)
            print(f"{name:8} {str(dims):22} {m:4d} {np.dtype(dtype).name:8} {ta * 1e6:16.1f} {tb * 1e6:10.1f} {ta / tb:6.2f}")


if __name__ == "__main__":
    main()
