"""A learner's code as the commands run it: ``--backward`` (given by
:func:`~.common.add_network_args`) runs in its own process (:mod:`tinygrad_edu.runner`) under
``--timeout`` and ``--memory``; what it printed is shown marked off from the tool's own lines
(``| ``), so that nothing it prints can pass for a verdict."""

from __future__ import annotations

import argparse

from ..errors import message
from ..runner import Limits, Submission
from .common import CLIError, positive_float, positive_int

__all__ = ["add_limit_args", "submission", "limits", "show_output"]

_DEFAULT = Limits()


def add_limit_args(p: argparse.ArgumentParser,
                   title: str = "your backward's process (it runs on its own, with these limits)") -> None:
    """``--timeout SECONDS`` and ``--memory MB`` for the learner's process."""
    g = p.add_argument_group(title)
    g.add_argument("--timeout", type=positive_float, default=_DEFAULT.timeout, metavar="SECONDS",
                   help="wall-clock time it may take, the import of its file included (default %(default)g)")
    g.add_argument("--memory", type=positive_int, default=_DEFAULT.memory_mb, metavar="MB",
                   help="memory (address space) it may use (default %(default)s)")


def submission(args: argparse.Namespace) -> Submission:
    """The learner's code named by ``--backward``, checked (a CLIError names what is wrong)."""
    try:
        return Submission.parse(args.backward)
    except (ValueError, OSError) as e:
        raise CLIError(str(e)) from None


def limits(args: argparse.Namespace) -> Limits:
    """The limits of ``--timeout`` and ``--memory``."""
    if args.memory < 64:
        raise CLIError(message("--memory", f"at least 64 MB, got {args.memory}",
                               "Python and numpy alone need about 30 MB to start"))
    if args.timeout < 0.1:
        raise CLIError(message("--timeout", f"at least 0.1 s, got {args.timeout:g}",
                               "starting Python and numpy alone takes about 0.1 s"))
    return Limits(timeout=args.timeout, memory_mb=args.memory)


def show_output(output: str) -> None:
    """What the learner's code printed, each line after ``| `` (nothing when it printed nothing)."""
    if not output:
        return
    print("what your code printed:")
    for line in output.rstrip("\n").split("\n"):
        print(f"| {line}")
    print()
