"""The course's gradient checking: each parameter entry is moved by ±ε and (J(θ+ε) − J(θ−ε)) / 2ε is
compared with the backward pass's gradient (autograd's, or your --backward's). Exit status 1 when
the relative error is above 2e-7."""

from __future__ import annotations

import argparse

import numpy as np

from ..check import GradcheckResult, gradcheck, gradcheck_parameters
from ..errors import message
from ..manual import model_forward
from ..nn import binary_cross_entropy
from .common import (
    DEFAULTS,
    CLIError,
    add_network_args,
    command_parser,
    dims_text,
    load_backward,
    net_and_data,
    one_line,
    positive_float,
    positive_int,
)

NAME = "gradcheck"
HELP = "gradient checking by centred differences"


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """``gradcheck [network] [data] [--backward ...] [--eps ε] [--max-entries K]``."""
    p = command_parser(subparsers, NAME, HELP, __doc__, run)
    add_network_args(p, dims_text(DEFAULTS.lecture_dims), backward="check your backward function instead of autograd")
    p.add_argument("--eps", type=positive_float, default=DEFAULTS.eps, help="ε (default %(default)s)")
    p.add_argument("--max-entries", type=positive_int, default=None, help="check at most this many entries per "
                   "parameter (chosen at random)")
    return p


def _check_learner(args: argparse.Namespace, params: dict[str, np.ndarray], X: np.ndarray,
                   Y: np.ndarray) -> GradcheckResult:
    """The learner's grads = backward(AL, Y, caches) from the course's forward pass, checked."""
    fn = load_backward(args.backward)
    AL, caches = model_forward(X, params)
    try:
        grads = fn(AL, Y, caches)
    except SystemExit as e:
        raise CLIError(message("--backward", f"your backward {args.backward} called sys.exit({e.code!r}) instead of "
                                             "returning grads")) from None
    except Exception as e:  # the learner's code
        raise CLIError(message("--backward", f"your backward {args.backward} raised {type(e).__name__}: "
                                             f"{one_line(e)}")) from e
    print(f"checking the gradients of {args.backward}\n")
    return gradcheck_parameters(params, X, Y, grads, eps=args.eps, max_entries=args.max_entries)


def run(args: argparse.Namespace) -> int:
    """Print the result; 0 when the gradients look right, else 1."""
    net, X, Y, what = net_and_data(args)
    print(f"gradient checking {what}")
    if args.backward is not None:
        result = _check_learner(args, net.to_parameters(), X, Y)
    else:
        print("checking autograd's gradients\n")
        result = gradcheck(lambda: binary_cross_entropy(net(X), Y), net, eps=args.eps, max_entries=args.max_entries)
    print(result)
    return 0 if result.ok else 1
