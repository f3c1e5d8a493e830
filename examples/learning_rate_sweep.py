"""Lecture 4.7, Idea -> Code -> Experiment: a learning-rate sweep, all cost curves on one plot.

The learning rate α is a hyperparameter: it is not learned, it is chosen by trying. The same
network (same data, same initial weights) is trained once per α and the cost J is plotted against
the iterations, one curve per α, as in the lecture's figure: too small an α falls slowly, a good
one falls fast and low, too large an α oscillates or blows up.

Each trial is independent, so with ``--workers N`` they run in N worker processes on this machine
(the standard library's ``concurrent.futures.ProcessPoolExecutor``). The results do not depend on
the number of workers: every trial starts from the same seed and computes the same numbers.

Run:  python examples/learning_rate_sweep.py [--lrs 0.001,0.0075,0.05,0.5] [--iterations N]
          [--workers N] [--dataset NAME] [--out DIR] [--quick]
Writes lr_sweep.png (needs matplotlib, the ``plot`` extra) and lr_sweep.csv to --out
(default tinygrad_edu_out/lr_sweep). The default data set, breast_cancer, needs scikit-learn.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tinygrad_edu.data import Dataset, load_dataset
from tinygrad_edu.nn import DeepNetwork
from tinygrad_edu.train import accuracy, train

DEFAULT_LRS = (0.0005, 0.0075, 0.05, 0.5, 10.0)
HIDDEN = (20, 7, 5)


@dataclass(frozen=True)
class Trial:
    """One experiment: train ``[n[0], *hidden, 1]`` with learning rate ``lr``."""

    lr: float
    iterations: int
    dataset: str = "breast_cancer"
    hidden: tuple[int, ...] = HIDDEN
    seed: int = 1
    record_every: int = 10


@dataclass
class Result:
    trial: Trial
    iterations: list[int] = field(default_factory=list)
    costs: list[float] = field(default_factory=list)
    train_accuracy: float = 0.0
    test_accuracy: float = 0.0
    seconds: float = 0.0
    pid: int = 0


@functools.lru_cache(maxsize=4)
def _data(name: str) -> Dataset:
    """Each worker process loads the data once."""
    return load_dataset(name, seed=0)


def run_trial(trial: Trial) -> Result:
    """Train one network; a top-level function so worker processes can run it."""
    t0 = time.perf_counter()
    d = _data(trial.dataset)
    net = DeepNetwork([d.n_x, *trial.hidden, 1], init="xavier", seed=trial.seed)  # the same W[l] for every α
    with np.errstate(over="ignore", invalid="ignore"):
        h = train(net, d.X_train, d.Y_train, trial.iterations, trial.lr, record_every=trial.record_every)
        acc_train, acc_test = accuracy(net, d.X_train, d.Y_train), accuracy(net, d.X_test, d.Y_test)
    return Result(trial, h.iterations, h.costs, acc_train, acc_test, time.perf_counter() - t0, os.getpid())


def sweep(lrs: Sequence[float], iterations: int, workers: int = 1, dataset: str = "breast_cancer",
          seed: int = 1) -> list[Result]:
    """One trial per learning rate; with ``workers`` > 1 in that many processes. Results come
    back in the order of ``lrs``."""
    trials = [Trial(float(lr), iterations, dataset, HIDDEN, seed) for lr in lrs]
    if workers <= 1:
        return [run_trial(t) for t in trials]
    with ProcessPoolExecutor(max_workers=workers, initializer=_one_blas_thread) as pool:
        return list(pool.map(run_trial, trials))


def _one_blas_thread() -> None:
    """In a worker: let numpy's BLAS use one thread, so that N workers share N cores instead of
    each starting threads of its own (needs threadpoolctl; without it the workers still run)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(limits=1)


def _floats(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.replace(" ", "").split(",") if v]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None
    if not values or not all(v > 0 and np.isfinite(v) for v in values):
        raise argparse.ArgumentTypeError(f"expected positive learning rates, e.g. 0.001,0.01,0.1; got {text!r}")
    return values


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    quick = os.environ.get("TINYGRAD_EDU_QUICK") == "1"
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lrs", type=_floats, default=list(DEFAULT_LRS), help="comma-separated learning rates")
    p.add_argument("--iterations", type=int, default=None, help="default 2000 (200 with --quick)")
    p.add_argument("--workers", type=int, default=1, help="worker processes (default 1: run in this process)")
    p.add_argument("--dataset", default="breast_cancer", help="data set name (default breast_cancer)")
    p.add_argument("--seed", type=int, default=1, help="seed of the initial weights, the same for every α")
    p.add_argument("--out", default=str(Path("tinygrad_edu_out") / "lr_sweep"), help="output folder")
    p.add_argument("--quick", action="store_true", help="a reduced run, for the tests")
    args = p.parse_args(argv)
    from tinygrad_edu.data import DATASET_NAMES

    if args.dataset not in DATASET_NAMES:
        p.error(f"--dataset: unknown data set {args.dataset!r}; choose from {', '.join(DATASET_NAMES)}")
    if args.workers < 1 or (args.iterations is not None and args.iterations < 0):
        p.error("--workers must be >= 1 and --iterations >= 0")
    iterations = args.iterations if args.iterations is not None else (200 if (args.quick or quick) else 2000)

    t0 = time.perf_counter()
    results = sweep(args.lrs, iterations, args.workers, args.dataset, args.seed)
    wall = time.perf_counter() - t0
    print(f"{len(results)} trials of {iterations} iterations on {args.dataset}, layer_dims = [n[0], "
          f"{', '.join(map(str, HIDDEN))}, 1], {args.workers} worker(s): {wall:.1f} s\n")
    print(f"{'α':>10}  {'J at 0':>9}  {'final J':>9}  {'train acc':>9}  {'test acc':>8}  {'s':>5}  pid")
    for r in results:
        final = r.costs[-1] if r.costs else float("nan")
        print(f"{r.trial.lr:>10g}  {r.costs[0]:>9.4f}  {final:>9.4f}  {r.train_accuracy:>9.4f}  "
              f"{r.test_accuracy:>8.4f}  {r.seconds:>5.2f}  {r.pid}")
    good = [r for r in results if np.isfinite(r.costs[-1])]
    best = min(good, key=lambda r: r.costs[-1]) if good else None
    if best is not None:
        print(f"\nlowest final cost: α = {best.trial.lr:g} (J = {best.costs[-1]:.4f}); choose α on a dev set, "
              "not by the training cost alone")

    from tinygrad_edu.plot import save_cost_csv, save_cost_plot

    out = Path(args.out)
    curves = {f"α = {r.trial.lr:g}": (r.iterations, r.costs) for r in results}
    written = [save_cost_csv(curves, out / "lr_sweep.csv")]
    try:
        written.append(save_cost_plot(curves, out / "lr_sweep.png", log=True,
                                      title=f"learning-rate sweep on {args.dataset} (lecture 4.7)"))
    except ImportError as e:
        print(f"NOTE: no plot: {e}")
    print("wrote: " + ", ".join(str(w) for w in written))
    return {"results": results, "written": written, "seconds": wall}


if __name__ == "__main__":
    main(sys.argv[1:])
