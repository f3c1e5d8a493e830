"""Compare autograd's dZ[l], dA[l-1], dW[l], db[l] with the lecture's hand-derived equations, or with
your own model_backward(AL, Y, caches) given as --backward module:function or path.py[:function]
(default function name model_backward; the course's cache layout caches[l-1] = ((A[l-1], W[l],
b[l]), Z[l])). Exit status 1 when they disagree."""

from __future__ import annotations

import argparse

from ..check import compare_gradients
from .common import DEFAULTS, add_network_args, command_parser, dims_text, load_backward, net_and_data

NAME = "compare"
HELP = "autograd vs the lecture's equations (or your backward), layer by layer"


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """``compare [network] [data] [--backward MODULE:FUNCTION|PATH.py[:FUNCTION]]``."""
    p = command_parser(subparsers, NAME, HELP, __doc__, run)
    add_network_args(p, dims_text(DEFAULTS.lecture_dims), backward="your backward function")
    return p


def run(args: argparse.Namespace) -> int:
    """Print the report; 0 when every gradient agrees, else 1."""
    net, X, Y, what = net_and_data(args)
    backward = load_backward(args.backward) if args.backward is not None else None
    print(f"checking {what}" + (f", against {args.backward}" if backward else "") + "\n")
    report = compare_gradients(net, X, Y, backward=backward)
    print(report)
    return 0 if report.ok else 1
