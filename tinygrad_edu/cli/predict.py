"""Load parameters saved by 'train --save' (or the demo's params.npz), report the accuracy on the train
and test sets of the data set they were trained on (or --dataset), and with --output write
example,probability,prediction,label rows. The data are split as in training (its split seed and
test share, from PARAMS.json), and a data file changed since training is refused; --output is
checked before any work and written atomically, replacing a file tinygrad-edu did not write only
with --force, an input never."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

from ..data import Dataset, dataset_digest, dataset_ref, load_network, sidecar_path
from ..data.registry import dataset_name
from ..errors import message
from ..files import atomic_open
from ..nn import DeepNetwork
from ..tensor import no_grad
from ..train import output_of, predict
from .common import (
    DEFAULTS,
    CLIError,
    add_force_arg,
    add_max_data_arg,
    check_outputs,
    command_parser,
    data_inputs,
    fraction,
    load_data,
    network_inputs,
    nonneg_int,
    option,
    str_list,
)

NAME = "predict"
HELP = "load saved parameters, report accuracy, write predictions"


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """``predict PARAMS.npz [--dataset D] [--data-option K=V] [--split-seed S] [--test-fraction F]
    [--activations ...] [--output FILE.csv] [--on train|test|all] [--force] [--max-data-mb MB]``."""
    p = command_parser(subparsers, NAME, HELP, __doc__, run)
    p.add_argument("params", metavar="PARAMS.npz", help="the saved parameters")
    p.add_argument("--dataset", default=None, metavar="NAME|PATH",
                   help="data set name or file (default: the one named in PARAMS.json)")
    p.add_argument("--data-option", type=option, action="append", default=[], metavar="KEY=VALUE",
                   help="an option of the named data set (when not the one trained on)")
    p.add_argument("--split-seed", type=nonneg_int, default=None, help="seed of the split (default: as trained)")
    p.add_argument("--test-fraction", type=fraction, default=None,
                   help="share of the examples in the test set (default: as trained)")
    p.add_argument("--activations", type=str_list, default=None, metavar="G1,...,GL",
                   help="activations (default: from PARAMS.json, else relu hidden, sigmoid output)")
    p.add_argument("--output", default=None, metavar="FILE.csv", help="write the predictions here")
    p.add_argument("--on", default="test", choices=("train", "test", "all"),
                   help="which examples --output covers (default %(default)s)")
    add_force_arg(p, "--output")
    add_max_data_arg(p)
    return p


def _same_data(a: str, b: str) -> bool:
    """Whether two --dataset strings mean the same data (a name in any spelling, or the same files)."""
    return (dataset_name(a) or dataset_ref(a)) == (dataset_name(b) or dataset_ref(b))


def _check_unchanged(args: argparse.Namespace, dataset: str, meta: dict[str, Any]) -> None:
    """The data files are those the network was trained on (the SHA-256 its sidecar recorded)."""
    recorded, now = meta.get("dataset_sha256"), dataset_digest(dataset)
    if recorded is not None and now is not None and list(recorded) != now:
        raise CLIError(message(NAME, f"the data {dataset!r} changed since the network in {args.params!r} was trained "
                                     f"({str(sidecar_path(args.params))!r} records another SHA-256): its test set "
                                     "would not be the examples training held out",
                               "give the data it was trained on, or train again on these"))


def _data(args: argparse.Namespace, meta: dict[str, Any]) -> Dataset:
    """The data set the network was trained on, split as in training (the recorded options, split
    seed and test share; its files unchanged), or --dataset."""
    dataset = args.dataset or meta.get("dataset")
    if not dataset:
        raise CLIError(message(NAME, f"no data: there is no {str(sidecar_path(args.params))!r} naming one",
                               "give --dataset"))
    recorded = meta.get("dataset_sha256")
    if meta.get("dataset") and (_same_data(dataset, meta["dataset"]) or  # the same files, or a copy of them
                                (recorded is not None and dataset_digest(dataset) == list(recorded))):
        _check_unchanged(args, dataset, meta)
        seed, share = meta.get("split_seed", DEFAULTS.split_seed), meta.get("test_fraction", DEFAULTS.test_fraction)
        given = (seed if args.split_seed is None else args.split_seed,
                 share if args.test_fraction is None else args.test_fraction)
        if given != (seed, share):
            print(f"NOTE: training split with seed {seed} and test fraction {share}; this split differs, so its test "
                  "set may hold examples the network was trained on")
        return load_data(dataset, meta.get("dataset_options", {}).items(), *given, args.max_data_mb)
    if meta.get("dataset"):
        print(f"NOTE: {dataset!r} is not the data the network was trained on ({meta['dataset']!r}); its split "
              "(seed and test share below) is new, so 'train' and 'test' here are not training's")
    return load_data(dataset, args.data_option, DEFAULTS.split_seed if args.split_seed is None else args.split_seed,
                     DEFAULTS.test_fraction if args.test_fraction is None else args.test_fraction, args.max_data_mb)


def write_predictions(path: Path, net: DeepNetwork, X: np.ndarray, Y: np.ndarray) -> None:
    """``example,probability,prediction,label`` for each column of X (n[0], m), Y (1, m), atomically;
    for C classes (softmax output, Y one-hot (C, m)) the probability is the predicted class's, and
    the prediction and label are class numbers."""
    with no_grad():
        AL = net(X).data  # (n[L], m)
    classes = net.activations[-1] == "softmax"
    with atomic_open(path, "w") as f:
        f.write("example,probability,prediction,label\n")
        for j in range(X.shape[1]):
            if classes:
                k = int(np.argmax(AL[:, j]))
                f.write(f"{j},{float(AL[k, j])!r},{k},{int(np.argmax(Y[:, j]))}\n")
            else:
                f.write(f"{j},{float(AL[0, j])!r},{int(AL[0, j] > 0.5)},{int(Y[0, j])}\n")


def run(args: argparse.Namespace) -> int:
    """Report the accuracies and write the predictions (see the module's docstring)."""
    outputs = [(Path(args.output), "--output")] if args.output else []
    inputs = network_inputs(args.params, "PARAMS.npz") + data_inputs(args.dataset)
    check_outputs(outputs, inputs, args.force)
    net, meta = load_network(args.params, args.activations, args.max_data_mb)
    if not args.dataset:  # the data named in the sidecar are an input too
        check_outputs(outputs, data_inputs(meta.get("dataset")), args.force)
    d = _data(args, meta)
    if d.n_x != net.layer_dims[0]:
        raise CLIError(message("--dataset", f"the data have n[0] = {d.n_x} features but the network in "
                                            f"{args.params!r} expects n[0] = {net.layer_dims[0]}"))
    parts = {"train": (d.X_train, d.Y_train), "test": (d.X_test, d.Y_test)}
    print(f"network: layer_dims = {list(net.layer_dims)}, activations = {list(net.activations)} from {args.params}")
    print(f"data: {d.description}")
    for part, (X, Y) in parts.items():
        right = output_of(net).hits(predict(net, X), Y)  # per label, or per example for C classes
        correct = int(np.sum(right))
        print(f"{part} accuracy = {correct / right.size:.4f} ({correct}/{right.size})")
    if args.output:
        X, Y = parts[args.on] if args.on != "all" else (
            np.concatenate([d.X_train, d.X_test], axis=1), np.concatenate([d.Y_train, d.Y_test], axis=1))
        out = Path(args.output)
        write_predictions(out, net, X, Y)
        print(f"wrote {X.shape[1]} predictions ({args.on} set) to {out}")
    return 0
