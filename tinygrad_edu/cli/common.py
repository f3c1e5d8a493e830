"""What the commands share: the one set of defaults, the one-line errors, the argument types and
argument groups, the outputs checked before any work (:func:`check_outputs`: locations, inputs
never overwritten, ``--force``), the data and network every command works on (within
``--max-data-mb``). A learner's backward (``--backward``) is run by :mod:`.learner`.

A command module (``demo.py``, ``train.py``, ...) takes everything it needs from here, so that a
default, a flag or an error message is written once.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from .. import data
from ..errors import message
from ..files import check_output
from ..lecture import ACTIVATION_NAMES, INITS, check_layer_dims, example_data, layer_activations
from ..nn import DeepNetwork
from ..tensor import Tensor

__all__ = [
    "Defaults",
    "DEFAULTS",
    "CLIError",
    "OneLineParser",
    "one_line",
    "dims_text",
    "course_dims_text",
    "int_list",
    "str_list",
    "int_at_least",
    "positive_int",
    "nonneg_int",
    "positive_float",
    "fraction",
    "option",
    "collapse",
    "command_parser",
    "add_network_args",
    "add_resolution_args",
    "add_data_args",
    "add_max_data_arg",
    "add_force_arg",
    "data_inputs",
    "network_inputs",
    "check_outputs",
    "activations",
    "load_data",
    "net_and_data",
    "cost_after_backward",
]


@dataclass(frozen=True)
class Defaults:
    """The command line's defaults, in one place: every command and every help text reads them here."""

    #: W[l] = randn(n[l], n[l-1]) / sqrt(n[l-1]): the course's L-layer application
    init: str = "xavier"
    #: the seed of the weights and of random example data
    seed: int = 1
    hidden_activation: str = "relu"
    output_activation: str = "sigmoid"
    #: the network of lecture 4.1 (compare, gradcheck, shapes, draw network/blocks)
    lecture_dims: tuple[int, ...] = (3, 5, 5, 3, 1)
    #: the hidden layers of the course's L-layer application: layer_dims = [n[0], 20, 7, 5, 1]
    course_hidden: tuple[int, ...] = (20, 7, 5)
    #: draw graph / steps: a network small enough to read every box, on a few examples
    picture_dims: tuple[int, ...] = (3, 4, 1)
    picture_m: int = 4
    #: compare / gradcheck on random data: this many examples
    random_m: int = 10
    #: real data (scikit-learn's breast-cancer set), and the generated set the demo uses without scikit-learn
    dataset: str = "breast_cancer"
    fallback_dataset: str = "flower"
    split_seed: int = 0
    test_fraction: float = 0.2
    #: the course's learning rate α and number of iterations
    learning_rate: float = 0.0075
    iterations: int = 2500
    optimizer: str = "gd"
    record_every: int = 10
    out: Path = Path("tinygrad_edu_out")
    #: gradient checking's ε
    eps: float = 1e-7
    #: draw: collapse a graph into building blocks beyond this many nodes
    max_nodes: int = 150
    picture_format: str = "svg"
    #: the limit on a data or parameters file: MB of float64 numbers it may declare, checked before reading
    max_data_mb: float = data.DEFAULT_MAX_DATA_MB


DEFAULTS = Defaults()


class CLIError(Exception):
    """A problem with the arguments or the files: printed as one line, exit status 1."""


