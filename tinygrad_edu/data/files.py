"""Data from files, and any data set from one string (what ``--dataset`` takes on the command line).

:func:`load_data_file` reads a data FILE into a :class:`~.dataset.Dataset`:

* a ``.npz`` with ``X`` (n[0], m), one example per COLUMN, and ``Y`` (1, m) (a 1-D Y is taken as
  a row), optionally ``X_test`` and ``Y_test``; without them the columns are split into train and
  test with ``split_seed``;
* a ``.csv`` with one example per ROW, the label in the last column and an optional header line
  (a first line that is not all numbers).

Files are used as they are (not standardised); nothing is unpickled. Labels follow the lecture's
one rule (values in [0, 1]). Every error names the file.

:func:`load_data` takes a data set NAME (:data:`~.registry.DATASET_NAMES`), a file path, or the
course's two cat files as ``TRAIN.h5,TEST.h5``; :func:`dataset_ref` is how a saved network
remembers that string so that it still works from another folder.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ShapeError, message
from ..lecture import check_data
from .cat import load_cat_dataset
from .dataset import Dataset, PathLike, split_and_standardize
from .reading import existing_file, read_npz
from .registry import DATASET_NAMES, dataset_name, load_dataset

__all__ = ["DATA_FILE_SUFFIXES", "DEFAULT_OPTIONS", "load_data_file", "load_data", "dataset_ref"]

#: the suffixes :func:`load_data_file` reads
DATA_FILE_SUFFIXES = (".npz", ".csv")
#: options a named set gets from :func:`load_data` when not given (parity needs a number of bits)
DEFAULT_OPTIONS: dict[str, dict[str, Any]] = {"parity": {"n_bits": 4}}

_WHERE = "load_data_file"
_FORMATS = ("a .npz holds X (n[0], m) and Y (1, m), one example per column; a .csv holds one example per row, "
            "the label last")


def _all_numbers(line: str) -> bool:
    """Whether a CSV line is a row of numbers (else it is a header). ``inf`` and ``nan`` count as
    numbers, so a first row of data holding them is read (and refused) as data."""
    try:
        [float(x) for x in line.strip().split(",") if x.strip()]
    except ValueError:
        return False
    return bool(line.strip())


def _read_npz_data(path: Path) -> dict[str, np.ndarray]:
    """X, Y and, when the file has them, X_test, Y_test, as float64 (1-D labels made rows)."""
    arrays = read_npz(path, _WHERE, "arrays")
    if "X" not in arrays or "Y" not in arrays:
        raise ValueError(message(_WHERE, f"{str(path)!r} must hold arrays 'X' (n[0], m) and 'Y' (1, m), one example "
                                         f"per column; it holds {sorted(arrays) or 'nothing'}"))
    if ("X_test" in arrays) != ("Y_test" in arrays):
        raise ValueError(message(_WHERE, f"{str(path)!r} holds only one of 'X_test' and 'Y_test'",
                                 "give both or neither"))
    out: dict[str, np.ndarray] = {}
    for name in ("X", "Y", "X_test", "Y_test"):
        if name in arrays:
            try:
                out[name] = np.asarray(arrays[name], dtype=np.float64)
            except (TypeError, ValueError) as e:
                raise ValueError(message(_WHERE, f"{str(path)!r}: {name!r} is not numeric ({e})")) from e
            if name.startswith("Y") and out[name].ndim == 1:
                out[name] = out[name].reshape(1, -1)
    return out


def _read_csv_data(path: Path) -> dict[str, np.ndarray]:
    """X (n[0], m) and Y (1, m) from the rows of a CSV: features, then the label last."""
    try:
        with path.open(encoding="utf-8") as f:
            first = f.readline()
        header = not _all_numbers(first)  # a first line that is not all numbers is a header
        rows = np.loadtxt(path, delimiter=",", skiprows=1 if header else 0, ndmin=2, dtype=np.float64)
    except (ValueError, OSError, UnicodeDecodeError) as e:
        raise ValueError(message(_WHERE, f"{str(path)!r} is not a CSV of numbers ({' '.join(str(e).split())})",
                                 _FORMATS)) from e
    if rows.shape[1] < 2:
        raise ValueError(message(_WHERE, f"{str(path)!r}: a CSV needs one example per row: features, then the "
                                         f"label last; its rows have {rows.shape[1]} value(s)"))
    return {"X": rows[:, :-1].T, "Y": rows[:, -1:].T}  # rows of examples -> columns: X (n[0], m), Y (1, m)


def _check_arrays(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Every array has examples and finite values; X, Y (and X_test, Y_test) fit the lecture's
    layout X (n[0], m), Y (1, m) with labels in [0, 1]."""
    where = f"{_WHERE}: {str(path)!r}"
    for name, A in arrays.items():
        if A.ndim == 2 and A.shape[1] == 0:
            raise ValueError(message(where, f"{name} has no examples (shape {A.shape})"))
        if not np.all(np.isfinite(A)):
            raise ValueError(message(where, f"{name} contains NaN or infinite values", "clean the data first"))
    for x, y in (("X", "Y"), ("X_test", "Y_test")):
        if x not in arrays:
            continue
        X, Y = arrays[x], arrays[y]
        if X.ndim == 2 and Y.ndim == 2 and X.shape[1] != Y.shape[1] == X.shape[0]:
            raise ShapeError(message(where, f"{x} has shape {X.shape} for the {Y.shape[1]} labels of {y} {Y.shape}; "
                                            f"{x} must be (n[0], m), one example per column",
                                     f"the examples look like rows: store {x}.T"))
        check_data(X, Y, f"{where} ({x}, {y})", n_x=arrays["X"].shape[0] if x != "X" else None, n_y=1)


