"""The course's gradient checking: each parameter entry is moved by ±ε and (J(θ+ε) − J(θ−ε)) / 2ε is
compared with the backward pass's gradient (autograd's, or your --backward's, which runs in its
own process under --timeout and --memory). Exit status 1 when the relative error is above 2e-7
or your backward did not return its gradients."""

from __future__ import annotations

import argparse

import numpy as np

from ..check import GradcheckResult, gradcheck, gradcheck_parameters
from ..lecture import parameters_layer_dims
from ..manual import model_forward
from ..runner import Context, hint, run_backward
from .common import DEFAULTS, add_network_args, command_parser, dims_text, net_and_data, positive_float, positive_int
from .learner import add_limit_args, limits, show_output, submission

NAME = "gradcheck"
HELP = "gradient checking by centred differences"


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """``gradcheck [network] [data] [--backward ...] [--eps ε] [--max-entries K]``."""
    p = command_parser(subparsers, NAME, HELP, __doc__, run)
    add_network_args(p, dims_text(DEFAULTS.lecture_dims), backward="check your backward function instead of autograd")
    p.add_argument("--eps", type=positive_float, default=DEFAULTS.eps, help="ε (default %(default)s)")
    p.add_argument("--max-entries", type=positive_int, default=None, help="check at most this many entries per "
                   "parameter (chosen at random)")
    add_limit_args(p)
    return p


def _check_learner(args: argparse.Namespace, params: dict[str, np.ndarray], X: np.ndarray,
                   Y: np.ndarray) -> GradcheckResult | None:
    """The learner's grads = backward(AL, Y, caches) from the course's forward pass (run in its own
    process), checked; None (after saying why) when it returned none."""
    learner = submission(args)
    AL, caches = model_forward(X, params)
    outcome = run_backward(learner, [(AL, Y, caches)], limits(args))
    show_output(outcome.output)
    if not outcome.returned:
        assert outcome.failure is not None
        dims = parameters_layer_dims(params, "gradcheck")
        failure = outcome.failure.with_hint(hint(outcome.failure, Context(dims, X.shape[1])))
        raised = failure.status in ("raised", "memory")
        print(("Your backward raised " if raised else "Your backward failed: ") + str(failure))
        return None
    case = outcome.cases[0]
    for k, why in case.refused.items():
        print(f"note: grads[{k!r}] is {why}: it is left out")
    print(f"checking the gradients of {learner}\n")
    return gradcheck_parameters(params, X, Y, case.grads, eps=args.eps, max_entries=args.max_entries)


def run(args: argparse.Namespace) -> int:
    """Print the result; 0 when the gradients look right, else 1."""
    net, X, Y, what = net_and_data(args)
    print(f"gradient checking {what}")
    if args.backward is not None:
        result = _check_learner(args, net.to_parameters(), X, Y)
        if result is None:
            return 1
    else:
        print("checking autograd's gradients\n")
        result = gradcheck(lambda: net.cost(net(X), Y), net, eps=args.eps, max_entries=args.max_entries)
    print(result)
    return 0 if result.ok else 1
