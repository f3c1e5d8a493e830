"""The speed and memory table of tinygrad_edu against a plain-numpy baseline, in one process.

    python benchmarks/run.py                 # the whole table (about 8 minutes on 2 cores)
    python benchmarks/run.py --quick         # fewer rounds, for a smoke test

For every configuration, one training step (forward, cost, backward, update) is timed for
tinygrad_edu and for the lecture's step written tightly in plain numpy (fused dZ[L] = A[L] - Y,
no dA[0]), from the same data and initial parameters. The sides are interleaved (a batch of steps
of each, repeated ``rounds`` times) after a warm-up, and the ratio is that of the medians, so
machine noise hits both alike; "middle half" is the 25th to 75th percentile of the per-round
ratios, to show how far that noise moves a ratio. "nn ratio" is the same step written with the
lecture toolkit (nn.DeepNetwork naming every Z[l] and A[l], the checked
nn.binary_cross_entropy, optim.GradientDescent). PyTorch eager and micrograd, when installed
(``pip install -e ".[bench]"``), are timed in the same rounds as reference rows. Ratios are
tinygrad_edu (or the reference) divided by numpy: lower is better, 1.00 is numpy's speed.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import tracemalloc

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import steps  # noqa: E402

from tinygrad_edu import Tensor  # noqa: E402
from tinygrad_edu.optim import GradientDescent  # noqa: E402

CONFIGS = {
    "tiny": ([2, 4, 4, 1], 4),
    "small": ([2, 16, 16, 16, 1], 256),
    "course": ([12288, 20, 7, 5, 1], 209),
    "wide": ([784, 512, 512, 1], 512),
    "deep": ([32] + [32] * 50 + [1], 64),
}
TARGETS = {  # (config, dtype) -> the target ratio
    ("course", "float64"): 1.10, ("course", "float32"): 1.10,
    ("wide", "float64"): 1.05, ("wide", "float32"): 1.05,
    ("deep", "float64"): 1.5, ("small", "float64"): 1.6, ("tiny", "float64"): 2.5,
}


def _have(module: str) -> bool:
    try:
        __import__(module)
        return True
    except ImportError:
        return False


def _blas_threads() -> int:
    try:
        from threadpoolctl import threadpool_info

        return max((i.get("num_threads", 1) for i in threadpool_info() if i.get("user_api") == "blas"), default=1)
    except ImportError:
        return os.cpu_count() or 1


def time_interleaved(fns: dict, rounds: int, budget: float) -> tuple[dict, dict]:
    """Median seconds per call of each zero-argument function, interleaved over ``rounds``, and
    the per-round times (to show how much the machine's noise moves a ratio)."""
    for f in fns.values():  # warm-up: caches, the allocator's pools and BLAS threads settle
        t_end = time.perf_counter() + max(0.25, 3 * budget)
        f()
        while time.perf_counter() < t_end:
            f()
    per = {}
    for name, f in fns.items():
        t0 = time.perf_counter()
        f()
        per[name] = max(time.perf_counter() - t0, 1e-7)
    k = {name: max(1, int(budget / p)) for name, p in per.items()}
    times: dict = {name: [] for name in fns}
    for _ in range(rounds):
        for name, f in fns.items():
            n = k[name]
            t0 = time.perf_counter()
            for _ in range(n):
                f()
            times[name].append((time.perf_counter() - t0) / n)
    return {name: statistics.median(v) for name, v in times.items()}, times


def spread(times: dict, a: str, b: str) -> str:
    """The middle half (25th to 75th percentile) of the per-round ratios a / b."""
    q = statistics.quantiles([x / y for x, y in zip(times[a], times[b])], n=4)
    return f"{q[0]:.2f}-{q[2]:.2f}"


def step_functions(layer_dims, m, dtype, which=("tinygrad_edu", "numpy")):
    """Zero-argument step functions for the sides in ``which``, from the same data and parameters."""
    X, Y, base = steps.make_problem(layer_dims, m, dtype)
    c_np = steps.numpy_step(X, Y, [p.copy() for p in base])
    check_params = [Tensor(p.copy(), requires_grad=True) for p in base]
    c_t = steps.tensor_step(Tensor(X), Y, check_params, GradientDescent(check_params, steps.LR))
    tol = 1e-4 if dtype == np.float32 else 1e-10
    assert abs(c_np - c_t) <= tol * max(1.0, abs(c_np)), f"costs differ: numpy {c_np} vs tinygrad_edu {c_t}"
    fns = {}
    for side in which:
        if side == "numpy":
            np_params = [p.copy() for p in base]
            fns[side] = lambda np_params=np_params: steps.numpy_step(X, Y, np_params)
        elif side == "tinygrad_edu":
            t_params, Xt = [Tensor(p.copy(), requires_grad=True) for p in base], Tensor(X)
            opt = GradientDescent(t_params, steps.LR)
            fns[side] = lambda Xt=Xt, t_params=t_params, opt=opt: steps.tensor_step(Xt, Y, t_params, opt)
        elif side == "nn":
            net, opt = steps.make_network(base)
            Xn = Tensor(X, name="A[0]")
            fns[side] = lambda net=net, opt=opt, Xn=Xn: steps.nn_step(Xn, Y, net, opt)
        elif side == "torch":
            import torch

            tX, tY = torch.from_numpy(X.copy()), torch.from_numpy(Y.copy())
            tp = [torch.tensor(p, requires_grad=True) for p in base]
            fns[side] = lambda tX=tX, tY=tY, tp=tp: steps.torch_step(tX, tY, tp)
        elif side == "micrograd":
            mp = steps.micrograd_params(base)
            fns[side] = lambda mp=mp: steps.micrograd_step(X, Y, mp)
    return fns


def chain_tinygrad(n_ops: int) -> float:
    x0 = Tensor(1.0, requires_grad=True)
    x = x0
    for _ in range(n_ops // 2):
        x = x * 1.0001 + 0.001
    x.backward()
    return float(x0.grad)


def chain_torch(n_ops: int) -> float:
    import torch

    x0 = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    x = x0
    for _ in range(n_ops // 2):
        x = x * 1.0001 + 0.001
    x.backward()
    return float(x0.grad)


def peak_memory(fn) -> int:
    """Peak bytes allocated above the starting level while ``fn()`` runs (numpy reports its
    array buffers to tracemalloc)."""
    fn()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        fn()
        return tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="tinygrad_edu speed and memory against plain numpy")
    parser.add_argument("--rounds", type=int, default=41, help="interleaved rounds per configuration (default 41)")
    parser.add_argument("--budget", type=float, default=0.03, help="seconds per batch of steps (default 0.03)")
    parser.add_argument("--quick", action="store_true", help="3 rounds, short batches: a smoke test, not a measurement")
    parser.add_argument("--only", nargs="*", choices=sorted(CONFIGS), help="run only these configurations")
    parser.add_argument("--no-reference", action="store_true", help="skip PyTorch and micrograd even if installed")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.budget = 3, 0.005
    # the lecture's cost formula in the baseline meets log(0) once a float32 network saturates;
    # that is the formula's business, not the timing's: silence numpy's warnings for the whole run
    np.seterr(divide="ignore", invalid="ignore")
    with_torch = _have("torch") and not args.no_reference
    with_mg = _have("micrograd") and not args.no_reference
    threads = _blas_threads()
    if with_torch:
        import torch

        torch.set_num_threads(threads)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.processor() or platform.platform()}")
    print(f"python {platform.python_version()}, numpy {np.__version__}, BLAS threads {threads}"
          + (f", torch {torch.__version__}" if with_torch else ", torch not installed")
          + (", micrograd installed" if with_mg else ", micrograd not installed"))
    print(f"rounds {args.rounds}, batch budget {args.budget}s; ratio = median step time / numpy's median step time\n")

    header = f"{'config':7} {'dtype':8} {'numpy us':>10} {'tinygrad_edu us':>16} {'ratio':>6} {'middle half':>11}"
    header += f" {'target':>7} {'':6} {'nn ratio':>9} {'torch ratio':>12} {'micrograd ratio':>16}"
    print(header)
    print("-" * len(header))
    all_met = True
    for name, (dims, m) in CONFIGS.items():
        if args.only and name not in args.only:
            continue
        for dtype in (np.float64, np.float32):
            dt = np.dtype(dtype).name
            res, times = time_interleaved(step_functions(dims, m, dtype, ("tinygrad_edu", "nn", "numpy")),
                                          args.rounds, args.budget)
            ratio = res["tinygrad_edu"] / res["numpy"]
            target = TARGETS.get((name, dt))
            met = "" if target is None else ("ok" if ratio <= target else "MISSED")
            all_met &= met != "MISSED"
            # reference rows: each timed against its own interleaved numpy runs, never in the same
            # rounds as tinygrad_edu, so that one library's worker threads cannot slow the other
            refs = [f"{res['nn'] / res['numpy']:9.2f}"]
            if with_torch:
                r, _ = time_interleaved(step_functions(dims, m, dtype, ("torch", "numpy")), args.rounds, args.budget)
                refs.append(f"{r['torch'] / r['numpy']:12.2f}")
            else:
                refs.append(f"{'-':>12}")
            if with_mg and name == "tiny" and dtype == np.float64:
                r, _ = time_interleaved(step_functions(dims, m, dtype, ("micrograd", "numpy")), args.rounds,
                                        args.budget)
                refs.append(f"{r['micrograd'] / r['numpy']:16.2f}")
            else:
                refs.append(f"{'-':>16}")
            tgt = f"<= {target:.2f}" if target else ""
            line = f"{name:7} {dt:8} {res['numpy'] * 1e6:10.1f} {res['tinygrad_edu'] * 1e6:16.1f} {ratio:6.2f}"
            line += f" {spread(times, 'tinygrad_edu', 'numpy'):>11}"
            print(f"{line} {tgt:>7} {met:6} {' '.join(refs)}", flush=True)

    n_ops = 200_000
    chain = {"tinygrad_edu": lambda: chain_tinygrad(n_ops)}
    if with_torch:
        chain["torch"] = lambda: chain_torch(n_ops)
    chain_rounds = max(3, args.rounds // 3)
    res, _ = time_interleaved(chain, chain_rounds, 0.0)
    print(f"\nscalar chain x = x * 1.0001 + 0.001, {n_ops:,} ops, forward + backward (median of {chain_rounds}):")
    for k, v in res.items():
        print(f"  {k:13} {v * 1e3:9.1f} ms")
    if with_torch:
        faster = res["tinygrad_edu"] < res["torch"]
        all_met &= faster
        verdict = "ok" if faster else "MISSED"
        print(f"  tinygrad_edu / torch = {res['tinygrad_edu'] / res['torch']:.2f}  (target: < 1) {verdict}")

    dims, m = CONFIGS["course"]
    fns = step_functions(dims, m, np.float64)
    mem_t, mem_np = peak_memory(fns["tinygrad_edu"]), peak_memory(fns["numpy"])
    ok = mem_t / mem_np <= 1.2
    all_met &= ok
    print("\npeak memory of one course step (float64), above what the data and parameters hold:")
    print(f"  numpy {mem_np / 1e6:.2f} MB, tinygrad_edu {mem_t / 1e6:.2f} MB, ratio {mem_t / mem_np:.2f} "
          f"(target <= 1.20) {'ok' if ok else 'MISSED'}")
    print("\nall targets met" if all_met else "\nsome targets MISSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
