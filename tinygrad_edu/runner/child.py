"""The child process that runs a learner's backward, started as ``python -I -B -u _boot.py child
SCRATCH`` or forked from the fork server (:mod:`.zygote`), in SCRATCH, its own session.

It reads ``SCRATCH/request.json`` and ``SCRATCH/in.npz`` (written by :mod:`.isolated`), sets its
own limits (:func:`.limits.apply`), confines itself where the platform allows it
(:mod:`.sandbox`: no writes outside SCRATCH, no TCP, no signals to other processes), imports the
learner's file, calls the function on each network (:func:`.call.call_backward`) and writes
``SCRATCH/out.json`` and ``SCRATCH/out.npz`` (plain arrays, no pickle), then ends with
``os._exit(0)`` so that nothing the learner left behind (threads, atexit handlers) runs after
it. It decides nothing: the parent compares the arrays.
"""

from __future__ import annotations

import faulthandler
import importlib
import importlib.util
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


def _is_learner(folder: str) -> Any:
    """Frames in the learner's folder (their file and their own helper modules)."""
    prefix = os.path.join(folder, "")
    return lambda filename: os.path.abspath(filename).startswith(prefix)


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
    f = failure_from(e, is_learner, status="import_error")
    text = (f"importing {name} called sys.exit(): guard script code with if __name__ == '__main__':"
            if isinstance(e, SystemExit) else f"importing {name} raised {type(e).__name__}: {f.message}")
    return Failure("import_error", f.kind, text, f.file, f.line, f.code, f.function)


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
    folder = request["folder"]
    is_learner = _is_learner(folder)
    sys.path.insert(0, folder)
    apply(request["limits"])
    sandbox = confine(str(scratch)) if request.get("confine", True) else "none: not asked for"
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
    arrays: dict[str, np.ndarray] = {}
    reports = [_case_report(i, call_backward(fn, AL, Y, caches, is_learner, catch_all=True), arrays)
               for i, (AL, Y, caches) in enumerate(cases)]
    _finish(scratch, {"function": name, "failure": None, "cases": reports, "sandbox": sandbox}, arrays)

