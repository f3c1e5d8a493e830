"""The course's cat-vs-non-cat data, read from its two HDF5 files (not shipped with this package).

:func:`load_cat_dataset` flattens each image to a column and divides by 255, exactly as the
course's notebook does. h5py is an optional extra: ``pip install "tinygrad-edu[data]"``; nothing
is unpickled, nothing outside the two files is read, and what they declare is checked before it is
read. Every error names the file (train or test) and the dataset inside it.
"""

from __future__ import annotations

import contextlib
import math
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from ..errors import ShapeError, message
from ..lecture import check_labels
from .dataset import Dataset, PathLike
from .extras import require
from .reading import DEFAULT_MAX_DATA_MB, check_size, existing_file

__all__ = ["CAT_KEYS", "load_cat_dataset"]

#: the datasets of each file: images (m, h, w, c) and labels (m,)
CAT_KEYS = {"train": ("train_set_x", "train_set_y"), "test": ("test_set_x", "test_set_y")}
_CLASSES = "list_classes"
_WHERE = "load_cat_dataset"
_MAX_NAME_BYTES = 1024  # one class name, in the course's files b"cat", b"non-cat"


def _file(role: str, path: Path) -> str:
    """How messages name a file: ``train file 'train_catvnoncat.h5'``."""
    return f"{role} file {str(path)!r}"


def _dataset(h5py: ModuleType, f: Any, name: str, path: Path, role: str) -> Any:
    """The dataset ``name`` of the open file ``f``, or None when ``list_classes`` is absent; refused
    unless its data are inside this file (no external link, external storage or virtual dataset:
    those read other files, any file, a FIFO...). Nothing is read."""
    where, what = f"{_WHERE}: {_file(role, path)}", f"{name!r}"
    link = f.get(name, getlink=True)
    if link is None:
        if name == _CLASSES:
            return None
        raise ValueError(message(_WHERE, f"{_file(role, path)} has no dataset {name!r} (it has: "
                                         f"{', '.join(sorted(f.keys())) or 'nothing'})"))
    if isinstance(link, h5py.ExternalLink):
        raise ValueError(message(where, f"{what} is a link to another file ({link.filename!r})",
                                 "store the data in the file itself"))
    ds = f[name]
    if not isinstance(ds, h5py.Dataset):
        raise ValueError(message(_WHERE, f"{what} in {_file(role, path)} is a group, not a dataset"))
    if ds.is_virtual or ds.external:
        how = "a virtual dataset" if ds.is_virtual else "HDF5 external storage"
        raise ValueError(message(where, f"{what} keeps its data in other files ({how}); only data stored inside the "
                                        "file are read", "store the data in the file itself"))
    numeric = ds.dtype.kind in "biuf"
    strings = ds.dtype.kind in "SU" or h5py.check_string_dtype(ds.dtype) is not None
    if not (strings if name == _CLASSES else numeric):
        raise ValueError(message(where, f"{what} has dtype {ds.dtype}; expected "
                                        + ("class names (strings)" if name == _CLASSES else "numbers")))
    if name == _CLASSES and ds.size != 2:
        raise ValueError(message(where, f"{_CLASSES!r} holds {ds.size} names of shape {ds.shape}, expected two class "
                                        "names (non-cat, cat)"))
    return ds


def _check_shapes(x: Any, y: Any, path: Path, role: str) -> None:
    """Images (m, h, w, c) and m labels (m,) or (1, m), from the declared shapes."""
    x_name, y_name = CAT_KEYS[role]
    where = f"{_WHERE}: {_file(role, path)}"
    if x.ndim != 4:
        raise ShapeError(message(where, f"{x_name!r} has shape {x.shape} and dtype {x.dtype}; expected numbers of "
                                        "shape (m, height, width, channels), e.g. (m, 64, 64, 3)"))
    m = x.shape[0]
    if y.size != m or not (y.ndim == 1 or (y.ndim == 2 and 1 in y.shape)):
        raise ShapeError(message(where, f"{y_name!r} has shape {y.shape} but {x_name!r} {x.shape} holds m = {m} "
                                        f"images; expected {y_name!r} of shape ({m},) or (1, {m})"))


def _cat_columns(x: np.ndarray, y: np.ndarray, path: Path, role: str) -> tuple[np.ndarray, np.ndarray]:
    """(m, h, w, c) pixels 0..255 -> X (h*w*c, m) in [0, 1];  labels (m,) or (1, m) -> Y (1, m)."""
    x_name, y_name = CAT_KEYS[role]
    where = f"{_WHERE}: {_file(role, path)}"
    m = x.shape[0]
    for name, a in ((x_name, x), (y_name, y)):
        if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
            raise ValueError(message(where, f"{name!r} contains NaN or infinite values", "clean the data first"))
    if m and (x.min() < 0 or x.max() > 255):
        raise ValueError(message(where, f"{x_name!r} has values in [{x.min()}, {x.max()}], expected pixels in "
                                        "0..255"))
    check_labels(y.reshape(1, m), f"{where}, {y_name!r}")  # 1 = cat, 0 = non-cat
    Y = np.asarray(y, dtype=np.float64).reshape(1, m)  # the course: y.reshape((1, y.shape[0]))
    # The course: x_flatten = x.reshape(x.shape[0], -1).T; x = x_flatten / 255.
    # Row-major (C) order: pixel (i, j) channel k of an h x w x c image lands in row (i*w + j)*c + k.
    X = x.reshape(m, -1).T / 255.0
    return X.astype(np.float64), Y


