"""An L-layer network written directly as tensor expressions, then the same with nn.DeepNetwork.

Real data: the Wisconsin breast-cancer set bundled with scikit-learn (569 examples, n[0] = 30
features, standardised with the training set's mean and standard deviation; 456 train / 113 test).
The network is the course's L-layer model, layer_dims = [30, 20, 7, 5, 1] (L = 4): relu hidden
layers, a sigmoid output, W[l] = randn(n[l], n[l-1]) / sqrt(n[l-1]), b[l] = 0, learning rate 0.0075.

    for l = 1..L:   Z[l] = W[l] A[l-1] + b[l]      A[l] = g[l](Z[l])      (n[l], m)
    J = -(1/m) Σ (Y log A[L] + (1 - Y) log(1 - A[L]))
    W[l] := W[l] - α dW[l],  b[l] := b[l] - α db[l]

Run:  python examples/l_layer.py [--iterations N] [--lr α] [--seed S] [--quick]
(``--quick`` or TINYGRAD_EDU_QUICK=1: 300 iterations.) Needs scikit-learn (the ``data`` extra).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import numpy as np

from tinygrad_edu import Tensor, no_grad
from tinygrad_edu.data import load_breast_cancer
from tinygrad_edu.nn import DeepNetwork
from tinygrad_edu.ops import cross_entropy
from tinygrad_edu.train import accuracy, train

HIDDEN = [20, 7, 5]


def init_parameters(layer_dims: Sequence[int], seed: int) -> list[tuple[Tensor, Tensor]]:
    """[(W[1], b[1]), ..., (W[L], b[L])]: W[l] = randn(n[l], n[l-1]) / sqrt(n[l-1]) drawn from one
    RandomState(seed), W[1] first; b[l] = zeros((n[l], 1))."""
    rs = np.random.RandomState(seed)
    params = []
    for l in range(1, len(layer_dims)):
        W = Tensor(rs.randn(layer_dims[l], layer_dims[l - 1]) / np.sqrt(layer_dims[l - 1]),
                   requires_grad=True, name=f"W[{l}]")  # (n[l], n[l-1])
        b = Tensor(np.zeros((layer_dims[l], 1)), requires_grad=True, name=f"b[{l}]")  # (n[l], 1)
        params.append((W, b))
    return params


def forward(params: list[tuple[Tensor, Tensor]], X: np.ndarray | Tensor) -> Tensor:
    """A[L] for X = A[0] (n[0], m): relu for layers 1..L-1, sigmoid for layer L."""
    A = X if isinstance(X, Tensor) else Tensor(X, name="A[0]")
    L = len(params)
    for l, (W, b) in enumerate(params, start=1):
        Z = (W @ A + b).named(f"Z[{l}]")  # Z[l] = W[l] A[l-1] + b[l]
        A = (Z.relu() if l < L else Z.sigmoid()).named(f"A[{l}]")  # A[l] = g[l](Z[l])
    return A


def by_hand(X: np.ndarray, Y: np.ndarray, layer_dims: Sequence[int], iterations: int, lr: float, seed: int,
            record_every: int = 100) -> tuple[list[float], list[tuple[Tensor, Tensor]]]:
    """The lecture's loop with tensor expressions: forward, cost, backward, update."""
    params = init_parameters(layer_dims, seed)
    flat = [t for pair in params for t in pair]
    costs = []
    for i in range(iterations):
        AL = forward(params, X)
        J = cross_entropy(AL, Y)  # the cost J
        for t in flat:
            t.zero_grad()
        J.backward()  # dW[l] = W[l].grad, db[l] = b[l].grad for every l
        if i % record_every == 0:
            costs.append(J.item())
        with no_grad():
            for t in flat:
                t.data = t.data - lr * t.grad  # W[l] := W[l] - α dW[l]
    return costs, params


def accuracy_by_hand(params: list[tuple[Tensor, Tensor]], X: np.ndarray, Y: np.ndarray) -> float:
    with no_grad():
        AL = forward(params, X)
    return float(np.mean((AL.data > 0.5) == Y))


def with_nn(X: np.ndarray, Y: np.ndarray, layer_dims: Sequence[int], iterations: int, lr: float, seed: int,
            record_every: int = 100) -> tuple[list[float], DeepNetwork]:
    """The same with nn.DeepNetwork (init "xavier" = randn / sqrt(n[l-1])) and train.train."""
    net = DeepNetwork(layer_dims, init="xavier", seed=seed)
    history = train(net, X, Y, iterations, lr, record_every=record_every)
    return history.costs, net


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    quick = os.environ.get("TINYGRAD_EDU_QUICK") == "1"
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--iterations", type=int, default=None, help="default 2500 (300 with --quick)")
    p.add_argument("--lr", type=float, default=0.0075, help="learning rate α (default 0.0075, the course's)")
    p.add_argument("--seed", type=int, default=1, help="seed of the weights (default 1)")
    p.add_argument("--quick", action="store_true", help="a reduced run, for the tests")
    args = p.parse_args(argv)
    iterations = args.iterations if args.iterations is not None else (300 if (args.quick or quick) else 2500)

    d = load_breast_cancer()
    dims = [d.n_x, *HIDDEN, 1]
    print(f"data: {d.description}")
    print(f"layer_dims = {dims}, relu hidden layers, sigmoid output; {iterations} iterations, α = {args.lr}\n")
    costs_hand, params = by_hand(d.X_train, d.Y_train, dims, iterations, args.lr, args.seed)
    costs_nn, net = with_nn(d.X_train, d.Y_train, dims, iterations, args.lr, args.seed)
    print("iteration   J (tensor expressions)   J (nn.DeepNetwork)")
    step = max(1, len(costs_hand) // 10)
    for k in range(0, len(costs_hand), step):
        print(f"{k * 100:9d}   {costs_hand[k]:22.6f}   {costs_nn[k]:18.6f}")
    diff = float(np.max(np.abs(np.subtract(costs_hand, costs_nn))))
    result = {
        "costs_hand": costs_hand, "costs_nn": costs_nn, "params": params, "net": net, "data": d,
        "train_acc_hand": accuracy_by_hand(params, d.X_train, d.Y_train),
        "test_acc_hand": accuracy_by_hand(params, d.X_test, d.Y_test),
        "train_acc_nn": accuracy(net, d.X_train, d.Y_train), "test_acc_nn": accuracy(net, d.X_test, d.Y_test),
        "iterations": iterations,
    }
    print(f"\nlargest difference between the two cost histories: {diff:.3g}")
    for part in ("train", "test"):
        print(f"{part} accuracy: tensor expressions {result[f'{part}_acc_hand']:.4f}, "
              f"nn.DeepNetwork {result[f'{part}_acc_nn']:.4f}")
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
