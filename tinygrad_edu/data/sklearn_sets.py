"""Real data bundled with scikit-learn (read from disk, no network): the Wisconsin breast-cancer set
and the handwritten digits, all ten classes (one-hot labels, for a softmax output) or as a binary
task.

Both are split into train and test sets (seeded and stratified) and, by default, standardised
with the TRAIN set's mean and standard deviation only (:func:`~.dataset.split_and_standardize`).
scikit-learn is an optional extra: ``pip install "tinygrad-edu[data]"``.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np

from ..errors import message
from .dataset import Dataset, split_and_standardize
from .extras import require

__all__ = ["load_breast_cancer", "load_digits", "load_digits_binary"]


def _sklearn_datasets(user: str) -> ModuleType:
    """``sklearn.datasets``, or an ImportError naming the data extra."""
    require("sklearn", "scikit-learn", user)
    return require("sklearn.datasets", "scikit-learn", user)


def load_breast_cancer(test_fraction: float = 0.2, seed: int = 0, standardise: bool = True) -> Dataset:
    """The Wisconsin breast-cancer set bundled with scikit-learn (no network): 569 examples,
    n[0] = 30 features computed from cell-nucleus images.

    Labels as scikit-learn codes them: Y = 1 benign (357), Y = 0 malignant (212).
    X_train (30, m_train), Y_train (1, m_train), and the same for test; see
    :func:`~.dataset.train_test_split` and :func:`~.dataset.standardize`. Needs the ``data`` extra.
    """
    bunch = _sklearn_datasets("load_breast_cancer").load_breast_cancer()
    X = np.asarray(bunch.data, dtype=np.float64).T  # (m, n[0]) rows -> (n[0], m) columns
    Y = np.asarray(bunch.target, dtype=np.float64).reshape(1, -1)  # (1, m)
    class_names = (str(bunch.target_names[0]), str(bunch.target_names[1]))
    return split_and_standardize(
        X, Y, test_fraction=test_fraction, seed=seed, standardise=standardise,
        feature_names=[str(f) for f in bunch.feature_names], class_names=class_names,
        description=f"breast cancer (scikit-learn): {X.shape[1]} examples, {X.shape[0]} features, "
        f"Y=1 {class_names[1]}, Y=0 {class_names[0]}",
    )


def load_digits_binary(
    digit: int | None = None, test_fraction: float = 0.2, seed: int = 0, standardise: bool = True
) -> Dataset:
    """scikit-learn's bundled handwritten digits (no network) as a binary task: 1797 images of
    8x8 pixels with grey levels 0..16, n[0] = 64 features, pixel (r, c) in row 8r + c.

    * ``digit=None`` (default): Y = 1 for an odd digit, Y = 0 for an even one (about half each);
    * ``digit=k``: Y = 1 for the digit k, Y = 0 for every other digit (about 10% positives).

    Split and standardised as in :func:`load_breast_cancer`; pixels that are always 0 in the
    training set stay 0. Needs the ``data`` extra.
    """
    if digit is not None and (isinstance(digit, bool) or digit not in range(10)):
        raise ValueError(message("load_digits_binary", f"digit must be None (odd vs even) or one of 0..9, got "
                                                       f"{digit!r}"))
    bunch = _sklearn_datasets("load_digits_binary").load_digits()
    X = np.asarray(bunch.data, dtype=np.float64).T  # (64, m)
    target = np.asarray(bunch.target)
    if digit is None:
        Y = (target % 2 == 1).astype(np.float64).reshape(1, -1)
        class_names, task = ("even", "odd"), "odd (Y=1) vs even (Y=0)"
    else:
        Y = (target == digit).astype(np.float64).reshape(1, -1)
        class_names, task = (f"not {digit}", str(digit)), f"{digit} (Y=1) vs the other digits (Y=0)"
    side = int(round(np.sqrt(X.shape[0])))
    return split_and_standardize(
        X, Y, test_fraction=test_fraction, seed=seed, standardise=standardise,
        feature_names=[f"pixel({r},{c})" for r in range(side) for c in range(side)],
        class_names=class_names,
        description=f"digits (scikit-learn) {task}: {X.shape[1]} examples of {side}x{side} pixels",
    )


def load_digits(
    digit: int | None = None, test_fraction: float = 0.2, seed: int = 0, standardise: bool = True
) -> Dataset:
    """scikit-learn's bundled handwritten digits (no network): 1797 images of 8x8 pixels, n[0] = 64
    features. With ``digit=None`` (default) all ten classes: Y one-hot (10, m), row k for the digit
    k, for a softmax output layer n[L] = C = 10; with ``digit=k`` the binary task of
    :func:`load_digits_binary` (k vs the rest). Split (stratified by class) and standardised as in
    :func:`load_breast_cancer`. Needs the ``data`` extra.
    """
    if digit is not None:
        return load_digits_binary(digit, test_fraction, seed, standardise)
    bunch = _sklearn_datasets("load_digits").load_digits()
    X = np.asarray(bunch.data, dtype=np.float64).T  # (64, m)
    target = np.asarray(bunch.target)
    Y = np.zeros((10, target.size))
    Y[target, np.arange(target.size)] = 1.0  # one-hot columns
    side = int(round(np.sqrt(X.shape[0])))
    return split_and_standardize(
        X, Y, test_fraction=test_fraction, seed=seed, standardise=standardise,
        feature_names=[f"pixel({r},{c})" for r in range(side) for c in range(side)],
        class_names=tuple(str(k) for k in range(10)),
        description=f"digits (scikit-learn), ten classes 0..9 (Y one-hot, 10 rows): {X.shape[1]} examples of "
                    f"{side}x{side} pixels",
    )
