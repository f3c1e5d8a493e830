"""The command line: ``tinygrad-edu COMMAND`` (also ``python -m tinygrad_edu COMMAND``).

Commands (``tinygrad-edu COMMAND --help`` describes each one):

* ``demo``: train the lecture's L-layer network on real data (scikit-learn's breast-cancer set),
  print the cost as it goes, compare autograd with the lecture's equations layer by layer, and
  write the graph pictures, the cost plot and the learned parameters to an output folder.
* ``train``: train any ``layer_dims`` / activations / init / learning rate on a named data set or
  a data file; progress bar; cost history as CSV and JSON and a plot; ``--save params.npz``.
* ``predict``: load saved parameters, report the accuracy, write the predictions.
* ``compare``: the layer-by-layer autograd-vs-equations report, or against a learner's own
  ``model_backward`` given as ``module:function`` or ``path.py[:function]``.
* ``gradcheck``: the course's gradient checking by centred differences.
* ``shapes``: the table of matrix dimensions of lecture 4.4.
* ``draw``: the lecture's pictures: the network (4.1), the building blocks (4.6), a small
  network's forward/backward graph, the backward pass step by step, or a trained network's graph.

Data files (``--dataset PATH``): a ``.npz`` with ``X`` (n[0], m), one example per COLUMN, and
``Y`` (1, m) of 0/1 labels, optionally ``X_test`` and ``Y_test`` (otherwise the columns are split
into train and test with ``--split-seed``); or a ``.csv`` with one example per ROW, the 0/1 label
in the last column and an optional header line. Files are used as they are (not standardised).

Errors in the arguments or the files print one line on stderr and exit with status 2 (usage) or
1 (anything else); set ``TINYGRAD_EDU_DEBUG=1`` to see the traceback instead.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import json
import os
import re
import sys
import time
import warnings
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

PROG = "tinygrad-edu"
DEFAULT_OUT = Path("tinygrad_edu_out")
LECTURE_DIMS = [3, 5, 5, 3, 1]  # the network of lecture 4.1
COURSE_HIDDEN = [20, 7, 5]  # the hidden layers of the course's L-layer application
DEMO_DATASET = "breast_cancer"
DEMO_FALLBACK = "flower"


class CLIError(Exception):
    """A problem with the arguments or the files: printed as one line, exit status 1."""


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors reported on ONE line (and a pointer to --help)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _one_line(e: BaseException) -> str:
    text = " ".join(str(e).split())
    return text or type(e).__name__


# ============================================================================ argument types


def _int_list(text: str) -> list[int]:
    """``"30,20,7,5,1"``, ``"30 20 7 5 1"`` or ``"[30, 20, 7, 5, 1]"`` -> [30, 20, 7, 5, 1]."""
    parts = [p for p in re.split(r"[,\s]+", text.strip().strip("[]()")) if p]
    try:
        dims = [int(p) for p in parts]
    except ValueError:
        raise argparse.ArgumentTypeError(
            "expected layer_dims as comma-separated positive integers n[0],n[1],...,n[L], e.g. 30,20,7,5,1; "
            f"got {text!r}"
        ) from None
    if len(dims) < 2 or any(n < 1 for n in dims):
        raise argparse.ArgumentTypeError(
            f"layer_dims needs at least two positive integers n[0],...,n[L] (input features ... output units), "
            f"got {text!r}"
        )
    return dims


def _str_list(text: str) -> list[str]:
    return [p for p in re.split(r"[,\s]+", text.strip().strip("[]()")) if p]


def _int_at_least(low: int, what: str) -> Callable[[str], int]:
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


_positive_int = _int_at_least(1, "a positive integer")
_nonneg_int = _int_at_least(0, "an integer >= 0")


def _positive_float(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not (v > 0 and np.isfinite(v)):
        raise argparse.ArgumentTypeError(f"expected a positive finite number, got {text!r}")
    return v


def _fraction(text: str) -> float:
    v = _positive_float(text)
    if v >= 1:
        raise argparse.ArgumentTypeError(f"expected a fraction between 0 and 1, got {text!r}")
    return v


def _option(text: str) -> tuple[str, Any]:
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


# ============================================================================ data


def _labels_ok(Y: np.ndarray, where: str) -> None:
    if Y.size and not np.all((Y == 0) | (Y == 1)):
        raise CLIError(f"{where}: the labels Y must be 0 or 1, found {np.unique(Y)[:5].tolist()}")


def _all_numbers(line: str) -> bool:
    try:
        [float(x) for x in line.strip().split(",") if x.strip()]
    except ValueError:
        return False
    return bool(line.strip())


def _load_file(path: Path, split_seed: int, test_fraction: float) -> Any:
    """A Dataset from a .npz (X (n[0], m), Y (1, m), optional X_test/Y_test) or a .csv (rows)."""
    from .data import Dataset, train_test_split

    if path.is_dir():
        raise CLIError(f"data file {str(path)!r} is a folder; give a .npz or .csv file")
    if not path.is_file():
        raise CLIError(f"data file {str(path)!r} does not exist")
    suffix = path.suffix.lower()
    X_test = Y_test = None
    if suffix == ".npz":
        if not zipfile.is_zipfile(path):
            raise CLIError(f"{str(path)!r} is not a .npz file (a .npz is a zip archive of arrays, as np.savez writes)")
        try:
            with np.load(path, allow_pickle=False) as f:
                arrays = {k: np.asarray(f[k], dtype=np.float64) for k in f.files}
        except Exception as e:  # a broken or non-numeric file
            raise CLIError(f"{str(path)!r} is not a readable .npz file of numeric arrays ({_one_line(e)})") from e
        if "X" not in arrays or "Y" not in arrays:
            raise CLIError(
                f"{str(path)!r} must hold arrays 'X' (n[0], m) and 'Y' (1, m), one example per column; "
                f"it holds {sorted(arrays) or 'nothing'}"
            )
        X, Y = arrays["X"], arrays["Y"]
        if Y.ndim == 1:
            Y = Y.reshape(1, -1)
        if ("X_test" in arrays) != ("Y_test" in arrays):
            raise CLIError(f"{str(path)!r} holds only one of 'X_test' and 'Y_test'; give both or neither")
        if "X_test" in arrays:
            X_test, Y_test = arrays["X_test"], arrays["Y_test"]
            if Y_test.ndim == 1:
                Y_test = Y_test.reshape(1, -1)
    elif suffix == ".csv":
        try:
            with path.open(encoding="utf-8") as f:
                first = f.readline()
            header = not _all_numbers(first)  # a first line that is not all numbers is a header
            rows = np.loadtxt(path, delimiter=",", skiprows=1 if header else 0, ndmin=2, dtype=np.float64)
        except (ValueError, OSError, UnicodeDecodeError) as e:
            raise CLIError(f"{str(path)!r} is not a CSV of numbers ({_one_line(e)})") from e
        if rows.shape[1] < 2:
            raise CLIError(f"{str(path)!r}: a CSV needs one example per row: features, then the 0/1 label last")
        X, Y = rows[:, :-1].T, rows[:, -1:].T  # rows of examples -> columns: X (n[0], m), Y (1, m)
    else:
        raise CLIError(f"data file {str(path)!r}: expected a .npz (X, Y in columns) or a .csv (examples in rows)")
    for name, A in (("X", X), ("Y", Y), ("X_test", X_test), ("Y_test", Y_test)):
        if A is not None and A.ndim != 2:
            raise CLIError(f"{str(path)!r}: {name} has shape {A.shape}, expected a matrix (one example per column)")
        if A is not None and A.ndim == 2 and A.shape[1] == 0:
            raise CLIError(f"{str(path)!r}: {name} has no examples (shape {A.shape})")
        if A is not None and not np.all(np.isfinite(A)):
            raise CLIError(f"{str(path)!r}: {name} contains NaN or infinite values; clean the data first")
    if X.shape[1] != Y.shape[1] or Y.shape[0] != 1:
        raise CLIError(
            f"{str(path)!r}: X {X.shape} and Y {Y.shape} do not fit; expected X (n[0], m) and Y (1, m), "
            "one example per column (transpose them if the examples are in rows)"
        )
    _labels_ok(Y, str(path))
    if X_test is None or Y_test is None:
        X_train, Y_train, X_test, Y_test = train_test_split(X, Y, test_fraction, split_seed)
        how = f"split {X_train.shape[1]} train / {X_test.shape[1]} test (seed {split_seed})"
    else:
        X_train, Y_train = X, Y
        if X_test.shape[0] != X.shape[0] or Y_test.shape != (1, X_test.shape[1]):
            raise CLIError(f"{str(path)!r}: X_test {X_test.shape} / Y_test {Y_test.shape} do not fit X {X.shape}")
        _labels_ok(Y_test, str(path))
        how = f"{X.shape[1]} train / {X_test.shape[1]} test as given"
    return Dataset(
        X_train, Y_train, X_test, Y_test,
        feature_names=tuple(f"x{i + 1}" for i in range(X.shape[0])), class_names=("0", "1"),
        description=f"file {path.name}: {X.shape[0]} features, {how}, not standardised",
    )


def _dataset_ref(spec: str) -> str:
    """How a saved network remembers its data: a name as is, a file by its absolute path (so that
    ``predict`` works from any folder)."""
    from .data import DATASET_NAMES

    key = spec.strip().lower().replace("-", "_")
    if key in DATASET_NAMES:
        return spec
    return ",".join(str(Path(part.strip()).resolve()) for part in spec.split(","))  # TRAIN.h5,TEST.h5 too


def _load_data(spec: str, options: Sequence[tuple[str, Any]] = (), split_seed: int = 0,
               test_fraction: float = 0.2) -> Any:
    """A named data set (see ``tinygrad_edu.data.DATASET_NAMES``) or a data file."""
    from .data import DATASET_NAMES, load_dataset

    opts = dict(options)
    key = spec.strip().lower().replace("-", "_")
    if key in DATASET_NAMES:
        if key == "parity":
            opts.setdefault("n_bits", 4)
        try:
            return load_dataset(key, test_fraction=test_fraction, seed=split_seed, **opts)
        except TypeError as e:
            raise CLIError(f"dataset {spec!r}: {_one_line(e)} (check --data-option)") from e
    if ".h5" in spec.lower() or ".hdf5" in spec.lower():  # the course's cat files: TRAIN.h5,TEST.h5
        from .data import load_cat_dataset

        parts = [p.strip() for p in spec.split(",")]
        if len(parts) != 2:
            raise CLIError(f"dataset {spec!r}: the course's HDF5 data needs both files, as TRAIN.h5,TEST.h5 "
                           "(train_catvnoncat.h5,test_catvnoncat.h5)")
        return load_cat_dataset(parts[0], parts[1])
    path = Path(spec)
    if path.suffix.lower() in (".npz", ".csv") or path.exists():
        if opts:
            raise CLIError("--data-option applies to the named data sets, not to a data file")
        return _load_file(path, split_seed, test_fraction)
    raise CLIError(f"unknown dataset {spec!r}: give one of {', '.join(DATASET_NAMES)} or a path to a .npz/.csv file")


# ============================================================================ networks and files


def _activations(args: argparse.Namespace, L: int) -> list[str]:
    from .nn import ACTIVATIONS

    acts = args.activations if getattr(args, "activations", None) else (
        [args.hidden_activation] * (L - 1) + [args.output_activation]
    )
    if len(acts) != L:
        raise CLIError(f"--activations lists {len(acts)} activations but the network has L = {L} layers")
    for a in acts:
        if a not in ACTIVATIONS:
            raise CLIError(f"unknown activation {a!r}; choose from {', '.join(ACTIVATIONS)}")
    return list(acts)


def _sidecar(params_path: Path) -> Path:
    """``params.npz`` -> ``params.json``: what the network was (activations, data set...)."""
    return params_path.with_suffix(".json")


def _save_network(path: Path, net: Any, meta: dict[str, Any]) -> list[Path]:
    from .data import save_parameters

    if path.suffix.lower() != ".npz":
        raise CLIError(f"--save {str(path)!r}: the parameters file must end in .npz (e.g. params.npz); "
                       "a .json with the same name is written beside it")
    path.parent.mkdir(parents=True, exist_ok=True)
    save_parameters(path, net.to_parameters())
    side = _sidecar(path)
    side.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return [path, side]


def _load_network(path: str | Path, activations: list[str] | None = None) -> tuple[Any, dict[str, Any]]:
    """A DeepNetwork from a .npz of W1, b1, ..., WL, bL and (if present) its .json sidecar."""
    from .data import load_parameters
    from .nn import DeepNetwork, parameters_layer_dims

    path = Path(path)
    params = load_parameters(path)
    dims = parameters_layer_dims(params, f"parameters in {str(path)!r}")
    meta: dict[str, Any] = {}
    side = _sidecar(path)
    if side.is_file():
        try:
            meta = json.loads(side.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            raise CLIError(f"{str(side)!r} is not valid JSON ({_one_line(e)})") from e
    L = len(dims) - 1
    acts = activations or meta.get("activations") or ["relu"] * (L - 1) + ["sigmoid"]
    if len(acts) != L:
        raise CLIError(f"{len(acts)} activations given for the L = {L} layers in {str(path)!r}")
    net = DeepNetwork.from_parameters({k: params[k] for k in params if re.fullmatch(r"[Wb]\d+", k)},
                                      activations=acts)
    meta.setdefault("layer_dims", dims)
    meta["activations"] = list(acts)
    return net, meta


def _load_backward(spec: str) -> Callable[..., Any]:
    """A learner's ``backward(AL, Y, caches)`` from ``module:function``, ``path.py`` (function
    ``model_backward``) or ``path.py:function``."""
    if not spec.strip():
        raise CLIError("--backward: empty; give MODULE:FUNCTION or PATH.py[:FUNCTION]")
    target, func = spec, "model_backward"
    m = re.match(r"^(.*?)(?::([A-Za-z_]\w*))?$", spec)
    if m and m.group(2) and (m.group(1).endswith(".py") or re.fullmatch(r"[\w.]+", m.group(1))):
        target, func = m.group(1), m.group(2)
    if target.endswith(".py") or os.sep in target or "/" in target:
        path = Path(target)
        if not path.is_file():
            raise CLIError(f"--backward: file {target!r} does not exist")
        name = f"_tinygrad_edu_learner_{abs(hash(str(path.resolve())))}"
        loader_spec = importlib.util.spec_from_file_location(name, path)
        if loader_spec is None or loader_spec.loader is None:
            raise CLIError(f"--backward: cannot load {target!r} as Python")
        module = importlib.util.module_from_spec(loader_spec)
        sys.path.insert(0, str(path.resolve().parent))
        try:
            loader_spec.loader.exec_module(module)
        except SystemExit as e:
            raise CLIError(f"--backward: importing {target!r} called sys.exit({e.code!r}); guard script code "
                           "with if __name__ == '__main__':") from None
        except Exception as e:  # the learner's file: report whatever it raised
            raise CLIError(f"--backward: importing {target!r} raised {type(e).__name__}: {_one_line(e)}") from e
        finally:
            sys.path.remove(str(path.resolve().parent))
    else:
        sys.path.insert(0, os.getcwd())
        try:
            module = importlib.import_module(target)
        except Exception as e:
            raise CLIError(f"--backward: cannot import module {target!r}: {type(e).__name__}: {_one_line(e)}") from e
        finally:
            sys.path.remove(os.getcwd())
    fn = getattr(module, func, None)
    if not callable(fn):
        found = sorted(k for k, v in vars(module).items() if callable(v) and not k.startswith("_"))
        raise CLIError(
            f"--backward: {target!r} has no function {func!r} (it has: {', '.join(found) or 'none'}); "
            f"write {target}:FUNCTION"
        )
    return fn


def _net_and_data(args: argparse.Namespace) -> tuple[Any, np.ndarray, np.ndarray, str]:
    """The network and the (X, Y) that compare / gradcheck / draw trained work on."""
    from .nn import DeepNetwork

    meta: dict[str, Any] = {}
    if getattr(args, "params", None):
        net, meta = _load_network(args.params, args.activations)
        what = f"the parameters in {args.params}"
    else:
        dims = args.layer_dims or LECTURE_DIMS
        net = DeepNetwork(dims, init=args.init, seed=args.seed, activations=_activations(args, len(dims) - 1))
        what = f"a random network (init {args.init!r}, seed {args.seed})"
    dims = list(net.layer_dims)
    dataset = getattr(args, "dataset", None) or meta.get("dataset")
    if dataset:
        d = _load_data(dataset, meta.get("dataset_options", {}).items() if not args.dataset else args.data_option,
                       meta.get("split_seed", 0) if not args.dataset else args.split_seed)
        if d.n_x != dims[0]:
            raise CLIError(f"the data set {dataset!r} has n[0] = {d.n_x} features but the network has n[0] = {dims[0]}")
        m = min(args.m, d.m_train) if args.m else d.m_train
        X, Y = d.X_train[:, :m], d.Y_train[:, :m]
        data = f"the first {m} training examples of {dataset}"
    else:
        m = args.m or 10
        rng = np.random.RandomState(args.seed)
        X = rng.randn(dims[0], m)  # X = A[0]: (n[0], m)
        Y = (rng.rand(dims[-1], m) > 0.5).astype(np.float64)  # (n[L], m)
        data = f"{m} random examples (seed {args.seed})"
    return net, X, Y, f"{what}, on {data}"


# ============================================================================ demo


def _demo(args: argparse.Namespace) -> int:
    """Train the course's L-layer network on breast-cancer data; check, draw and plot it."""
    from .check import compare_gradients
    from .nn import DeepNetwork, binary_cross_entropy
    from .train import accuracy, train

    t0 = time.perf_counter()
    out = Path(args.out)
    notes: list[str] = []
    name = args.dataset
    demo_split_seed = 0
    try:
        d = _load_data(name, split_seed=demo_split_seed)
    except ImportError as e:
        if name != DEMO_DATASET:
            raise
        notes.append(f"no real data: {_one_line(e)}; the demo used the generated '{DEMO_FALLBACK}' set instead")
        print(f"NOTE: {notes[-1]}\n")
        name = DEMO_FALLBACK
        demo_split_seed = 1
        d = _load_data(name, split_seed=demo_split_seed)
    dims = [d.n_x, *COURSE_HIDDEN, 1]
    L = len(dims) - 1
    print(f"Data: {d.description}")
    print(f"      X_train {d.X_train.shape} = (n[0], m), Y_train {d.Y_train.shape}, X_test {d.X_test.shape}")
    print(f"Network (lecture 4.1): layer_dims = {dims}, L = {L}: relu hidden layers, a sigmoid output unit")
    print(f"Training (lecture 4.6): {args.iterations} iterations of gradient descent, learning rate α = {args.lr}, "
          f"init W[l] = randn / sqrt(n[l-1]), seed {args.seed}\n")
    net = DeepNetwork(dims, init="xavier", seed=args.seed)
    every = max(1, args.iterations // 10)

    def show(i: int, cost: float) -> None:
        if i % every == 0 or i == args.iterations - 1:
            print(f"  iteration {i:5d}   cost J = {cost:.6f}", flush=True)

    t_train = time.perf_counter()
    history = train(net, d.X_train, d.Y_train, args.iterations, args.lr, record_every=10, callback=show)
    t_train = time.perf_counter() - t_train
    acc_train = accuracy(net, d.X_train, d.Y_train)
    acc_test = accuracy(net, d.X_test, d.Y_test)
    print(f"\ntrain accuracy = {acc_train:.4f}   test accuracy = {acc_test:.4f}   "
          f"({d.m_test} test examples, training took {t_train:.1f} s)\n")

    report = compare_gradients(net, d.X_train, d.Y_train)
    print(report)
    print()

    out.mkdir(parents=True, exist_ok=True)
    written = _save_network(out / "params.npz", net, {
        "layer_dims": dims, "activations": list(net.activations), "init": "xavier", "dataset": name,
        "dataset_options": {}, "split_seed": demo_split_seed, "test_fraction": 0.2,
        "learning_rate": args.lr, "iterations": args.iterations, "seed": args.seed, "optimizer": "gd",
        "train_accuracy": acc_train, "test_accuracy": acc_test,
    })
    from .plot import save_cost_csv, save_cost_plot

    written.append(save_cost_csv(history, out / "costs.csv"))
    try:
        written.append(save_cost_plot(history, out / "costs.png",
                                      title=f"cost J, layer_dims = {dims}, {name}, α = {args.lr}"))
    except ImportError as e:
        notes.append(f"skipped costs.png: {_one_line(e)}")
    try:
        written += _demo_pictures(out, net, d, binary_cross_entropy)
    except (ImportError, RuntimeError) as e:
        notes.append(f"skipped the graph pictures: {_one_line(e)}")
    for n in notes:
        print(f"NOTE: {n}")
    print(f"Wrote {len(written)} files to {out.resolve()}:")
    for p in written:
        print(f"  {p.name}")
    print(f"Done in {time.perf_counter() - t0:.1f} s. Output folder: {out.resolve()}")
    return 0


def _demo_pictures(out: Path, net: Any, d: Any, cost: Callable[..., Any]) -> list[Path]:
    """The lecture's pictures of the trained network: 4.1 network, 4.6 building blocks, and the
    recorded forward and backward graph of one iteration on 4 test examples."""
    from .tensor import Tensor
    from .viz import draw_building_blocks, draw_graph, draw_network, render

    dims = list(net.layer_dims)
    m = 4
    X = Tensor(d.X_test[:, :m], name="A[0]")
    Y = Tensor(d.Y_test[:, :m], name="Y")
    net.zero_grad()
    J = cost(net(X), Y).named("J")
    J.backward()
    written = [
        render(draw_network(dims), out / "network.svg"),
        render(draw_building_blocks(dims), out / "building_blocks.svg"),
        render(draw_graph(J, max_nodes=None, title=f"one iteration of the trained network on m = {m} test examples: "
                          "forward in black, backward in red"), out / "graph.svg"),
        render(draw_graph(J, direction="forward", max_nodes=None,
                          title=f"forward: the recorded graph of the trained network on m = {m} test examples"),
               out / "graph_forward.svg"),
        render(draw_graph(J, direction="backward", max_nodes=None, grad_values=True,
                          title="backward: the gradients dJ/d(tensor), right to left (dW[l], db[l] are the "
                          "lecture's; dZ[l], dA[l] are the lecture's / m)"),
               out / "graph_backward.svg"),
    ]
    net.zero_grad()
    return written


# ============================================================================ train and predict


_OPTIMIZERS = ("gd", "momentum", "adam")


def _train(args: argparse.Namespace) -> int:
    from . import optim
    from .nn import DeepNetwork
    from .plot import progress, save_cost_csv, save_cost_plot
    from .train import accuracy, train

    d = _load_data(args.dataset, args.data_option, args.split_seed, args.test_fraction)
    dims = args.layer_dims or [d.n_x, *COURSE_HIDDEN, 1]
    if dims[0] != d.n_x:
        raise CLIError(
            f"--layer-dims starts with n[0] = {dims[0]}, but the data have n[0] = {d.n_x} features (rows of X); "
            f"use --layer-dims {','.join(map(str, [d.n_x, *dims[1:]]))}"
        )
    if dims[-1] != 1:
        raise CLIError(f"--layer-dims ends with n[L] = {dims[-1]}; a binary classifier has one output unit, n[L] = 1")
    acts = _activations(args, len(dims) - 1)
    net = DeepNetwork(dims, init=args.init, seed=args.seed, activations=acts)
    opt = {"gd": optim.GradientDescent, "momentum": optim.Momentum, "adam": optim.Adam}[args.optimizer](
        net.parameters(), args.lr)
    print(f"data: {d.description}")
    print(f"network: layer_dims = {dims}, activations = {acts}, init = {args.init}, seed = {args.seed}")
    print(f"training: {args.iterations} iterations, optimizer {args.optimizer}, learning rate {args.lr}", flush=True)
    bar = progress(args.iterations, "training", plain=args.plain_progress) if not args.quiet else None
    t0 = time.perf_counter()
    try:
        history = train(net, d.X_train, d.Y_train, args.iterations, optimizer=opt, record_every=args.record_every,
                        callback=bar.update if bar else None)
    finally:
        if bar:
            bar.close()
    seconds = time.perf_counter() - t0
    acc_train = accuracy(net, d.X_train, d.Y_train)
    acc_test = accuracy(net, d.X_test, d.Y_test)
    final = history.final_cost
    print(f"final cost J = {final:.6f}   train accuracy = {acc_train:.4f}   test accuracy = {acc_test:.4f}   "
          f"({seconds:.1f} s)" if final is not None else "no iterations run")
    if final is not None and not np.isfinite(final):
        print(f"NOTE: the cost diverged (J = {final}); try a smaller --lr")
    meta = {
        "layer_dims": dims, "activations": acts, "init": args.init, "dataset": _dataset_ref(args.dataset),
        "dataset_options": dict(args.data_option), "split_seed": args.split_seed,
        "test_fraction": args.test_fraction, "learning_rate": args.lr, "iterations": args.iterations,
        "seed": args.seed, "optimizer": args.optimizer, "train_accuracy": acc_train, "test_accuracy": acc_test,
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    written = [save_cost_csv(history, out / "costs.csv")]
    (out / "history.json").write_text(json.dumps({
        **meta, "record_every": history.record_every, "recorded_iterations": history.iterations,
        "costs": [c if np.isfinite(c) else None for c in history.costs],  # JSON has no NaN: null
        "final_cost": final if np.isfinite(final) else None, "seconds": seconds,
    }, indent=2) + "\n", encoding="utf-8")
    written.append(out / "history.json")
    if not args.no_plot:
        try:
            written.append(save_cost_plot(history, out / "costs.png",
                                          title=f"layer_dims = {dims}, {args.optimizer}, α = {args.lr}"))
        except ImportError as e:
            print(f"NOTE: skipped costs.png: {_one_line(e)}")
    if args.save:
        written += _save_network(Path(args.save), net, meta)
    print("wrote: " + ", ".join(str(p) for p in written))
    return 0


def _predict(args: argparse.Namespace) -> int:
    from .train import predict

    net, meta = _load_network(args.params, args.activations)
    dataset = args.dataset or meta.get("dataset")
    if not dataset:
        raise CLIError(f"no data: give --dataset (there is no {str(_sidecar(Path(args.params)))!r} naming one)")
    own = not args.dataset or args.dataset == meta.get("dataset")
    d = _load_data(dataset, meta.get("dataset_options", {}).items() if own else args.data_option,
                   meta.get("split_seed", 0) if own and args.split_seed is None else (args.split_seed or 0),
                   meta.get("test_fraction", 0.2) if own else 0.2)
    if d.n_x != net.layer_dims[0]:
        raise CLIError(f"the data have n[0] = {d.n_x} features but the network in {args.params!r} expects "
                       f"n[0] = {net.layer_dims[0]}")
    parts = {"train": (d.X_train, d.Y_train), "test": (d.X_test, d.Y_test)}
    print(f"network: layer_dims = {list(net.layer_dims)}, activations = {list(net.activations)} from {args.params}")
    print(f"data: {d.description}")
    for part, (X, Y) in parts.items():
        pred = predict(net, X)
        correct = int(np.sum(pred == Y))
        print(f"{part} accuracy = {correct / Y.shape[1]:.4f} ({correct}/{Y.shape[1]})")
    if args.output:
        X, Y = parts[args.on] if args.on != "all" else (
            np.concatenate([d.X_train, d.X_test], axis=1), np.concatenate([d.Y_train, d.Y_test], axis=1))
        from .tensor import no_grad

        with no_grad():
            AL = net(X).data
        out = Path(args.output)
        out.parent.mkdir(parents=True, exist_ok=True)
        with out.open("w", encoding="utf-8") as f:
            f.write("example,probability,prediction,label\n")
            for j in range(X.shape[1]):
                f.write(f"{j},{float(AL[0, j])!r},{int(AL[0, j] > 0.5)},{int(Y[0, j])}\n")
        print(f"wrote {X.shape[1]} predictions ({args.on} set) to {out}")
    return 0


# ============================================================================ compare, gradcheck, shapes


def _compare(args: argparse.Namespace) -> int:
    from .check import compare_gradients

    net, X, Y, what = _net_and_data(args)
    backward = _load_backward(args.backward) if args.backward is not None else None
    print(f"checking {what}" + (f", against {args.backward}" if backward else "") + "\n")
    report = compare_gradients(net, X, Y, backward=backward)
    print(report)
    return 0 if report.ok else 1


def _gradcheck(args: argparse.Namespace) -> int:
    from .check import gradcheck, gradcheck_parameters
    from .manual import model_forward
    from .nn import binary_cross_entropy

    net, X, Y, what = _net_and_data(args)
    print(f"gradient checking {what}")
    if args.backward is not None:
        fn = _load_backward(args.backward)
        params = net.to_parameters()
        AL, caches = model_forward(X, params)
        try:
            grads = fn(AL, Y, caches)
        except SystemExit as e:
            raise CLIError(f"your backward {args.backward} called sys.exit({e.code!r}) instead of returning grads") \
                from None
        except Exception as e:  # the learner's code
            raise CLIError(f"your backward {args.backward} raised {type(e).__name__}: {_one_line(e)}") from e
        print(f"checking the gradients of {args.backward}\n")
        result = gradcheck_parameters(params, X, Y, grads, eps=args.eps, max_entries=args.max_entries)
    else:
        print("checking autograd's gradients\n")
        result = gradcheck(lambda: binary_cross_entropy(net(X), Y), net, eps=args.eps, max_entries=args.max_entries)
    print(result)
    return 0 if result.ok else 1


def _shapes(args: argparse.Namespace) -> int:
    from .check import dimension_table

    dims = args.layer_dims
    if args.params:
        dims = list(_load_network(args.params)[0].layer_dims)
    print(dimension_table(dims or LECTURE_DIMS, args.m))
    return 0


# ============================================================================ draw


DRAWINGS = ("network", "blocks", "graph", "steps", "trained")


def _small_network_cost(dims: list[int], m: int, seed: int, acts: list[str]) -> Any:
    """A DeepNetwork on m random examples and its cost J after backward (all tensors named)."""
    from .nn import DeepNetwork, binary_cross_entropy
    from .tensor import Tensor

    rng = np.random.RandomState(seed)
    net = DeepNetwork(dims, init="he", seed=seed, activations=acts)
    X = Tensor(rng.randn(dims[0], m), name="A[0]")
    Y = Tensor((rng.rand(dims[-1], m) > 0.5).astype(np.float64), name="Y")
    J = binary_cross_entropy(net(X), Y).named("J")
    J.backward()
    return J


def _collapse(text: str) -> str | bool:
    choices = {"auto": "auto", "layers": "layers", "yes": "layers", "no": False}
    if text not in choices:
        raise argparse.ArgumentTypeError(f"expected one of auto, layers, no; got {text!r}")
    return choices[text]


def _draw(args: argparse.Namespace) -> int:
    from .viz import draw_building_blocks, draw_graph, draw_network, render, render_backward_steps

    what = args.what
    suffix = "." + args.format
    out = Path(args.out) if args.out else DEFAULT_OUT / (what if what == "steps" else what + suffix)
    if what != "steps" and not out.suffix:
        out = out.with_suffix(suffix)
    dims = args.layer_dims
    if what == "network":
        path = render(draw_network(dims or LECTURE_DIMS), out)
    elif what == "blocks":
        path = render(draw_building_blocks(dims or LECTURE_DIMS, m=args.m), out)
    elif what in ("graph", "steps"):
        dims = dims or [3, 4, 1]
        J = _small_network_cost(dims, args.m or 4, args.seed, _activations(args, len(dims) - 1))
        if what == "steps":
            path = render_backward_steps(J, out)
        else:
            path = render(draw_graph(J, direction=args.direction, grad_values=True, legend=args.legend,
                                     max_nodes=args.max_nodes, show_cache=args.show_cache,
                                     collapse=args.collapse, fold_unnamed=args.fold_unnamed), out)
    else:  # trained
        if not args.params:
            raise CLIError("draw trained needs --params PARAMS.npz (from 'tinygrad-edu train --save' or the demo)")
        from .nn import binary_cross_entropy
        from .tensor import Tensor

        args.m = args.m or 4
        net, X, Y, what_ = _net_and_data(args)
        J = binary_cross_entropy(net(Tensor(X, name="A[0]")), Tensor(Y, name="Y")).named("J")
        J.backward()
        path = render(draw_graph(J, direction=args.direction, grad_values=True, legend=args.legend,
                                 max_nodes=args.max_nodes, title=f"{what_}", show_cache=args.show_cache,
                                 collapse=args.collapse, fold_unnamed=args.fold_unnamed), out)
    print(f"wrote {path}")
    return 0


# ============================================================================ the parser


def _add_network_args(p: argparse.ArgumentParser, dims_default: str, params: bool = True, data: bool = True) -> None:
    from .nn import ACTIVATIONS, INITS

    g = p.add_argument_group("network")
    g.add_argument("--layer-dims", type=_int_list, default=None, metavar="N0,N1,...,NL",
                   help=f"layer_dims = [n[0], ..., n[L]] (default {dims_default})")
    g.add_argument("--activations", type=_str_list, default=None, metavar="G1,...,GL",
                   help=f"one activation per layer, from {', '.join(ACTIVATIONS)} (overrides the two below)")
    g.add_argument("--hidden-activation", default="relu", choices=ACTIVATIONS, help="g[l] for l < L (default relu)")
    g.add_argument("--output-activation", default="sigmoid", choices=ACTIVATIONS, help="g[L] (default sigmoid)")
    g.add_argument("--init", default="he", choices=INITS, help="weight initialisation (default %(default)s)")
    g.add_argument("--seed", type=_nonneg_int, default=1, help="random seed of the weights and random data (default 1)")
    if params:
        g.add_argument("--params", default=None, metavar="FILE.npz",
                       help="use saved parameters (from 'train --save' or the demo) instead of a random network")
    if data:
        _add_data_args(p, default=None, required=False)
        p.add_argument("--m", type=_positive_int, default=None,
                       help="number of examples m (default: a few for pictures, else the whole training set)")


def _add_data_args(p: argparse.ArgumentParser, default: str | None, required: bool) -> None:
    from .data import DATASET_NAMES

    g = p.add_argument_group("data")
    g.add_argument("--dataset", default=default, metavar="NAME|PATH",
                   help=f"a data set ({', '.join(DATASET_NAMES)}), a .npz (X, Y in columns) / .csv (examples in "
                   "rows, label last) file, or the course's cat files as TRAIN.h5,TEST.h5"
                   + (f" (default {default})" if default else ""))
    g.add_argument("--data-option", type=_option, action="append", default=[], metavar="KEY=VALUE",
                   help="an option of the named data set, e.g. n_bits=6 (parity), digit=3 (digits); repeatable")
    g.add_argument("--split-seed", type=_nonneg_int, default=0, help="seed of the train/test split (default 0)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``tinygrad-edu`` and its commands."""
    parser = _Parser(prog=PROG, description="tinygrad_edu: the deep L-layer network lecture (Deep Learning "
                     "course 1, week 4), running. Each command has --help.")
    from . import __version__

    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    fmt = argparse.HelpFormatter

    p = sub.add_parser("demo", help="train the lecture's network on real data; compare, draw, plot",
                       description="Train the course's L-layer network (layer_dims = [n[0], 20, 7, 5, 1], relu "
                       "hidden layers, sigmoid output) on scikit-learn's breast-cancer set (no network needed), print "
                       "the cost as it goes, compare autograd's gradients with the lecture's equations layer by "
                       "layer, and write the graph pictures (SVG), the cost plot (PNG), the cost history (CSV) and "
                       "the parameters (params.npz) to --out. Without scikit-learn it uses the generated 'flower' "
                       "set; without graphviz / matplotlib it skips the pictures / the plot and says so.",
                       formatter_class=fmt)
    p.add_argument("--out", default=str(DEFAULT_OUT), help="output folder (default %(default)s)")
    p.add_argument("--dataset", default=DEMO_DATASET, help="data set name (default %(default)s)")
    p.add_argument("--iterations", type=_positive_int, default=2500,
                   help="gradient-descent iterations (default %(default)s)")
    p.add_argument("--lr", type=_positive_float, default=0.0075, help="learning rate α (default %(default)s)")
    p.add_argument("--seed", type=_nonneg_int, default=1, help="random seed of the weights (default %(default)s)")
    p.set_defaults(func=_demo)

    p = sub.add_parser("train", help="train a network; progress bar; cost history CSV/JSON and plot; --save",
                       description="Train a DeepNetwork by the lecture's loop (forward, cost, backward, update). "
                       "Writes costs.csv, history.json (settings, cost history, accuracies) and costs.png to --out; "
                       "--save writes the parameters W1, b1, ..., WL, bL to a .npz (and the settings to a .json "
                       "beside it) for 'predict'.", formatter_class=fmt)
    _add_data_args(p, default=DEMO_DATASET, required=False)
    p.add_argument("--test-fraction", type=_fraction, default=0.2,
                   help="share of the examples kept for testing (default %(default)s)")
    _add_network_args(p, "[n[0], 20, 7, 5, 1], n[0] from the data", params=False, data=False)
    p.set_defaults(init="xavier")
    p.add_argument("--lr", type=_positive_float, default=0.0075, help="learning rate α (default %(default)s)")
    p.add_argument("--iterations", type=_nonneg_int, default=2500, help="number of iterations (default %(default)s)")
    p.add_argument("--optimizer", default="gd", choices=_OPTIMIZERS,
                   help="gd = the lecture's gradient descent (default %(default)s)")
    p.add_argument("--record-every", type=_positive_int, default=10,
                   help="record the cost every k iterations (default %(default)s)")
    p.add_argument("--out", default=str(DEFAULT_OUT / "train"),
                   help="folder for costs.csv, history.json, costs.png (default %(default)s)")
    p.add_argument("--save", default=None, metavar="PARAMS.npz", help="write the learned parameters here")
    p.add_argument("--no-plot", action="store_true", help="do not draw costs.png")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--plain-progress", action="store_true", help="a plain text progress bar even if tqdm is installed")
    p.set_defaults(func=_train)

    p = sub.add_parser("predict", help="load saved parameters, report accuracy, write predictions",
                       description="Load parameters saved by 'train --save' (or the demo's params.npz), report the "
                       "accuracy on the train and test sets of the data set they were trained on (or --dataset), "
                       "and with --output write example,probability,prediction,label rows.", formatter_class=fmt)
    p.add_argument("params", metavar="PARAMS.npz", help="the saved parameters")
    p.add_argument("--dataset", default=None, metavar="NAME|PATH",
                   help="data set name or file (default: the one named in PARAMS.json)")
    p.add_argument("--data-option", type=_option, action="append", default=[], metavar="KEY=VALUE",
                   help="an option of the named data set (when not the one trained on)")
    p.add_argument("--split-seed", type=_nonneg_int, default=None, help="seed of the split (default: as trained)")
    p.add_argument("--activations", type=_str_list, default=None, metavar="G1,...,GL",
                   help="activations (default: from PARAMS.json, else relu hidden, sigmoid output)")
    p.add_argument("--output", default=None, metavar="FILE.csv", help="write the predictions here")
    p.add_argument("--on", default="test", choices=("train", "test", "all"),
                   help="which examples --output covers (default %(default)s)")
    p.set_defaults(func=_predict)

    p = sub.add_parser("compare", help="autograd vs the lecture's equations (or your backward), layer by layer",
                       description="Compare autograd's dZ[l], dA[l-1], dW[l], db[l] with the lecture's hand-derived "
                       "equations, or with your own model_backward(AL, Y, caches) given as --backward module:function "
                       "or path.py[:function] (default function name model_backward; the course's cache layout "
                       "caches[l-1] = ((A[l-1], W[l], b[l]), Z[l])). Exit status 1 when they disagree.",
                       formatter_class=fmt)
    _add_network_args(p, ",".join(map(str, LECTURE_DIMS)))
    p.add_argument("--backward", default=None, metavar="MODULE:FUNCTION|PATH.py[:FUNCTION]",
                   help="your backward function")
    p.set_defaults(func=_compare)

    p = sub.add_parser("gradcheck", help="gradient checking by centred differences",
                       description="The course's gradient checking: each parameter entry is moved by ±ε and "
                       "(J(θ+ε) − J(θ−ε)) / 2ε is compared with the backward pass's gradient (autograd's, or your "
                       "--backward's). Exit status 1 when the relative error is above 2e-7.", formatter_class=fmt)
    _add_network_args(p, ",".join(map(str, LECTURE_DIMS)))
    p.add_argument("--backward", default=None, metavar="MODULE:FUNCTION|PATH.py[:FUNCTION]",
                   help="check your backward function instead of autograd")
    p.add_argument("--eps", type=_positive_float, default=1e-7, help="ε (default %(default)s)")
    p.add_argument("--max-entries", type=_positive_int, default=None, help="check at most this many entries per "
                   "parameter (chosen at random)")
    p.set_defaults(func=_gradcheck)

    p = sub.add_parser("shapes", help="the matrix dimensions of lecture 4.4",
                       description="The shapes of W[l], b[l], Z[l], A[l] (and of their gradients) for every layer.",
                       formatter_class=fmt)
    p.add_argument("layer_dims", nargs="?", type=_int_list, default=None, metavar="N0,N1,...,NL",
                   help=f"layer_dims (default the lecture's {','.join(map(str, LECTURE_DIMS))})")
    p.add_argument("--m", type=_positive_int, default=None, help="number of examples (default: the symbol m)")
    p.add_argument("--params", default=None, metavar="FILE.npz", help="take layer_dims from saved parameters")
    p.set_defaults(func=_shapes)

    p = sub.add_parser("draw", help="render the lecture's pictures",
                       description="network: the network of lecture 4.1; blocks: the building blocks of 4.6; graph: "
                       "a small network's recorded forward (black) and backward (red) graph; steps: the backward pass "
                       "one step at a time (a folder of SVGs and an index.html); trained: the graph of a network "
                       "loaded with --params on a few examples. SVG works without Graphviz's dot (through the "
                       "viz extra); PNG and PDF need dot.", formatter_class=fmt)
    p.add_argument("what", choices=DRAWINGS, help="which picture")
    _add_network_args(p, "3,5,5,3,1 (network, blocks) or 3,4,1 (graph, steps)")
    p.add_argument("--direction", default="both", choices=("both", "forward", "backward"),
                   help="graph/trained: which passes to draw (default %(default)s)")
    p.add_argument("--legend", action="store_true", help="graph/trained: draw the colour legend")
    p.add_argument("--show-cache", action="store_true",
                   help="graph/trained: draw the values each op saved for its backward step (the cache)")
    p.add_argument("--collapse", default="auto", type=_collapse,
                   help="graph/trained: 'layers' draws each layer as one forward and one backward box (4.6), "
                        "'no' never collapses, 'auto' (default) collapses a graph larger than --max-nodes")
    p.add_argument("--fold-unnamed", action="store_true",
                   help="graph/trained: draw unnamed results (W[l] A[l-1]) inside their op, for a smaller picture")
    p.add_argument("--max-nodes", type=int, default=80,
                   help="graph/trained: collapse into building blocks beyond this many nodes (default %(default)s)")
    p.add_argument("--format", default="svg", choices=("svg", "png", "pdf", "dot"),
                   help="file format when --out has no suffix (default %(default)s)")
    p.add_argument("--out", default=None, help=f"output file (folder for steps; default {DEFAULT_OUT}/WHAT.svg)")
    p.set_defaults(func=_draw)
    return parser


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
    try:
        # numpy's RuntimeWarnings (overflow while a learning rate diverges, ...) would print extra
        # lines; the commands report such outcomes themselves ("the cost diverged: ...")
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print(f"{PROG} {args.command}: interrupted", file=sys.stderr)
        return 130
    except (CLIError, ValueError, TypeError, OSError, ImportError, RuntimeError, KeyError) as e:
        if os.environ.get("TINYGRAD_EDU_DEBUG"):
            raise
        print(f"{PROG} {args.command}: error: {_one_line(e)}", file=sys.stderr)
        return 1
    except SystemExit as e:  # raised by a learner's code run through --backward
        print(f"{PROG} {args.command}: error: the code under test called sys.exit({e.code!r}) instead of "
              "returning", file=sys.stderr)
        return 1
    except MemoryError:
        print(f"{PROG} {args.command}: error: not enough memory for these sizes (check --layer-dims and --m)",
              file=sys.stderr)
        return 1
    except Exception as e:  # anything unforeseen still gets one line (TINYGRAD_EDU_DEBUG=1 for the traceback)
        if os.environ.get("TINYGRAD_EDU_DEBUG"):
            raise
        print(f"{PROG} {args.command}: error: {type(e).__name__}: {_one_line(e)} "
              "(set TINYGRAD_EDU_DEBUG=1 to see the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
