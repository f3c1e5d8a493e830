"""network: the network of lecture 4.1; blocks: the building blocks of 4.6; graph: a small network's
recorded forward (black) and backward (red) graph; steps: the backward pass one step at a time (a
folder of SVGs and an index.html); trained: the graph of a network loaded with --params on a few
examples. SVG works without Graphviz's dot (through the viz extra); PNG and PDF need dot. --out is
checked before any drawing and written atomically; a file tinygrad-edu did not write is replaced
only with --force."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import message
from ..lecture import example_data
from ..nn import DeepNetwork
from ..tensor import Tensor
from .common import (
    DEFAULTS,
    CLIError,
    activations,
    add_force_arg,
    add_network_args,
    add_resolution_args,
    check_outputs,
    collapse,
    command_parser,
    cost_after_backward,
    data_inputs,
    dims_text,
    net_and_data,
    network_inputs,
)

NAME = "draw"
HELP = "render the lecture's pictures"
DRAWINGS = ("network", "blocks", "graph", "steps", "trained")
FORMATS = ("svg", "png", "pdf", "dot")


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """``draw {network,blocks,graph,steps,trained} [network] [data] [picture options] [--out FILE]``."""
    p = command_parser(subparsers, NAME, HELP, __doc__, run)
    p.add_argument("what", choices=DRAWINGS, help="which picture")
    add_network_args(p, f"{dims_text(DEFAULTS.lecture_dims)} (network, blocks) or {dims_text(DEFAULTS.picture_dims)} "
                        "(graph, steps)")
    p.add_argument("--direction", default="both", choices=("both", "forward", "backward"),
                   help="graph/trained: which passes to draw (default %(default)s)")
    p.add_argument("--legend", action="store_true", help="graph/trained: draw the colour legend")
    p.add_argument("--show-cache", action="store_true",
                   help="graph/trained: draw the values each op saved for its backward step (the cache)")
    p.add_argument("--collapse", default="auto", type=collapse,
                   help="graph/trained: 'layers' draws each layer as one forward and one backward box (4.6), "
                        "'no' never collapses, 'auto' (default) collapses a graph larger than --max-nodes")
    p.add_argument("--fold-unnamed", action="store_true",
                   help="graph/trained: draw unnamed results (W[l] A[l-1]) inside their op, for a smaller picture")
    p.add_argument("--max-nodes", type=int, default=DEFAULTS.max_nodes,
                   help="graph/trained: collapse into building blocks beyond this many nodes (default %(default)s)")
    p.add_argument("--all-layers", action="store_true",
                   help="graph/trained/blocks: draw every layer of a network of more than 8 (default: the first two, "
                        "one '⋯' block and the last two)")
    add_resolution_args(p, "the picture")
    p.add_argument("--format", default=DEFAULTS.picture_format, choices=FORMATS,
                   help="file format when --out has no suffix (default %(default)s)")
    p.add_argument("--out", default=None, help=f"output file (folder for steps; default {DEFAULTS.out}/WHAT.svg)")
    add_force_arg(p, "--out")
    return p


def _out(args: argparse.Namespace) -> Path:
    """--out, or tinygrad_edu_out/WHAT.FORMAT (a folder for steps); a file without suffix gets --format's."""
    suffix = "." + args.format
    out = Path(args.out) if args.out else DEFAULTS.out / (args.what if args.what == "steps" else args.what + suffix)
    if args.what != "steps" and not out.suffix:
        out = out.with_suffix(suffix)
    return out


def _check_out(args: argparse.Namespace, out: Path) -> None:
    """--out (for steps: the folder and its two files) can be written, before any drawing."""
    from ..viz.steps import STEPS_FILES  # (numpy only: no graphviz needed to name the files)

    steps = args.what == "steps"
    outputs = [(out / name, "--out") for name in STEPS_FILES] if steps else [(out, "--out")]
    inputs = network_inputs(args.params) + data_inputs(args.dataset)
    check_outputs(outputs, inputs, args.force, folders=[(out, "--out")] if steps else [])


def _example_cost(args: argparse.Namespace) -> Tensor:
    """J of a random network of --layer-dims (default 3,4,1) on --m random examples (default 4),
    after backward, every tensor named: the graph the 'graph' and 'steps' pictures show."""
    dims = args.layer_dims or list(DEFAULTS.picture_dims)
    net = DeepNetwork(dims, init=args.init, seed=args.seed, activations=activations(args, len(dims) - 1))
    X, Y = example_data(dims, args.m or DEFAULTS.picture_m, args.seed)  # X (n[0], m), Y (n[L], m)
    return cost_after_backward(net, X, Y)


def run(args: argparse.Namespace) -> int:
    """Draw the picture and say where it was written."""
    from ..viz import draw_building_blocks, draw_graph, draw_network, render, render_backward_steps  # the viz extra

    what, out = args.what, _out(args)
    _check_out(args, out)
    dims = args.layer_dims or list(DEFAULTS.lecture_dims)
    options = {"direction": args.direction, "grad_values": True, "legend": args.legend, "max_nodes": args.max_nodes,
               "show_cache": args.show_cache, "collapse": args.collapse, "fold_unnamed": args.fold_unnamed,
               "all_layers": args.all_layers}
    resolution = {"dpi": args.dpi, "width": args.width}
    if what == "steps":
        if args.dpi is not None or args.width is not None:
            raise CLIError(message("draw steps", "--dpi and --width apply to PNG pictures; the steps page is HTML "
                                                 "with a zoom of its own"))
        path = render_backward_steps(_example_cost(args), out)
    elif what == "network":
        path = render(draw_network(dims), out, **resolution)
    elif what == "blocks":
        acts = activations(args, len(dims) - 1)  # --activations, --hidden-activation, --output-activation
        path = render(draw_building_blocks(dims, m=args.m, all_layers=args.all_layers, activations=acts), out,
                      **resolution)
    elif what == "graph":
        path = render(draw_graph(_example_cost(args), **options), out, **resolution)
    else:  # trained
        if not args.params:
            raise CLIError(message("draw trained", "needs --params PARAMS.npz",
                                   "from 'tinygrad-edu train --save' or the demo"))
        args.m = args.m or DEFAULTS.picture_m
        net, X, Y, title = net_and_data(args)
        path = render(draw_graph(cost_after_backward(net, X, Y), title=title, **options), out, **resolution)
    print(f"wrote {path}")
    return 0
