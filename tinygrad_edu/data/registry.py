"""Every data set by name: :data:`DATASET_NAMES` and :func:`load_dataset`.

``breast_cancer`` and ``digits`` come from scikit-learn (standardised), ``xor``, ``flower`` and
``parity`` are generated (not standardised). A new named set is one entry of ``_LOADERS``: a
function ``(test_fraction, seed, **options) -> Dataset``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import message
from .dataset import Dataset, split_and_standardize
from .generated import make_flower, make_parity, make_xor
from .sklearn_sets import load_breast_cancer, load_digits

__all__ = ["DATASET_NAMES", "dataset_name", "load_dataset"]


def _generated(
    maker: Callable[..., tuple[np.ndarray, np.ndarray]], label: str, feature_names: Callable[[int], list[str]],
) -> Callable[..., Dataset]:
    """A loader for a generator: the data made with ``seed``, split with the same ``seed``."""

    def load(test_fraction: float = 0.2, seed: int = 0, **options: Any) -> Dataset:
        X, Y = maker(seed=seed, **options)
        opts = ", ".join(f"{k}={v!r}" for k, v in options.items())
        return split_and_standardize(
            X, Y, test_fraction=test_fraction, seed=seed, standardise=False,
            feature_names=feature_names(X.shape[0]), class_names=("0", "1"),
            description=f"{label}({opts}) generated with seed {seed}: {X.shape[1]} examples",
        )

    return load


_LOADERS: dict[str, Callable[..., Dataset]] = {
    "breast_cancer": load_breast_cancer,
    "digits": load_digits,
    "xor": _generated(make_xor, "xor", lambda n: ["x1", "x2"]),
    "flower": _generated(make_flower, "flower", lambda n: ["x1", "x2"]),
    "parity": _generated(make_parity, "parity", lambda n: [f"bit {i + 1}" for i in range(n)]),
}
DATASET_NAMES: tuple[str, ...] = tuple(_LOADERS)


def dataset_name(spec: str) -> str | None:
    """The name in :data:`DATASET_NAMES` that ``spec`` means (case, surrounding spaces and ``-``
    for ``_`` do not matter: ``"Breast-Cancer"`` is ``"breast_cancer"``), or None."""
    name = spec.strip().lower().replace("-", "_")
    return name if name in _LOADERS else None


def load_dataset(name: str, *, test_fraction: float = 0.2, seed: int = 0, **options: Any) -> Dataset:
    """Any of the named sets as a :class:`~.dataset.Dataset` split with ``seed``.

    ``breast_cancer`` and ``digits`` (scikit-learn, standardised; the digits' ten classes one-hot,
    ``digit=k`` for k vs the rest),
    ``xor``, ``flower`` and ``parity`` (generated with ``seed``, not standardised; ``parity``
    needs ``n_bits=n``). ``seed`` both generates and splits, so ``load_dataset("flower", seed=1)``
    holds the course's exact flower. ``options`` go to the loader or generator, e.g.
    ``load_dataset("parity", n_bits=6)``, ``load_dataset("xor", m=400, noise=0.2)``.
    """
    known = dataset_name(name)
    if known is None:
        close = difflib.get_close_matches(name.strip().lower().replace("-", "_"), DATASET_NAMES, n=1)
        raise ValueError(message("load_dataset", f"unknown dataset {name!r}; known: {', '.join(DATASET_NAMES)}",
                                 f"did you mean {close[0]!r}?" if close else None))
    try:
        return _LOADERS[known](test_fraction=test_fraction, seed=seed, **options)
    except TypeError as e:
        if "unexpected keyword" in str(e) or "required" in str(e):
            raise TypeError(message(f"load_dataset({name!r})", str(e))) from e
        raise
