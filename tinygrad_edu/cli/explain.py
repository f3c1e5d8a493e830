"""Print the backward pass autograd runs, as the lecture's equations: for a random network of the
lecture's shape (or --layer-dims), or a saved one with --params (the demo's: --params
tinygrad_edu_out/params.npz, on the data it was trained on), on --m examples; the cost J is the
network's (binary or categorical cross-entropy) and explain(J) writes dZ[l], dW[l], db[l],
dA[l-1] from layer L down to 1, each checked against the engine's own gradients (--check prints
the differences). --level ops writes the chain rule op by op instead; --expand writes relu',
sigmoid', tanh' out; --shapes adds each quantity's shape."""

from __future__ import annotations

import argparse

from ..explain import explain
from .common import DEFAULTS, add_network_args, command_parser, dims_text, net_and_data

NAME = "explain"
HELP = "the backward pass autograd runs, as the lecture's equations, checked"


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """``explain [network] [data] [--level lecture|ops] [--expand] [--shapes] [--check]``."""
    p = command_parser(subparsers, NAME, HELP, __doc__, run)
    add_network_args(p, dims_text(DEFAULTS.lecture_dims))
    p.add_argument("--level", choices=("lecture", "ops"), default="lecture",
                   help="the lecture's per-layer equations, or the chain rule op by op (default %(default)s)")
    p.add_argument("--expand", action="store_true", help="write the derivatives out: (Z > 0), A * (1 - A), 1 - A^2")
    p.add_argument("--shapes", action="store_true", help="each equation's shape as a comment")
    p.add_argument("--check", action="store_true", help="print each equation's difference from the engine's numbers")
    return p


def run(args: argparse.Namespace) -> int:
    """Print the explanation (and its check); 0, or 1 if a check ever failed (it should not)."""
    net, X, Y, what = net_and_data(args)
    J = net.cost(net(X), Y)
    e = explain(J, level=args.level, expand=args.expand, shapes=args.shapes)
    cost = "binary_cross_entropy" if net.activations[-1] == "sigmoid" else "softmax_cross_entropy"
    print(f"explaining J = {cost}(net(X), Y) for {what}\n")
    print(e)
    result = e.check()
    if args.check:
        print()
        print(result)
    tolerance = 1e-9 if X.dtype.itemsize >= 8 else 1e-3
    return 0 if result.worst <= tolerance else 1
