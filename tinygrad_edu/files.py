"""Writing files so that nothing is lost, and knowing which files are the package's own.

Every file tinygrad_edu writes (parameters ``.npz`` and their JSON sidecar, cost CSV and history
JSON, predictions CSV, cost plots, pictures, the steps page) is written through this module, the
bottom layer beside :mod:`~tinygrad_edu.errors` (no numpy):

* :func:`atomic_open` / :func:`atomic_write` (and :func:`atomic_group` for files that belong
  together, such as a network's .npz and its sidecar): the bytes go to a temporary file in the
  same folder (``.NAME.PID-RANDOM.tmp``), are flushed and ``fsync``-ed, and the file is renamed
  into place with ``os.replace`` only when complete. A reader sees the old file or the whole new one, never
  a part. When writing fails (a full disk, a file-size limit, an exception, Ctrl-C) the temporary
  file is removed and the previous file is untouched; the error names the file
  (``cannot write 'p.npz': no space left on device``), a :class:`WriteError`.
* The manifest ``.tinygrad-edu.json`` of each folder written to: the name, size and SHA-256 of
  every file the package wrote there. :func:`is_own` says whether a file is one of them and
  unchanged since; the commands replace only such files unless given ``--force``.
* :func:`check_output`: an output location checked before any work starts: no ancestor that is a
  file, a folder that can be written, not an input of the same command, not a file the package
  did not write (unless forced).

Limits: the rename is atomic on a local POSIX filesystem and on NTFS; on a filesystem without an
atomic rename (some network and FUSE filesystems) a crash during the rename itself can still
lose the file. ``fsync`` makes the file and the rename durable when the disk honours it; a crash
of the whole machine can lose the last write (never the older file AND the new one, where the
filesystem journals its metadata). A process killed with SIGKILL (or a machine crash) can leave
its ``.NAME....tmp`` file behind: it is never the target, and can be deleted.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import os
import secrets
import stat
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from .errors import message

__all__ = [
    "MANIFEST",
    "WRITTEN_BY",
    "WriteError",
    "cannot_write",
    "atomic_open",
    "atomic_write",
    "atomic_group",
    "Group",
    "sha256_file",
    "is_own",
    "same_file",
    "check_output",
]

#: the manifest of what the package wrote in a folder
MANIFEST = ".tinygrad-edu.json"
#: the marker in the manifest and in a network's sidecar
WRITTEN_BY = "tinygrad-edu"
_MANIFEST_MAX_BYTES = 4_000_000  # larger is not ours

PathLike = str | os.PathLike[str]

_HINTS = {
    errno.ENOSPC: "free some disk space or write to another folder",
    errno.EFBIG: "the file is larger than this system allows (a file-size limit, see ulimit -f, or the "
                 "filesystem's largest file); write somewhere else or something smaller",
    errno.EDQUOT: "your disk quota is used up: free some space or write to another folder",
    errno.EACCES: "choose a folder you can write to",
    errno.EPERM: "choose a folder you can write to",
    errno.EROFS: "choose a folder on a writable disk",
}


class WriteError(OSError):
    """A file could not be written; the message names it and says why (``errno`` is the cause's)."""


def cannot_write(path: PathLike, error: OSError) -> WriteError:
    """``error`` as a :class:`WriteError` naming ``path``: ``cannot write 'p.npz': no space left on
    device. Hint: ...``, never a bare ``[Errno 28]``. A WriteError is returned as it is."""
    if isinstance(error, WriteError):
        return error
    why = os.strerror(error.errno) if error.errno else (error.strerror or str(error) or type(error).__name__)
    why = why[:1].lower() + why[1:]
    hint = _HINTS.get(error.errno or 0)
    kept = "any previous file of that name is unchanged"
    e = WriteError(message(f"cannot write {str(path)!r}", why, f"{hint}; {kept}" if hint else kept))
    e.errno = error.errno  # (not strerror: str(e) stays the message above)
    return e


# ============================================================================ atomic writing


def _write(file: io.FileIO, data: Any) -> int | None:
    """The one low-level write every byte the package writes goes through (the tests' full-disk
    simulation replaces it)."""
    return io.FileIO.write(file, data)


class _TempFile(io.FileIO):
    """The temporary file being written: a FileIO whose writes go through :func:`_write`."""

    def write(self, data: Any) -> int | None:
        return _write(self, data)


def _temp_path(path: Path) -> Path:
    return path.with_name(f".{path.name[:160]}.{os.getpid()}-{secrets.token_hex(4)}.tmp")


def _sync_folder(folder: Path) -> None:
    """fsync a folder, so that a rename in it is durable (where the system allows it)."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _make_folder(folder: Path, target: Path) -> None:
    """Create ``folder`` (and its parents) for ``target``, with an error naming what is in the way."""
    if folder.is_dir():
        return
    _check_location(target, "")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise cannot_write(target, e) from e


@contextlib.contextmanager
def atomic_open(path: PathLike, mode: str = "wb", *, encoding: str = "utf-8", newline: str | None = None,
                record: bool = True) -> Iterator[IO[Any]]:
    """A file to write ``path`` through: ``with atomic_open("p.npz") as f: np.savez(f, ...)``.

    ``mode`` is ``"wb"`` (a binary file) or ``"w"`` (text, with ``encoding`` and ``newline``). What
    is written goes to a temporary file in the same folder (created, with its parents, if need
    be); when the block ends normally the file is flushed, fsync-ed and renamed onto ``path`` (at
    the end of the :func:`atomic_group` when inside one), and recorded in the folder's manifest
    (``record``). When the block raises, the temporary file is removed and ``path`` is as it was.
    An OSError becomes a :class:`WriteError` naming ``path``.
    """
    if mode not in ("wb", "w"):
        raise ValueError(message("atomic_open", f"mode must be 'wb' or 'w', got {mode!r}"))
    path = Path(path)
    _make_folder(path.parent, path)
    tmp, raw, f, done = _temp_path(path), None, None, False
    try:  # (the temporary file is made inside: an interrupt right after it appears still removes it)
        raw = _TempFile(tmp, "xb")
        buffered = io.BufferedWriter(raw)
        f = buffered if mode == "wb" else io.TextIOWrapper(buffered, encoding=encoding, newline=newline)
        yield f
        f.flush()
        os.fsync(raw.fileno())
        f.close()
        written = _Written(tmp, path, sha256_file(tmp), tmp.stat().st_size, record)
        group = getattr(_groups, "current", None)
        if group is not None and record:
            group.append(written)  # renamed when the group ends
        else:
            _commit_all([written])
        done = True
    except FileExistsError as e:
        if raw is None:  # (another process's temporary file of that name: not ours to remove)
            tmp = None
        raise cannot_write(path, e) from e
    except OSError as e:
        raise cannot_write(path, e) from e
    finally:
        if not done:
            with contextlib.suppress(Exception):
                if f is not None:
                    f.close()  # (flushing may fail again: the file is removed anyway)
            if raw is not None:
                raw.close()
            with contextlib.suppress(OSError, TypeError):
                os.unlink(tmp)  # type: ignore[arg-type]
    if group is None or not record:  # (in a group: settled when the group ends)
        written.settle()


@dataclass(frozen=True)
class _Written:
    """A temporary file written in full, to be renamed onto ``path`` and recorded."""

    tmp: Path
    path: Path
    sha256: str
    size: int
    record: bool

    def commit(self) -> None:
        """Rename into place, keeping the permissions of the file it replaces (an OSError if it
        fails; the temporary file is then still there)."""
        with contextlib.suppress(OSError):
            os.chmod(self.tmp, stat.S_IMODE(os.stat(self.path).st_mode))
        os.replace(self.tmp, self.path)

    def settle(self) -> None:
        """After the rename: make it durable (its manifest entry was renamed into place with it)."""
        _sync_folder(self.path.parent)


_groups = threading.local()


class Group(list):
    """The files written inside an :func:`atomic_group`, waiting to be renamed into place."""

    def sha256(self, path: PathLike) -> str:
        """The SHA-256 of what was written for ``path`` in this group."""
        return next(w.sha256 for w in self if w.path == Path(path))


@contextlib.contextmanager
def atomic_group() -> Iterator[Group]:
    """Write several files as one: inside the block, :func:`atomic_open` and :func:`atomic_write`
    write their temporary files in full, and only when the block ends are they renamed into place,
    one right after the other (a network's .npz, then its sidecar). When the block raises, every
    temporary file is removed and no file is replaced. Yields the :class:`Group` (``.sha256(path)``
    of a file written so far)."""
    if getattr(_groups, "current", None) is not None:
        raise RuntimeError(message("atomic_group", "groups do not nest"))
    group = _groups.current = Group()
    try:
        yield group
        _commit_all(group)
    except BaseException:
        for w in group:
            with contextlib.suppress(OSError):
                w.tmp.unlink()
        raise
    finally:
        _groups.current = None
    for w in group:
        w.settle()


def _commit_all(written: list[_Written]) -> None:
    """Rename ``written`` into place, one right after the other, their folders' manifests written in
    full first (a disk that fills up there leaves the old files and the old manifests, never a new
    file its manifest does not know), then renamed after them. On an error nothing not yet renamed
    is left behind, and a WriteError names the file."""
    manifests: list[_Written] = []
    current = written[0].path if written else Path(MANIFEST)
    renamed = 0
    try:
        manifests = _manifest_temps(written)
        for w in written:
            current = w.path
            w.commit()
            renamed += 1
    except BaseException as e:
        for later in [*written[renamed:], *manifests]:
            with contextlib.suppress(OSError):
                later.tmp.unlink()
        if isinstance(e, OSError):
            raise cannot_write(current, e) from e
        raise
    for m in manifests:
        _commit_quietly(m)


def atomic_write(path: PathLike, data: bytes | str, *, encoding: str = "utf-8") -> Path:
    """Write ``data`` (bytes, or text in ``encoding``) to ``path`` through :func:`atomic_open`:
    complete or not at all, recorded in the folder's manifest. Returns the path."""
    with atomic_open(path, "w" if isinstance(data, str) else "wb", encoding=encoding, newline="") as f:
        f.write(data)
    return Path(path)


def sha256_file(path: PathLike) -> str:
    """The SHA-256 of a file's bytes, in hex (read in chunks: any size)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ============================================================================ the manifest: the package's own files


def _read_manifest(folder: Path) -> dict[str, Any] | None:
    """The manifest's entries ``{name: {"sha256", "bytes"}}``; {} when there is none; None when the
    file of that name is not a manifest of ours (it is then left alone)."""
    path = folder / MANIFEST
    if not os.path.lexists(path):
        return {}
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > _MANIFEST_MAX_BYTES:
            return None
        content = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not (isinstance(content, dict) and content.get("written_by") == WRITTEN_BY
            and isinstance(content.get("files"), dict)):
        return None
    return content["files"]


def _manifest_temps(written: list[_Written]) -> list[_Written]:
    """For each folder of ``written`` (the files about to be renamed into place, ``record`` ones), its
    manifest with their entries added (entries of files that are gone dropped), written in full to
    a temporary file, not yet renamed. A manifest that is not ours is left alone (the files then
    just are not recognised as the package's own). An OSError (a full disk) removes what it wrote."""
    by_folder: dict[Path, list[_Written]] = {}
    for w in written:
        if w.record:
            by_folder.setdefault(w.path.parent, []).append(w)
    out: list[_Written] = []
    try:
        for folder, ws in by_folder.items():
            entries = _read_manifest(folder)
            if entries is None:
                continue
            entries = {name: e for name, e in entries.items() if (folder / name).is_file()}
            for w in ws:
                entries[w.path.name] = {"sha256": w.sha256, "bytes": w.size}
            content = {"written_by": WRITTEN_BY,
                       "about": "the files tinygrad-edu wrote in this folder; its commands replace them without "
                                "--force only while they are unchanged",
                       "files": dict(sorted(entries.items()))}
            path = folder / MANIFEST
            tmp = _temp_path(path)
            data = (json.dumps(content, indent=1) + "\n").encode("utf-8")
            raw = _TempFile(tmp, "xb")
            out.append(_Written(tmp, path, "", len(data), False))
            with io.BufferedWriter(raw) as f:  # (as atomic_open: partial raw writes are written again)
                f.write(data)
                f.flush()
                os.fsync(raw.fileno())
    except BaseException:
        for m in out:
            with contextlib.suppress(OSError):
                m.tmp.unlink()
        raise
    return out


def _commit_quietly(manifest: _Written) -> None:
    """Rename a manifest into place; if even that fails, the files are written and only not
    recognised as the package's own later (nothing is lost), so it is not an error."""
    try:
        manifest.commit()
    except OSError:
        with contextlib.suppress(OSError):
            manifest.tmp.unlink()


def is_own(path: PathLike) -> bool:
    """Whether ``path`` is a regular file the package wrote (it is in its folder's manifest) and
    that is unchanged since (the same size and SHA-256). A symlink never is."""
    path = Path(path)
    if path.is_symlink() or not path.is_file():
        return False
    entry = (_read_manifest(path.parent) or {}).get(path.name)
    if not isinstance(entry, dict) or entry.get("bytes") != path.stat().st_size:
        return False
    return entry.get("sha256") == sha256_file(path)


# ============================================================================ checking an output before the work


def same_file(a: PathLike, b: PathLike) -> bool:
    """Whether two paths name the same existing file (through links, ``..`` and the like)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def _check_location(path: Path, what: str) -> None:
    """The nearest existing ancestor of ``path`` is a folder that can be written."""
    where = f"{what} {str(path)!r}".strip()
    for folder in path.parents:
        if not os.path.lexists(folder):
            continue
        if not folder.is_dir():
            raise NotADirectoryError(message(f"cannot write {where}", f"{str(folder)!r} is a file, not a folder",
                                             "choose another folder, or another name for that file"))
        if not os.access(folder, os.W_OK | os.X_OK):
            raise PermissionError(message(f"cannot write {where}", f"the folder {str(folder)!r} is not writable "
                                                                   "(permission denied)",
                                          "choose a folder you can write to"))
        return


def check_output(path: PathLike, what: str = "", *, folder: bool = False,
                 inputs: Iterable[tuple[PathLike, str]] = (), force: bool = False, how: str = "--force") -> Path:
    """Check an output location before any work is done, and return it as a Path.

    ``what`` names it in messages (``"--save"``). For a ``folder``, it may exist as a folder. For a
    file: no ancestor may be a file and the nearest existing folder must be writable; an existing
    ``path`` must be a regular file, is never one of ``inputs`` (pairs ``(path, what it is)``, e.g.
    ``("data.npz", "the --dataset")``), even with ``force``, and without ``force`` must be a file the
    package wrote and that is unchanged since (:func:`is_own`); ``how`` says how to force it.
    Raises an OSError (FileExistsError, NotADirectoryError, PermissionError, ...) whose message
    names the path and the problem.
    """
    path = Path(path)
    where = f"cannot write {what} {str(path)!r}".replace("  ", " ")
    if path.name == MANIFEST:
        raise FileExistsError(message(where, f"{MANIFEST} is the name of tinygrad-edu's list of the files it wrote",
                                      "choose another name"))
    _check_location(path, what)
    if not os.path.lexists(path):
        return path
    mode = os.lstat(path).st_mode
    if folder:
        if not path.is_dir():
            raise NotADirectoryError(message(where, "it is a file, not a folder", "choose another folder name"))
        if not os.access(path, os.W_OK | os.X_OK):
            raise PermissionError(message(where, "the folder is not writable (permission denied)",
                                          "choose a folder you can write to"))
        return path
    if stat.S_ISDIR(mode):
        raise IsADirectoryError(message(where, "it is a folder", "give a file name"))
    for other, role in inputs:
        if same_file(path, other):
            raise FileExistsError(message(where, f"it is {role} of this command; it is never overwritten",
                                          "write to another file"))
    if not (stat.S_ISREG(mode) or stat.S_ISLNK(mode)):
        raise FileExistsError(message(where, "it exists and is not a regular file (a FIFO, socket or device)",
                                      "choose another name"))
    if force:
        return path
    if not is_own(path):
        raise FileExistsError(message(where, "refusing to replace a file tinygrad-edu did not write (or that was "
                                             f"changed since: it is not in {MANIFEST} with this content)",
                                      f"{how} replaces it; or choose another name"))
    if not os.access(path, os.W_OK):
        raise PermissionError(message(where, "the file is read-only", f"{how} replaces it; or choose another name"))
    return path
