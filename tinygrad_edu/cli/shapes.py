"""The shapes of W[l], b[l], Z[l], A[l] (and of their gradients) for every layer."""

from __future__ import annotations

import argparse

from ..check import dimension_table
from ..data import load_network
from .common import DEFAULTS, add_max_data_arg, command_parser, dims_text, int_list, positive_int

NAME = "shapes"
HELP = "the matrix dimensions of lecture 4.4"


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """``shapes [N0,N1,...,NL] [--m M] [--softmax] [--params FILE.npz]``."""
    p = command_parser(subparsers, NAME, HELP, __doc__, run)
    p.add_argument("layer_dims", nargs="?", type=int_list, default=None, metavar="N0,N1,...,NL",
                   help=f"layer_dims (default the lecture's {dims_text(DEFAULTS.lecture_dims)})")
    p.add_argument("--m", type=positive_int, default=None, help="number of examples (default: the symbol m)")
    p.add_argument("--params", default=None, metavar="FILE.npz", help="take layer_dims from saved parameters")
    p.add_argument("--softmax", action="store_true", help="a softmax output: n[L] is C, the number of classes")
    add_max_data_arg(p)
    return p


def run(args: argparse.Namespace) -> int:
    """Print the table."""
    dims, output = args.layer_dims, "softmax" if args.softmax else "sigmoid"
    if args.params:
        net = load_network(args.params, max_data_mb=args.max_data_mb)[0]
        dims, output = list(net.layer_dims), net.activations[-1]
    print(dimension_table(dims or list(DEFAULTS.lecture_dims), args.m, output))
    return 0
