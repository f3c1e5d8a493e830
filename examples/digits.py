"""Ten classes: the handwritten digits 0..9 with a softmax output layer, as tensor expressions and
then with nn.DeepNetwork.

Data: scikit-learn's bundled digits (1797 images of 8x8 grey pixels, n[0] = 64 features,
standardised with the training set's mean and standard deviation; 1438 train / 359 test, split
stratified by class). Y is one-hot, (C, m) with C = 10: column i has a 1 in row k when example i
is the digit k. The network is layer_dims = [64, 32, 10]: a relu hidden layer, then a softmax
layer with n[L] = C = 10 units whose column of A[L] is the ten classes' probabilities.

    Z[1] = W[1] X + b[1]         A[1] = relu(Z[1])                       (32, m)
    Z[2] = W[2] A[1] + b[2]      A[2] = softmax(Z[2]) = exp(Z[2]) / Σ_k exp(Z[2])_k   (C, m)
    J = -(1/m) Σ_i Σ_k Y[k, i] log A[2][k, i]          the categorical cross-entropy
    dZ[2] = A[2] - Y             the same simple form as the sigmoid's (lecture 4.2)
    prediction: the row of the largest A[2] in each column (argmax over axis 0)

Run:  python examples/digits.py [--iterations N] [--lr α] [--hidden n] [--seed S] [--quick]
(``--quick`` or TINYGRAD_EDU_QUICK=1: 200 iterations.) Needs scikit-learn (the ``data`` extra).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

import numpy as np

from tinygrad_edu import Tensor, no_grad
from tinygrad_edu.data import load_digits
from tinygrad_edu.nn import DeepNetwork
from tinygrad_edu.train import accuracy, train


def init_parameters(layer_dims: Sequence[int], seed: int) -> list[tuple[Tensor, Tensor]]:
    """[(W[1], b[1]), ..., (W[L], b[L])]: W[l] = randn(n[l], n[l-1]) * sqrt(2 / n[l-1]) (He) drawn
    from one RandomState(seed), W[1] first; b[l] = zeros((n[l], 1))."""
    rs = np.random.RandomState(seed)
    params = []
    for l in range(1, len(layer_dims)):
        W = Tensor(rs.randn(layer_dims[l], layer_dims[l - 1]) * np.sqrt(2.0 / layer_dims[l - 1]),
                   requires_grad=True, name=f"W[{l}]")  # (n[l], n[l-1])
        b = Tensor(np.zeros((layer_dims[l], 1)), requires_grad=True, name=f"b[{l}]")  # (n[l], 1)
        params.append((W, b))
    return params


def forward(params: list[tuple[Tensor, Tensor]], X: np.ndarray | Tensor) -> Tensor:
    """A[L] (C, m) for X = A[0] (n[0], m): relu for layers 1..L-1, softmax over the classes (axis 0)
    for layer L, so that each column of A[L] sums to 1."""
    A = X if isinstance(X, Tensor) else Tensor(X, name="A[0]")
    L = len(params)
    for l, (W, b) in enumerate(params, start=1):
        Z = (W @ A + b).named(f"Z[{l}]")  # Z[l] = W[l] A[l-1] + b[l]
        A = (Z.relu() if l < L else Z.softmax(axis=0)).named(f"A[{l}]")  # A[l] = g[l](Z[l])
    return A


def cost(AL: Tensor, Y: np.ndarray) -> Tensor:
    """J = -(1/m) Σ Y log A[L], written out; autograd takes it through log and softmax."""
    m = Y.shape[1]
    return (-(Tensor(Y, name="Y") * AL.log()).sum() / m).named("J")


def by_hand(X: np.ndarray, Y: np.ndarray, layer_dims: Sequence[int], iterations: int, lr: float, seed: int,
            record_every: int = 100) -> tuple[list[float], list[tuple[Tensor, Tensor]]]:
    """The lecture's loop with tensor expressions: forward, cost, backward, update."""
    params = init_parameters(layer_dims, seed)
    flat = [t for pair in params for t in pair]
    costs = []
    for i in range(iterations):
        J = cost(forward(params, X), Y)
        for t in flat:
            t.zero_grad()
        J.backward()  # dW[l] = W[l].grad, db[l] = b[l].grad for every l
        if i % record_every == 0:
            costs.append(J.item())
        with no_grad():
            for t in flat:
                t.data = t.data - lr * t.grad  # W[l] := W[l] - α dW[l]
    return costs, params


