"""Running a learner's backward in its own process: :class:`Submission` (which code, which
function) and :func:`run_backward` (the parent's side).

The parent writes the inputs (``in.npz``, plain arrays) and a request (JSON) into a fresh scratch
folder, starts ``python -I -B -u child.py SCRATCH`` in its own session with the scratch folder as
its working directory, reads what it prints (keeping ``output_kb``), and waits at most
``timeout`` seconds. Then it kills the child's whole process group, whatever happened, and reads
``out.json`` and ``out.npz`` as untrusted data: sizes checked before reading, no pickle, every
field type-checked. A child that ends without ``out.json`` ended itself (``os._exit``); one
ended by a signal was killed; one still running at the deadline timed out (and, where the
platform has SIGUSR1, the line it was stuck at is read from a stack dump first). The verdict on
the gradients is the caller's: nothing the child says is taken as one.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..data.reading import read_npz
from ..errors import message
from . import zygote
from .limits import Limits
from .outcome import CaseResult, Failure, Outcome

__all__ = ["DEFAULT_FUNCTIONS", "Submission", "Case", "run_backward"]

#: the names a learner's backward is looked for under, first found wins: the course's notebooks
#: call it L_model_backward, this package's manual module model_backward
DEFAULT_FUNCTIONS: tuple[str, ...] = ("L_model_backward", "model_backward")

#: one network to run the backward on: (AL, Y, caches) in the course's cache layout
Case = tuple[np.ndarray, np.ndarray, Sequence[Any]]

_BOOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_boot.py")
_WHERE = "--backward"
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
_MODULE = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")
_PLAIN_FILE = re.compile(r"[\w.\- ]{1,200}\.py")


@dataclass(frozen=True)
class Submission:
    """A learner's code: ``target`` is a path to a ``.py`` file or a module name (imported with
    the current folder on the path); ``function`` the name of their backward (None: the first of
    :data:`DEFAULT_FUNCTIONS` that the code defines). With ``source``, the code itself is given
    (:meth:`from_source`: a notebook's code cells, a file read elsewhere) and ``target`` is the
    file name it runs under, in the child's scratch folder.

    For grading (:mod:`tinygrad_edu.grade`): ``helpers`` are course modules the code may import
    (``(file name, code)`` pairs, e.g. the course's ``dnn_utils.py``), written into a folder of
    their own beside it; ``search_path`` are further folders put on the child's ``sys.path`` after
    the code's own (the folder the learner's file came from: their own helper modules), and whose
    frames count as the learner's; ``own_code_only`` refuses imports of this package in the child
    and a graded function whose code is not the learner's (a submission must not hand in the
    package's reference solution)."""

    target: str
    function: str | None = None
    source: str | None = None
    helpers: tuple[tuple[str, str], ...] = ()
    search_path: tuple[str, ...] = ()
    own_code_only: bool = False

    @classmethod
    def parse(cls, spec: str) -> Submission:
        """``path.py``, ``path.py:function``, ``module`` or ``module:function``."""
        spec = spec.strip() if isinstance(spec, str) else ""
        if not spec:
            raise ValueError(message(_WHERE, "empty", "give PATH.py[:FUNCTION] or MODULE:FUNCTION"))
        target, _, function = spec.rpartition(":") if re.search(r":[A-Za-z_]\w*$", spec) else (spec, "", "")
        sub = cls(target, function or None)
        sub.check()
        return sub

    @classmethod
    def from_source(cls, name: str, source: str, function: str | None = None,
                    helpers: Sequence[tuple[str, str]] = (), search_path: Sequence[str] = (),
                    own_code_only: bool = False) -> Submission:
        """The code ``source``, run as the file ``name`` (a plain file name ending in .py); the
        other arguments as in the class's docstring."""
        sub = cls(name, function, source, tuple(helpers), tuple(search_path), own_code_only)
        sub.check()
        return sub

    @property
    def is_file(self) -> bool:
        return self.source is None and (self.target.endswith(".py") or "/" in self.target or os.sep in self.target)

    def check(self) -> None:
        """A ValueError or FileNotFoundError naming what is wrong with the submission itself."""
        if self.function is not None and not _IDENTIFIER.fullmatch(self.function):
            raise ValueError(message(_WHERE, f"{self.function!r} is not a function name"))
        for helper, _ in self.helpers:
            if not _PLAIN_FILE.fullmatch(helper) or helper == self.target:
                raise ValueError(message("Submission", f"a helper module's name must be a plain file name ending in "
                                                       f".py other than the submission's, got {helper!r}"))
        if self.source is not None:
            if not isinstance(self.source, str) or not _PLAIN_FILE.fullmatch(self.target):
                raise ValueError(message("Submission", f"source must be text and its name a plain file name ending in "
                                                       f".py, got {self.target!r}"))
        elif self.is_file:
            path = Path(self.target)
            if path.is_dir():
                raise IsADirectoryError(message(_WHERE, f"{self.target!r} is a folder", "give the learner's .py file"))
            if not path.is_file():
                raise FileNotFoundError(message(_WHERE, f"file {self.target!r} does not exist"))
        elif not _MODULE.fullmatch(self.target):
            raise ValueError(message(_WHERE, f"{self.target!r} is neither a .py file nor a module name",
                                     "give PATH.py[:FUNCTION] or MODULE:FUNCTION"))

    def __str__(self) -> str:
        return self.target + (f":{self.function}" if self.function else "")

    def _request(self, cases: Sequence[Case], limits: Limits, scratch: Path) -> dict[str, Any]:
        if self.source is not None:  # the code goes into a folder of its own inside the scratch folder
            folder = scratch / "submission"
            folder.mkdir()
            (folder / self.target).write_text(self.source, encoding="utf-8")
            kind, path, folder_text = "file", str(folder / self.target), str(folder)
        elif self.is_file:
            kind, path = "file", os.path.abspath(self.target)
            folder_text = os.path.dirname(path)
        else:
            kind, path, folder_text = "module", self.target, os.getcwd()
        learner = [folder_text, *(os.path.abspath(f) for f in self.search_path)]
        path_entries = list(learner)
        if self.helpers:  # the course's modules, in a folder of their own (their frames are not the learner's)
            support = scratch / "support"
            support.mkdir()
            for name, code in self.helpers:
                (support / name).write_text(code, encoding="utf-8")
            path_entries.append(str(support))
        return {"kind": kind, "target": path, "folder": folder_text, "learner_folders": learner,
                "path": path_entries, "own_code_only": self.own_code_only,
                "functions": [self.function] if self.function else list(DEFAULT_FUNCTIONS),
                "cases": len(cases), "layers": [len(c[2]) for c in cases], "limits": limits.to_json()}


def _inputs(cases: Sequence[Case]) -> dict[str, np.ndarray]:
    arrays: dict[str, np.ndarray] = {}
    for i, (AL, Y, caches) in enumerate(cases):
        arrays[f"c{i}_AL"], arrays[f"c{i}_Y"] = np.asarray(AL), np.asarray(Y)
        for l, ((A_prev, W, b), Z) in enumerate(caches, start=1):
            arrays[f"c{i}_A{l - 1}"], arrays[f"c{i}_W{l}"], arrays[f"c{i}_b{l}"] = A_prev, W, b
            arrays[f"c{i}_Z{l}"] = Z
    return arrays


class _Drain(threading.Thread):
    """Reads a pipe to its end, keeping the first ``limit`` bytes and counting the rest."""

    def __init__(self, fd: int, limit: int) -> None:
        super().__init__(daemon=True)
        self.fd, self.limit, self.kept, self.total = fd, limit, bytearray(), 0
        self.start()

    def run(self) -> None:
        fd = self.fd
        while chunk := os.read(fd, 65536):
            self.total += len(chunk)
            if len(self.kept) < self.limit:
                self.kept += chunk[: self.limit - len(self.kept)]

    def text(self) -> str:
        text = self.kept.decode("utf-8", errors="replace")
        if self.total > len(self.kept):
            text += f"\n[... {self.total - len(self.kept):,} more bytes not kept]"
        return text


def _environment(scratch: str) -> dict[str, str]:
    """A small environment: no secrets of the parent's, one BLAS thread (limits hold per process)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": scratch, "TMPDIR": scratch,
           "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
    env.update(dict.fromkeys(("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"), "1"))
    if "SYSTEMROOT" in os.environ:  # pragma: no cover - Windows needs it to start Python
        env["SYSTEMROOT"] = os.environ["SYSTEMROOT"]
    return env


def _kill_group(pid: int) -> None:
    """SIGKILL to the child's process group (its session: everything it started)."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _where_are_you(pid: int, wait: Any) -> None:
    """Ask a child that ran out of time for its stack (faulthandler writes stack.txt on SIGUSR1)."""
    if hasattr(signal, "SIGUSR1"):
        try:
            os.kill(pid, signal.SIGUSR1)
            wait()
        except (subprocess.TimeoutExpired, ProcessLookupError):
            pass


def _stuck_at(scratch: Path, folder: str) -> Failure | None:
    """From faulthandler's dump (``File "/x/learner.py", line 12 in model_backward``): the innermost
    frame in the learner's folder."""
    try:
        text = (scratch / "stack.txt").read_text(encoding="utf-8", errors="replace")[:100_000]
    except OSError:
        return None
    prefix = os.path.join(folder, "")
    # faulthandler lists the most recent call first
    for m in re.finditer(r'File "([^"]+)", line (\d+) in (\S+)', text):
        if m.group(1).startswith(prefix):
            line = _source_line(m.group(1), int(m.group(2)))
            return Failure("timeout", "timeout", "", os.path.basename(m.group(1)), int(m.group(2)), line, m.group(3))
    return None


def _source_line(path: str, lineno: int) -> str | None:
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for i, line in enumerate(f, start=1):
                if i == lineno:
                    return line.rstrip("\n")[:500]
                if i > lineno or i > 100_000:
                    break
    except OSError:
        pass
    return None


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _process_failure(returncode: int | None, timed_out: bool, limits: Limits, stuck: Failure | None) -> Failure:
    """Why a child gave no report, from how it ended."""
    if returncode is None and not timed_out:
        return Failure("killed", "killed", "its process was lost: the fork server that started it ended")
    if timed_out or returncode == -getattr(signal, "SIGXCPU", 1000):
        msg = f"it did not finish within the time limit of {limits.timeout:g} s (an endless loop?)"
        if stuck is not None:
            return Failure("timeout", "timeout", msg, stuck.file, stuck.line, stuck.code, stuck.function)
        return Failure("timeout", "timeout", msg)
    assert returncode is not None
    if returncode < 0:
        name = _signal_name(-returncode)
        why = {"SIGSEGV": "a crash in native code", "SIGKILL": "killed from outside, perhaps by the system for "
               "lack of memory", "SIGXFSZ": f"it wrote a file larger than the limit of {limits.file_mb} MB",
               "SIGABRT": "the interpreter aborted"}.get(name, "ended by a signal")
        return Failure("killed", name, f"its process was ended by {name}: {why}")
    return Failure("exited", "exited", f"its process ended with exit code {returncode} before returning its "
                                       "gradients: os._exit(), or the interpreter stopped")


_REPORT_MB = 16  # the largest out.json read back


def _broken(why: str) -> Failure:
    return Failure("bad_output", "report", f"what its process handed back could not be read: {why}")


def _read_report(scratch: Path, n_cases: int,
                 max_mb: float) -> tuple[dict[str, Any], dict[str, np.ndarray]] | Failure | None:
    """out.json and out.npz; None when the child wrote no report (it ended before it could), a
    ``bad_output`` :class:`Failure` when what it wrote is too large or not a report."""
    path, npz = scratch / "out.json", scratch / "out.npz"
    try:
        if not path.is_file():
            return None
        if path.stat().st_size > _REPORT_MB * 2**20:
            return _broken(f"its report is {path.stat().st_size / 2**20:.0f} MB, more than the {_REPORT_MB} MB read")
        report = json.loads(path.read_text(encoding="utf-8"))
        size_mb = npz.stat().st_size / 2**20
    except (OSError, ValueError) as e:
        return _broken(f"{type(e).__name__}")
    if not isinstance(report, dict) or not isinstance(report.get("cases"), list):
        return _broken("its report is not one the runner writes")
    if report.get("failure") is None and len(report["cases"]) != n_cases:  # one per network, or it is not ours
        return _broken(f"its report has {len(report['cases'])} results for {n_cases} networks")
    if size_mb > max_mb:
        return Failure("bad_output", "too large", f"the arrays it returned come to {size_mb:.0f} MB, more than the "
                                                  f"{max_mb:.0f} MB read back (8 times its inputs): return only the "
                                                  "gradients, dA, dW and db of each layer")

    def only_ours(declared: dict[str, Any]) -> None:
        if any(not re.fullmatch(r"c\d+_\d+", k) for k in declared):
            raise ValueError("unexpected entries")

    try:
        arrays = read_npz(npz, "the learner's process", "gradients", max_mb=max_mb, check=only_ours)
    except (OSError, ValueError) as e:
        return _broken(f"its arrays ({type(e).__name__})")
    return report, arrays


def _case(d: Any, i: int, arrays: dict[str, np.ndarray]) -> CaseResult:
    """One case of the child's report, every field checked."""
    if not isinstance(d, dict):
        return CaseResult(failure=Failure("bad_output", "report", "the learner's process wrote a broken report"))
    keys = d.get("keys") if isinstance(d.get("keys"), list) else []
    grads = {str(k)[:50]: arrays[f"c{i}_{j}"] for j, k in enumerate(keys) if f"c{i}_{j}" in arrays}
    refused = d.get("refused") if isinstance(d.get("refused"), dict) else {}
    reads = d.get("reads") if isinstance(d.get("reads"), list) else []
    return CaseResult(grads, {str(k)[:50]: str(v)[:500] for k, v in list(refused.items())[:1000]},
                      [r for r in reads if isinstance(r, int) and not isinstance(r, bool)],
                      Failure.from_json(d.get("failure")))


def _outcome(report: dict[str, Any], arrays: dict[str, np.ndarray]) -> Outcome:
    failure = Failure.from_json(report.get("failure"))
    function = report.get("function")[:200] if isinstance(report.get("function"), str) else None
    sandbox = report.get("sandbox")[:200] if isinstance(report.get("sandbox"), str) else "unknown"
    if failure is not None:
        return Outcome(failure.status, [], failure, function, sandbox=sandbox)
    cases = [_case(d, i, arrays) for i, d in enumerate(report["cases"])]
    first = next((c.failure for c in cases if c.failure is not None), None)
    return Outcome("returned" if first is None else first.status, cases, first, function, sandbox=sandbox)


def _spawn(scratch: str, limits: Limits) -> tuple[bool, int | None, _Drain]:
    """A fresh interpreter for the child: (timed out, return code, its output)."""
    proc = subprocess.Popen([sys.executable, "-I", "-B", "-u", _BOOT, "child", scratch], cwd=scratch,
                            env=_environment(scratch), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    assert proc.stdout is not None
    output = _Drain(proc.stdout.fileno(), limits.output_kb * 1024)
    timed_out = False
    try:
        try:
            proc.wait(timeout=limits.timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            _where_are_you(proc.pid, lambda: proc.wait(timeout=0.3))
    finally:  # always, Ctrl-C included: nothing the learner's code started outlives the run
        _kill_group(proc.pid)
    proc.wait()
    output.join(timeout=2.0)
    proc.stdout.close()
    return timed_out, proc.returncode, output


def _fork(server: zygote.Server, scratch: str, limits: Limits) -> tuple[bool, int | None, _Drain] | None:
    """A child forked by the fork server: (timed out, return code, its output); None when the
    server has died before forking (the caller spawns instead)."""
    read_end, write_end = os.pipe()
    try:
        pid = server.start(scratch, write_end)
    finally:
        os.close(write_end)
    if pid is None:
        os.close(read_end)
        return None
    output = _Drain(read_end, limits.output_kb * 1024)
    try:
        ended, returncode = server.wait(pid, limits.timeout)
        if not ended:
            _where_are_you(pid, lambda: server.wait(pid, 0.3))
    finally:  # always, Ctrl-C included: nothing the learner's code started outlives the run
        _kill_group(pid)
    timed_out = not ended
    if not ended:
        _, returncode = server.wait(pid, 5.0)
    output.join(timeout=2.0)
    os.close(read_end)
    return timed_out, returncode, output


def _run_child(scratch: str, limits: Limits, launcher: str) -> tuple[bool, int | None, _Drain]:
    if launcher not in ("auto", "fork", "spawn"):
        raise ValueError(message("run_backward", f"launcher must be 'auto', 'fork' or 'spawn', got {launcher!r}"))
    if launcher != "spawn":
        server = zygote.server(_environment(tempfile.gettempdir()), tempfile.gettempdir())
        if server is None and launcher == "fork":
            raise ValueError(message("run_backward", "launcher='fork' needs Linux", "use launcher='auto'"))
        ran = _fork(server, scratch, limits) if server is not None else None
        if ran is not None:
            return ran
    return _spawn(scratch, limits)


def run_backward(submission: Submission, cases: Sequence[Case], limits: Limits | None = None,
                 launcher: str = "auto") -> Outcome:
    """The learner's backward on each network of ``cases``, in a child process under ``limits``
    (default :class:`Limits`). Returns an :class:`Outcome`; never raises because of anything the
    learner's code does (an OSError if a process cannot be started at all).

    ``launcher``: ``"fork"`` forks the child from this process's fork server (:mod:`.zygote`,
    Linux: no interpreter start per run; the server also kills what a child started that left its
    session), ``"spawn"`` starts a fresh interpreter (its process group is killed at the end, but a
    process that called ``setsid()`` escapes that), ``"auto"`` forks where it can."""
    limits = limits or Limits()
    submission.check()
    start = time.perf_counter()
    scratch = Path(tempfile.mkdtemp(prefix="tinygrad-edu-run-"))
    try:
        inputs = _inputs(cases)
        np.savez(scratch / "in.npz", **inputs)
        request = submission._request(cases, limits, scratch)
        (scratch / "request.json").write_text(json.dumps(request), encoding="utf-8")
        timed_out, returncode, output = _run_child(str(scratch), limits, launcher)
        input_mb = sum(a.nbytes for a in inputs.values()) / 1e6
        read = None if timed_out else _read_report(scratch, len(cases), max_mb=max(64.0, 8 * input_mb))
        if isinstance(read, Failure):
            outcome = Outcome(read.status, [], read)
        elif read is not None:
            outcome = _outcome(*read)
        else:
            stuck = _stuck_at(scratch, request["folder"]) if timed_out else None
            failure = _process_failure(returncode, timed_out, limits, stuck)
            outcome = Outcome(failure.status, [], failure)
        outcome.output, outcome.output_bytes = output.text(), output.total
        outcome.seconds = time.perf_counter() - start
        return outcome
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
