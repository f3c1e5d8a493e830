"""Reading files, the same way for parameter files, data files and the course's HDF5 files: a
path that must be an existing regular file (:func:`existing_file`), a size limit checked on what a
file DECLARES before anything is read (:func:`check_size`, :data:`DEFAULT_MAX_DATA_MB`), and a
``.npz`` (a zip archive of named arrays, as ``np.savez`` writes) read without pickle
(:func:`npz_headers`, then :func:`read_npz`). Errors name the file."""

from __future__ import annotations

import math
import stat
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ..errors import message

__all__ = ["DEFAULT_MAX_DATA_MB", "Declared", "existing_file", "check_size", "npz_headers", "read_npz", "stand_in"]

#: the default limit on what a file may hold, in MB (10^6 bytes) of float64 numbers, the way the
#: network holds them: 125 million numbers; the course's cat files need 25 MB
DEFAULT_MAX_DATA_MB = 1000.0

#: what a file declares of an array before it is read: its shape and dtype
Declared = tuple[tuple[int, ...], np.dtype]

# what a cut-short, damaged or foreign file raises inside numpy and zipfile
_BROKEN = (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error, NotImplementedError, KeyError)
_NUMERIC = "biuf"  # bool, integers, floats: what a data or parameter array may be


def existing_file(path: Path, where: str, kind: str, hint: str) -> Path:
    """``path`` if it is an existing regular file; else an IsADirectoryError (a folder), an OSError
    (a FIFO, socket or device: reading one could hang) or a FileNotFoundError that names the
    ``kind`` of file (``"file"``, ``"train file"``) and the path, with ``hint`` saying what to give."""
    if path.is_dir():
        raise IsADirectoryError(message(where, f"{kind} {str(path)!r} is a folder", hint))
    if path.exists() and not path.is_file():
        what = "a FIFO (named pipe)" if stat.S_ISFIFO(path.stat().st_mode) else "a socket or a device"
        raise OSError(message(where, f"{kind} {str(path)!r} is not a regular file: it is {what}", hint))
    if not path.is_file():
        raise FileNotFoundError(message(where, f"{kind} {str(path)!r} does not exist"))
    return path


def check_size(where: str, what: str, nbytes: float, max_mb: float | None) -> None:
    """Refuse, before reading, ``nbytes`` beyond ``max_mb`` MB (10^6 bytes; None: no limit). ``what``
    says what declares them (``"'d.npz' declares X (2, 500000000), Y (1, 10)"``)."""
    if max_mb is None:
        return
    if not (isinstance(max_mb, (int, float)) and not isinstance(max_mb, bool) and max_mb > 0):
        raise ValueError(message(where, f"max_data_mb must be a positive number of MB, got {max_mb!r}"))
    if nbytes > max_mb * 1e6:
        raise ValueError(message(where, f"{what}: {nbytes / 1e6:,.1f} MB, more than the limit of {max_mb:g} MB "
                                        "(nothing was read)",
                                 "raise the limit (--max-data-mb, or max_data_mb=) if the file really is that large "
                                 "and there is the memory for it"))


def stand_in(declared: Declared) -> np.ndarray:
    """An array of the declared shape and dtype that takes no memory (every element is the same
    zero): for checking shapes before reading. Read-only."""
    shape, dtype = declared
    return np.broadcast_to(np.zeros((), dtype=dtype), shape)


def _header(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> Declared:
    """The shape and dtype of one .npy member, from its header alone."""
    with zf.open(info) as f:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(f)
        elif version == (2, 0):
            shape, _, dtype = np.lib.format.read_array_header_2_0(f)
        else:
            raise ValueError(f".npy format version {version} is not read here")
    return tuple(int(n) for n in shape), np.dtype(dtype)


def npz_headers(path: Path, where: str, what: str) -> dict[str, Declared]:
    """``{name: (shape, dtype)}`` of every array of the .npz file ``path``, from the headers of its
    members: nothing is read or decompressed beyond them. A ValueError names the file when it is
    not a zip of .npy arrays, or an entry needs pickle or is not numbers."""
    not_npz = f"{str(path)!r} is not a .npz file of numeric {what} readable without pickle"
    try:
        zf = zipfile.ZipFile(path)
    except _BROKEN:
        try:
            with path.open("rb") as f:
                single = f.read(6) == b"\x93NUMPY"
        except OSError:
            single = False
        if single:
            raise ValueError(message(where, f"{not_npz}: it holds a single array, not named {what}")) from None
        raise ValueError(message(where, f"{str(path)!r} is not a .npz file (a zip archive of .npy arrays, as "
                                        "np.savez writes)",
                                 "was it cut short or written by another program?")) from None
    out: dict[str, Declared] = {}
    with zf:
        for info in zf.infolist():
            name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
            try:
                shape, dtype = _header(zf, info)
            except _BROKEN as e:
                raise ValueError(message(where, f"{not_npz}: entry {name!r} is not a readable .npy array ({e})",
                                         "was it cut short or written by another program?")) from None
            if dtype.hasobject:
                raise ValueError(message(where, f"{not_npz}: entry {name!r} holds Python objects, which would need "
                                                "pickle to load; nothing is unpickled here"))
            if dtype.kind not in _NUMERIC:
                raise ValueError(message(where, f"{str(path)!r}: {name!r} is not numeric (dtype {dtype})",
                                         "store numbers (floats, integers or booleans)"))
            out[name] = (shape, dtype)
    return out


def read_npz(path: Path, where: str, what: str, max_mb: float | None = DEFAULT_MAX_DATA_MB,
             check: Callable[[dict[str, Declared]], None] | None = None) -> dict[str, np.ndarray]:
    """``{name: array}`` of every entry of the .npz file ``path``, in file order, read with
    ``np.load(..., allow_pickle=False)`` AFTER the declared shapes and dtypes (:func:`npz_headers`)
    passed ``check`` (when given) and the limit ``max_mb`` (:func:`check_size`; None: none).
    ``where`` (the function) and ``what`` (``"parameters"``, ``"arrays"``) go into the messages."""
    declared = npz_headers(path, where, what)
    if check is not None:
        check(declared)
    numbers = sum(math.prod(shape) for shape, _ in declared.values())
    listed = ", ".join(f"{k} {s}" for k, (s, _) in declared.items())
    check_size(where, f"{str(path)!r} declares {listed}, as float64", 8 * numbers, max_mb)
    arrays: dict[str, np.ndarray] = {}
    try:
        with np.load(path, allow_pickle=False) as loaded:
            for key in loaded.files:
                arrays[key] = loaded[key]
    except _BROKEN as e:
        raise ValueError(message(where, f"{str(path)!r}: an entry of this .npz cannot be read "
                                        f"({' '.join(str(e).split())})",
                                 "was it cut short or written by another program?")) from None
    return arrays
