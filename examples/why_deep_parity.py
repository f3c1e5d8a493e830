"""Lecture 4.5, why deep: n-bit parity, a deep narrow network against one hidden layer.

The lecture's circuit-theory argument: the parity y = x1 XOR x2 XOR ... XOR xn can be computed
by a tree of XORs of depth O(log n) with O(n) gates, while a circuit with ONE hidden layer of
AND/OR gates needs about 2^(n-1) of them (one per odd pattern). This example runs the experiment
with networks trained by gradient descent on all 2^n patterns (``make_parity(n)``):

* shallow: layer_dims = [n, h, 1]; the smallest h for which some seed reaches 100% accuracy;
* deep and narrow: layer_dims = [n, 4, 4, ..., 4, 1] with ceil(log2 n) hidden layers of 4 units
  (hidden units growing like log n); the best accuracy over the seeds.

Both use tanh hidden units, a sigmoid output, the cross-entropy cost and Adam (the same budget of
iterations; a run stops as soon as every pattern is right).

What we measured (seed-dependent, see the table the script prints): for n = 2..7 the shallow
network needed 3, 3, 6, 6, 6, 9 hidden units, growing with n, while the deep network kept width 4
and reached 100% for every n; it has fewer parameters than the shallow one only from n = 7
(77 against 82), and more hidden units throughout this small range. Nowhere near 2^(n-1): the
lecture's count is for AND/OR gates, and a tanh/sigmoid unit is more powerful than a gate, since it
sums its inputs: n + 1 threshold units in ONE hidden layer compute the parity exactly (unit k fires
when at least k bits are on; the output adds them with alternating signs). So with neural units
the shallow network's need grows about linearly, not exponentially; the exponential separation
of the circuit argument is about gates, and the advantage of depth for parity is much smaller
for trainable units than the lecture's slide suggests.

Run:  python examples/why_deep_parity.py [--max-bits 7] [--iterations 3000] [--seeds 3] [--quick]
Writes why_deep_parity.png (matplotlib) and why_deep_parity.csv to --out
(default tinygrad_edu_out/why_deep). Needs numpy only (and matplotlib for the plot).
"""

from __future__ import annotations

import argparse
import csv
import math
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tinygrad_edu.data import make_parity
from tinygrad_edu.files import atomic_open
from tinygrad_edu.nn import DeepNetwork, binary_cross_entropy
from tinygrad_edu.optim import Adam
from tinygrad_edu.tensor import no_grad

DEEP_WIDTH = 4


def deep_hidden(n_bits: int) -> list[int]:
    """The deep narrow network's hidden layers: ceil(log2 n) layers of 4 units (at least 1 layer)."""
    return [DEEP_WIDTH] * max(1, math.ceil(math.log2(n_bits)))


def n_parameters(layer_dims: Sequence[int]) -> int:
    """Σ_l n[l] n[l-1] + n[l]: the entries of W[l] and b[l]."""
    return sum(layer_dims[l] * layer_dims[l - 1] + layer_dims[l] for l in range(1, len(layer_dims)))


def fit(layer_dims: Sequence[int], X: np.ndarray, Y: np.ndarray, seed: int, iterations: int,
        lr: float = 0.01, check_every: int = 50) -> tuple[float, int]:
    """Train with Adam until every pattern is right or the budget is spent.
    Returns (training accuracy, iterations used)."""
    net = DeepNetwork(layer_dims, hidden_activation="tanh", init="xavier", seed=seed)
    opt = Adam(net.parameters(), lr)
    acc = 0.0
    for i in range(iterations):
        AL = net(X)  # forward
        if i % check_every == 0:
            acc = float(np.mean((AL.data > 0.5) == Y))
            if acc == 1.0:
                return acc, i
        J = binary_cross_entropy(AL, Y)  # cost
        opt.zero_grad()
        J.backward()  # backward
        opt.step()  # update
    with no_grad():
        acc = float(np.mean((net(X).data > 0.5) == Y))
    return acc, iterations


@dataclass
class Row:
    n: int
    shallow_units: int | None  # the smallest h that reached 100% (None: none up to the limit)
    shallow_seed: int | None
    shallow_params: int | None
    deep_dims: list[int]
    deep_accuracy: float
    deep_seed: int
    seconds: float

    @property
    def deep_units(self) -> int:
        return sum(self.deep_dims[1:-1])


