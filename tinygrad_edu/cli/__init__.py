"""The command line: ``tinygrad-edu COMMAND`` (also ``python -m tinygrad_edu COMMAND``).

Commands (``tinygrad-edu COMMAND --help`` describes each one), one module each:

* ``demo``: train the lecture's L-layer network on real data (scikit-learn's breast-cancer set),
  print the cost as it goes, compare autograd with the lecture's equations layer by layer, and
  write the graph pictures, the cost plot and the learned parameters to an output folder.
* ``train``: train any ``layer_dims`` / activations / init / learning rate on a named data set or
  a data file; progress bar; cost history as CSV and JSON and a plot; ``--save params.npz``.
* ``predict``: load saved parameters, report the accuracy, write the predictions.
* ``compare``: the layer-by-layer autograd-vs-equations report, or against a learner's own
  ``model_backward`` given as ``module:function`` or ``path.py[:function]``.
* ``gradcheck``: the course's gradient checking by centred differences.
* ``explain``: the backward pass autograd runs, written as the lecture's equations (dZ[l], dW[l],
  db[l], dA[l-1], layer L down to 1), each checked against the engine's numbers; or op by op.
* ``grade``: a class's submissions (files, notebooks, folders), each run in its own process and
  diagnosed; a summary, CSV, JSON and an HTML class report; on this machine or a Dask cluster.
* ``shapes``: the table of matrix dimensions of lecture 4.4.
* ``draw``: the lecture's pictures: the network (4.1), the building blocks (4.6), a small
  network's forward/backward graph, the backward pass step by step, or a trained network's graph.

``common`` holds what they share: the one set of defaults (:data:`~.common.DEFAULTS`: init
``xavier``, seed 1, the lecture's network 3,5,5,3,1, the course's hidden layers 20,7,5, α =
0.0075, 2500 iterations, the output folder ``tinygrad_edu_out``...), the argument types and
groups, the data and network a command works on, and the one-line errors.

A new command is one module, one line in :data:`COMMANDS` and one test file. The module's
docstring is the command's ``--help`` description; it defines ``NAME`` (the command),
``HELP`` (its line in ``tinygrad-edu --help``), ``add_parser(subparsers)`` (which calls
:func:`~.common.command_parser` and adds the command's arguments) and ``run(args) -> int``
(the exit status).

Data files (``--dataset PATH``, read by :func:`tinygrad_edu.data.load_data`): a ``.npz`` with ``X``
(n[0], m), one example per COLUMN, and ``Y`` (1, m) of labels in [0, 1], optionally ``X_test`` and
``Y_test`` (otherwise the columns are split into train and test with ``--split-seed``); or a
``.csv`` with one example per ROW, the label in the last column and an optional header line; or
the course's cat files as ``TRAIN.h5,TEST.h5``. Files are used as they are (not standardised).

Files read are bounded: ``--max-data-mb MB`` (default 1000, :data:`~.common.DEFAULTS`) is the most a
data or parameters file may declare, in MB of float64 numbers (a ``.csv``: its size), checked from
the file's headers before any array is read.

Files written (``train``, ``predict``, ``demo``, ``draw``) are checked before any work starts (a
folder that is a file or cannot be written is reported at once) and written atomically: to a
temporary file in the same folder, renamed into place when complete, so that an interrupted or
failed write (Ctrl-C, SIGTERM, a full disk) leaves the previous file as it was. A command never
replaces one of its own inputs (``train --dataset d.npz --save d.npz`` is refused), and replaces
an existing file only if tinygrad-edu wrote it and it is unchanged since (the folder's
``.tinygrad-edu.json`` lists what it wrote, with each file's SHA-256), unless given ``--force``.

Errors in the arguments or the files print one line on stderr and exit with status 2 (usage) or
1 (anything else); set ``TINYGRAD_EDU_DEBUG=1`` to see the traceback instead. Ctrl-C prints one
line and exits with 130, SIGTERM with 143, after removing any file it was writing.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import signal
import sys
import warnings
from collections.abc import Iterator, Sequence
from types import ModuleType

import numpy as np

from .. import __version__
from ..errors import message
from . import compare, demo, draw, explain, gradcheck, grade, predict, shapes, train
from .common import DEFAULTS, CLIError, OneLineParser, one_line

__all__ = ["PROG", "COMMANDS", "DEFAULTS", "CLIError", "build_parser", "main"]

PROG = "tinygrad-edu"

#: the command modules, in the order ``--help`` lists them
COMMANDS: tuple[ModuleType, ...] = (demo, train, predict, compare, gradcheck, grade, explain, shapes, draw)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``tinygrad-edu`` and its commands (one sub-parser per module of
    :data:`COMMANDS`; each sets ``run``, the function that runs it)."""
    parser = OneLineParser(prog=PROG, description="tinygrad_edu: the deep L-layer network lecture (Deep Learning "
                           "course 1, week 4), running. Each command has --help.")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    for command in COMMANDS:
        command.add_parser(subparsers)
    return parser