class OneLineParser(argparse.ArgumentParser):
    """argparse, with usage errors reported on ONE line and a pointer to --help (exit status 2)."""

    def error(self, problem: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {problem} (see '{self.prog} --help')\n")


def one_line(e: BaseException) -> str:
    """An exception's message on one line (its type's name when it has none)."""
    text = " ".join(str(e).split())
    return text or type(e).__name__


def dims_text(dims: Sequence[int]) -> str:
    """``[3, 5, 5, 3, 1]`` -> ``"3,5,5,3,1"``, as ``--layer-dims`` takes it."""
    return ",".join(map(str, dims))


def course_dims_text() -> str:
    """``"[n[0], 20, 7, 5, 1]"``: the course's L-layer network, n[0] from the data."""
    return f"[n[0], {', '.join(map(str, DEFAULTS.course_hidden))}, 1]"


# ============================================================================ argument types


def _parts(text: str) -> list[str]:
    return [p for p in re.split(r"[,\s]+", text.strip().strip("[]()")) if p]


def int_list(text: str) -> list[int]:
    """``"30,20,7,5,1"``, ``"30 20 7 5 1"`` or ``"[30, 20, 7, 5, 1]"`` -> [30, 20, 7, 5, 1], checked
    as layer_dims by :func:`tinygrad_edu.lecture.check_layer_dims`."""
    try:
        dims = [int(p) for p in _parts(text)]
    except ValueError:
        raise argparse.ArgumentTypeError(
            "expected layer_dims as comma-separated positive integers n[0],n[1],...,n[L], e.g. 30,20,7,5,1; "
            f"got {text!r}"
        ) from None
    try:
        return check_layer_dims(dims, "")
    except ValueError as e:
        raise argparse.ArgumentTypeError(one_line(e)) from None


def str_list(text: str) -> list[str]:
    """``"relu,relu,sigmoid"`` -> ["relu", "relu", "sigmoid"] (commas or spaces)."""
    return _parts(text)


def int_at_least(low: int, what: str) -> Callable[[str], int]:
    """An argparse type: an integer >= ``low``, with a one-line error naming ``what``."""

    def parse(text: str) -> int:
        try:
            v = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if v < low:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return v

    return parse


positive_int = int_at_least(1, "a positive integer")
nonneg_int = int_at_least(0, "an integer >= 0")


def positive_float(text: str) -> float:
    """An argparse type: a positive finite number (a learning rate, ε)."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not (v > 0 and np.isfinite(v)):
        raise argparse.ArgumentTypeError(f"expected a positive finite number, got {text!r}")
    return v


def fraction(text: str) -> float:
    """An argparse type: a number strictly between 0 and 1 (the test share)."""
    v = positive_float(text)
    if v >= 1:
        raise argparse.ArgumentTypeError(f"expected a fraction between 0 and 1, got {text!r}")
    return v


def option(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` with VALUE read as an int, a float, or kept as text."""
    if "=" not in text:
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, e.g. n_bits=6, got {text!r}")
    key, value = text.split("=", 1)
    parsed: Any = value
    for conv in (int, float):
        try:
            parsed = conv(value)
            break
        except ValueError:
            pass
    return key.strip(), parsed


def collapse(text: str) -> str | bool:
    """``--collapse``: ``auto``, ``layers`` (also ``yes``) or ``no``, as ``draw_graph`` takes it."""
    choices = {"auto": "auto", "layers": "layers", "yes": "layers", "no": False}
    if text not in choices:
        raise argparse.ArgumentTypeError(f"expected one of auto, layers, no; got {text!r}")
    return choices[text]


# ============================================================================ parsers and argument groups


class Once(argparse.Action):
    """An option that may be given once: a second one is refused (argparse would silently keep the
    last), e.g. ``--backward a.py --backward b.py`` (to check several files, use ``grade``)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: Any,
                 option_string: str | None = None) -> None:
        if getattr(namespace, self.dest, None) is not None:
            parser.error(f"{option_string} given twice ({getattr(namespace, self.dest)!r} and {values!r}); it takes "
                         "one; to check many learners' files, use tinygrad-edu grade FILE...")
        setattr(namespace, self.dest, values)


def command_parser(subparsers: argparse._SubParsersAction, name: str, help: str, description: str | None,
                   run: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
    """The sub-parser of the command ``name``: ``help`` is its line in ``tinygrad-edu --help``,
    ``description`` (the command module's docstring) heads its own --help, and ``run(args)`` runs
    it (``args.run``)."""
    p = subparsers.add_parser(name, help=help, description=description, formatter_class=argparse.HelpFormatter)
    p.set_defaults(run=run)
    return p


def add_network_args(p: argparse.ArgumentParser, dims_default: str, params: bool = True, data: bool = True,
                     backward: str | None = None) -> None:
    """The "network" group (layer_dims, activations, init, seed, and with ``params`` --params);
    with ``data``, the "data" group and --m; with ``backward`` (its help text), --backward, a
    learner's backward (run by :mod:`.learner`). What train, compare, gradcheck and
    draw take."""
    g = p.add_argument_group("network")
    g.add_argument("--layer-dims", type=int_list, default=None, metavar="N0,N1,...,NL",
                   help=f"layer_dims = [n[0], ..., n[L]] (default {dims_default})")
    g.add_argument("--activations", type=str_list, default=None, metavar="G1,...,GL",
                   help=f"one activation per layer, from {', '.join(ACTIVATION_NAMES)} (overrides the two below)")
    g.add_argument("--hidden-activation", default=DEFAULTS.hidden_activation, choices=ACTIVATION_NAMES,
                   help="g[l] for l < L (default %(default)s)")
    g.add_argument("--output-activation", default=None, choices=ACTIVATION_NAMES,
                   help=f"g[L] (default {DEFAULTS.output_activation}; softmax when the data have C > 1 classes)")
    g.add_argument("--init", default=DEFAULTS.init, choices=INITS, help="weight initialisation (default %(default)s)")
    g.add_argument("--seed", type=nonneg_int, default=DEFAULTS.seed,
                   help="random seed of the weights and random data (default %(default)s)")
    if params:
        g.add_argument("--params", default=None, metavar="FILE.npz",
                       help="use saved parameters (from 'train --save' or the demo) instead of a random network")
    if data:
        add_data_args(p, default=None)
        p.add_argument("--m", type=positive_int, default=None,
                       help="number of examples m (default: a few for pictures, else the whole training set)")
    if backward:
        p.add_argument("--backward", default=None, metavar="PATH.py[:FUNCTION]|MODULE:FUNCTION", help=backward,
                       action=Once)


def add_resolution_args(p: argparse.ArgumentParser, what: str) -> None:
    """--dpi and --width: the resolution of ``what`` when it is written as PNG."""
    g = p.add_argument_group("resolution of a PNG")
    g.add_argument("--dpi", type=positive_float, default=None,
                   help=f"the resolution of {what} as PNG, in dots per inch (default: Graphviz's and matplotlib's)")
    g.add_argument("--width", type=positive_int, default=None,
                   help=f"the width of {what} as PNG, in pixels (instead of --dpi)")


def add_data_args(p: argparse.ArgumentParser, default: str | None) -> None:
    """The "data" group: --dataset (a name, a file, or TRAIN.h5,TEST.h5), --data-option, --split-seed,
    --max-data-mb."""
    g = p.add_argument_group("data")
    g.add_argument("--dataset", default=default, metavar="NAME|PATH",
                   help=f"a data set ({', '.join(data.DATASET_NAMES)}), a .npz (X, Y in columns) / .csv (examples in "
                   "rows, label last) file, or the course's cat files as TRAIN.h5,TEST.h5"
                   + (f" (default {default})" if default else ""))
    g.add_argument("--data-option", type=option, action="append", default=[], metavar="KEY=VALUE",
                   help="an option of the named data set, e.g. n_bits=6 (parity), digit=3 (digits); repeatable")
    g.add_argument("--split-seed", type=nonneg_int, default=DEFAULTS.split_seed,
                   help="seed of the train/test split (default %(default)s)")
    add_max_data_arg(g)


def add_max_data_arg(p: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """--max-data-mb: the most a data or parameters file may declare, checked before it is read."""
    p.add_argument("--max-data-mb", type=positive_float, default=DEFAULTS.max_data_mb, metavar="MB",
                   help="refuse a data or parameters file that declares more than this many MB of numbers (as "
                   "float64; a .csv: a larger file), before reading it (default %(default)g)")


def add_force_arg(p: argparse.ArgumentParser, what: str) -> None:
    """--force: replace ``what`` even when tinygrad-edu did not write it."""
    p.add_argument("--force", action="store_true",
                   help=f"replace {what} even if tinygrad-edu did not write it or it was changed since (it replaces "
                   "its own unchanged files without --force; an input of the command is never replaced)")


# ============================================================================ outputs, checked before any work


def data_inputs(spec: str | None, flag: str = "--dataset") -> list[tuple[Path, str]]:
    """The files a --dataset names, as inputs of the command: ``[(path, "the --dataset"), ...]``."""
    return [(p, f"the {flag}") for p in data.dataset_files(spec)] if spec else []


def network_inputs(params: str | None, flag: str = "--params") -> list[tuple[Path, str]]:
    """A saved network's two files (PARAMS.npz and its sidecar), as inputs of the command."""
    if not params:
        return []
    path = Path(params)
    return [(path, f"the {flag}"), (data.sidecar_path(path), f"the sidecar of {flag}")]


def check_outputs(outputs: Iterable[tuple[Path, str]], inputs: Iterable[tuple[Path, str]] = (), force: bool = False,
                  folders: Iterable[tuple[Path, str]] = ()) -> None:
    """Check every output of a command before it does any work: ``folders`` and ``outputs`` (pairs
    ``(path, the flag that names it)``) can be written there, no two outputs are the same file, no
    output is one of ``inputs``, and without ``force`` each existing output is a file tinygrad-edu
    wrote and that is unchanged since (:func:`tinygrad_edu.files.check_output`)."""
    inputs = list(inputs)
    for folder, what in folders:
        check_output(folder, what, folder=True)
    seen: dict[str, str] = {}
    for path, what in outputs:
        name = os.path.normcase(os.path.abspath(path))
        if name in seen:
            raise CLIError(message(f"cannot write {what} {str(path)!r}", f"it is also {seen[name]}",
                                   "give them different names"))
        seen[name] = f"{what} {str(path)!r}"
        check_output(path, what, inputs=inputs, force=force)


# ============================================================================ data and networks


def activations(args: argparse.Namespace, L: int, n_y: int = 1) -> list[str]:
    """g[1], ..., g[L] from --activations, or else --hidden-activation and --output-activation (by
    default sigmoid, or softmax for data with ``n_y`` = C > 1 one-hot classes)."""
    output = args.output_activation or ("softmax" if n_y > 1 else DEFAULTS.output_activation)
    return layer_activations(L, args.hidden_activation, output, getattr(args, "activations", None) or None,
                             where="--activations")


def load_data(spec: str, options: Iterable[tuple[str, Any]] = (), split_seed: int = DEFAULTS.split_seed,
              test_fraction: float = DEFAULTS.test_fraction,
              max_data_mb: float | None = DEFAULTS.max_data_mb) -> data.Dataset:
    """:func:`tinygrad_edu.data.load_data`, with a wrong ``--data-option`` reported as such."""
    try:
        return data.load_data(spec, options, split_seed, test_fraction, max_data_mb)
    except TypeError as e:
        raise CLIError(message(f"dataset {spec!r}", one_line(e), "check --data-option")) from e


def _max_data_mb(args: argparse.Namespace) -> float:
    return getattr(args, "max_data_mb", DEFAULTS.max_data_mb)


def net_and_data(args: argparse.Namespace) -> tuple[DeepNetwork, np.ndarray, np.ndarray, str]:
    """The network (--params, or a random one of --layer-dims) and the (X, Y) that compare,
    gradcheck and draw trained work on: the first --m training examples of --dataset (or of the
    data set the parameters were trained on), else --m random examples from
    :func:`tinygrad_edu.lecture.example_data`. The last item says in words what they are."""
    meta: dict[str, Any] = {}
    if getattr(args, "params", None):
        net, meta = data.load_network(args.params, args.activations, _max_data_mb(args))
        what = f"the parameters in {args.params}"
    else:
        dims = args.layer_dims or list(DEFAULTS.lecture_dims)
        net = DeepNetwork(dims, init=args.init, seed=args.seed, activations=activations(args, len(dims) - 1))
        what = f"a random network (init {args.init!r}, seed {args.seed})"
    dims = list(net.layer_dims)
    dataset = getattr(args, "dataset", None) or meta.get("dataset")
    if dataset:
        d = load_data(dataset, meta.get("dataset_options", {}).items() if not args.dataset else args.data_option,
                      meta.get("split_seed", DEFAULTS.split_seed) if not args.dataset else args.split_seed,
                      max_data_mb=_max_data_mb(args))
        if d.n_x != dims[0]:
            raise CLIError(message("--dataset", f"the data set {dataset!r} has n[0] = {d.n_x} features but the "
                                                f"network has n[0] = {dims[0]}"))
        m = min(args.m, d.m_train) if args.m else d.m_train
        X, Y = d.X_train[:, :m], d.Y_train[:, :m]
        on = f"the first {m} training examples of {dataset}"
    else:
        m = args.m or DEFAULTS.random_m
        X, Y = example_data(dims, m, args.seed, classes=net.activations[-1] == "softmax")  # Y 0/1 or one-hot
        on = f"{m} random examples (seed {args.seed})"
    return net, X, Y, f"{what}, on {on}"


def cost_after_backward(net: DeepNetwork, X: np.ndarray, Y: np.ndarray) -> Tensor:
    """The cost J of ``net`` on X (n[0], m), Y (n[L], m), after ``J.backward()``, with the lecture's
    names (``A[0]``, ``Y``, ``J``) on the tensors, for the pictures."""
    net.zero_grad()
    J = net.cost(net(Tensor(X, name="A[0]")), Tensor(Y, name="Y")).named("J")
    J.backward()
    return J
