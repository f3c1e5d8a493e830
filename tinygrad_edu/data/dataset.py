"""The result type of every loader, :class:`Dataset`, and the two steps that prepare data the same
way everywhere: a seeded, stratified train/test split of the columns (:func:`train_test_split`)
and standardisation with the TRAIN set's statistics only (:func:`standardize`);
:func:`split_and_standardize` does both and wraps the result in a :class:`Dataset`.

Everything is in the lecture's column convention: X is (n[0], m), one example per COLUMN, and
Y is (1, m) with labels in [0, 1] (the rule of :func:`tinygrad_edu.lecture.check_labels`).
Nothing here modifies an array it is given.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..errors import message
from ..lecture import check_data, check_X

__all__ = ["PathLike", "Dataset", "train_test_split", "standardize", "split_and_standardize"]

#: a file path as the loaders accept it
PathLike = str | os.PathLike[str]


@dataclass(frozen=True, repr=False)
class Dataset:
    """A train/test pair in the column convention.

    X_train: (n[0], m_train)   Y_train: (1, m_train)   X_test: (n[0], m_test)   Y_test: (1, m_test)
    All float64; Y holds labels in [0, 1] (0.0 or 1.0 for every bundled set), or, for C classes
    (the ten digits), one-hot columns: Y (C, m_train) and (C, m_test).

    ``feature_names[i]`` names row i of X; ``class_names[k]`` says what label k means.
    ``mean`` and ``std`` (each (n[0], 1)) are the TRAIN statistics the X's were standardised with,
    ``X = (X_raw - mean) / std``, or None when the data were not standardised. Apply them to new
    examples with :meth:`transform`.
    """

    X_train: np.ndarray
    Y_train: np.ndarray
    X_test: np.ndarray
    Y_test: np.ndarray
    feature_names: tuple[str, ...]
    class_names: tuple[str, ...]
    description: str
    mean: np.ndarray | None = None
    std: np.ndarray | None = None

    @property
    def n_x(self) -> int:
        """n[0], the number of input features (rows of X)."""
        return int(self.X_train.shape[0])

    @property
    def n_y(self) -> int:
        """n[L] the labels need: 1 (one label row), or C for one-hot classes."""
        return int(self.Y_train.shape[0])

    @property
    def m_train(self) -> int:
        """m of the training set (columns of X_train)."""
        return int(self.X_train.shape[1])

    @property
    def m_test(self) -> int:
        """m of the test set (columns of X_test)."""
        return int(self.X_test.shape[1])

    def transform(self, X_raw: np.ndarray) -> np.ndarray:
        """Prepare new raw examples ``X_raw`` (n[0], m) the way the training data were prepared:
        ``(X_raw - mean) / std`` with the TRAIN statistics, or unchanged (as a float64 copy) when
        the data were not standardised."""
        X_raw = np.asarray(check_X(X_raw, "Dataset.transform", self.n_x), dtype=np.float64)
        if self.mean is None or self.std is None:
            return X_raw.copy()
        return (X_raw - self.mean) / self.std

    def __repr__(self) -> str:
        return (
            f"Dataset(X_train {self.X_train.shape}, Y_train {self.Y_train.shape}, "
            f"X_test {self.X_test.shape}, Y_test {self.Y_test.shape}, "
            f"classes {self.class_names}, standardised={self.mean is not None}: {self.description})"
        )


def train_test_split(
    X: np.ndarray, Y: np.ndarray, test_fraction: float = 0.2, seed: int = 0, stratify: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split the columns of ``X`` (n[0], m) and ``Y`` (1, m), or one-hot (C, m), into a train and a
    test set.

    Returns ``X_train, Y_train, X_test, Y_test`` (new arrays; the inputs are not modified).
    With ``stratify`` each label value (each class of one-hot labels) keeps its share: of the m_c
    columns with label c,
    ``round(test_fraction * m_c)`` go to the test set. Which columns go where, and their order,
    is drawn from ``numpy.random.default_rng(seed)``: the same seed gives the same split.
    """
    X, Y = check_data(X, Y, "train_test_split")
    if not 0.0 < float(test_fraction) < 1.0:
        raise ValueError(message("train_test_split", f"test_fraction must be between 0 and 1 (exclusive), got "
                                                     f"{test_fraction}"))
    rng = np.random.default_rng(seed)
    m = X.shape[1]
    label = Y[0] if Y.shape[0] == 1 else np.argmax(Y, axis=0)  # one row of labels, or one-hot classes
    groups = [np.flatnonzero(label == c) for c in np.unique(label)] if stratify else [np.arange(m)]
    test_parts, train_parts = [], []
    for idx in groups:
        idx = rng.permutation(idx)
        n_test = int(round(test_fraction * idx.size))
        test_parts.append(idx[:n_test])
        train_parts.append(idx[n_test:])
    test_idx = rng.permutation(np.concatenate(test_parts))
    train_idx = rng.permutation(np.concatenate(train_parts))
    if test_idx.size == 0 or train_idx.size == 0:
        raise ValueError(message(
            "train_test_split",
            f"m = {m} examples with test_fraction {test_fraction} leaves {train_idx.size} for training and "
            f"{test_idx.size} for testing",
            "use more examples or a test_fraction nearer 0.5",
        ))
    return X[:, train_idx], Y[:, train_idx], X[:, test_idx], Y[:, test_idx]


def standardize(
    X_train: np.ndarray, X_test: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray, np.ndarray]:
    """Standardise each feature (row) with the TRAIN set's statistics only.

        mean = (1/m_train) sum over columns of X_train          (n[0], 1)
        std  = sqrt((1/m_train) sum (X_train - mean)^2)          (n[0], 1)
        X    = (X - mean) / std          for X_train and, with the same mean and std, X_test

    A feature that is constant in the training set (std = 0) is divided by 1 instead, so it
    becomes 0 in training rather than NaN. Returns ``X_train_std, X_test_std (or None), mean, std``
    as new float64 arrays.
    """
    X_train = np.asarray(check_X(X_train, "standardize (X_train)"), dtype=np.float64)
    mean = X_train.mean(axis=1, keepdims=True)
    std = X_train.std(axis=1, keepdims=True)
    std = np.where(std > 0, std, 1.0)
    X_test_std = None
    if X_test is not None:
        X_test = np.asarray(check_X(X_test, "standardize (X_test)", X_train.shape[0]), dtype=np.float64)
        X_test_std = (X_test - mean) / std
    return (X_train - mean) / std, X_test_std, mean, std


def split_and_standardize(
    X: np.ndarray, Y: np.ndarray, *, test_fraction: float, seed: int, standardise: bool,
    feature_names: Sequence[str], class_names: tuple[str, ...], description: str,
) -> Dataset:
    """A :class:`Dataset` from all the examples X (n[0], m), Y (1, m): split by
    :func:`train_test_split` (stratified, ``seed``), then, with ``standardise``, standardised by
    :func:`standardize`. ``description`` is completed with how the data were split and prepared."""
    X_train, Y_train, X_test, Y_test = train_test_split(X, Y, test_fraction, seed)
    X_train = X_train.astype(np.float64)
    X_test = X_test.astype(np.float64)
    mean = std = None
    if standardise:
        X_train, X_test, mean, std = standardize(X_train, X_test)
    how = "standardised with the train mean/std" if standardise else "not standardised"
    description += f"; split {X_train.shape[1]} train / {X_test.shape[1]} test (stratified, seed {seed}), {how}"
    return Dataset(
        X_train, Y_train.astype(np.float64), X_test, Y_test.astype(np.float64),
        tuple(feature_names), class_names, description, mean, std,
    )