class Terminated(BaseException):
    """SIGTERM, raised where the command is (like KeyboardInterrupt for Ctrl-C), so that a file being
    written is removed and the command ends with one line."""


def _terminate(signum: int, frame: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM ends the process at once
    raise Terminated


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    """While a command runs (in the main thread), SIGTERM raises :class:`Terminated`."""
    try:
        previous = signal.signal(signal.SIGTERM, _terminate)
    except (ValueError, OSError, AttributeError):  # not the main thread, or no SIGTERM here
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _stopped(command: str, e: BaseException, what: str, status: int) -> int:
    """One line for Ctrl-C or SIGTERM, and exit ``status``. What the interrupt left half-made (a
    ZipFile stopped inside its ``__init__``, whose ``__del__`` would print a traceback) is let go
    here, quietly: the files being written were already removed."""
    print(message(f"{PROG} {command}", what), file=sys.stderr)
    hook, sys.unraisablehook = sys.unraisablehook, lambda unraisable: None
    try:
        cause: BaseException | None = e
        while cause is not None:
            cause.__traceback__, cause = None, cause.__context__
        gc.collect()
    finally:
        sys.unraisablehook = hook
    return status


def _error(command: str, problem: str, hint: str | None = None) -> int:
    """Print ``tinygrad-edu COMMAND: error: problem`` on one line of stderr; exit status 1."""
    print(message(f"{PROG} {command}: error", problem, hint), file=sys.stderr)
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``tinygrad-edu`` with ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, --version, or a usage error already printed on one line
        return int(e.code or 0) if not isinstance(e.code, str) else 2
    if args.command is None:
        parser.print_help()
        return 2
    debug = bool(os.environ.get("TINYGRAD_EDU_DEBUG"))
    try:
        # numpy's RuntimeWarnings (overflow while a learning rate diverges, ...) would print extra
        # lines; the commands report such outcomes themselves ("the cost diverged: ...")
        with warnings.catch_warnings(), np.errstate(all="ignore"), _sigterm_raises():
            warnings.simplefilter("ignore")
            return int(args.run(args) or 0)
    except KeyboardInterrupt as e:
        return _stopped(args.command, e, "interrupted", 130)
    except Terminated as e:
        return _stopped(args.command, e, "terminated (SIGTERM)", 143)
    except (CLIError, ValueError, TypeError, OSError, ImportError, RuntimeError, KeyError) as e:
        if debug:
            raise
        print(f"{PROG} {args.command}: error: {one_line(e)}", file=sys.stderr)
        return 1
    except SystemExit as e:  # raised by a learner's code run through --backward
        return _error(args.command, f"the code under test called sys.exit({e.code!r}) instead of returning")
    except MemoryError:
        return _error(args.command, "not enough memory for these sizes", "check --layer-dims and --m")
    except Exception as e:  # anything unforeseen still gets one line (TINYGRAD_EDU_DEBUG=1 for the traceback)
        if debug:
            raise
        return _error(args.command, f"{type(e).__name__}: {one_line(e)}", "set TINYGRAD_EDU_DEBUG=1 to see the "
                      "traceback")
