"""The child process that runs a learner's backward, started as ``python -I -B -u _boot.py child
SCRATCH`` or forked from the fork server (:mod:`.zygote`), in SCRATCH, its own session.

It reads ``SCRATCH/request.json`` and ``SCRATCH/in.npz`` (written by :mod:`.isolated`), sets its
own limits (:func:`.limits.apply`), confines itself where the platform allows it
(:mod:`.sandbox`: no writes outside SCRATCH, no TCP, no signals to other processes), imports the
learner's file, calls the function on each network (:func:`.call.call_backward`) and writes
``SCRATCH/out.json`` and ``SCRATCH/out.npz`` (plain arrays, no pickle), then ends with
``os._exit(0)`` so that nothing the learner left behind (threads, atexit handlers) runs after
it. It decides nothing: the parent compares the arrays. When grading (``own_code_only``), the
learner's code cannot import this package, and a graded function whose code lives elsewhere is
refused.
"""

from __future__ import annotations

import faulthandler
import importlib
import importlib.abc
import importlib.util
import inspect
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

import numpy as np

from .call import call_backward, failure_from
from .limits import apply
from .outcome import CaseResult, Failure
from .sandbox import confine

__all__ = ["main"]


def _write(scratch: Path, report: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """out.npz then out.json, each renamed into place when complete (the parent reads out.json
    as the sign that the child finished)."""
    tmp = scratch / "out.tmp.npz"
    np.savez(tmp, **arrays)
    os.replace(tmp, scratch / "out.npz")
    tmp = scratch / "out.tmp.json"
    tmp.write_text(json.dumps(report), encoding="utf-8")
    os.replace(tmp, scratch / "out.json")


def _finish(scratch: Path, report: dict[str, Any], arrays: dict[str, np.ndarray] | None = None) -> None:
    _write(scratch, report, arrays or {})
    for stream in (sys.__stdout__, sys.__stderr__):
        try:
            stream.flush()
        except Exception:  # the learner may have closed it
            pass
    os._exit(0)


def _is_learner(folders: list[str]) -> Any:
    """Frames in the learner's folders (their file and their own helper modules)."""
    prefixes = tuple(os.path.join(f, "") for f in folders)
    return lambda filename: os.path.abspath(filename).startswith(prefixes)


_PACKAGE = __name__.split(".")[0]
_hidden: list[Any] = []  # this package's modules, kept alive while the learner cannot import them


class _RefusePackage(importlib.abc.MetaPathFinder):
    """For grading: the learner's code may not import this package (its reference solution)."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == _PACKAGE or name.startswith(_PACKAGE + "."):
            raise ImportError(f"a graded submission cannot import {name}: the backward pass is yours to write "
                              "(numpy and the course's helper modules are fine)", name=name)
        return None


def _refuse_package() -> None:
    sys.meta_path.insert(0, _RefusePackage())
    for name in [k for k in sys.modules if k == _PACKAGE or k.startswith(_PACKAGE + ".")]:
        _hidden.append(sys.modules.pop(name))


def _not_own(fn: Any, is_learner: Any) -> str | None:
    """Where a graded function's code comes from when it is not the learner's (None: theirs, or
    not a Python function)."""
    code = getattr(inspect.unwrap(fn), "__code__", None)
    if code is None or is_learner(code.co_filename):
        return None
    return f"{getattr(fn, '__module__', None) or os.path.basename(code.co_filename)}"


def _import(request: dict[str, Any]) -> Any:
    """The learner's module (a file run as a module, or a module imported by name)."""
    if request["kind"] == "file":
        path = request["target"]
        spec = importlib.util.spec_from_file_location("learner_submission", path)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {os.path.basename(path)!r} as Python")
        module = importlib.util.module_from_spec(spec)
        sys.modules["learner_submission"] = module
        spec.loader.exec_module(module)
        return module
    return importlib.import_module(request["target"])


def _import_failure(e: BaseException, request: dict[str, Any], is_learner: Any) -> Failure:
    name = os.path.basename(request["target"]) if request["kind"] == "file" else request["target"]
    if isinstance(e, SyntaxError) and e.filename and is_learner(e.filename):
        return Failure("import_error", type(e).__name__, f"{name} is not valid Python: {e.msg}",
                       os.path.basename(e.filename), e.lineno, e.text.rstrip("\n") if e.text else None)
    status = "memory" if isinstance(e, MemoryError) else "import_error"
    f = failure_from(e, is_learner, status=status)
    text = (f"importing {name} called sys.exit(): guard script code with if __name__ == '__main__':"
            if isinstance(e, SystemExit) else
            f"importing {name} ran out of memory (its code at the top level): {f.message}" if status == "memory" else
            f"importing {name} raised {type(e).__name__}: {f.message}")
    return Failure(status, f.kind, text, f.file, f.line, f.code, f.function)


def _function(module: Any, names: list[str]) -> tuple[str | None, Any]:
    for name in names:
        fn = getattr(module, name, None)
        if callable(fn):
            return name, fn
    return None, None


def _case_report(i: int, result: CaseResult, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    keys = []
    for j, (k, v) in enumerate(result.grads.items()):
        arrays[f"c{i}_{j}"] = np.ascontiguousarray(v)
        keys.append(k)
    return {"keys": keys, "refused": result.refused, "reads": result.reads[:10000],
            "failure": result.failure.to_json() if result.failure else None}


def main(scratch: Path) -> None:
    request = json.loads((scratch / "request.json").read_text(encoding="utf-8"))
    faulthandler.register(signal.SIGUSR1, file=open(scratch / "stack.txt", "w"), all_threads=False)  # noqa: SIM115
    with np.load(scratch / "in.npz", allow_pickle=False) as inputs:
        cases = []
        for i in range(request["cases"]):
            L = request["layers"][i]
            caches = [((inputs[f"c{i}_A{l - 1}"], inputs[f"c{i}_W{l}"], inputs[f"c{i}_b{l}"]), inputs[f"c{i}_Z{l}"])
                      for l in range(1, L + 1)]
            cases.append((inputs[f"c{i}_AL"], inputs[f"c{i}_Y"], caches))
    is_learner = _is_learner(request["learner_folders"])
    sys.path[:0] = request["path"]
    apply(request["limits"])
    sandbox = confine(str(scratch)) if request.get("confine", True) else "none: not asked for"
    if request["own_code_only"]:
        _refuse_package()
    try:
        module = _import(request)
    except BaseException as e:  # the learner's file, whatever it raises
        _finish(scratch, {"function": None, "failure": _import_failure(e, request, is_learner).to_json(), "cases": [],
                          "sandbox": sandbox})
    name, fn = _function(module, request["functions"])
    if fn is None:
        found = sorted(k for k, v in vars(module).items() if callable(v) and not k.startswith("_")
                       and getattr(v, "__module__", None) == module.__name__)
        wanted = " or ".join(request["functions"])
        name = os.path.basename(request["target"]) if request["kind"] == "file" else request["target"]
        msg = f"{name} has no function {wanted} (its functions: {', '.join(found[:30]) or 'none'})"
        _finish(scratch, {"function": None, "failure": Failure("missing_function", "missing function", msg).to_json(),
                          "cases": [], "sandbox": sandbox})
    if request["own_code_only"] and (origin := _not_own(fn, is_learner)) is not None:
        msg = f"{name} is not written in this submission: it is {origin}'s; the backward graded must be your own"
        _finish(scratch, {"function": name, "failure": Failure("missing_function", "not the learner's", msg).to_json(),
                          "cases": [], "sandbox": sandbox})
    arrays: dict[str, np.ndarray] = {}
    reports = [_case_report(i, call_backward(fn, AL, Y, caches, is_learner, catch_all=True), arrays)
               for i, (AL, Y, caches) in enumerate(cases)]
    _finish(scratch, {"function": name, "failure": None, "cases": reports, "sandbox": sandbox}, arrays)

