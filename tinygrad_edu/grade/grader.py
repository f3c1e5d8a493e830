"""Grading many submissions: :func:`grade_submissions`, on this machine (``workers`` at once) or
on a Dask cluster (``dask="tcp://scheduler:8786"``). Either way each submission runs in a child
process of its own (:func:`tinygrad_edu.runner.run_backward`, the runner ``compare --backward``
uses) and its verdict is computed outside it (:func:`.verdict.verdict`); the rows come back in
the order of the submissions, so the results do not depend on how many ran at once or where.

The learner's code may import the course's helper modules (``support``: their code goes with
each submission) and, on this machine, modules beside their own file; it may not import this
package (its reference solution), and a graded function whose code is not in their file is
refused.

On Dask each submission is one task: the submission's code travels with it, the support modules
too (the workers need not see the learner's files), the task runs it in an isolated child process on the worker and
returns the row. A worker lost mid-run has its tasks run again by Dask's scheduler, and since each
submission is one task, whose result is taken once, nothing is counted twice; a submission whose
task kills every worker it lands on gets ``crashed``.
"""

from __future__ import annotations

import functools
import os
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

from ..check.compare import Prepared
from ..errors import message, missing_extra
from ..runner import Limits, Submission, run_backward
from .networks import Network, default_networks, prepare_networks
from .submissions import Source, find_submissions, read_support
from .verdict import STATUSES, GradeRow, not_read, verdict

__all__ = ["GradeResult", "grade_submissions", "grade_one"]

Progress = Callable[[int, int, GradeRow], None]


@dataclass
class GradeResult:
    """What :func:`grade_submissions` returns: the rows, in the order of the submissions, and how
    they were made (networks and seed, function, limits, workers, where)."""

    rows: list[GradeRow]
    networks: list[Network]
    seed: int
    function: str | None
    limits: Limits
    workers: int
    where: str
    seconds: float = 0.0
    support: tuple[str, ...] = ()
    started: str = field(default_factory=lambda: time.strftime("%Y-%m-%d %H:%M:%S"))

    def counts(self) -> dict[str, int]:
        """How many submissions have each status (every status listed, in :data:`STATUSES` order)."""
        c = Counter(r.status for r in self.rows)
        return {s: c.get(s, 0) for s in STATUSES}

    def mistakes(self) -> list[tuple[str, int]]:
        """The mistake codes, most common first."""
        return Counter(r.mistake for r in self.rows if r.mistake).most_common()

    def to_json(self) -> dict[str, Any]:
        return {"started": self.started, "seconds": round(self.seconds, 3), "where": self.where,
                "workers": self.workers, "seed": self.seed, "function": self.function,
                "limits": self.limits.to_json(), "networks": [n.to_json() for n in self.networks],
                "support": list(self.support),
                "counts": self.counts(), "mistakes": dict(self.mistakes()),
                "rows": [r.to_json() for r in self.rows]}


@functools.lru_cache(maxsize=8)
def _prepared(networks: tuple[Network, ...]) -> list[Prepared]:
    return prepare_networks(networks)


def grade_one(source: Source, function: str | None, limits: Limits, networks: Sequence[Network],
              helpers: Sequence[tuple[str, str]] = ()) -> GradeRow:
    """One submission's row: its code run in its own process on ``networks`` (with the course's
    ``helpers`` modules beside it, and its own folder on its path), judged here."""
    if source.code is None:
        return not_read(source)
    prepared = _prepared(tuple(networks))
    folder = os.path.dirname(os.path.abspath(source.path))
    submission = Submission.from_source(source.run_name, source.code, function,
                                        [h for h in helpers if h[0] != source.run_name],
                                        [folder] if os.path.isdir(folder) else [], own_code_only=True)
    outcome = run_backward(submission, [p.case for p in prepared], limits)
    return verdict(source, outcome, prepared)


