"""Reading files, the same way for parameter files, data files and the course's HDF5 files: a
path that must be an existing file (:func:`existing_file`), and a ``.npz`` (a zip archive of named
arrays, as ``np.savez`` writes) read without pickle (:func:`read_npz`). Errors name the file."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

import numpy as np

from ..errors import message

__all__ = ["existing_file", "read_npz"]

# what a cut-short, damaged or foreign file raises inside numpy
_BROKEN = (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error)


def existing_file(path: Path, where: str, kind: str, hint: str) -> Path:
    """``path`` if it is an existing file; else an IsADirectoryError (a folder) or a
    FileNotFoundError that names the ``kind`` of file (``"file"``, ``"train file"``) and the path,
    with ``hint`` saying what to give instead of a folder."""
    if path.is_dir():
        raise IsADirectoryError(message(where, f"{kind} {str(path)!r} is a folder", hint))
    if not path.is_file():
        raise FileNotFoundError(message(where, f"{kind} {str(path)!r} does not exist"))
    return path


def read_npz(path: Path, where: str, what: str) -> dict[str, np.ndarray]:
    """``{name: array}`` of every entry of the .npz file ``path``, in file order, read with
    ``np.load(..., allow_pickle=False)``. ``where`` (the function) and ``what`` (``"parameters"``,
    ``"arrays"``) go into the ValueError raised for a file that is not a .npz, holds a single
    array, or has an entry that needs pickle or cannot be read."""
    not_npz = f"{str(path)!r} is not a .npz file of numeric {what} readable without pickle"
    try:
        loaded = np.load(path, allow_pickle=False)
    except _BROKEN as e:
        raise ValueError(message(where, f"{not_npz} ({e})", "was it cut short or written by another program?")) from e
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        raise ValueError(message(where, f"{not_npz}: it holds a single array, not named {what}"))
    arrays: dict[str, np.ndarray] = {}
    with loaded:
        for key in loaded.files:
            try:
                arrays[key] = loaded[key]
            except _BROKEN as e:
                raise ValueError(message(where, f"{not_npz}: entry {key!r} cannot be read ({e})")) from e
    return arrays
