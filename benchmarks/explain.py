"""What explain(J) costs, and that it costs backward() nothing: backward() is the same function
with or without explain (explain never runs it, and adds no work to it), so this measures (1) one
training step (tensor_step) timed interleaved with plain numpy, once before and once after
explain(J) and check() were run on its graph, and (2) explain(J) and .check() themselves, as
multiples of one training step, on the tiny and the course network.

    python benchmarks/explain.py

Prints a Markdown table (copied into benchmarks/README.md)."""

from __future__ import annotations

import statistics
import time

from steps import make_problem, numpy_step, tensor_step

from tinygrad_edu import Tensor, explain, optim
from tinygrad_edu.ops import cross_entropy

CONFIGS = {"tiny": ([2, 4, 4, 1], 4), "course": ([12288, 20, 7, 5, 1], 209)}


def median_seconds(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def measure(dims: list[int], m: int) -> tuple[float, float, float, float]:
    """(step/numpy before, step/numpy after, explain/step, check/step) for one network."""
    X, Y, params = make_problem(dims, m, "float64")
    tensors = [Tensor(p.copy(), requires_grad=True) for p in params]
    opt = optim.GradientDescent(tensors, 0.001)
    numpy_params = [p.copy() for p in params]

    def ratio(rounds: int = 21) -> float:  # tensor_step's median time over numpy_step's, interleaved
        return statistics.median(median_seconds(lambda: tensor_step(Tensor(X), Y, tensors, opt), 5)
                                 / median_seconds(lambda: numpy_step(X, Y, numpy_params), 5) for _ in range(rounds))

    def graph():
        A, L = Tensor(X), len(tensors) // 2
        for l in range(L):
            Z = tensors[2 * l] @ A + tensors[2 * l + 1]
            A = Z.relu() if l < L - 1 else Z.sigmoid()
        return cross_entropy(A, Y)

    before = ratio()
    step = median_seconds(lambda: tensor_step(Tensor(X), Y, tensors, opt), 21)
    e = explain(graph())
    assert e.level == "lecture" and e.check().worst <= 1e-12
    t_explain = median_seconds(lambda: explain(graph()), 11)
    t_check = median_seconds(e.check, 11)
    return before, ratio(), t_explain / step, t_check / step


def main() -> None:
    print("| network | step / numpy before explain | step / numpy after explain | explain(J) / step | "
          "check() / step |")
    print("|---|---|---|---|---|")
    for name, (dims, m) in CONFIGS.items():
        before, after, ex, ch = measure(dims, m)
        print(f"| {name} {dims} m={m} | {before:.2f} | {after:.2f} | {ex:.1f}x | {ch:.1f}x |")


if __name__ == "__main__":
    main()
