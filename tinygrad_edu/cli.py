"""The command line: ``tinygrad-edu COMMAND`` (also ``python -m tinygrad_edu COMMAND``)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import numpy as np


def _demo(args: argparse.Namespace) -> int:
    """Train a two-layer network written as Tensor expressions, and check its gradients against
    the lecture's hand-derived equations."""
    from . import Tensor, no_grad
    from .tensor import cross_entropy

    rng = np.random.RandomState(args.seed)
    m = 200
    X = rng.randn(2, m)  # one example per column: (n[0], m)
    Y = (X[0:1] * X[1:2] > 0).astype(float)  # XOR of the signs: needs a hidden layer
    n = [2, 8, 1]
    W1 = Tensor(rng.randn(n[1], n[0]) * np.sqrt(2 / n[0]), requires_grad=True, name="W[1]")
    b1 = Tensor(np.zeros((n[1], 1)), requires_grad=True, name="b[1]")
    W2 = Tensor(rng.randn(n[2], n[1]) * np.sqrt(2 / n[1]), requires_grad=True, name="W[2]")
    b2 = Tensor(np.zeros((n[2], 1)), requires_grad=True, name="b[2]")
    params = [W1, b1, W2, b2]
    print(f"two-layer network, layer_dims = {n}, m = {m} examples of XOR of two signs")
    for i in range(args.iterations + 1):
        Z1 = W1 @ X + b1
        A1 = Z1.relu()
        Z2 = W2 @ A1 + b2
        A2 = Z2.sigmoid()
        J = cross_entropy(A2, Y)
        for p in params:
            p.zero_grad()
        J.backward()
        if i % max(1, args.iterations // 10) == 0:
            acc = float(np.mean((A2.data > 0.5) == Y))
            print(f"  iteration {i:5d}   cost J = {J.item():.6f}   train accuracy = {acc:.3f}")
        if i < args.iterations:
            with no_grad():
                for p in params:
                    p.data = p.data - args.lr * p.grad  # W[l] := W[l] - alpha dW[l]

    # the same gradients from the lecture's equations (NOTES.md, 4.2), for the last forward pass
    dZ2 = A2.data - Y
    dW2 = dZ2 @ A1.data.T / m
    db2 = dZ2.sum(axis=1, keepdims=True) / m
    dZ1 = (W2.data.T @ dZ2) * (Z1.data > 0)
    dW1 = dZ1 @ X.T / m
    db1 = dZ1.sum(axis=1, keepdims=True) / m
    print("\nautograd vs the hand-derived equations (max |difference|):")
    for t, manual in [(W1, dW1), (b1, db1), (W2, dW2), (b2, db2)]:
        print(f"  d{t.name:<5} {str(t.shape):8}  {np.max(np.abs(t.grad - manual)):.2e}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tinygrad-edu", description="tinygrad_edu: the deep L-layer network lecture, running."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser("demo", help="train a small network and check autograd against the lecture's equations")
    demo.add_argument("--iterations", type=int, default=2000, help="gradient-descent iterations (default 2000)")
    demo.add_argument("--lr", type=float, default=0.5, help="learning rate alpha (default 0.5)")
    demo.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    demo.set_defaults(func=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    return int(args.func(args))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
