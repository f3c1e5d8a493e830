"""Train the course's L-layer network (layer_dims = [n[0], 20, 7, 5, 1], relu hidden layers, sigmoid
output) on scikit-learn's breast-cancer set (no network needed), print the cost as it goes, compare
autograd's gradients with the lecture's equations layer by layer, and write the graph pictures
(SVG), the cost plot (PNG), the cost history (CSV) and the parameters (params.npz) to --out. Without
scikit-learn it uses the generated 'flower' set; without graphviz / matplotlib it skips the pictures
/ the plot and says so. The files of --out are checked before training and written atomically; one
tinygrad-edu did not write is replaced only with --force."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from ..check import compare_gradients
from ..data import Dataset, save_network
from ..nn import DeepNetwork
from ..plot import save_cost_csv, save_cost_plot
from ..train import TrainHistory, accuracy, train
from .common import (
    DEFAULTS,
    add_force_arg,
    add_max_data_arg,
    add_resolution_args,
    check_outputs,
    command_parser,
    cost_after_backward,
    data_inputs,
    load_data,
    nonneg_int,
    one_line,
    positive_float,
    positive_int,
)

NAME = "demo"
HELP = "train the lecture's network on real data; compare, draw, plot"
#: the split seed of the fallback flower: seed 1 generates (and splits) the course's exact flower
FALLBACK_SPLIT_SEED = 1
#: the files the demo writes to --out: the network, the cost history and plot, the pictures
FILES = ("params.npz", "params.json", "costs.csv", "costs.png")
PICTURES = ("network.svg", "building_blocks.svg", "graph.svg", "graph_forward.svg", "graph_backward.svg")


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """``demo [--out DIR] [--dataset NAME] [--iterations N] [--lr α] [--seed S]``."""
    p = command_parser(subparsers, NAME, HELP, __doc__, run)
    p.add_argument("--out", default=str(DEFAULTS.out), help="output folder (default %(default)s)")
    p.add_argument("--dataset", default=DEFAULTS.dataset, help="data set name (default %(default)s)")
    p.add_argument("--iterations", type=positive_int, default=DEFAULTS.iterations,
                   help="gradient-descent iterations (default %(default)s)")
    p.add_argument("--lr", type=positive_float, default=DEFAULTS.learning_rate,
                   help="learning rate α (default %(default)s)")
    p.add_argument("--seed", type=nonneg_int, default=DEFAULTS.seed, help="random seed of the weights (default "
                   "%(default)s)")
    add_resolution_args(p, "costs.png")
    add_force_arg(p, "the files of --out")
    add_max_data_arg(p)
    return p


def _data(name: str, notes: list[str], max_data_mb: float) -> tuple[str, int, Dataset]:
    """The demo's data set, its split seed and the Dataset; the generated fallback (with a note)
    when the real data need scikit-learn and it is not installed."""
    try:
        return name, DEFAULTS.split_seed, load_data(name, split_seed=DEFAULTS.split_seed, max_data_mb=max_data_mb)
    except ImportError as e:
        if name != DEFAULTS.dataset:
            raise
        notes.append(f"no real data: {one_line(e)}; the demo used the generated '{DEFAULTS.fallback_dataset}' set "
                     "instead")
        print(f"NOTE: {notes[-1]}\n")
        return DEFAULTS.fallback_dataset, FALLBACK_SPLIT_SEED, load_data(DEFAULTS.fallback_dataset,
                                                                         split_seed=FALLBACK_SPLIT_SEED)


def run(args: argparse.Namespace) -> int:
    """Train, report, compare, then write the files (see the module's docstring)."""
    t0 = time.perf_counter()
    out = Path(args.out)
    outputs = [(out / name, "--out") for name in (*FILES, *PICTURES)]
    check_outputs(outputs, data_inputs(args.dataset), args.force, folders=[(out, "--out")])
    notes: list[str] = []
    name, split_seed, d = _data(args.dataset, notes, args.max_data_mb)
    dims = [d.n_x, *DEFAULTS.course_hidden, 1]
    print(f"Data: {d.description}")
    print(f"      X_train {d.X_train.shape} = (n[0], m), Y_train {d.Y_train.shape}, X_test {d.X_test.shape}")
    print(f"Network (lecture 4.1): layer_dims = {dims}, L = {len(dims) - 1}: relu hidden layers, a sigmoid output unit")
    print(f"Training (lecture 4.6): {args.iterations} iterations of gradient descent, learning rate α = {args.lr}, "
          f"init {DEFAULTS.init!r} (W[l] = randn / sqrt(n[l-1])), seed {args.seed}\n")
    net = DeepNetwork(dims, init=DEFAULTS.init, seed=args.seed)
    every = max(1, args.iterations // 10)

    def show(i: int, cost: float) -> None:
        if i % every == 0 or i == args.iterations - 1:
            print(f"  iteration {i:5d}   cost J = {cost:.6f}", flush=True)

    t_train = time.perf_counter()
    history = train(net, d.X_train, d.Y_train, args.iterations, args.lr, record_every=DEFAULTS.record_every,
                    callback=show)
    t_train = time.perf_counter() - t_train
    acc_train, acc_test = accuracy(net, d.X_train, d.Y_train), accuracy(net, d.X_test, d.Y_test)
    print(f"\ntrain accuracy = {acc_train:.4f}   test accuracy = {acc_test:.4f}   "
          f"({d.m_test} test examples, training took {t_train:.1f} s)\n")
    print(compare_gradients(net, d.X_train, d.Y_train))
    print()

    meta = {
        "layer_dims": dims, "activations": list(net.activations), "init": DEFAULTS.init, "dataset": name,
        "dataset_options": {}, "split_seed": split_seed, "test_fraction": DEFAULTS.test_fraction,
        "learning_rate": args.lr, "iterations": args.iterations, "seed": args.seed, "optimizer": DEFAULTS.optimizer,
        "train_accuracy": acc_train, "test_accuracy": acc_test,
    }
    check_outputs(outputs, data_inputs(args.dataset), args.force)  # nothing appeared in the way meanwhile
    written = _write(out, net, d, history, meta, notes, {"dpi": args.dpi, "width": args.width}, args.force)
    for n in notes:
        print(f"NOTE: {n}")
    print(f"Wrote {len(written)} files to {out.resolve()}:")
    for p in written:
        print(f"  {p.name}")
    print(f"Done in {time.perf_counter() - t0:.1f} s. Output folder: {out.resolve()}")
    return 0


def _write(out: Path, net: DeepNetwork, d: Dataset, history: TrainHistory, meta: dict[str, Any],
           notes: list[str], resolution: dict[str, Any], force: bool) -> list[Path]:
    """params.npz (+ .json), costs.csv, costs.png and the pictures in ``out``; what cannot be
    written for want of an optional package is noted in ``notes``. Returns the paths written."""
    written = save_network(out / FILES[0], net, meta, force=force)
    written.append(save_cost_csv(history, out / FILES[2]))
    try:
        written.append(save_cost_plot(history, out / FILES[3], title=f"cost J, layer_dims = {meta['layer_dims']}, "
                                      f"{meta['dataset']}, α = {meta['learning_rate']}", **resolution))
    except ImportError as e:
        notes.append(f"skipped costs.png: {one_line(e)}")
    try:
        written += _pictures(out, net, d)
    except (ImportError, RuntimeError) as e:
        notes.append(f"skipped the graph pictures: {one_line(e)}")
    return written


def _pictures(out: Path, net: DeepNetwork, d: Dataset) -> list[Path]:
    """The lecture's pictures of the trained network: 4.1 network, 4.6 building blocks, and the
    recorded forward and backward graph of one iteration on a few test examples."""
    from ..viz import draw_building_blocks, draw_graph, draw_network, render  # the viz extra (graphviz)

    dims, m = list(net.layer_dims), DEFAULTS.picture_m
    J = cost_after_backward(net, d.X_test[:, :m], d.Y_test[:, :m])
    graphs = [
        draw_network(dims),
        draw_building_blocks(dims),
        draw_graph(J, max_nodes=None, title=f"one iteration of the trained network on m = {m} test examples: "
                   "forward in black, backward in red"),
        draw_graph(J, direction="forward", max_nodes=None,
                   title=f"forward: the recorded graph of the trained network on m = {m} test examples"),
        draw_graph(J, direction="backward", max_nodes=None, grad_values=True,
                   title="backward: the gradients dJ/d(tensor), right to left (dW[l], db[l] are the "
                   "lecture's; dZ[l], dA[l] are the lecture's / m)"),
    ]
    written = [render(g, out / name) for g, name in zip(graphs, PICTURES)]
    net.zero_grad()
    return written
