"""Grade a class: every submission's backward pass (default function: L_model_backward, else
model_backward) runs in its own process under --timeout and --memory, on three networks (the
course's [12, 20, 7, 5, 1], a 2-layer and a 5-layer network, seeded by --seed), and is compared
with the lecture's equations here, never inside the learner's process. Submissions are .py files,
the course's .ipynb notebooks (their code cells; magics and shell lines left out; outputs never
run) or folders of them; --support DIR gives the course's helper modules (dnn_utils.py) that
every submission may import, --exclude GLOB leaves files out. A submission may not import
tinygrad_edu (its reference solution). Prints a summary (how many per status and per mistake)
and a row per submission; --csv, --json and --html write the results (the HTML page is the class
report: sortable, every learner's diagnosis one click away). --workers runs that many at once;
--dask ADDRESS grades on a Dask cluster instead. Exit status 0 when every submission was graded,
whatever their verdicts."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..grade import GradeRow, grade_submissions
from ..grade.outputs import summary, table, write_csv, write_html, write_json
from .common import CLIError, add_force_arg, check_outputs, command_parser, positive_int
from .learner import add_limit_args, limits

NAME = "grade"
HELP = "grade a class: every learner's backward, isolated, diagnosed; CSV, JSON and an HTML report"

_TABLE_ROWS = 200  # more rows than this go only to the files


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """``grade SUBMISSION... [--function NAME] [--support DIR] [--exclude GLOB] [--timeout S]
    [--memory MB] [--workers N] [--seed S] [--csv F] [--json F] [--html F] [--force]
    [--dask ADDRESS] [--quiet]``."""
    p = command_parser(subparsers, NAME, HELP, __doc__, run)
    p.add_argument("submissions", nargs="+", metavar="SUBMISSION", help=".py files, .ipynb notebooks or folders")
    p.add_argument("--function", default=None, metavar="NAME",
                   help="the function graded (default: L_model_backward, else model_backward)")
    p.add_argument("--support", action="append", default=[], metavar="DIR",
                   help="a folder of the course's helper modules (dnn_utils.py) every submission may import; "
                        "its files are not graded (repeatable)")
    p.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                   help="files or folders that are not submissions, by name or path (e.g. 'dnn_utils*.py'; "
                        "repeatable)")
    add_limit_args(p, "each submission's process (it runs on its own, with these limits)")
    p.add_argument("--workers", type=positive_int, default=None, metavar="N",
                   help=f"submissions graded at once (default: the number of cores, {os.cpu_count()})")
    p.add_argument("--seed", type=int, default=0, help="the networks' seed (default %(default)s), recorded")
    p.add_argument("--csv", type=Path, default=None, metavar="FILE", help="one row per submission")
    p.add_argument("--json", type=Path, default=None, metavar="FILE", help="the run and every row, with reports")
    p.add_argument("--html", type=Path, default=None, metavar="FILE", help="the class report")
    add_force_arg(p, "--csv, --json and --html")
    p.add_argument("--dask", default=None, metavar="ADDRESS",
                   help="grade on the Dask scheduler at ADDRESS (e.g. tcp://10.0.0.5:8786; extra 'grade')")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    return p


class _Bar:
    """A progress bar on stderr, redrawn in place (only on a terminal)."""

    def __init__(self, quiet: bool) -> None:
        self.on = not quiet and sys.stderr.isatty()

    def __call__(self, done: int, total: int, row: GradeRow) -> None:
        if self.on:
            filled = int(30 * done / total)
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} graded ")
            sys.stderr.flush()
            if done == total:
                sys.stderr.write("\n")


def _files(path: Path) -> list[Path]:
    """The .py and .ipynb files a path given names (itself, or every one below a folder)."""
    if path.is_dir():
        return [f for f in path.rglob("*") if f.suffix in (".py", ".ipynb") and f.is_file()]
    return [path] if path.is_file() else []


def run(args: argparse.Namespace) -> int:
    """Grade, print the summary and the rows, write the files; 0 when all were graded."""
    outputs = [(path, flag) for path, flag in ((args.csv, "--csv"), (args.json, "--json"), (args.html, "--html"))
               if path is not None]
    inputs = [(f, "a submission") for s in args.submissions for f in _files(Path(s))]
    inputs += [(f, "a support module") for d in args.support for f in _files(Path(d))]
    check_outputs(outputs, inputs, args.force)  # never over a submission, even with --force
    lim = limits(args)
    try:
        result = grade_submissions(args.submissions, args.function, lim, args.workers, args.seed, args.dask,
                                   progress=_Bar(args.quiet), support=args.support, exclude=args.exclude)
    except (ValueError, FileNotFoundError, ImportError) as e:
        raise CLIError(str(e)) from None
    print(summary(result))
    print()
    if len(result.rows) <= _TABLE_ROWS:
        print(table(result))
    else:
        print(f"({len(result.rows)} rows: see --csv, --json or --html)")
    for path, flag in outputs:
        {"--csv": write_csv, "--json": write_json, "--html": write_html}[flag](result, path)
        print(f"wrote {path}")
    return 0
