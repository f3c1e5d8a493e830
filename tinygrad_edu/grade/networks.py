"""The networks every submission is graded on, and their references, computed once per run.

By default three, relu hidden layers and a sigmoid output as in the course: the course's shape
family ``[n[0], 20, 7, 5, 1]`` at a small n[0] (``[12, 20, 7, 5, 1]``), a 2-layer network and a
5-layer network. Widths and m differ from one another so that every shape names one quantity and
every classic mistake shows. Weights, biases, X and Y come from ``np.random.RandomState`` seeded
from the run's seed (recorded in the results), so a run can be repeated exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from ..check.compare import Prepared, prepare
from ..errors import message
from ..lecture import check_layer_dims, example_data, init_weights, parameter_keys

__all__ = ["Network", "DEFAULT_NETWORKS", "default_networks", "prepare_networks"]


@dataclass(frozen=True)
class Network:
    """One network a submission is graded on: ``layer_dims``, ``m`` examples, a ``seed``."""

    name: str
    layer_dims: tuple[int, ...]
    m: int
    seed: int

    def to_json(self) -> dict[str, object]:
        d = asdict(self)
        d["layer_dims"] = list(self.layer_dims)
        return d

    def __str__(self) -> str:
        return f"{self.name} {list(self.layer_dims)} m={self.m}"


#: (name, layer_dims, m) of the default networks
DEFAULT_NETWORKS: tuple[tuple[str, tuple[int, ...], int], ...] = (
    ("course", (12, 20, 7, 5, 1), 9),
    ("two-layer", (5, 4, 1), 8),
    ("five-layer", (7, 6, 5, 4, 3, 1), 10),
)


def default_networks(seed: int = 0) -> list[Network]:
    """The default networks, seeded from ``seed``."""
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**31 - 1000:
        raise ValueError(message("grade", f"seed must be a non-negative integer, got {seed!r}"))
    return [Network(name, dims, m, seed + 101 * i) for i, (name, dims, m) in enumerate(DEFAULT_NETWORKS)]


def _build(net: Network) -> Prepared:
    dims = check_layer_dims(list(net.layer_dims), "grade")
    rs = np.random.RandomState(net.seed)
    L = len(dims) - 1
    params: dict[str, np.ndarray] = {}
    for l, (kw, kb) in enumerate(zip(parameter_keys(L)[::2], parameter_keys(L)[1::2]), start=1):
        params[kw] = init_weights(rs.randn(dims[l], dims[l - 1]), "he", dims[l - 1])  # as the course's deep net
        params[kb] = rs.randn(dims[l], 1) * 0.1  # not the course's zeros: a b[l] of 0 would hide a wrong db
    X, Y = example_data(dims, net.m, seed=net.seed + 1)  # X (n[0], m), Y (n[L], m) of 0/1 labels
    return prepare(params, ["relu"] * (L - 1) + ["sigmoid"], X, Y)


def prepare_networks(networks: Sequence[Network]) -> list[Prepared]:
    """Each network's reference (the lecture's forward and backward pass, and autograd's), once."""
    return [_build(n) for n in networks]
