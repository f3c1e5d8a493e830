"""Compare autograd's dZ[l], dA[l-1], dW[l], db[l] with the lecture's hand-derived equations, or with
your own backward given as --backward path.py[:function] or module:function (default function:
L_model_backward, else model_backward; the course's cache layout caches[l-1] = ((A[l-1], W[l],
b[l]), Z[l])). Your backward runs in its own process, under --timeout and --memory; the verdict
is computed here. Exit status 1 when the gradients disagree or your backward did not return."""

from __future__ import annotations

import argparse

from ..check import compare_gradients
from .common import DEFAULTS, add_network_args, command_parser, dims_text, net_and_data
from .learner import add_limit_args, limits, show_output, submission

NAME = "compare"
HELP = "autograd vs the lecture's equations (or your backward), layer by layer"


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """``compare [network] [data] [--backward PATH.py[:FUNCTION]|MODULE:FUNCTION] [--timeout S] [--memory MB]``."""
    p = command_parser(subparsers, NAME, HELP, __doc__, run)
    add_network_args(p, dims_text(DEFAULTS.lecture_dims), backward="your backward function")
    add_limit_args(p)
    return p


def run(args: argparse.Namespace) -> int:
    """Print the report; 0 when every gradient agrees, else 1."""
    learner = submission(args) if args.backward is not None else None
    net, X, Y, what = net_and_data(args)
    print(f"checking {what}" + (f", against {learner}" if learner else "") + "\n")
    report = compare_gradients(net, X, Y, backward=learner, limits=limits(args) if learner else None)
    show_output(report.output)
    print(report)
    return 0 if report.ok else 1