def experiment(n_bits: int, iterations: int, seeds: int, max_units: int | None = None) -> Row:
    """The smallest one-hidden-layer width that fits n-bit parity, and the deep narrow network."""
    t0 = time.perf_counter()
    X, Y = make_parity(n_bits)  # all 2^n patterns: X (n, 2^n), Y (1, 2^n)
    limit = max_units if max_units is not None else 2 ** (n_bits - 1) + 1
    found = seed_found = None
    for h in range(1, limit + 1):
        for s in range(seeds):
            if fit([n_bits, h, 1], X, Y, s, iterations)[0] == 1.0:
                found, seed_found = h, s
                break
        if found is not None:
            break
    dims = [n_bits, *deep_hidden(n_bits), 1]
    best, best_seed = -1.0, 0
    for s in range(seeds):
        acc = fit(dims, X, Y, s, iterations)[0]
        if acc > best:
            best, best_seed = acc, s
        if acc == 1.0:
            break
    shallow_params = n_parameters([n_bits, found, 1]) if found is not None else None
    return Row(n_bits, found, seed_found, shallow_params, dims, best, best_seed, time.perf_counter() - t0)


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    quick = os.environ.get("TINYGRAD_EDU_QUICK") == "1"
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--min-bits", type=int, default=2)
    p.add_argument("--max-bits", type=int, default=None, help="largest n (default 7; 4 with --quick)")
    p.add_argument("--iterations", type=int, default=None, help="budget per run (default 3000; 1500 with --quick)")
    p.add_argument("--seeds", type=int, default=None, help="seeds tried per network (default 3; 2 with --quick)")
    p.add_argument("--out", default=str(Path("tinygrad_edu_out") / "why_deep"), help="output folder")
    p.add_argument("--quick", action="store_true", help="a reduced run, for the tests")
    args = p.parse_args(argv)
    if args.min_bits < 2 or (args.max_bits is not None and args.max_bits < args.min_bits):
        p.error("--min-bits must be >= 2 (parity of one bit needs no hidden layer) and <= --max-bits")
    if (args.iterations is not None and args.iterations < 1) or (args.seeds is not None and args.seeds < 1):
        p.error("--iterations and --seeds must be >= 1")
    q = args.quick or quick
    max_bits = args.max_bits or (4 if q else 7)
    iterations = args.iterations if args.iterations is not None else (1500 if q else 3000)
    seeds = args.seeds or (2 if q else 3)

    print(f"n-bit parity on all 2^n patterns; tanh hidden units, Adam α = 0.01, at most {iterations} iterations "
          f"per run, {seeds} seeds\n")
    head = (f"{'n':>2}  {'2^n':>4}  {'shallow h':>9}  {'params':>6}  {'deep layer_dims':<22}  {'units':>5}  "
            f"{'params':>6}  {'deep acc':>8}  {'2^(n-1)':>7}  {'s':>5}")
    print(head)
    rows = []
    for n in range(args.min_bits, max_bits + 1):
        r = experiment(n, iterations, seeds)
        rows.append(r)
        h = "-" if r.shallow_units is None else str(r.shallow_units)
        hp = "-" if r.shallow_params is None else str(r.shallow_params)
        print(f"{n:>2}  {2 ** n:>4}  {h:>9}  {hp:>6}  {str(r.deep_dims):<22}  {r.deep_units:>5}  "
              f"{n_parameters(r.deep_dims):>6}  {r.deep_accuracy:>8.4f}  {2 ** (n - 1):>7}  {r.seconds:>5.1f}",
              flush=True)
    print("\nshallow h: the fewest hidden units of [n, h, 1] that reached 100%; deep: width 4, ceil(log2 n) layers;"
          "\n2^(n-1): the lecture's count of AND gates for one hidden layer of a logic circuit (a tanh unit sums"
          "\nits inputs, so n + 1 such units in one hidden layer suffice in principle).")

    out = Path(args.out)
    written = [out / "why_deep_parity.csv"]
    with atomic_open(written[0], "w", newline="") as f:  # complete or not at all, as every file of the package
        w = csv.writer(f)
        w.writerow(["n_bits", "shallow_hidden_units", "shallow_parameters", "deep_layer_dims", "deep_hidden_units",
                    "deep_parameters", "deep_accuracy", "circuit_units_2^(n-1)"])
        for r in rows:
            w.writerow([r.n, r.shallow_units, r.shallow_params, " ".join(map(str, r.deep_dims)), r.deep_units,
                        n_parameters(r.deep_dims), r.deep_accuracy, 2 ** (r.n - 1)])
    try:
        from tinygrad_edu.plot import line_figure, save_figure

        ns = [r.n for r in rows]
        fig = line_figure(
            {
                "one hidden layer: units needed (measured)": (
                    [r.n for r in rows if r.shallow_units], [r.shallow_units for r in rows if r.shallow_units]),
                "deep narrow: hidden units (width 4 x ceil(log2 n))": (ns, [r.deep_units for r in rows]),
                "logic circuit, one hidden layer: 2^(n-1) AND gates": (ns, [2 ** (n - 1) for n in ns]),
                "threshold units, one hidden layer: n + 1": (ns, [n + 1 for n in ns]),
            },
            title="n-bit parity (lecture 4.5): hidden units against n",
            xlabel="n (bits)", ylabel="hidden units", log=True,
        )
        written.append(save_figure(fig, out / "why_deep_parity.png"))
    except ImportError as e:
        print(f"NOTE: no plot: {e}")
    print("wrote: " + ", ".join(str(p) for p in written))
    return {"rows": rows, "written": written, "iterations": iterations, "seeds": seeds}


if __name__ == "__main__":
    main(sys.argv[1:])
