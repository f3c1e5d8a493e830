"""The grading results as files, each written atomically (:mod:`tinygrad_edu.files`): CSV (one
row per submission, the columns of :attr:`GradeRow.COLUMNS`), JSON (the run and every row with
its full report) and the HTML class report (:mod:`.html`); and the console's summary table."""

from __future__ import annotations

import csv
import io
import json
import os

from ..files import atomic_write
from .grader import GradeResult
from .html import class_report
from .verdict import STATUSES, GradeRow

__all__ = ["write_csv", "write_json", "write_html", "summary", "table"]


def write_csv(result: GradeResult, path: str | os.PathLike[str]) -> None:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(GradeRow.COLUMNS)
    for r in result.rows:
        w.writerow(["" if v is None else v for v in (getattr(r, c) for c in GradeRow.COLUMNS)])
    atomic_write(path, buf.getvalue())


def write_json(result: GradeResult, path: str | os.PathLike[str]) -> None:
    atomic_write(path, json.dumps(result.to_json(), indent=1) + "\n")


def write_html(result: GradeResult, path: str | os.PathLike[str]) -> None:
    atomic_write(path, class_report(result))


def _columns(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(header)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return [fmt.format(*header).rstrip(), fmt.format(*("-" * w for w in widths))] + \
        [fmt.format(*r).rstrip() for r in rows]


def table(result: GradeResult, width: int = 60) -> str:
    """One line per submission: submission, status, score, mistake, the start of the message."""
    rows = [(r.submission, r.status, f"{r.score:.2f}", r.mistake or "-",
             r.message if len(r.message) <= width else r.message[: width - 3] + "...") for r in result.rows]
    return "\n".join(_columns(("submission", "status", "score", "mistake", "message"), rows))


def summary(result: GradeResult) -> str:
    """How many per status and per mistake, and how the run was made."""
    n = len(result.rows)
    nets = "; ".join(str(net) for net in result.networks)
    lines = [f"graded {n} submission{'s' * (n != 1)} in {result.seconds:.1f} s on {result.where} "
             f"({result.workers} at once), networks: {nets}, seed {result.seed}", ""]
    lines += _columns(("status", "count", "meaning"),
                      [(s, str(c), STATUSES[s]) for s, c in result.counts().items() if c])
    mistakes = result.mistakes()
    if mistakes:
        lines += [""] + _columns(("mistake", "count"), [(m, str(c)) for m, c in mistakes])
    return "\n".join(lines)
