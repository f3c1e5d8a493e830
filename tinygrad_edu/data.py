"""Data for the lecture's networks, always in the lecture's column convention.

Every loader returns ``X`` of shape ``(n[0], m)`` -- one example per COLUMN, ``X = A[0]`` -- and
``Y`` of shape ``(1, m)``, float64, with labels 0 or 1, ready for ``J = cross_entropy(A[L], Y)``.

Three kinds of data:

* **Real data bundled with scikit-learn** (no network): :func:`load_breast_cancer` and
  :func:`load_digits_binary`, split into train and test sets (:func:`train_test_split`, seeded and
  stratified) and standardised with the TRAIN set's mean and standard deviation only
  (:func:`standardize`). scikit-learn is an optional extra: ``pip install "tinygrad-edu[data]"``.
* **The course's cat-vs-non-cat files**: :func:`load_cat_dataset` reads the two HDF5 files and
  flattens each image to a column and divides by 255, exactly as the course's notebook does.
  h5py is an optional extra: ``pip install "tinygrad-edu[data]"``.
* **Generated sets for the lecture's ideas**: :func:`make_xor`, :func:`make_flower` (the course's
  ``load_planar_dataset``) and :func:`make_parity` (n-bit parity, lecture 4.5). numpy only.

:func:`load_dataset` gives any of them by name as a :class:`Dataset`. :func:`save_parameters` and
:func:`load_parameters` store the parameters ``W[l], b[l]`` in a ``.npz`` file without pickle.

Nothing here modifies an array it is given, and every random choice goes through a generator
seeded by the ``seed`` argument: the same seed gives the same data, the global numpy random
state is never touched.
"""

from __future__ import annotations

import difflib
import importlib
import io
import os
import zipfile
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from .errors import ShapeError
from .tensor import Tensor

__all__ = [
    "Dataset",
    "DATASET_NAMES",
    "load_dataset",
    "train_test_split",
    "standardize",
    "load_breast_cancer",
    "load_digits_binary",
    "load_cat_dataset",
    "make_xor",
    "make_flower",
    "make_parity",
    "parameter_shapes",
    "save_parameters",
    "load_parameters",
]

_EXTRA_HINT = 'pip install "tinygrad-edu[data]"'
PathLike = str | os.PathLike


def _require(module: str, package: str, user: str) -> ModuleType:
    """Import an optional dependency, or say which extra installs it."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        raise ImportError(
            f"{user} needs the optional package {package!r}, which is not installed; "
            f"install it with: {_EXTRA_HINT}"
        ) from e


# ============================================================================ the result type


@dataclass(frozen=True, repr=False)
class Dataset:
    """A train/test pair in the column convention.

    X_train: (n[0], m_train)   Y_train: (1, m_train)   X_test: (n[0], m_test)   Y_test: (1, m_test)
    All float64; Y holds 0.0 or 1.0.

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
    class_names: tuple[str, str]
    description: str
    mean: np.ndarray | None = None
    std: np.ndarray | None = None

    @property
    def n_x(self) -> int:
        """n[0], the number of input features (rows of X)."""
        return int(self.X_train.shape[0])

    @property
    def m_train(self) -> int:
        return int(self.X_train.shape[1])

    @property
    def m_test(self) -> int:
        return int(self.X_test.shape[1])

    def transform(self, X_raw: np.ndarray) -> np.ndarray:
        """Prepare new raw examples ``X_raw`` (n[0], m) the way the training data were prepared:
        ``(X_raw - mean) / std`` with the TRAIN statistics, or unchanged (as float64) when the
        data were not standardised."""
        X_raw = np.asarray(X_raw, dtype=np.float64)
        if X_raw.ndim != 2 or X_raw.shape[0] != self.n_x:
            raise ShapeError(
                f"Dataset.transform: X has shape {X_raw.shape}, expected (n[0], m) = ({self.n_x}, m); "
                f"hint: one example per column"
            )
        if self.mean is None or self.std is None:
            return X_raw.copy()
        return (X_raw - self.mean) / self.std

    def __repr__(self) -> str:
        return (
            f"Dataset(X_train {self.X_train.shape}, Y_train {self.Y_train.shape}, "
            f"X_test {self.X_test.shape}, Y_test {self.Y_test.shape}, "
            f"classes {self.class_names}, standardised={self.mean is not None}: {self.description})"
        )


