"""The submissions of a class: ``.py`` files, the course's ``.ipynb`` notebooks (their code cells
only: magics and shell lines are left out, output cells are never run), or folders of them (one
submission per file, recursively). Each is read here, size-checked, as text; it is run only by
the runner, in its own process.

A notebook becomes one Python file, its code cells in order, every line kept at its own line
number within a cell, so that an error is reported as ``alice.ipynb (cell 5), line 3``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import message

__all__ = ["MAX_SOURCE_BYTES", "Source", "find_submissions", "notebook_code"]

#: the largest submission read (a learner's backward is a few KB; a notebook with images, a few MB)
MAX_SOURCE_BYTES = 20_000_000

_SUFFIXES = (".py", ".ipynb")
_SKIP_DIRS = {"__pycache__", ".ipynb_checkpoints", ".git", ".hg", ".svn", ".venv", "venv", "node_modules"}
_PYTHON_CELL_MAGICS = ("%%time", "%%timeit", "%%capture")  # the cell's body is Python
_ASSIGNED_MAGIC = re.compile(r"[A-Za-z_]\w*\s*=\s*[!%]")  # files = !ls


@dataclass(frozen=True)
class Source:
    """One submission.

    Attributes:
        name: how it is shown: its path relative to the folder given (or as given).
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


def notebook_code(text: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """A notebook's code cells as one Python file, and where each of its lines came from. Lines of
    IPython magics (``%``) and shell commands (``!``) become comments at the same place; a cell
    with a cell magic other than ``%%time``, ``%%timeit`` or ``%%capture`` is left out. Raises
    ValueError for text that is not a notebook."""
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
        for i, line in enumerate(cell_lines, start=1):
            stripped = line.lstrip()
            if stripped.startswith(("%", "!")) or _ASSIGNED_MAGIC.match(stripped):  # magic or shell: a comment
                line = line[: len(line) - len(stripped)] + "pass  # " + stripped
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


def _files_below(folder: Path) -> Iterable[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
        for f in sorted(files):
            if f.endswith(_SUFFIXES) and not f.startswith("."):
                yield Path(root) / f


def find_submissions(paths: Sequence[str | os.PathLike[str]]) -> list[Source]:
    """Every submission under ``paths`` (files and folders), in the order given, each folder's
    files sorted by path; a file named twice is graded once. Raises FileNotFoundError (a path
    that does not exist) or ValueError (a file that is neither .py nor .ipynb, or nothing found)."""
    out: list[Source] = []
    seen: set[str] = set()
    for given in paths:
        p = Path(given)
        if p.is_dir():
            found = [(f, str(f.relative_to(p))) for f in _files_below(p)]
        elif p.is_file():
            if p.suffix not in _SUFFIXES:
                raise ValueError(message("grade", f"{str(p)!r} is neither a .py file nor a .ipynb notebook",
                                         "give learners' .py files or notebooks, or folders of them"))
            found = [(p, str(given))]
        else:
            raise FileNotFoundError(message("grade", f"{str(p)!r} does not exist"))
        for f, name in found:
            key = os.path.realpath(f)
            if key not in seen:
                seen.add(key)
                out.append(_read(f, name))
    if not out:
        raise ValueError(message("grade", f"no .py or .ipynb files in {', '.join(map(str, paths))}"))
    return out
