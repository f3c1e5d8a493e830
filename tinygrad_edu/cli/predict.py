"""Load parameters saved by 'train --save' (or the demo's params.npz), report the accuracy on the train
and test sets of the data set they were trained on (or --dataset), and with --output write
example,probability,prediction,label rows."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from ..data import Dataset, load_network, sidecar_path
from ..errors import message
from ..nn import DeepNetwork
from ..tensor import no_grad
from ..train import predict
from .common import DEFAULTS, CLIError, command_parser, load_data, nonneg_int, option, str_list

NAME = "predict"
HELP = "load saved parameters, report accuracy, write predictions"


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """``predict PARAMS.npz [--dataset D] [--data-option K=V] [--split-seed S] [--activations ...]
    [--output FILE.csv] [--on train|test|all]``."""
    p = command_parser(subparsers, NAME, HELP, __doc__, run)
    p.add_argument("params", metavar="PARAMS.npz", help="the saved parameters")
    p.add_argument("--dataset", default=None, metavar="NAME|PATH",
                   help="data set name or file (default: the one named in PARAMS.json)")
    p.add_argument("--data-option", type=option, action="append", default=[], metavar="KEY=VALUE",
                   help="an option of the named data set (when not the one trained on)")
    p.add_argument("--split-seed", type=nonneg_int, default=None, help="seed of the split (default: as trained)")
    p.add_argument("--activations", type=str_list, default=None, metavar="G1,...,GL",
                   help="activations (default: from PARAMS.json, else relu hidden, sigmoid output)")
    p.add_argument("--output", default=None, metavar="FILE.csv", help="write the predictions here")
    p.add_argument("--on", default="test", choices=("train", "test", "all"),
                   help="which examples --output covers (default %(default)s)")
    return p


def _data(args: argparse.Namespace, meta: dict[str, Any]) -> Dataset:
    """The data set the network was trained on (same options, split and test share), or --dataset."""
    dataset = args.dataset or meta.get("dataset")
    if not dataset:
        raise CLIError(message(NAME, f"no data: there is no {str(sidecar_path(args.params))!r} naming one",
                               "give --dataset"))
    own = not args.dataset or args.dataset == meta.get("dataset")
    if own:
        split_seed = meta.get("split_seed", DEFAULTS.split_seed) if args.split_seed is None else args.split_seed
        return load_data(dataset, meta.get("dataset_options", {}).items(), split_seed,
                         meta.get("test_fraction", DEFAULTS.test_fraction))
    split_seed = DEFAULTS.split_seed if args.split_seed is None else args.split_seed
    return load_data(dataset, args.data_option, split_seed, DEFAULTS.test_fraction)


def _write_predictions(path: Path, net: DeepNetwork, X: np.ndarray, Y: np.ndarray) -> None:
    """``example,probability,prediction,label`` for each column of X (n[0], m), Y (1, m)."""
    with no_grad():
        AL = net(X).data  # (1, m)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        f.write("example,probability,prediction,label\n")
        for j in range(X.shape[1]):
            f.write(f"{j},{float(AL[0, j])!r},{int(AL[0, j] > 0.5)},{int(Y[0, j])}\n")


def run(args: argparse.Namespace) -> int:
    """Report the accuracies and write the predictions (see the module's docstring)."""
    net, meta = load_network(args.params, args.activations)
    d = _data(args, meta)
    if d.n_x != net.layer_dims[0]:
        raise CLIError(message("--dataset", f"the data have n[0] = {d.n_x} features but the network in "
                                            f"{args.params!r} expects n[0] = {net.layer_dims[0]}"))
    parts = {"train": (d.X_train, d.Y_train), "test": (d.X_test, d.Y_test)}
    print(f"network: layer_dims = {list(net.layer_dims)}, activations = {list(net.activations)} from {args.params}")
    print(f"data: {d.description}")
    for part, (X, Y) in parts.items():
        correct = int(np.sum(predict(net, X) == Y))
        print(f"{part} accuracy = {correct / Y.shape[1]:.4f} ({correct}/{Y.shape[1]})")
    if args.output:
        X, Y = parts[args.on] if args.on != "all" else (
            np.concatenate([d.X_train, d.X_test], axis=1), np.concatenate([d.Y_train, d.Y_test], axis=1))
        out = Path(args.output)
        _write_predictions(out, net, X, Y)
        print(f"wrote {X.shape[1]} predictions ({args.on} set) to {out}")
    return 0