def _open(h5py: ModuleType, stack: contextlib.ExitStack, path: Path, role: str) -> dict[str, Any]:
    """The datasets of one HDF5 file, checked (:func:`_dataset`, :func:`_check_shapes`) and not read."""
    existing_file(path, _WHERE, f"{role} file", "give the course's .h5 file")
    try:
        f = stack.enter_context(h5py.File(path, "r"))
    except OSError as e:
        raise ValueError(message(_WHERE, f"{_file(role, path)} is not a readable HDF5 file ({e})")) from e
    found = {name: _dataset(h5py, f, name, path, role) for name in [*CAT_KEYS[role], _CLASSES]}
    _check_shapes(found[CAT_KEYS[role][0]], found[CAT_KEYS[role][1]], path, role)
    return {k: v for k, v in found.items() if v is not None}


def _read(ds: Any, path: Path, role: str) -> np.ndarray:
    try:
        return np.asarray(ds[()])
    except (OSError, ValueError, TypeError) as e:
        raise ValueError(message(_WHERE, f"{ds.name.lstrip('/')!r} in {_file(role, path)} cannot be read "
                                         f"({' '.join(str(e).split())})")) from e


def _class_names(train: dict[str, np.ndarray], test: dict[str, np.ndarray], train_path: Path,
                 test_path: Path) -> tuple[str, str]:
    """The two names of ``list_classes`` (the test file's, else the train file's): (non-cat, cat)."""
    classes = test.get(_CLASSES, train.get(_CLASSES))
    if classes is None:
        raise ValueError(message("load_cat_dataset", f"neither {str(test_path)!r} nor {str(train_path)!r} has a "
                                                     f"dataset {_CLASSES!r}"))
    names = [c.decode("utf-8") if isinstance(c, bytes) else str(c) for c in np.ravel(classes)]
    if len(names) != 2:
        raise ValueError(message("load_cat_dataset", f"{_CLASSES!r} holds {names}, expected two class names "
                                                     "(non-cat, cat)"))
    return names[0], names[1]


def load_cat_dataset(train_path: PathLike, test_path: PathLike,
                     max_data_mb: float | None = DEFAULT_MAX_DATA_MB) -> Dataset:
    """The course's cat-vs-non-cat data from its two HDF5 files (not shipped with this package).

    Reads ``train_set_x`` (m_train, 64, 64, 3) uint8, ``train_set_y`` (m_train,) from
    ``train_path``, ``test_set_x``, ``test_set_y`` and ``list_classes`` from ``test_path``
    (``list_classes`` is taken from the train file if the test file lacks it), then, exactly as
    the course's notebook does::

        X = x.reshape(x.shape[0], -1).T / 255      # (64*64*3, m) = (12288, m), values in [0, 1]
        Y = y.reshape(1, m)                         # (1, m), 1 = cat, 0 = non-cat

    The images may be of any size h x w x c, the same for train and test. Row ``(i*w + j)*c + k``
    of X is pixel (i, j), channel k; ``feature_names`` says so. No standardisation beyond /255.
    Labels follow the lecture's one rule (values in [0, 1]). Needs h5py (the ``data`` extra).

    Before anything is read, the files' datasets are checked: data stored inside the file (no
    external link, HDF5 external storage or virtual dataset, which would read other files), numbers
    (class names: two strings), shapes that fit each other, and at most ``max_data_mb`` MB as
    float64 in all (None: no limit). NaN or infinite pixels are refused.
    """
    h5py = require("h5py", "h5py", _WHERE)
    train_path, test_path = Path(train_path), Path(test_path)
    with contextlib.ExitStack() as stack:
        files = {"train": _open(h5py, stack, train_path, "train"), "test": _open(h5py, stack, test_path, "test")}
        paths_given = {"train": train_path, "test": test_path}
        image_shape = files["train"]["train_set_x"].shape[1:]
        if files["test"]["test_set_x"].shape[1:] != image_shape:
            raise ShapeError(message(
                _WHERE, f"images in {str(train_path)!r} 'train_set_x' are {image_shape} but in {str(test_path)!r} "
                f"'test_set_x' are {files['test']['test_set_x'].shape[1:]}; both need the same (height, width, "
                "channels)"))
        declared = [(k, ds.shape) for part in files.values() for k, ds in part.items() if k != _CLASSES]
        for role, part in files.items():  # the class names: a few short strings, checked before they are read
            names = part.get(_CLASSES)
            if names is not None and (names.dtype.itemsize > _MAX_NAME_BYTES or math.prod(names.shape) > 1000):
                raise ValueError(message(_WHERE, f"{str(paths_given[role])!r} declares {_CLASSES} of shape "
                                                 f"{names.shape}, {names.dtype.itemsize:,} bytes per name",
                                         f"class names are at most {_MAX_NAME_BYTES} bytes each, and at most 1000 "
                                         "of them: is this the course's file?"))
        check_size(_WHERE, f"{str(train_path)!r} and {str(test_path)!r} declare "
                           + ", ".join(f"{k} {s}" for k, s in declared) + ", as float64",
                   8 * sum(math.prod(s) for _, s in declared), max_data_mb)
        paths = {"train": train_path, "test": test_path}
        train, test = ({k: _read(ds, paths[role], role) for k, ds in files[role].items()} for role in ("train", "test"))
    X_train, Y_train = _cat_columns(train["train_set_x"], train["train_set_y"], train_path, "train")
    X_test, Y_test = _cat_columns(test["test_set_x"], test["test_set_y"], test_path, "test")
    h, w, c = image_shape
    return Dataset(
        X_train, Y_train, X_test, Y_test,
        feature_names=tuple(f"pixel({i},{j}) channel {k}" for i in range(h) for j in range(w) for k in range(c)),
        class_names=_class_names(train, test, train_path, test_path),
        description=f"cat vs non-cat (course HDF5 files): {X_train.shape[1]} train / {X_test.shape[1]} test "
        f"images of {h}x{w}x{c} flattened to columns of {h * w * c}, pixels / 255",
    )
