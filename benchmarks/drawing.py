"""How long the pictures take, and how much memory: ``python benchmarks/drawing.py``.

* ``draw_building_blocks`` of the course's network ``[12288, 20, 7, 5, 1]`` and of ``[50000, 10, 1]``:
  drawn from layer_dims alone (no data), so neither time nor memory should grow with n[0]
  (targets: under 1 s and under 50 MB);
* ``render_backward_steps`` of a 40-layer network, every layer drawn: one layout, frames by
  highlighting (target: under 20 MB on disk, growing linearly with the number of steps);
* ``draw_graph`` of the demo's 4-layer network, and its rendering to SVG with Graphviz.

Times are the median of 5 runs; peak memory is what ``tracemalloc`` sees above the start
(Python objects and numpy arrays; Graphviz runs in its own process and is timed, not traced).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

from tinygrad_edu import Tensor
from tinygrad_edu.nn import DeepNetwork, binary_cross_entropy
from tinygrad_edu.viz import draw_building_blocks, draw_graph, render, render_backward_steps


def measure(fn, runs: int = 5) -> tuple[float, float]:
    """(median seconds, peak MB above the start) of ``fn()``."""
    fn()
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        fn()
        peak = tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()
    return statistics.median(times), peak / 2**20


def network_cost(dims: list[int], m: int = 4) -> Tensor:
    net = DeepNetwork(dims, init="xavier", seed=1)
    rng = np.random.RandomState(0)
    J = binary_cross_entropy(net(Tensor(rng.randn(dims[0], m), name="A[0]")), (rng.rand(1, m) > 0.5).astype(float))
    J.named("J").backward()
    return J


def main() -> int:
    rows = []
    for dims in ([12288, 20, 7, 5, 1], [50000, 10, 1]):
        t, mb = measure(lambda dims=dims: draw_building_blocks(dims))
        rows.append((f"draw_building_blocks({dims})", t, mb, "< 1 s, < 50 MB", t < 1 and mb < 50))
    demo = network_cost([30, 20, 7, 5, 1])
    t, mb = measure(lambda: draw_graph(demo, max_nodes=None))
    rows.append(("draw_graph(demo's J), 4 layers", t, mb, "", None))
    with tempfile.TemporaryDirectory() as tmp:
        t, mb = measure(lambda: render(draw_graph(demo, max_nodes=None), Path(tmp) / "g.svg"))
        rows.append(("  ... and render it to SVG", t, mb, "", None))
        sizes = {}
        for L in (10, 20, 40):
            J = network_cost([8] + [8] * (L - 1) + [1])
            folder = Path(tmp) / f"steps{L}"
            t, mb = measure(lambda J=J, folder=folder: render_backward_steps(J, folder), runs=3)
            sizes[L] = sum(p.stat().st_size for p in folder.iterdir()) / 2**20
            rows.append((f"render_backward_steps, {L} layers: {sizes[L]:.2f} MB written", t, mb,
                         "< 20 MB" if L == 40 else "", sizes[L] < 20 if L == 40 else None))
    width = max(len(r[0]) for r in rows)
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}; median of 5 runs (3 for the steps pages)\n")
    print(f"{'picture':<{width}}  {'seconds':>8}  {'peak MB':>8}  target")
    print("-" * (width + 36))
    for what, t, mb, target, ok in rows:
        verdict = "" if ok is None else (" ok" if ok else " MISSED")
        print(f"{what:<{width}}  {t:>8.3f}  {mb:>8.2f}  {target}{verdict}")
    print(f"\nsteps page bytes per layer: 10 -> {sizes[10] / 10 * 1024:.0f} kB, 20 -> {sizes[20] / 20 * 1024:.0f} kB, "
          f"40 -> {sizes[40] / 40 * 1024:.0f} kB (linear growth: about constant)")
    return 0 if all(ok is not False for *_, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