def predict_by_hand(params: list[tuple[Tensor, Tensor]], X: np.ndarray) -> np.ndarray:
    """The predicted digit of each column: the row of its largest probability, shape (m,)."""
    with no_grad():
        return np.argmax(forward(params, X).data, axis=0)


def with_nn(X: np.ndarray, Y: np.ndarray, layer_dims: Sequence[int], iterations: int, lr: float, seed: int,
            record_every: int = 100) -> tuple[list[float], DeepNetwork]:
    """The same with nn.DeepNetwork(output_activation="softmax") and train.train, whose cost is
    the fused softmax cross-entropy (its backward gives dZ[L] = (A[L] - Y)/m in one step)."""
    net = DeepNetwork(layer_dims, output_activation="softmax", init="he", seed=seed)
    history = train(net, X, Y, iterations, lr, record_every=record_every)
    return history.costs, net


def confusion(true: np.ndarray, pred: np.ndarray, C: int) -> np.ndarray:
    """counts[k, j]: examples of the digit k predicted as j (C, C)."""
    counts = np.zeros((C, C), dtype=np.int64)
    np.add.at(counts, (true, pred), 1)
    return counts


def print_confusion(counts: np.ndarray) -> None:
    C = counts.shape[0]
    print("confusion on the test set (row: the digit, column: the prediction)")
    print("      " + "".join(f"{j:4d}" for j in range(C)) + "  correct")
    for k in range(C):
        row = "".join(f"{v:4d}" if v else "   ." for v in counts[k])
        print(f"  {k:2d}  {row}   {counts[k, k]:3d}/{counts[k].sum()}")


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    quick = os.environ.get("TINYGRAD_EDU_QUICK") == "1"
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--iterations", type=int, default=None, help="default 1000 (200 with --quick)")
    p.add_argument("--lr", type=float, default=0.5, help="learning rate α (default 0.5)")
    p.add_argument("--hidden", type=int, default=32, help="units of the hidden layer, n[1] (default 32)")
    p.add_argument("--seed", type=int, default=1, help="seed of the weights (default 1)")
    p.add_argument("--quick", action="store_true", help="a reduced run, for the tests")
    args = p.parse_args(argv)
    iterations = args.iterations if args.iterations is not None else (200 if (args.quick or quick) else 1000)

    d = load_digits()
    dims = [d.n_x, args.hidden, d.n_y]
    print(f"data: {d.description}")
    print(f"X {d.X_train.shape} = (n[0], m), Y {d.Y_train.shape} = (C, m); test set m = {d.X_test.shape[1]}")
    print(f"layer_dims = {dims}, relu hidden layer, softmax output (C = {d.n_y}); {iterations} iterations, "
          f"α = {args.lr}\n")
    costs_hand, params = by_hand(d.X_train, d.Y_train, dims, iterations, args.lr, args.seed)
    costs_nn, net = with_nn(d.X_train, d.Y_train, dims, iterations, args.lr, args.seed)
    print("iteration   J (tensor expressions)   J (nn.DeepNetwork, fused)")
    step = max(1, len(costs_hand) // 10)
    for k in range(0, len(costs_hand), step):
        print(f"{k * 100:9d}   {costs_hand[k]:22.6f}   {costs_nn[k]:25.6f}")
    diff = float(np.max(np.abs(np.subtract(costs_hand, costs_nn))))
    true = np.argmax(d.Y_test, axis=0)
    pred = predict_by_hand(params, d.X_test)
    result = {
        "costs_hand": costs_hand, "costs_nn": costs_nn, "params": params, "net": net, "data": d,
        "largest_cost_difference": diff, "iterations": iterations,
        "test_acc_hand": float(np.mean(pred == true)),
        "train_acc_nn": accuracy(net, d.X_train, d.Y_train), "test_acc_nn": accuracy(net, d.X_test, d.Y_test),
        "confusion": confusion(true, pred, d.n_y),
    }
    print(f"\nlargest difference between the two cost histories: {diff:.3g} (rounding: the written-out "
          f"cost and the fused one are the same function)")
    print(f"accuracy: train {result['train_acc_nn']:.4f}, test {result['test_acc_nn']:.4f} (nn.DeepNetwork); "
          f"test {result['test_acc_hand']:.4f} (tensor expressions)\n")
    print_confusion(result["confusion"])
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
