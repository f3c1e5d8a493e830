"""The jit's table: one training step of the lecture's networks against a strict plain-numpy
baseline (``steps.StrictNumpyStep``: buffers allocated once, ``out=`` everywhere, activations in
place), in one process, eager tinygrad_edu and ``@tinygrad_edu.jit``, and ``jax.jit`` as a
reference column when jax is installed (``pip install -e ".[bench]"``).

    python benchmarks/jit.py            # the tables (about 6 minutes on 2 cores)
    python benchmarks/jit.py --memory   # the memory table only (about 20 s)
    python benchmarks/jit.py --quick    # a smoke test, not a measurement

The sides are interleaved, a batch of about 30 ms of steps of each per round, 41 rounds after a
warm-up (``run.time_interleaved``); the ratio is the median step time over the baseline's, and the
middle half (25th to 75th percentile of the per-round ratios) shows this machine's noise. Before
timing, the jitted step's cost history is checked to equal eager's bit for bit. Prints a Markdown
table (copied into benchmarks/README.md).

The memory table: the peak of the memory Python allocates (``tracemalloc``: arrays and objects)
during one step, counting what the step holds between steps (parameters, gradients, optimizer
state, the replay's buffers), after four steps, for eager and the jit, each in a fresh start of
tracing after a warm-up of both; X is counted in neither (it exists before tracing starts).
Eager is the baseline here: the strict numpy step preallocates far more than either."""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tracemalloc

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import steps  # noqa: E402
from run import CONFIGS, _have, spread, time_interleaved  # noqa: E402

from tinygrad_edu import Tensor, jit, nn, optim  # noqa: E402
from tinygrad_edu.optim import GradientDescent  # noqa: E402

#: the issue's targets for the jit, as the median ratio to the strict baseline
TARGETS = {"tiny": 1.15, "small": 1.10, "deep": 1.10, "course": 1.02, "wide": 1.02}


def sides(dims: list[int], m: int, dtype, with_jax: bool) -> dict:
    X, Y, base = steps.make_problem(dims, m, dtype)
    eager_params = [Tensor(p.copy(), requires_grad=True) for p in base]
    eager_opt = GradientDescent(eager_params, steps.LR)
    jit_params = [Tensor(p.copy(), requires_grad=True) for p in base]
    jitted = steps.jit_step(jit_params, GradientDescent(jit_params, steps.LR))
    Xt, Yt = Tensor(X), Tensor(Y)
    check = [Tensor(p.copy(), requires_grad=True) for p in base]
    check_opt = GradientDescent(check, steps.LR)
    check_jit = [Tensor(p.copy(), requires_grad=True) for p in base]
    f = steps.jit_step(check_jit, GradientDescent(check_jit, steps.LR))
    eager_costs = [steps.tensor_step(Xt, Y, check, check_opt) for _ in range(5)]
    assert eager_costs == [f(Xt, Yt).item() for _ in range(5)], "the jit's costs differ from eager's"
    fns = {"strict": steps.StrictNumpyStep(X, Y, base),
           "eager": lambda: steps.tensor_step(Xt, Y, eager_params, eager_opt),
           "jit": lambda: jitted(Xt, Yt)}
    if with_jax:
        fns["jax"] = steps.jax_step(X, Y, base)
    return fns


OPTIMIZERS = {"gradient descent": lambda p: optim.GradientDescent(p, 0.01),
              "momentum": lambda p: optim.Momentum(p, 0.01), "adam": lambda p: optim.Adam(p, 0.001)}


def step_peak(make, steps_before: int = 4) -> int:
    """Bytes at the peak of one step made by ``make()`` (which builds its state inside tracing)."""
    gc.collect()
    tracemalloc.start()
    step = make()
    for _ in range(steps_before):
        step()
    tracemalloc.reset_peak()
    step()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def _lecture_maker(base: list[np.ndarray], Xt: Tensor, Y: np.ndarray, make_opt, use_jit: bool):
    """A function that builds the lecture's network, its optimizer and its step (jitted or not)."""

    def make():
        net = nn.DeepNetwork.from_parameters({f"{'Wb'[l % 2]}{l // 2 + 1}": p.copy() for l, p in enumerate(base)})
        opt = make_opt(net.parameters())

        def step(X):
            opt.zero_grad()
            J = nn.binary_cross_entropy(net(X), Y)
            J.backward()
            opt.step()
            return J

        f = jit(step) if use_jit else step
        return lambda: f(Xt)

    return make


def memory_table(dims: list[int], m: int) -> list[str]:
    rows = []
    for dtype in (np.float64, np.float32):
        X, Y, base = steps.make_problem(dims, m, dtype)
        Xt = Tensor(X)
        for opt_name, make_opt in OPTIMIZERS.items():
            eager_make = _lecture_maker(base, Xt, Y, make_opt, False)
            jit_make = _lecture_maker(base, Xt, Y, make_opt, True)
            for make in (eager_make, jit_make):  # warm-up: what the process allocates once counts for neither
                step_peak(make, 2)
            eager, jitted = step_peak(eager_make), step_peak(jit_make)
            rows.append(f"| {np.dtype(dtype).name} | {opt_name} | {eager / 2**20:.2f} | {jitted / 2**20:.2f} | "
                        f"{jitted / eager:.2f} |")
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="the jit against a strict numpy baseline")
    parser.add_argument("--rounds", type=int, default=41)
    parser.add_argument("--budget", type=float, default=0.03)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", nargs="*", choices=sorted(CONFIGS))
    parser.add_argument("--memory", action="store_true", help="only the memory table")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.budget = 3, 0.005
    np.seterr(divide="ignore", invalid="ignore")
    dims, m = CONFIGS["course"]
    print(f"Peak memory of one step of the course network {dims}, m = {m}, in MiB:\n\n"
          "| dtype | optimizer | eager | jit | jit / eager |\n|---|---|---|---|---|")
    for row in memory_table(dims, m):
        print(row, flush=True)
    if args.memory:
        return 0
    print()
    with_jax = _have("jax")
    print("| config | dtype | strict numpy µs | eager | jit | jit middle half | target | "
          + ("jax.jit |" if with_jax else "") + "\n|---|---|---|---|---|---|---|" + ("---|" if with_jax else ""))
    missed = []
    for name, (dims, m) in CONFIGS.items():
        if args.only and name not in args.only:
            continue
        for dtype in (np.float64, np.float32):
            res, times = time_interleaved(sides(dims, m, dtype, with_jax), args.rounds, args.budget)
            ratio = res["jit"] / res["strict"]
            met = ratio <= TARGETS[name]
            if not met:
                missed.append(f"{name} {np.dtype(dtype).name}")
            row = (f"| {name} | {np.dtype(dtype).name} | {res['strict'] * 1e6:.1f} "
                   f"| {res['eager'] / res['strict']:.2f} | {ratio:.2f} | {spread(times, 'jit', 'strict')} "
                   f"| <= {TARGETS[name]:.2f} {'ok' if met else 'MISSED'} |")
            if with_jax:
                row += f" {res['jax'] / res['strict']:.2f} |"
            print(row, flush=True)
    print("\nall targets met" if not missed else f"\nmissed: {', '.join(missed)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
