"""Data from files, and any data set from one string (what ``--dataset`` takes on the command line).

:func:`load_data_file` reads a data FILE into a :class:`~.dataset.Dataset`:

* a ``.npz`` with ``X`` (n[0], m), one example per COLUMN, and ``Y`` (1, m) (a 1-D Y is taken as
  a row), optionally ``X_test`` and ``Y_test``; without them the columns are split into train and
  test with ``split_seed``;
* a ``.csv`` with one example per ROW, the label in the last column and an optional header line
  (a first line that is not all numbers).

Files are used as they are (not standardised); nothing is unpickled. Labels follow the lecture's
one rule (values in [0, 1]). Every error names the file. Memory is bounded: what a file declares
(the shapes in a ``.npz``'s array headers, a ``.csv``'s size) is checked against ``max_data_mb``
(:data:`~.reading.DEFAULT_MAX_DATA_MB`) and against itself (X and Y of the same m) BEFORE any array
is read.

:func:`load_data` takes a data set NAME (:data:`~.registry.DATASET_NAMES`), a file path, or the
course's two cat files as ``TRAIN.h5,TEST.h5``; :func:`dataset_ref` is how a saved network
remembers that string so that it still works from another folder, :func:`dataset_files` the files
it names and :func:`dataset_digest` their content (SHA-256), so that ``predict`` can tell whether
they are still the data the network was trained on.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ShapeError, message
from ..files import sha256_file
from ..lecture import check_data
from .cat import load_cat_dataset
from .dataset import Dataset, PathLike, split_and_standardize
from .reading import DEFAULT_MAX_DATA_MB, Declared, check_size, existing_file, read_npz, stand_in
from .registry import DATASET_NAMES, dataset_name, load_dataset

__all__ = ["DATA_FILE_SUFFIXES", "HDF5_SUFFIXES", "DEFAULT_OPTIONS", "load_data_file", "load_data", "dataset_ref",
           "dataset_files", "dataset_digest"]

#: the suffixes :func:`load_data_file` reads
DATA_FILE_SUFFIXES = (".npz", ".csv")
#: the suffixes of the course's cat files, given as TRAIN.h5,TEST.h5
HDF5_SUFFIXES = (".h5", ".hdf5")
_PAIRS = (("X", "Y"), ("X_test", "Y_test"))
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


def _check_declared(path: Path, declared: dict[str, Declared]) -> None:
    """The arrays a .npz declares: X and Y (and X_test with Y_test, or neither), of shapes that fit
    the lecture's layout X (n[0], m), Y (1, m) -- checked from the headers, before anything is read."""
    if "X" not in declared or "Y" not in declared:
        raise ValueError(message(_WHERE, f"{str(path)!r} must hold arrays 'X' (n[0], m) and 'Y' (1, m), one example "
                                         f"per column; it holds {sorted(declared) or 'nothing'}"))
    if ("X_test" in declared) != ("Y_test" in declared):
        raise ValueError(message(_WHERE, f"{str(path)!r} holds only one of 'X_test' and 'Y_test'",
                                 "give both or neither"))
    shapes = {k: (1, *s) if k.startswith("Y") and len(s) == 1 else s for k, (s, _) in declared.items()}
    _check_shapes(path, shapes)


def _check_shapes(path: Path, shapes: dict[str, tuple[int, ...]]) -> None:
    """X, Y (and X_test, Y_test) of shapes X (n[0], m), Y (1, m), with m > 0, from their shapes alone."""
    where = f"{_WHERE}: {str(path)!r}"
    for name, s in shapes.items():
        if len(s) == 2 and s[1] == 0:
            raise ValueError(message(where, f"{name} has no examples (shape {s})"))
    for x, y in _PAIRS:
        if x not in shapes:
            continue
        X, Y, n_x = shapes[x], shapes[y], shapes["X"][0] if x != "X" and len(shapes["X"]) == 2 else None
        if len(X) == 2 and len(Y) == 2 and X[1] != Y[1] == X[0]:
            raise ShapeError(message(where, f"{x} has shape {X} for the {Y[1]} labels of {y} {Y}; "
                                            f"{x} must be (n[0], m), one example per column",
                                     f"the examples look like rows: store {x}.T"))
        if len(X) != 2 or len(Y) != 2 or X[1] != Y[1] or Y[0] != 1 or (n_x is not None and X[0] != n_x):
            # some shape is wrong: the lecture's check says which (on stand-ins, which take no memory)
            check_data(stand_in((X, np.dtype(float))), stand_in((Y, np.dtype(float))), f"{where} ({x}, {y})",
                       n_x=n_x, n_y=1)


def _read_npz_data(path: Path, max_data_mb: float | None) -> dict[str, np.ndarray]:
    """X, Y and, when the file has them, X_test, Y_test, as float64 (1-D labels made rows)."""
    arrays = read_npz(path, _WHERE, "arrays", max_data_mb, check=lambda declared: _check_declared(path, declared))
    out: dict[str, np.ndarray] = {}
    for name in ("X", "Y", "X_test", "Y_test"):
        if name in arrays:
            out[name] = np.asarray(arrays[name], dtype=np.float64)
            if name.startswith("Y") and out[name].ndim == 1:
                out[name] = out[name].reshape(1, -1)
    return out