def load_data_file(path: PathLike, split_seed: int = 0, test_fraction: float = 0.2) -> Dataset:
    """A :class:`~.dataset.Dataset` from a ``.npz`` (X, Y in columns, optional X_test, Y_test) or
    a ``.csv`` (one example per row, the label last, optional header), used as it is (not
    standardised). Without a test set in the file, the columns are split by
    :func:`~.dataset.train_test_split` with ``split_seed`` and ``test_fraction``."""
    path = existing_file(Path(path), _WHERE, "data file", "give a .npz or .csv file")
    suffix = path.suffix.lower()
    if suffix not in DATA_FILE_SUFFIXES:
        raise ValueError(message(_WHERE, f"data file {str(path)!r}: expected a .npz or a .csv file", _FORMATS))
    arrays = _read_npz_data(path) if suffix == ".npz" else _read_csv_data(path)
    _check_arrays(path, arrays)
    X, Y = arrays["X"], arrays["Y"]
    features = tuple(f"x{i + 1}" for i in range(X.shape[0]))
    description = f"file {path.name}: {X.shape[0]} features"
    if "X_test" not in arrays:
        return split_and_standardize(X, Y, test_fraction=test_fraction, seed=split_seed, standardise=False,
                                     feature_names=features, class_names=("0", "1"), description=description)
    return Dataset(X, Y, arrays["X_test"], arrays["Y_test"], feature_names=features, class_names=("0", "1"),
                   description=f"{description}, {X.shape[1]} train / {arrays['X_test'].shape[1]} test as given, "
                   "not standardised")


def _is_cat_files(spec: str) -> bool:
    return ".h5" in spec.lower() or ".hdf5" in spec.lower()


def load_data(spec: str, options: Iterable[tuple[str, Any]] = (), split_seed: int = 0,
              test_fraction: float = 0.2) -> Dataset:
    """The data set ``spec`` stands for:

    * a NAME of :data:`~.registry.DATASET_NAMES`: :func:`~.registry.load_dataset` with ``options``
      (pairs ``(key, value)``; ``parity`` gets ``n_bits=4`` unless given), split with ``split_seed``;
    * the course's cat files as ``TRAIN.h5,TEST.h5``: :func:`~.cat.load_cat_dataset`;
    * a ``.npz`` or ``.csv`` file (or any existing path): :func:`load_data_file`.
    """
    opts = dict(options)
    name = dataset_name(spec)
    if name is not None:
        return load_dataset(name, test_fraction=test_fraction, seed=split_seed,
                            **{**DEFAULT_OPTIONS.get(name, {}), **opts})
    if _is_cat_files(spec):
        parts = [p.strip() for p in spec.split(",")]
        if len(parts) != 2:
            raise ValueError(message("load_data", f"{spec!r}: the course's HDF5 data needs both files",
                                     "give them as TRAIN.h5,TEST.h5 (train_catvnoncat.h5,test_catvnoncat.h5)"))
        return load_cat_dataset(parts[0], parts[1])
    path = Path(spec)
    if path.suffix.lower() in DATA_FILE_SUFFIXES or path.exists():
        if opts:
            raise ValueError(message("load_data", f"options {sorted(opts)} apply to the named data sets, not to the "
                                                  f"data file {spec!r}"))
        return load_data_file(path, split_seed, test_fraction)
    raise ValueError(message("load_data", f"unknown dataset {spec!r}",
                             f"give one of {', '.join(DATASET_NAMES)}, a path to a .npz/.csv file, or the course's "
                             "cat files as TRAIN.h5,TEST.h5"))


def dataset_ref(spec: str) -> str:
    """How a saved network remembers its data: a name as it is, a file (or the two cat files) by
    its absolute path, so that ``predict`` works from any folder."""
    if dataset_name(spec) is not None:
        return spec
    return ",".join(str(Path(part.strip()).resolve()) for part in spec.split(","))
