"""Train a DeepNetwork by the lecture's loop (forward, cost, backward, update). Writes costs.csv,
history.json (settings, cost history, accuracies) and costs.png to --out; --save writes the
parameters W1, b1, ..., WL, bL to a .npz (and the settings to a .json beside it) for 'predict'.
Every output is checked before training starts and written atomically; a file tinygrad-edu did not
write is replaced only with --force, an input (--dataset) never."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from .. import optim
from ..data import Dataset, dataset_digest, dataset_ref, network_paths, save_network
from ..errors import message
from ..files import atomic_write
from ..nn import DeepNetwork
from ..plot import progress, save_cost_csv, save_cost_plot
from ..train import TrainHistory, accuracy, train
from .common import (
    DEFAULTS,
    CLIError,
    activations,
    add_data_args,
    add_force_arg,
    add_network_args,
    add_resolution_args,
    check_outputs,
    command_parser,
    course_dims_text,
    data_inputs,
    dims_text,
    fraction,
    load_data,
    nonneg_int,
    one_line,
    positive_float,
    positive_int,
)

NAME = "train"
HELP = "train a network; progress bar; cost history CSV/JSON and plot; --save"
#: --optimizer: the lecture's gradient descent, and the two of the course's next part
OPTIMIZERS: dict[str, type[optim.Optimizer]] = {"gd": optim.GradientDescent, "momentum": optim.Momentum,
                                                "adam": optim.Adam}


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """``train [data] [network] [--lr α] [--iterations N] [--optimizer O] [--out DIR] [--save P.npz] ...``."""
    p = command_parser(subparsers, NAME, HELP, __doc__, run)
    add_data_args(p, default=DEFAULTS.dataset)
    p.add_argument("--test-fraction", type=fraction, default=DEFAULTS.test_fraction,
                   help="share of the examples kept for testing (default %(default)s)")
    add_network_args(p, f"{course_dims_text()}, n[0] from the data", params=False, data=False)
    p.add_argument("--lr", type=positive_float, default=DEFAULTS.learning_rate,
                   help="learning rate α (default %(default)s)")
    p.add_argument("--iterations", type=nonneg_int, default=DEFAULTS.iterations,
                   help="number of iterations (default %(default)s)")
    p.add_argument("--optimizer", default=DEFAULTS.optimizer, choices=tuple(OPTIMIZERS),
                   help="gd = the lecture's gradient descent (default %(default)s)")
    p.add_argument("--record-every", type=positive_int, default=DEFAULTS.record_every,
                   help="record the cost every k iterations (default %(default)s)")
    p.add_argument("--out", default=str(DEFAULTS.out / NAME),
                   help="folder for costs.csv, history.json, costs.png (default %(default)s)")
    p.add_argument("--save", default=None, metavar="PARAMS.npz", help="write the learned parameters here")
    p.add_argument("--no-plot", action="store_true", help="do not draw costs.png")
    add_force_arg(p, "the files of --out and --save")
    add_resolution_args(p, "costs.png")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--plain-progress", action="store_true", help="a plain text progress bar even if tqdm is installed")
    return p


def _network(args: argparse.Namespace, d: Dataset) -> DeepNetwork:
    """The network to train: --layer-dims (default the course's, n[0] from the data), checked against the data."""
    dims = args.layer_dims or [d.n_x, *DEFAULTS.course_hidden, d.n_y]
    if dims[0] != d.n_x:
        raise CLIError(message("--layer-dims", f"the network starts with n[0] = {dims[0]}, but the data have "
                                               f"n[0] = {d.n_x} features (rows of X)",
                               f"use --layer-dims {dims_text([d.n_x, *dims[1:]])}"))
    if dims[-1] != d.n_y:
        what = "a binary classifier has one output unit, n[L] = 1" if d.n_y == 1 else \
            f"the data have C = {d.n_y} classes (one-hot rows of Y), so n[L] = {d.n_y} (with a softmax output)"
        raise CLIError(message("--layer-dims", f"the network ends with n[L] = {dims[-1]}; {what}",
                               f"use --layer-dims {dims_text([*dims[:-1], d.n_y])}"))
    return DeepNetwork(dims, init=args.init, seed=args.seed, activations=activations(args, len(dims) - 1, d.n_y))


def _fit(args: argparse.Namespace, net: DeepNetwork, d: Dataset) -> tuple[TrainHistory, float]:
    """Train ``net`` on the training set with the progress bar; returns the history and the seconds taken."""
    opt = OPTIMIZERS[args.optimizer](net.parameters(), args.lr)
    bar = progress(args.iterations, "training", plain=args.plain_progress) if not args.quiet else None
    t0 = time.perf_counter()
    try:
        history = train(net, d.X_train, d.Y_train, args.iterations, optimizer=opt, record_every=args.record_every,
                        callback=bar.update if bar else None)
    finally:
        if bar:
            bar.close()
    return history, time.perf_counter() - t0


def _outputs(args: argparse.Namespace) -> list[tuple[Path, str]]:
    """Every file the command will write, with the flag that names it."""
    out = Path(args.out)
    files = [(out / "costs.csv", "--out"), (out / "history.json", "--out")]
    if not args.no_plot:
        files.append((out / "costs.png", "--out"))
    if args.save:
        params, side = network_paths(args.save, "--save")
        files += [(params, "--save"), (side, "the sidecar of --save")]
    return files


def _check_outputs(args: argparse.Namespace) -> None:
    """Every output can be written (before any work, and again before writing)."""
    check_outputs(_outputs(args), data_inputs(args.dataset), args.force, folders=[(Path(args.out), "--out")])


def save_history(path: Path, history: TrainHistory, meta: dict[str, Any], seconds: float) -> Path:
    """history.json: the settings ``meta``, the recorded costs (null where not finite: JSON has no
    NaN), the final cost and the seconds taken, written atomically. Returns the path."""
    final = history.final_cost
    return atomic_write(path, json.dumps({
        **meta, "record_every": history.record_every, "recorded_iterations": history.iterations,
        "costs": [c if np.isfinite(c) else None for c in history.costs],
        "final_cost": final if final is not None and np.isfinite(final) else None, "seconds": seconds,
    }, indent=2) + "\n")


def _write(args: argparse.Namespace, net: DeepNetwork, history: TrainHistory, meta: dict[str, Any],
           seconds: float) -> list[Path]:
    """costs.csv, history.json and costs.png in --out, and with --save the network; returns the paths."""
    out = Path(args.out)
    written = [save_cost_csv(history, out / "costs.csv")]
    written.append(save_history(out / "history.json", history, meta, seconds))
    if not args.no_plot:
        try:
            written.append(save_cost_plot(history, out / "costs.png", dpi=args.dpi, width=args.width,
                                          title=f"layer_dims = {meta['layer_dims']}, {args.optimizer}, α = {args.lr}"))
        except ImportError as e:
            print(f"NOTE: skipped costs.png: {one_line(e)}")
    if args.save:
        written += save_network(args.save, net, meta, force=args.force)
    return written


def run(args: argparse.Namespace) -> int:
    """Check the outputs, load the data, build and train the network, report the accuracies, write the files."""
    _check_outputs(args)
    digest = dataset_digest(args.dataset)  # (before reading: the data as they were loaded)
    d = load_data(args.dataset, args.data_option, args.split_seed, args.test_fraction, args.max_data_mb)
    net = _network(args, d)
    dims, acts = list(net.layer_dims), list(net.activations)
    print(f"data: {d.description}")
    print(f"network: layer_dims = {dims}, activations = {acts}, init = {args.init}, seed = {args.seed}")
    print(f"training: {args.iterations} iterations, optimizer {args.optimizer}, learning rate {args.lr}", flush=True)
    history, seconds = _fit(args, net, d)
    acc_train, acc_test = accuracy(net, d.X_train, d.Y_train), accuracy(net, d.X_test, d.Y_test)
    final = history.final_cost
    print(f"final cost J = {final:.6f}   train accuracy = {acc_train:.4f}   test accuracy = {acc_test:.4f}   "
          f"({seconds:.1f} s)" if final is not None else "no iterations run")
    if final is not None and not np.isfinite(final):
        print(f"NOTE: the cost diverged (J = {final}); try a smaller --lr")
    meta = {
        "layer_dims": dims, "activations": acts, "init": args.init, "dataset": dataset_ref(args.dataset),
        "dataset_options": dict(args.data_option), "split_seed": args.split_seed,
        "test_fraction": args.test_fraction, "learning_rate": args.lr, "iterations": args.iterations,
        "seed": args.seed, "optimizer": args.optimizer, "train_accuracy": acc_train, "test_accuracy": acc_test,
    }
    if digest is not None:
        meta["dataset_sha256"] = digest  # predict checks that the data are still these
    _check_outputs(args)  # nothing appeared in the way while training
    written = _write(args, net, history, meta, seconds)
    print("wrote: " + ", ".join(str(p) for p in written))
    return 0
