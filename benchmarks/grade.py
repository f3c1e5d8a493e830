"""How fast `tinygrad-edu grade` grades a class: submissions per second, per core, on the default
three networks, against a plain baseline in the same process (each learner's function exec'd and
called directly, its gradients compared with np.allclose: no isolation, no diagnosis).

    python benchmarks/grade.py              # 300 correct submissions, then the example class x 30
    python benchmarks/grade.py --n 60       # smaller

Prints a Markdown table (copied into benchmarks/README.md)."""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

from tinygrad_edu.grade import grade_submissions
from tinygrad_edu.grade.grader import _prepared
from tinygrad_edu.grade.networks import default_networks
from tinygrad_edu.runner import Limits

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "class"


def baseline(folder: Path) -> float:
    """Seconds for the plain in-process check of every .py file in ``folder``."""
    prepared = _prepared(tuple(default_networks(0)))
    start = time.perf_counter()
    for f in sorted(folder.glob("*.py")):
        namespace: dict = {}
        exec(compile(f.read_text(), str(f), "exec"), namespace)
        fn = namespace["L_model_backward"]
        for p in prepared:
            AL, Y, caches = p.case
            grads = fn(AL.copy(), Y.copy(), caches)
            ok = all(np.allclose(grads[k], v) for k, v in p.ref.grads.items() if not k.startswith("dZ")
                     and k in grads)
            assert ok
    return time.perf_counter() - start


def timed(folder: Path, workers: int, limits: Limits) -> tuple[float, dict[str, int]]:
    grade_submissions([EXAMPLES / "ada.py"], limits=limits, workers=1)  # the fork server, started once
    start = time.perf_counter()
    result = grade_submissions([folder], limits=limits, workers=workers)
    return time.perf_counter() - start, {k: v for k, v in result.counts().items() if v}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n", type=int, default=300, help="correct submissions (default %(default)s)")
    p.add_argument("--copies", type=int, default=30, help="copies of the example class (default %(default)s)")
    args = p.parse_args()
    cores = os.cpu_count() or 1
    limits = Limits(timeout=3)
    tmp = Path(tempfile.mkdtemp(prefix="grade-bench-"))
    try:
        correct = tmp / "correct"
        correct.mkdir()
        for i in range(args.n):
            shutil.copy(EXAMPLES / "ada.py", correct / f"learner{i:04d}.py")
        mixed = tmp / "mixed"
        mixed.mkdir()
        for i in range(args.copies):
            for f in sorted(EXAMPLES.iterdir()):
                if f.name != "hana.py":  # the endless loop: its 3 s timeout would measure only itself
                    shutil.copy(f, mixed / f"{i:03d}_{f.name}")
        base = baseline(correct)
        print(f"{cores} cores; {args.n} correct submissions, and the example class x {args.copies} without its "
              f"endless loop; default networks; in-process baseline {args.n / base:,.0f} submissions/s\n")
        print("| class | workers | seconds | submissions/s | per core | time / in-process baseline | statuses |")
        print("|---|---|---|---|---|---|---|")
        for name, folder in (("correct", correct), ("example class", mixed)):
            n = sum(1 for _ in folder.iterdir())
            for workers in sorted({1, cores}):
                seconds, counts = timed(folder, workers, limits)
                per_core = n / seconds / workers
                ratio = seconds / (base * n / args.n)
                statuses = ", ".join(f"{k} {v}" for k, v in counts.items())
                print(f"| {name} ({n}) | {workers} | {seconds:.2f} | {n / seconds:.1f} | {per_core:.1f} | "
                      f"{ratio:.1f}x | {statuses} |")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
