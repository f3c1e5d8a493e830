"""The course's cat-vs-non-cat data, read from its two HDF5 files (not shipped with this package).

:func:`load_cat_dataset` flattens each image to a column and divides by 255, exactly as the
course's notebook does. h5py is an optional extra: ``pip install "tinygrad-edu[data]"``; nothing
is unpickled. Every error names the file (train or test) and the dataset inside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import numpy as np

from ..errors import ShapeError, message
from ..lecture import check_labels
from .dataset import Dataset, PathLike
from .extras import require
from .reading import existing_file

__all__ = ["CAT_KEYS", "load_cat_dataset"]

#: the datasets of each file: images (m, h, w, c) and labels (m,)
CAT_KEYS = {"train": ("train_set_x", "train_set_y"), "test": ("test_set_x", "test_set_y")}
_CLASSES = "list_classes"


def _file(role: str, path: Path) -> str:
    """How messages name a file: ``train file 'train_catvnoncat.h5'``."""
    return f"{role} file {str(path)!r}"


def _read_h5(h5py: ModuleType, path: Path, role: str, names: Sequence[str]) -> dict[str, np.ndarray]:
    """Read the named datasets from one HDF5 file (``list_classes`` only if present)."""
    existing_file(path, "load_cat_dataset", f"{role} file", "give the course's .h5 file")
    try:
        f = h5py.File(path, "r")
    except OSError as e:
        raise ValueError(message("load_cat_dataset", f"{_file(role, path)} is not a readable HDF5 file ({e})")) from e
    with f:
        out = {}
        for name in [*names, _CLASSES]:
            if name not in f:
                if name == _CLASSES:
                    continue
                raise ValueError(message("load_cat_dataset", f"{_file(role, path)} has no dataset {name!r} (it has: "
                                                             f"{', '.join(sorted(f.keys())) or 'nothing'})"))
            if not isinstance(f[name], h5py.Dataset):
                raise ValueError(message("load_cat_dataset",
                                         f"{name!r} in {_file(role, path)} is a group, not a dataset"))
            out[name] = np.asarray(f[name][()])
    return out


def _cat_columns(x: np.ndarray, y: np.ndarray, path: Path, role: str) -> tuple[np.ndarray, np.ndarray]:
    """(m, h, w, c) pixels 0..255 -> X (h*w*c, m) in [0, 1];  labels (m,) or (1, m) -> Y (1, m)."""
    x_name, y_name = CAT_KEYS[role]
    where = f"load_cat_dataset: {_file(role, path)}"
    if x.ndim != 4 or not np.issubdtype(x.dtype, np.number):
        raise ShapeError(message(where, f"{x_name!r} has shape {x.shape} and dtype {x.dtype}; expected numbers of "
                                        "shape (m, height, width, channels), e.g. (m, 64, 64, 3)"))
    m = x.shape[0]
    if y.size != m or not (y.ndim == 1 or (y.ndim == 2 and 1 in y.shape)):
        raise ShapeError(message(where, f"{y_name!r} has shape {y.shape} but {x_name!r} {x.shape} holds m = {m} "
                                        f"images; expected {y_name!r} of shape ({m},) or (1, {m})"))
    if m and (x.min() < 0 or x.max() > 255):
        raise ValueError(message(where, f"{x_name!r} has values in [{x.min()}, {x.max()}], expected pixels in "
                                        "0..255"))
    check_labels(y.reshape(1, m), f"{where}, {y_name!r}")  # 1 = cat, 0 = non-cat
    Y = np.asarray(y, dtype=np.float64).reshape(1, m)  # the course: y.reshape((1, y.shape[0]))
    # The course: x_flatten = x.reshape(x.shape[0], -1).T; x = x_flatten / 255.
    # Row-major (C) order: pixel (i, j) channel k of an h x w x c image lands in row (i*w + j)*c + k.
    X = x.reshape(m, -1).T / 255.0
    return X.astype(np.float64), Y


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
    Labels follow the lecture's one rule (values in [0, 1]). Needs h5py (the ``data`` extra).
    """
    h5py = require("h5py", "h5py", "load_cat_dataset")
    train_path, test_path = Path(train_path), Path(test_path)
    train = _read_h5(h5py, train_path, "train", CAT_KEYS["train"])
    test = _read_h5(h5py, test_path, "test", CAT_KEYS["test"])
    X_train, Y_train = _cat_columns(train["train_set_x"], train["train_set_y"], train_path, "train")
    X_test, Y_test = _cat_columns(test["test_set_x"], test["test_set_y"], test_path, "test")
    image_shape = train["train_set_x"].shape[1:]
    if test["test_set_x"].shape[1:] != image_shape:
        raise ShapeError(message(
            "load_cat_dataset",
            f"images in {str(train_path)!r} 'train_set_x' are {image_shape} but in {str(test_path)!r} 'test_set_x' "
            f"are {test['test_set_x'].shape[1:]}; both need the same (height, width, channels)",
        ))
    h, w, c = image_shape
    return Dataset(
        X_train, Y_train, X_test, Y_test,
        feature_names=tuple(f"pixel({i},{j}) channel {k}" for i in range(h) for j in range(w) for k in range(c)),
        class_names=_class_names(train, test, train_path, test_path),
        description=f"cat vs non-cat (course HDF5 files): {X_train.shape[1]} train / {X_test.shape[1]} test "
        f"images of {h}x{w}x{c} flattened to columns of {h * w * c}, pixels / 255",
    )