def _read_csv_data(path: Path, max_data_mb: float | None) -> dict[str, np.ndarray]:
    """X (n[0], m) and Y (1, m) from the rows of a CSV: features, then the label last. The file's
    size is checked against ``max_data_mb`` first; a UTF-8 byte-order mark is not part of the data."""
    check_size(_WHERE, f"the CSV file {str(path)!r} is large", path.stat().st_size, max_data_mb)
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
        header = bool(lines) and not _all_numbers(lines[0])  # a first line that is not all numbers is a header
        rows = np.loadtxt(lines[1:] if header else lines, delimiter=",", ndmin=2, dtype=np.float64)
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
    _check_shapes(path, {k: a.shape for k, a in arrays.items()})
    for name, A in arrays.items():
        if not np.all(np.isfinite(A)):
            raise ValueError(message(where, f"{name} contains NaN or infinite values", "clean the data first"))
    for x, y in _PAIRS:
        if x in arrays:
            check_data(arrays[x], arrays[y], f"{where} ({x}, {y})", n_x=arrays["X"].shape[0] if x != "X" else None,
                       n_y=1)


def load_data_file(path: PathLike, split_seed: int = 0, test_fraction: float = 0.2,
                   max_data_mb: float | None = DEFAULT_MAX_DATA_MB) -> Dataset:
    """A :class:`~.dataset.Dataset` from a ``.npz`` (X, Y in columns, optional X_test, Y_test) or
    a ``.csv`` (one example per row, the label last, optional header), used as it is (not
    standardised). Without a test set in the file, the columns are split by
    :func:`~.dataset.train_test_split` with ``split_seed`` and ``test_fraction``. A file declaring
    more than ``max_data_mb`` MB of float64 numbers (a .csv: of more than that many MB) is refused
    before it is read (None: no limit)."""
    path = existing_file(Path(path), _WHERE, "data file", "give a .npz or .csv file")
    suffix = path.suffix.lower()
    if suffix not in DATA_FILE_SUFFIXES:
        raise ValueError(message(_WHERE, f"data file {str(path)!r}: expected a .npz or a .csv file", _FORMATS))
    arrays = (_read_npz_data if suffix == ".npz" else _read_csv_data)(path, max_data_mb)
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


def _parts(spec: str) -> list[str]:
    return [p.strip() for p in spec.split(",")]


def _is_cat_files(spec: str) -> bool:
    """Whether ``spec`` names HDF5 files: one of its comma-separated parts ends in .h5 or .hdf5 (a
    path merely containing ".h5" somewhere is not one)."""
    return any(Path(p).suffix.lower() in HDF5_SUFFIXES for p in _parts(spec))


def load_data(spec: str, options: Iterable[tuple[str, Any]] = (), split_seed: int = 0,
              test_fraction: float = 0.2, max_data_mb: float | None = DEFAULT_MAX_DATA_MB) -> Dataset:
    """The data set ``spec`` stands for:

    * a NAME of :data:`~.registry.DATASET_NAMES`: :func:`~.registry.load_dataset` with ``options``
      (pairs ``(key, value)``; ``parity`` gets ``n_bits=4`` unless given), split with ``split_seed``;
    * the course's cat files as ``TRAIN.h5,TEST.h5``: :func:`~.cat.load_cat_dataset`;
    * a ``.npz`` or ``.csv`` file (or any existing path): :func:`load_data_file`.

    Files declaring more than ``max_data_mb`` MB of numbers are refused before they are read.
    """
    opts = dict(options)
    name = dataset_name(spec)
    if name is not None:
        return load_dataset(name, test_fraction=test_fraction, seed=split_seed,
                            **{**DEFAULT_OPTIONS.get(name, {}), **opts})
    if _is_cat_files(spec):
        parts = _parts(spec)
        if len(parts) != 2:
            raise ValueError(message("load_data", f"{spec!r}: the course's HDF5 data needs both files",
                                     "give them as TRAIN.h5,TEST.h5 (train_catvnoncat.h5,test_catvnoncat.h5)"))
        return load_cat_dataset(parts[0], parts[1], max_data_mb=max_data_mb)
    path = Path(spec)
    if path.suffix.lower() in DATA_FILE_SUFFIXES or path.exists():
        if opts:
            raise ValueError(message("load_data", f"options {sorted(opts)} apply to the named data sets, not to the "
                                                  f"data file {spec!r}"))
        return load_data_file(path, split_seed, test_fraction, max_data_mb)
    raise ValueError(message("load_data", f"unknown dataset {spec!r}",
                             f"give one of {', '.join(DATASET_NAMES)}, a path to a .npz/.csv file, or the course's "
                             "cat files as TRAIN.h5,TEST.h5"))


def dataset_files(spec: str) -> list[Path]:
    """The files ``spec`` names (the two of ``TRAIN.h5,TEST.h5``, or one), or [] for a data set name."""
    if dataset_name(spec) is not None:
        return []
    return [Path(p) for p in _parts(spec)] if _is_cat_files(spec) else [Path(spec)]


def dataset_ref(spec: str) -> str:
    """How a saved network remembers its data: a name as it is, a file (or the two cat files) by
    its absolute path, so that ``predict`` works from any folder."""
    files = dataset_files(spec)
    return ",".join(str(p.resolve()) for p in files) if files else spec


def dataset_digest(spec: str) -> list[str] | None:
    """The SHA-256 of each file ``spec`` names, in order, or None for a data set name (whose data
    come from its name, options and seed) and when one of the files is not a regular file (reading
    it says why)."""
    files = dataset_files(spec)
    return [sha256_file(p) for p in files] if files and all(p.is_file() for p in files) else None
