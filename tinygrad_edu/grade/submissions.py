"""The submissions of a class: ``.py`` files, the course's ``.ipynb`` notebooks (their code cells
only: magics, shell lines and help requests are left out, output cells are never run), or
folders of them (one submission per file, recursively; files matching an ``exclude`` pattern and
files in a support folder are not submissions). Each is read here, size-checked, as text; it is
run only by the runner, in its own process. :func:`read_support` reads the course's helper
modules (``dnn_utils.py``) that every submission may import.

A notebook becomes one Python file, its code cells in order, every line kept at its own line
number within a cell, so that an error is reported as ``alice.ipynb (cell 5), line 3``.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import message

__all__ = ["MAX_SOURCE_BYTES", "MAX_SUPPORT_BYTES", "Source", "find_submissions", "notebook_code", "read_support"]

#: the largest submission read (a learner's backward is a few KB; a notebook with images, a few MB)
MAX_SOURCE_BYTES = 20_000_000
#: the most the support folders' modules may come to, together (each goes with every submission)
MAX_SUPPORT_BYTES = 5_000_000

_SUFFIXES = (".py", ".ipynb")
_SKIP_DIRS = {"__pycache__", ".ipynb_checkpoints", ".git", ".hg", ".svn", ".venv", "venv", "node_modules"}
_PYTHON_CELL_MAGICS = ("%%time", "%%timeit", "%%capture")  # the cell's body is Python
_ASSIGNED_MAGIC = re.compile(r"[A-Za-z_]\w*\s*=\s*[!%]")  # files = !ls
_BRACKETS = {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}


@dataclass(frozen=True)
class Source:
    """One submission.

    Attributes:
        name: how it is shown: its path relative to the folder given, or as given (with the
            folder as given in front when several paths were given).
        path: the file.
        code: its Python code (a notebook's code cells), or None when it could not be read.
        problem: why it could not be read (None when it could).
        cells: for a notebook, each line of ``code`` as (cell number, line in the cell), from 1.
    """

    name: str
    path: str
    code: str | None
    problem: str | None = None
    cells: tuple[tuple[int, int], ...] = field(default=(), repr=False)

    @property
    def run_name(self) -> str:
        """The file name it runs under: ``alice.py``, ``alice.ipynb.py``."""
        base = re.sub(r"[^\w.\- ]", "_", os.path.basename(self.path))[:150] or "submission"
        return base if base.endswith(".py") else base + ".py"

    def where(self, line: int | None) -> tuple[str, int | None]:
        """(file, line) as the learner knows them: ``("alice.ipynb (cell 5)", 3)`` for a notebook."""
        shown = os.path.basename(self.path)
        if not self.cells or line is None or not 1 <= line <= len(self.cells):
            return shown, line
        cell, in_cell = self.cells[line - 1]
        return f"{shown} (cell {cell})", in_cell


class _Lines:
    """Where each line of a cell starts: a new statement, or inside one (an open bracket, a
    triple-quoted string, a backslash). Only a line that starts a statement can be a magic: a
    continuation line that begins with ``%`` or ``!=`` is Python."""

    def __init__(self) -> None:
        self.depth, self.quote, self.backslash = 0, "", False

    def starts_statement(self) -> bool:
        return self.depth == 0 and not self.quote and not self.backslash

    def code_of(self, line: str) -> str:
        """Scan ``line`` (updating the state); returns its last character of code outside strings
        and comments ("" when none)."""
        i, n, last, comment = 0, len(line), "", False
        while i < n:
            c = line[i]
            if self.quote:
                if c == "\\":
                    i += 2
                    continue
                if line.startswith(self.quote, i):
                    i += len(self.quote)
                    self.quote, last = "", c
                    continue
            elif c == "#":
                comment = True
                break
            elif c in "'\"":
                self.quote = c * 3 if line.startswith(c * 3, i) else c
                i += len(self.quote)
                continue
            else:
                if c in _BRACKETS:
                    self.depth = max(0, self.depth + _BRACKETS[c])
                if not c.isspace():
                    last = c
            i += 1
        self.backslash = last == "\\" and not comment and not self.quote
        if len(self.quote) == 1 and not line.endswith("\\"):
            self.quote = ""  # an unclosed one-line string ends with its line (Python reports it)
        return last


def _is_ipython_line(stripped: str, last: str) -> bool:
    """A statement that is IPython's, not Python's: a magic (``%time``), a shell line (``!ls``,
    ``files = !ls``) or a help request (``np.dot?``, ``?np.dot``)."""
    return stripped.startswith(("%", "!", "?")) or bool(_ASSIGNED_MAGIC.match(stripped)) or last == "?"


def notebook_code(text: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A notebook's code cells as one Python file, and where each of its lines came from. Lines of
    IPython's own (magics ``%``, shell commands ``!``, help requests ``x?``) that start a
    statement become comments at the same place; a cell with a cell magic other than ``%%time``,
    ``%%timeit`` or ``%%capture`` is left out. Raises ValueError for text that is not a notebook."""
    try:
        nb = json.loads(text)
    except ValueError as e:
        raise ValueError(f"not a notebook (not JSON: {e})") from None
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        raise ValueError("not a notebook (no list of cells: nbformat 4 is read)")
    lines: list[str] = []
    where: list[tuple[int, int]] = []
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        src = cell.get("source", "")
        src = "".join(s for s in src if isinstance(s, str)) if isinstance(src, list) else str(src)
        cell_lines = src.split("\n")
        first = cell_lines[0].strip() if cell_lines else ""
        if first.startswith("%%"):
            if not first.startswith(_PYTHON_CELL_MAGICS):
                continue
            cell_lines[0] = "# " + cell_lines[0]
        scan = _Lines()
        for i, line in enumerate(cell_lines, start=1):
            stripped = line.lstrip()
            at_start = scan.starts_statement()
            last = scan.code_of(line)
            if at_start and _is_ipython_line(stripped, last):  # IPython's, not Python: a comment
                line = line[: len(line) - len(stripped)] + "pass  # " + stripped
                scan = _Lines()
            lines.append(line)
            where.append((number, i))
        lines.append("")
        where.append((number, len(cell_lines) + 1))
    return "\n".join(lines), tuple(where)


def _read(path: Path, name: str) -> Source:
    """One submission read from ``path``, or its problem."""
    try:
        size = path.stat().st_size
        if size > MAX_SOURCE_BYTES:
            return Source(name, str(path), None, f"{name} is {size / 1e6:.1f} MB; a submission is read up to "
                                                 f"{MAX_SOURCE_BYTES / 1e6:.0f} MB")
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as e:
        return Source(name, str(path), None, f"{name} is not UTF-8 text ({e.reason} at byte {e.start})")
    except OSError as e:
        return Source(name, str(path), None, f"{name} cannot be read ({e.strerror or e})")
    if path.suffix == ".ipynb":
        try:
            code, cells = notebook_code(text)
        except ValueError as e:
            return Source(name, str(path), None, f"{name} is {e}")
        return Source(name, str(path), code, None, cells)
    return Source(name, str(path), text)


def _files_below(folder: Path, skip: Callable[[Path], bool]) -> Iterable[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith(".")
                         and not skip(Path(root) / d))
        for f in sorted(files):
            if f.endswith(_SUFFIXES) and not f.startswith(".") and not skip(Path(root) / f):
                yield Path(root) / f


def _excluder(exclude: Sequence[str], support: Sequence[str | os.PathLike[str]]) -> Callable[[Path], bool]:
    """Whether a path is left out: it matches a pattern (by name, or by its path as found), or it
    is a support folder or lies in one."""
    folders = [os.path.realpath(f) for f in support]

    def skip(path: Path) -> bool:
        if any(fnmatch.fnmatch(path.name, g) or fnmatch.fnmatch(str(path), g) for g in exclude):
            return True
        real = os.path.realpath(path)
        return any(real == f or real.startswith(os.path.join(f, "")) for f in folders)

    return skip


def find_submissions(paths: Sequence[str | os.PathLike[str]], exclude: Sequence[str] = (),
                     support: Sequence[str | os.PathLike[str]] = ()) -> list[Source]:
    """Every submission under ``paths`` (files and folders), in the order given, each folder's
    files sorted by path; a file named twice is graded once. Files and folders matching a glob
    of ``exclude`` (``"dnn_utils*.py"``, ``"*/solutions/*"``), and the ``support`` folders, are
    not submissions. Raises FileNotFoundError (a path that does not exist) or ValueError (a file
    that is neither .py nor .ipynb, or nothing found)."""
    if isinstance(exclude, str):
        exclude = [exclude]
    skip = _excluder(exclude, support)
    several = len(paths) > 1
    out: list[Source] = []
    seen: set[str] = set()
    for given in paths:
        p = Path(given)
        if p.is_dir():
            found = [(f, os.path.join(str(given), str(f.relative_to(p))) if several else str(f.relative_to(p)))
                     for f in _files_below(p, skip)]
        elif p.is_file():
            if p.suffix not in _SUFFIXES:
                raise ValueError(message("grade", f"{str(p)!r} is neither a .py file nor a .ipynb notebook",
                                         "give learners' .py files or notebooks, or folders of them"))
            found = [] if skip(p) else [(p, str(given))]
        else:
            raise FileNotFoundError(message("grade", f"{str(p)!r} does not exist"))
        for f, name in found:
            key = os.path.realpath(f)
            if key not in seen:
                seen.add(key)
                out.append(_read(f, name))
    if not out:
        left = " that --exclude and --support leave" if exclude or support else ""
        raise ValueError(message("grade", f"no .py or .ipynb files in {', '.join(map(str, paths))}{left}"))
    return out


def read_support(folders: Sequence[str | os.PathLike[str]]) -> tuple[tuple[str, str], ...]:
    """The course's helper modules: every ``.py`` file directly in each of ``folders``, as
    ``(file name, code)``, for every submission to import (``from dnn_utils import relu``).
    Raises FileNotFoundError or ValueError (not a folder, two modules of one name, not UTF-8, more
    than :data:`MAX_SUPPORT_BYTES` together)."""
    modules: dict[str, str] = {}
    total = 0
    for folder in folders:
        d = Path(folder)
        if not d.is_dir():
            raise FileNotFoundError(message("grade --support", f"{str(d)!r} is not a folder",
                                            "give the folder that holds the course's helper modules (dnn_utils.py)"))
        for f in sorted(d.glob("*.py")):
            if f.name in modules:
                raise ValueError(message("grade --support", f"two helper modules are named {f.name!r}",
                                         "a module name can come from one support folder only"))
            total += f.stat().st_size
            if total > MAX_SUPPORT_BYTES:
                raise ValueError(message("grade --support", f"the helper modules come to more than "
                                                            f"{MAX_SUPPORT_BYTES / 1e6:.0f} MB",
                                         "give the folder of the course's .py helpers only"))
            try:
                modules[f.name] = f.read_bytes().decode("utf-8-sig")
            except UnicodeDecodeError as e:
                raise ValueError(message("grade --support", f"{str(f)!r} is not UTF-8 text ({e.reason})")) from None
    return tuple(modules.items())
