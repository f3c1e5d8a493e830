"""A two-layer network written directly as tensor expressions, then the same with nn.DeepNetwork.

The course's planar "flower" (two classes of points in the plane that no straight line
separates), a hidden layer of n[1] = 4 tanh units and a sigmoid output unit, as in course 1,
week 3. layer_dims = [2, 4, 1]; one example per COLUMN: X = A[0] is (2, m), Y is (1, m).

    Z[1] = W[1] A[0] + b[1]      A[1] = tanh(Z[1])          (4, m)
    Z[2] = W[2] A[1] + b[2]      A[2] = sigmoid(Z[2]) = Ŷ    (1, m)
    J = -(1/m) Σ (Y log A[2] + (1 - Y) log(1 - A[2]))
    W[l] := W[l] - α dW[l],  b[l] := b[l] - α db[l]          (dW[l] = W[l].grad after J.backward())

Run:  python examples/two_layer.py [--iterations N] [--lr α] [--quick]
(``--quick`` or the environment variable TINYGRAD_EDU_QUICK=1: 500 iterations.)
Needs numpy only.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import numpy as np

from tinygrad_edu import Tensor, no_grad
from tinygrad_edu.data import load_dataset
from tinygrad_edu.nn import DeepNetwork
from tinygrad_edu.ops import cross_entropy
from tinygrad_edu.train import accuracy, train

N_H = 4  # n[1], the hidden units


def by_hand(X: np.ndarray, Y: np.ndarray, iterations: int, lr: float, seed: int = 2,
            record_every: int = 100) -> tuple[list[float], dict[str, Tensor]]:
    """Train the two-layer network written as Tensor expressions; returns the recorded costs
    (iterations 0, k, 2k, ..., before each update) and the parameters."""
    n0, n1, n2 = X.shape[0], N_H, 1
    rs = np.random.RandomState(seed)  # the course: W = randn(...) * 0.01, b = zeros
    W1 = Tensor(rs.randn(n1, n0) * 0.01, requires_grad=True, name="W[1]")  # (n[1], n[0])
    b1 = Tensor(np.zeros((n1, 1)), requires_grad=True, name="b[1]")  # (n[1], 1)
    W2 = Tensor(rs.randn(n2, n1) * 0.01, requires_grad=True, name="W[2]")  # (n[2], n[1])
    b2 = Tensor(np.zeros((n2, 1)), requires_grad=True, name="b[2]")  # (n[2], 1)
    params = [W1, b1, W2, b2]
    costs = []
    for i in range(iterations):
        Z1 = (W1 @ X + b1).named("Z[1]")  # Z[1] = W[1] A[0] + b[1]    (4, m)
        A1 = Z1.tanh().named("A[1]")  # A[1] = tanh(Z[1])
        Z2 = (W2 @ A1 + b2).named("Z[2]")  # Z[2] = W[2] A[1] + b[2]    (1, m)
        A2 = Z2.sigmoid().named("A[2]")  # A[2] = sigmoid(Z[2]) = Ŷ
        J = cross_entropy(A2, Y)  # J = -(1/m) Σ (Y log A[2] + (1-Y) log(1-A[2]))
        for p in params:
            p.zero_grad()
        J.backward()  # W1.grad = dW[1], b1.grad = db[1], ...
        if i % record_every == 0:
            costs.append(J.item())
        with no_grad():
            for p in params:
                p.data = p.data - lr * p.grad  # W[l] := W[l] - α dW[l]
    return costs, {"W[1]": W1, "b[1]": b1, "W[2]": W2, "b[2]": b2}


def predict_by_hand(params: dict[str, Tensor], X: np.ndarray) -> np.ndarray:
    """Ŷ > 0.5 with the hand-written forward pass."""
    with no_grad():
        A1 = (params["W[1]"] @ X + params["b[1]"]).tanh()
        A2 = (params["W[2]"] @ A1 + params["b[2]"]).sigmoid()
    return (A2.data > 0.5).astype(np.float64)


def with_nn(X: np.ndarray, Y: np.ndarray, iterations: int, lr: float, seed: int = 2,
            record_every: int = 100) -> tuple[list[float], DeepNetwork]:
    """The same network and training with nn.DeepNetwork and train.train. init="small" draws
    W[1] then W[2] from RandomState(seed) times 0.01, exactly as :func:`by_hand` does."""
    net = DeepNetwork([X.shape[0], N_H, 1], hidden_activation="tanh", init="small", seed=seed)
    history = train(net, X, Y, iterations, lr, record_every=record_every)
    return history.costs, net


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    quick = os.environ.get("TINYGRAD_EDU_QUICK") == "1"
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--iterations", type=int, default=None, help="default 10000 (500 with --quick)")
    p.add_argument("--lr", type=float, default=1.2, help="learning rate α (default 1.2, the course's)")
    p.add_argument("--quick", action="store_true", help="a reduced run, for the tests")
    args = p.parse_args(argv)
    iterations = args.iterations if args.iterations is not None else (500 if (args.quick or quick) else 10000)

    d = load_dataset("flower", seed=1)  # seed 1: the course's exact flower; 320 train / 80 test
    print(f"data: {d.description}")
    print(f"layer_dims = [2, {N_H}, 1], tanh hidden layer, sigmoid output; {iterations} iterations, α = {args.lr}\n")

    costs_hand, params = by_hand(d.X_train, d.Y_train, iterations, args.lr)
    acc_hand = float(np.mean(predict_by_hand(params, d.X_test) == d.Y_test))
    costs_nn, net = with_nn(d.X_train, d.Y_train, iterations, args.lr)
    acc_nn = accuracy(net, d.X_test, d.Y_test)

    print("iteration   J (tensor expressions)   J (nn.DeepNetwork)")
    step = max(1, len(costs_hand) // 10)
    for k in range(0, len(costs_hand), step):
        print(f"{k * 100:9d}   {costs_hand[k]:22.6f}   {costs_nn[k]:18.6f}")
    diff = float(np.max(np.abs(np.subtract(costs_hand, costs_nn))))
    print(f"\nlargest difference between the two cost histories: {diff:.3g}")
    print(f"test accuracy: tensor expressions {acc_hand:.4f}, nn.DeepNetwork {acc_nn:.4f}")
    return {"costs_hand": costs_hand, "costs_nn": costs_nn, "acc_hand": acc_hand, "acc_nn": acc_nn,
            "params": params, "net": net, "data": d, "iterations": iterations}


if __name__ == "__main__":
    main(sys.argv[1:])