# ============================================================================ split and standardise


def _check_XY(X: np.ndarray, Y: np.ndarray, where: str) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X)
    Y = np.asarray(Y)
    if X.ndim != 2:
        raise ShapeError(f"{where}: X has shape {X.shape}, expected (n[0], m); hint: one example per column")
    if Y.ndim != 2 or Y.shape[0] != 1 or Y.shape[1] != X.shape[1]:
        raise ShapeError(
            f"{where}: X {X.shape} and Y {Y.shape} do not fit; expected X (n[0], m) and Y (1, m) "
            f"with the same m; hint: one example per column, Y.reshape(1, -1)"
        )
    return X, Y


def train_test_split(
    X: np.ndarray, Y: np.ndarray, test_fraction: float = 0.2, seed: int = 0, stratify: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split the columns of ``X`` (n[0], m) and ``Y`` (1, m) into a train and a test set.

    Returns ``X_train, Y_train, X_test, Y_test`` (new arrays; the inputs are not modified).
    With ``stratify`` each label value keeps its share: of the m_c columns with label c,
    ``round(test_fraction * m_c)`` go to the test set. Which columns go where, and their order,
    is drawn from ``numpy.random.default_rng(seed)``: the same seed gives the same split.
    """
    X, Y = _check_XY(X, Y, "train_test_split")
    if not 0.0 < float(test_fraction) < 1.0:
        raise ValueError(f"train_test_split: test_fraction must be between 0 and 1 (exclusive), got {test_fraction}")
    rng = np.random.default_rng(seed)
    m = X.shape[1]
    groups = [np.flatnonzero(Y[0] == c) for c in np.unique(Y[0])] if stratify else [np.arange(m)]
    test_parts, train_parts = [], []
    for idx in groups:
        idx = rng.permutation(idx)
        n_test = int(round(test_fraction * idx.size))
        test_parts.append(idx[:n_test])
        train_parts.append(idx[n_test:])
    test_idx = rng.permutation(np.concatenate(test_parts))
    train_idx = rng.permutation(np.concatenate(train_parts))
    if test_idx.size == 0 or train_idx.size == 0:
        raise ValueError(
            f"train_test_split: m = {m} examples with test_fraction {test_fraction} leaves "
            f"{train_idx.size} for training and {test_idx.size} for testing; hint: use more examples "
            f"or a test_fraction nearer 0.5"
        )
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
    X_train = np.asarray(X_train, dtype=np.float64)
    if X_train.ndim != 2:
        raise ShapeError(f"standardize: X_train has shape {X_train.shape}, expected (n[0], m)")
    mean = X_train.mean(axis=1, keepdims=True)
    std = X_train.std(axis=1, keepdims=True)
    std = np.where(std > 0, std, 1.0)
    X_test_std = None
    if X_test is not None:
        X_test = np.asarray(X_test, dtype=np.float64)
        if X_test.ndim != 2 or X_test.shape[0] != X_train.shape[0]:
            raise ShapeError(
                f"standardize: X_train {X_train.shape} and X_test {X_test.shape} need the same "
                f"number of features n[0] (rows); hint: one example per column"
            )
        X_test_std = (X_test - mean) / std
    return (X_train - mean) / std, X_test_std, mean, std


def _split_and_standardize(
    X: np.ndarray, Y: np.ndarray, *, test_fraction: float, seed: int, standardise: bool,
    feature_names: Sequence[str], class_names: tuple[str, str], description: str,
) -> Dataset:
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


# ============================================================================ scikit-learn's bundled data


def load_breast_cancer(test_fraction: float = 0.2, seed: int = 0, standardise: bool = True) -> Dataset:
    """The Wisconsin breast-cancer set bundled with scikit-learn (no network): 569 examples,
    n[0] = 30 features computed from cell-nucleus images.

    Labels as scikit-learn codes them: Y = 1 benign (357), Y = 0 malignant (212).
    X_train (30, m_train), Y_train (1, m_train), and the same for test; see
    :func:`train_test_split` and :func:`standardize`. Needs the ``data`` extra.
    """
    _require("sklearn", "scikit-learn", "load_breast_cancer")
    datasets = _require("sklearn.datasets", "scikit-learn", "load_breast_cancer")
    bunch = datasets.load_breast_cancer()
    X = np.asarray(bunch.data, dtype=np.float64).T  # (m, n[0]) rows -> (n[0], m) columns
    Y = np.asarray(bunch.target, dtype=np.float64).reshape(1, -1)  # (1, m)
    class_names = (str(bunch.target_names[0]), str(bunch.target_names[1]))
    return _split_and_standardize(
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
        raise ValueError(f"load_digits_binary: digit must be None (odd vs even) or one of 0..9, got {digit!r}")
    _require("sklearn", "scikit-learn", "load_digits_binary")
    datasets = _require("sklearn.datasets", "scikit-learn", "load_digits_binary")
    bunch = datasets.load_digits()
    X = np.asarray(bunch.data, dtype=np.float64).T  # (64, m)
    target = np.asarray(bunch.target)
    if digit is None:
        Y = (target % 2 == 1).astype(np.float64).reshape(1, -1)
        class_names, task = ("even", "odd"), "odd (Y=1) vs even (Y=0)"
    else:
        Y = (target == digit).astype(np.float64).reshape(1, -1)
        class_names, task = (f"not {digit}", str(digit)), f"{digit} (Y=1) vs the other digits (Y=0)"
    side = int(round(np.sqrt(X.shape[0])))
    return _split_and_standardize(
        X, Y, test_fraction=test_fraction, seed=seed, standardise=standardise,
        feature_names=[f"pixel({r},{c})" for r in range(side) for c in range(side)],
        class_names=class_names,
        description=f"digits (scikit-learn) {task}: {X.shape[1]} examples of {side}x{side} pixels",
    )


# ============================================================================ the course's cat files


_CAT_KEYS = {"train": ("train_set_x", "train_set_y"), "test": ("test_set_x", "test_set_y")}


def _read_h5(h5py: ModuleType, path: Path, role: str, names: Sequence[str]) -> dict[str, np.ndarray]:
    """Read the named datasets from one HDF5 file (``list_classes`` only if present)."""
    if not path.is_file():
        raise FileNotFoundError(f"load_cat_dataset: {role} file {str(path)!r} does not exist")
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise ValueError(f"load_cat_dataset: {role} file {str(path)!r} is not a readable HDF5 file ({e})") from e
    with f:
        out = {}
        for name in [*names, "list_classes"]:
            if name not in f:
                if name == "list_classes":
                    continue
                raise ValueError(
                    f"load_cat_dataset: {role} file {str(path)!r} has no dataset {name!r} "
                    f"(it has: {', '.join(sorted(f.keys())) or 'nothing'})"
                )
            if not isinstance(f[name], h5py.Dataset):
                raise ValueError(f"load_cat_dataset: {name!r} in {role} file {str(path)!r} is a group, not a dataset")
            out[name] = np.asarray(f[name][()])
    return out


def _cat_columns(x: np.ndarray, y: np.ndarray, path: Path, role: str) -> tuple[np.ndarray, np.ndarray]:
    """(m, h, w, c) pixels 0..255 -> X (h*w*c, m) in [0, 1];  labels -> Y (1, m)."""
    x_name, y_name = _CAT_KEYS[role]
    where = f"load_cat_dataset: {role} file {str(path)!r}"
    if x.ndim != 4 or not np.issubdtype(x.dtype, np.number):
        raise ShapeError(
            f"{where}: {x_name!r} has shape {x.shape} and dtype {x.dtype}; expected numbers of shape "
            f"(m, height, width, channels), e.g. (m, 64, 64, 3)"
        )
    m = x.shape[0]
    if y.size != m or not (y.ndim == 1 or (y.ndim == 2 and 1 in y.shape)):
        raise ShapeError(
            f"{where}: {y_name!r} has shape {y.shape} but {x_name!r} {x.shape} holds m = {m} images; "
            f"expected {y_name!r} of shape ({m},) or (1, {m})"
        )
    if m and (x.min() < 0 or x.max() > 255):
        raise ValueError(f"{where}: {x_name!r} has values in [{x.min()}, {x.max()}], expected pixels in 0..255")
    Y = np.asarray(y, dtype=np.float64).reshape(1, m)  # the course: y.reshape((1, y.shape[0]))
    if not np.all((Y == 0) | (Y == 1)):
        raise ValueError(f"{where}: {y_name!r} holds {np.unique(Y)}, expected labels 0 (non-cat) or 1 (cat)")
    # The course: x_flatten = x.reshape(x.shape[0], -1).T; x = x_flatten / 255.
    # Row-major (C) order: pixel (i, j) channel k of an h x w x c image lands in row (i*w + j)*c + k.
    X = x.reshape(m, -1).T / 255.0
    return X.astype(np.float64), Y


def load_cat_dataset(train_path: PathLike, test_path: PathLike) -> Dataset:
    """The course's cat-vs-non-cat data from its two HDF5 files (not shipped with this package).

    Reads ``train_set_x`` (m_train, 64, 64, 3) uint8, ``train_set_y`` (m_train,) from
    ``train_path``, ``test_set_x``, ``test_set_y`` and ``list_classes`` from ``test_path``
    (``list_classes`` is taken from the train file if the test file lacks it), then, exactly as
    the course's notebook does::

        X = x.reshape(x.shape[0], -1).T / 255      # (64*64*3, m) = (12288, m), values in [0, 1]
        Y = y.reshape(1, m)                         # (1, m), 1 = cat, 0 = non-cat

    The images may be of any size h x w x c, the same for train and test. Row ``(i*w + j)*c + k``
    of X is pixel (i, j), channel k; ``feature_names`` says so. No standardisation beyond /255.
    Needs h5py (the ``data`` extra); nothing is unpickled.
    """
    h5py = _require("h5py", "h5py", "load_cat_dataset")
    train_path, test_path = Path(train_path), Path(test_path)
    train = _read_h5(h5py, train_path, "train", _CAT_KEYS["train"])
    test = _read_h5(h5py, test_path, "test", _CAT_KEYS["test"])
    X_train, Y_train = _cat_columns(train["train_set_x"], train["train_set_y"], train_path, "train")
    X_test, Y_test = _cat_columns(test["test_set_x"], test["test_set_y"], test_path, "test")
    image_shape = train["train_set_x"].shape[1:]
    if test["test_set_x"].shape[1:] != image_shape:
        raise ShapeError(
            f"load_cat_dataset: images in {str(train_path)!r} 'train_set_x' are {image_shape} but in "
            f"{str(test_path)!r} 'test_set_x' are {test['test_set_x'].shape[1:]}; both need the same "
            f"(height, width, channels)"
        )
    classes = test.get("list_classes", train.get("list_classes"))
    if classes is None:
        raise ValueError(
            f"load_cat_dataset: neither {str(test_path)!r} nor {str(train_path)!r} has a dataset 'list_classes'"
        )
    names = [c.decode("utf-8") if isinstance(c, bytes) else str(c) for c in np.ravel(classes)]
    if len(names) != 2:
        raise ValueError(f"load_cat_dataset: 'list_classes' holds {names}, expected two class names (non-cat, cat)")
    h, w, c = image_shape
    return Dataset(
        X_train, Y_train, X_test, Y_test,
        feature_names=tuple(f"pixel({i},{j}) channel {k}" for i in range(h) for j in range(w) for k in range(c)),
        class_names=(names[0], names[1]),
        description=f"cat vs non-cat (course HDF5 files): {X_train.shape[1]} train / {X_test.shape[1]} test "
        f"images of {h}x{w}x{c} flattened to columns of {h * w * c}, pixels / 255",
    )


# ============================================================================ generated sets


def _check_count(value: int, name: str, where: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{where}: {name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_noise(noise: float, where: str) -> float:
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"{where}: noise must be a finite number >= 0, got {noise!r}")
    return float(noise)


def make_xor(m: int = 200, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The XOR problem: no straight line separates the classes, one hidden layer does.

    Each example starts at a corner (x1, x2) of the unit square, each corner used m/4 times
    (as near as m allows), in an order shuffled by the seed; Gaussian noise of standard
    deviation ``noise`` is added to both coordinates. The label is the corner's XOR:

        Y = x1 XOR x2   -> (0,0): 0, (1,1): 0, (0,1): 1, (1,0): 1

    Returns X (2, m) float64 and Y (1, m) float64.
    """
    m = _check_count(m, "m", "make_xor")
    noise = _check_noise(noise, "make_xor")
    rng = np.random.default_rng(seed)
    corner = rng.permutation(np.arange(m) % 4)  # 0..3, balanced
    bits = np.stack([corner // 2, corner % 2]).astype(np.float64)  # (2, m): x1, x2 of each corner
    X = bits + noise * rng.standard_normal((2, m))
    Y = np.logical_xor(bits[0], bits[1]).astype(np.float64).reshape(1, m)
    return X, Y


def make_flower(m: int = 400, noise: float = 0.2, a: float = 4.0, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The course's two-class planar "flower" (``load_planar_dataset``), same numbers for seed 1.

    N = m/2 points per class j = 0, 1, drawn in this order from ``RandomState(seed).randn``::

        theta = linspace(j*3.12, (j+1)*3.12, N) + randn(N)*noise
        r     = a*sin(4*theta) + randn(N)*noise
        X[:, class j] = (r sin theta, r cos theta)^T,   Y = j

    a is the largest radius of a petal. Returns X (2, m) float64 and Y (1, m) float64 (the
    course keeps Y as uint8). Defaults m = 400, noise = 0.2, a = 4, seed = 1 are the course's.
    The global numpy random state is not touched.
    """
    m = _check_count(m, "m", "make_flower", minimum=2)
    if m % 2:
        raise ValueError(f"make_flower: m must be even (m/2 points per class), got {m}")
    noise = _check_noise(noise, "make_flower")
    rng = np.random.RandomState(seed)  # the course's generator (np.random.seed(1); np.random.randn)
    N = m // 2
    X = np.zeros((2, m))
    Y = np.zeros((1, m))
    for j in range(2):
        ix = slice(N * j, N * (j + 1))
        theta = np.linspace(j * 3.12, (j + 1) * 3.12, N) + rng.randn(N) * noise
        r = a * np.sin(4 * theta) + rng.randn(N) * noise
        X[:, ix] = np.stack([r * np.sin(theta), r * np.cos(theta)])
        Y[:, ix] = j
    return X, Y


def make_parity(n_bits: int, m: int | None = None, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n-bit parity (lecture 4.5): Y = x1 XOR x2 XOR ... XOR xn = (sum of the bits) mod 2.

    * ``m=None``: all 2^n bit patterns, column j holding the binary digits of j, most
      significant bit in row 0 (no randomness);
    * ``m=k``: k patterns, each bit drawn independently 0 or 1 with probability 1/2 from
      ``default_rng(seed)`` (patterns may repeat).

    Returns X (n, m) float64 of 0.0/1.0 and Y (1, m) float64. Full enumeration is limited to
    n <= 20 (about a million columns); pass m for more bits.
    """
    n_bits = _check_count(n_bits, "n_bits", "make_parity")
    if m is None:
        if n_bits > 20:
            raise ValueError(
                f"make_parity: all 2^{n_bits} patterns is too many columns; pass m to sample that many patterns"
            )
        j = np.arange(2**n_bits)
        shifts = np.arange(n_bits - 1, -1, -1).reshape(-1, 1)  # row 0 = most significant bit
        bits = (j >> shifts) & 1  # (n, 2^n)
    else:
        m = _check_count(m, "m", "make_parity")
        bits = np.random.default_rng(seed).integers(0, 2, size=(n_bits, m))
    X = bits.astype(np.float64)
    Y = (bits.sum(axis=0, keepdims=True) % 2).astype(np.float64)
    return X, Y


# ============================================================================ any set by name


def _generated(
    maker: Callable[..., tuple[np.ndarray, np.ndarray]], label: str, feature_names: Callable[[int], list[str]],
) -> Callable[..., Dataset]:
    def load(test_fraction: float = 0.2, seed: int = 0, **options: Any) -> Dataset:
        X, Y = maker(seed=seed, **options)
        opts = ", ".join(f"{k}={v!r}" for k, v in options.items())
        return _split_and_standardize(
            X, Y, test_fraction=test_fraction, seed=seed, standardise=False,
            feature_names=feature_names(X.shape[0]), class_names=("0", "1"),
            description=f"{label}({opts}) generated with seed {seed}: {X.shape[1]} examples",
        )

    return load


_LOADERS: dict[str, Callable[..., Dataset]] = {
    "breast_cancer": load_breast_cancer,
    "digits": load_digits_binary,
    "xor": _generated(make_xor, "xor", lambda n: ["x1", "x2"]),
    "flower": _generated(make_flower, "flower", lambda n: ["x1", "x2"]),
    "parity": _generated(make_parity, "parity", lambda n: [f"bit {i + 1}" for i in range(n)]),
}
DATASET_NAMES: tuple[str, ...] = tuple(_LOADERS)


def load_dataset(name: str, *, test_fraction: float = 0.2, seed: int = 0, **options: Any) -> Dataset:
    """Any of the sets above by name, as a :class:`Dataset` split with ``seed``.

    ``breast_cancer`` and ``digits`` (scikit-learn, standardised; ``digit=k`` for k vs rest),
    ``xor``, ``flower`` and ``parity`` (generated with ``seed``, not standardised; ``parity``
    needs ``n_bits=n``). ``seed`` both generates and splits, so ``load_dataset("flower", seed=1)``
    holds the course's exact flower. ``options`` go to the loader or generator, e.g.
    ``load_dataset("parity", n_bits=6)``, ``load_dataset("xor", m=400, noise=0.2)``.
    """
    key = name.strip().lower().replace("-", "_")
    if key not in _LOADERS:
        close = difflib.get_close_matches(key, DATASET_NAMES, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"load_dataset: unknown dataset {name!r}; known: {', '.join(DATASET_NAMES)}{hint}")
    try:
        return _LOADERS[key](test_fraction=test_fraction, seed=seed, **options)
    except TypeError as e:
        if "unexpected keyword" in str(e) or "required" in str(e):
            raise TypeError(f"load_dataset({name!r}): {e}") from e
        raise


# ============================================================================ parameters in .npz


def parameter_shapes(layer_dims: Sequence[int]) -> dict[str, tuple[int, int]]:
    """The shapes of the parameters for ``layer_dims = [n[0], ..., n[L]]`` (lecture 4.4), keyed
    the course's way: ``"W1": (n[1], n[0]), "b1": (n[1], 1), ..., "bL": (n[L], 1)``."""
    dims = [int(n) for n in layer_dims]
    if len(dims) < 2 or any(n < 1 for n in dims):
        raise ValueError(
            f"parameter_shapes: layer_dims must be [n[0], ..., n[L]] with L >= 1 and every n >= 1, got {dims}"
        )
    shapes: dict[str, tuple[int, int]] = {}
    for l in range(1, len(dims)):
        shapes[f"W{l}"] = (dims[l], dims[l - 1])  # W[l]: (n[l], n[l-1])
        shapes[f"b{l}"] = (dims[l], 1)  # b[l]: (n[l], 1)
    return shapes


def save_parameters(path: PathLike, params: Mapping[str, np.ndarray | Tensor]) -> Path:
    """Write the parameters (e.g. ``{"W1": W1, "b1": b1, ...}``, arrays or Tensors) to the
    ``.npz`` file ``path`` exactly (no suffix is added). Numeric arrays only, so the file never
    needs pickle to load. Returns the path written."""
    path = Path(path)
    arrays: dict[str, np.ndarray] = {}
    for key, value in params.items():
        if not isinstance(key, str) or not key:
            raise ValueError(f"save_parameters: parameter names must be non-empty strings, got {key!r}")
        array = np.asarray(value.data if isinstance(value, Tensor) else value)
        if not (np.issubdtype(array.dtype, np.number) or array.dtype == np.bool_):
            raise TypeError(
                f"save_parameters: {key!r} has dtype {array.dtype}; only numeric arrays can be saved without pickle"
            )
        arrays[key] = array
    if not arrays:
        raise ValueError("save_parameters: no parameters given")
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    path.write_bytes(buffer.getvalue())
    return path


def load_parameters(
    path: PathLike, expected_shapes: Mapping[str, Sequence[int]] | Sequence[int] | None = None
) -> dict[str, np.ndarray]:
    """Read parameters written by :func:`save_parameters` (``np.load(..., allow_pickle=False)``).

    ``expected_shapes`` is either a mapping ``{"W1": (n[1], n[0]), ...}`` or a ``layer_dims``
    list (turned into one by :func:`parameter_shapes`). Then every expected entry must be in the
    file with exactly that shape, and the file may hold nothing else; otherwise the error names
    the file and the missing, extra or mis-shaped entry. Returns ``{name: array}`` in file order.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(f"load_parameters: {str(path)!r} is a folder; give the path of a .npz file")
    if not path.is_file():
        raise FileNotFoundError(f"load_parameters: file {str(path)!r} does not exist")
    not_parameters = f"load_parameters: {str(path)!r} is not a .npz file of numeric parameters readable without pickle"
    try:
        loaded = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error) as e:
        raise ValueError(f"{not_parameters} ({e}); was it cut short or written by another program?") from e
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        raise ValueError(f"{not_parameters}: it holds a single array, not named parameters")
    with loaded:
        params = {}
        for key in loaded.files:
            try:
                params[key] = loaded[key]
            except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error) as e:
                raise ValueError(f"{not_parameters}: entry {key!r} cannot be read ({e})") from e
    if expected_shapes is None:
        return params
    if not isinstance(expected_shapes, Mapping):
        expected_shapes = parameter_shapes(expected_shapes)
    expected = {k: tuple(int(n) for n in s) for k, s in expected_shapes.items()}
    missing = [k for k in expected if k not in params]
    if missing:
        raise ValueError(
            f"load_parameters: {str(path)!r} has no {', '.join(map(repr, missing))} "
            f"(it has: {', '.join(params) or 'nothing'}); hint: was it saved for other layer_dims?"
        )
    extra = [k for k in params if k not in expected]
    if extra:
        raise ValueError(
            f"load_parameters: {str(path)!r} holds unexpected {', '.join(map(repr, extra))} "
            f"(expected only: {', '.join(expected)}); hint: was it saved for other layer_dims?"
        )
    for key, shape in expected.items():
        if params[key].shape != shape:
            raise ShapeError(
                f"load_parameters: {key!r} in {str(path)!r} has shape {params[key].shape}, expected {shape}; "
                f"hint: W[l] is (n[l], n[l-1]) and b[l] is (n[l], 1)"
            )
    return params