def _grade_locally(sources: list[Source], function: str | None, limits: Limits, networks: list[Network],
                   helpers: Sequence[tuple[str, str]], workers: int, progress: Progress | None) -> list[GradeRow]:
    rows: list[GradeRow | None] = [None] * len(sources)
    _prepared(tuple(networks))  # once, before the threads start
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = {pool.submit(grade_one, s, function, limits, networks, helpers): i for i, s in enumerate(sources)}
        for done, fut in enumerate(as_completed(futures), start=1):
            row = rows[futures[fut]] = fut.result()
            if progress is not None:
                progress(done, len(sources), row)
    return [r for r in rows if r is not None]


def _lost(source: Source, e: BaseException) -> GradeRow:
    """The row of a submission whose Dask task failed (the workers running it died)."""
    return GradeRow(source.name, "crashed", 0.0, None, "", f"its grading task failed on the cluster: "
                    f"{type(e).__name__}: {' '.join(str(e).split())[:300]}", 0.0)


def _grade_on_dask(sources: list[Source], function: str | None, limits: Limits, networks: list[Network],
                   helpers: Sequence[tuple[str, str]], address: str,
                   progress: Progress | None) -> tuple[list[GradeRow], int]:
    try:
        from distributed import Client
        from distributed import as_completed as dask_completed
    except ImportError:
        raise ImportError(missing_extra("grade --dask", "distributed", "grade", "Dask's scheduler")) from None
    rows: list[GradeRow | None] = [None] * len(sources)
    run = uuid.uuid4().hex[:8]
    with Client(address, timeout="30s") as client:
        workers = sum(w.get("nthreads", 1) for w in client.scheduler_info()["workers"].values())
        futures = [client.submit(grade_one, s, function, limits, networks, helpers, key=f"grade-{run}-{i}", pure=False)
                   for i, s in enumerate(sources)]
        index = {f.key: i for i, f in enumerate(futures)}
        for done, fut in enumerate(dask_completed(futures), start=1):
            i = index[fut.key]
            try:
                row = fut.result()
            except Exception as e:  # the task itself failed (KilledWorker: it killed the workers it ran on)
                row = _lost(sources[i], e)
            rows[i] = row
            if progress is not None:
                progress(done, len(sources), row)
    return [r for r in rows if r is not None], workers


def grade_submissions(paths: Sequence[str | os.PathLike[str]], function: str | None = None,
                      limits: Limits | None = None, workers: int | None = None, seed: int = 0,
                      dask: str | None = None, progress: Progress | None = None,
                      support: Sequence[str | os.PathLike[str]] = (), exclude: Sequence[str] = ()) -> GradeResult:
    """Grade every submission under ``paths`` (``.py`` files, ``.ipynb`` notebooks, folders).

    Args:
        function: the name of the backward graded (None: the first of ``L_model_backward``,
            ``model_backward`` that the submission defines).
        limits: per submission (:class:`~tinygrad_edu.runner.Limits`; default 20 s, 1024 MB).
        workers: how many at once on this machine (default: the number of cores).
        seed: the networks' seed (:func:`.networks.default_networks`), recorded in the result.
        dask: the address of a Dask scheduler to grade on instead of this machine.
        progress: called as ``progress(done, total, row)`` as each row arrives.
        support: folders of the course's helper modules (``dnn_utils.py``, ``testCases.py``) that
            every submission may import; their files are not graded.
        exclude: glob patterns of files (or folders) under ``paths`` that are not submissions.
    """
    limits = limits or Limits()
    if workers is None:
        workers = os.cpu_count() or 1
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise ValueError(message("grade", f"workers must be a positive integer, got {workers!r}"))
    if function is not None:
        Submission("x.py", function, "").check()  # a valid name, before anything runs
    networks = default_networks(seed)
    helpers = read_support(support)
    sources = find_submissions(paths, exclude, support)
    start = time.perf_counter()
    if dask is not None:
        rows, workers = _grade_on_dask(sources, function, limits, networks, helpers, dask, progress)
        where = f"dask {dask}"
    else:
        rows = _grade_locally(sources, function, limits, networks, helpers, workers, progress)
        where = "this machine"
    return GradeResult(rows, networks, seed, function, limits, workers, where, time.perf_counter() - start,
                       support=tuple(name for name, _ in helpers))
