"""Calling a learner's ``backward(AL, Y, caches)`` once: on copies of the inputs, with every read
of ``caches[...]`` recorded, whatever it raises caught and located in the learner's own code,
and what it returns checked to be a dict of arrays of numbers.

The same call runs inside the isolated child process (:mod:`.child`, where nothing the learner
does can reach the parent) and in-process for ``compare_gradients(backward=function)`` (a
learner checking their own function in their own notebook)."""

from __future__ import annotations

import os
import traceback
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from .outcome import CaseResult, Failure

__all__ = ["RecordingList", "call_backward", "check_returned", "failure_from", "learner_frames"]

_MAX_KEYS = 1000  # keys of the returned dict looked at
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


class RecordingList(list):
    """A list that remembers which integer indices were read, as written (an index past the end
    is recorded before IndexError is raised: it is often the cause); negative ones counted from
    the end."""

    def __init__(self, items: Sequence[Any]) -> None:
        super().__init__(items)
        self.reads: list[int] = []

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, (int, np.integer)):
            i = int(index)
            self.reads.append(i + len(self) if -len(self) <= i < 0 else i)
        return super().__getitem__(index)


def learner_frames(tb: Any, is_learner: Callable[[str], bool]) -> list[traceback.FrameSummary]:
    """The frames of traceback ``tb`` that are in the learner's code, outermost first."""
    return [f for f in traceback.extract_tb(tb) if is_learner(f.filename)]


def _outside_package(filename: str) -> bool:
    """Anything that is not tinygrad_edu, numpy or the standard library counts as the learner's."""
    path = os.path.abspath(filename)
    return not (path.startswith(_PACKAGE_DIR) or "site-packages" in path or "dist-packages" in path
                or filename.startswith("<frozen") or path.startswith(os.path.dirname(os.__file__)))


def failure_from(e: BaseException, is_learner: Callable[[str], bool] = _outside_package,
                 reads: Sequence[int] = (), status: str | None = None) -> Failure:
    """A :class:`Failure` for exception ``e``: its type and message, the innermost frame in the
    learner's code, and the layer being processed (from the last cache read)."""
    if status is None:
        status = "memory" if isinstance(e, MemoryError) else "exited" if isinstance(e, SystemExit) else "raised"
    frames = learner_frames(e.__traceback__, is_learner)
    last = frames[-1] if frames else None
    read = reads[-1] if reads else None
    if isinstance(e, SystemExit):
        msg = f"your code called sys.exit({e.code!r}) (or exit()) instead of returning its gradients"
    else:
        msg = str(e) if not isinstance(e, KeyError) else f"{e.args[0]!r}" if e.args else ""
    return Failure(status, type(e).__name__, msg,
                   os.path.basename(last.filename) if last else None, last.lineno if last else None,
                   (last.line or None) if last else None, last.name if last else None,
                   None if read is None else read + 1, read)


def _numbers(value: Any) -> tuple[np.ndarray | None, str | None]:
    """(array, None) when ``value`` is an array of real numbers, else (None, what it is instead)."""
    try:
        arr = np.asarray(value)
    except Exception as e:  # a ragged list, an object whose __array__ raises, ...
        return None, f"a {type(value).__name__} that is not an array of one shape ({type(e).__name__}: {e})"
    kinds = {"U": "strings", "S": "bytes", "O": "Python objects", "c": "complex numbers", "M": "dates",
             "m": "time spans", "V": "records"}
    if arr.dtype.kind not in "biuf":
        return None, f"{kinds.get(arr.dtype.kind, 'not numbers')} (dtype {arr.dtype}), not numbers"
    return arr, None


def check_returned(result: Any, reads: list[int]) -> CaseResult:
    """The returned value as a :class:`CaseResult`: a dict of arrays of numbers, or a failure."""
    if not isinstance(result, Mapping):
        what = "None (did the function end without `return grads`?)" if result is None else \
            f"a {type(result).__name__}"
        failure = Failure("bad_output", "TypeError", f"it returned {what}, not a dict of gradients "
                          "{'dA0': ..., 'dW1': ..., 'db1': ...}")
        return CaseResult(reads=reads, failure=failure)
    out = CaseResult(reads=reads)
    for i, (k, v) in enumerate(result.items()):
        if i >= _MAX_KEYS:
            break
        if not isinstance(k, str):
            out.refused[repr(k)[:50]] = f"its key is a {type(k).__name__}, not a string like 'dW1'"
            continue
        if v is None:
            continue
        arr, why = _numbers(v)
        if arr is None:
            out.refused[k[:50]] = why or ""
        else:
            out.grads[k[:50]] = arr
    return out


def call_backward(fn: Callable[..., Any], AL: np.ndarray, Y: np.ndarray, caches: Sequence[Any],
                  is_learner: Callable[[str], bool] = _outside_package, catch_all: bool = False) -> CaseResult:
    """``fn(AL, Y, caches)`` on copies (the course's cache layout, caches[l-1] = ((A[l-1], W[l],
    b[l]), Z[l])), its returned dict checked. An exception becomes the result's failure;
    ``catch_all`` (in the isolated child) also catches KeyboardInterrupt, which in-process is
    the user's Ctrl-C and is let through."""
    recorded = RecordingList([((a.copy(), w.copy(), b.copy()), z.copy()) for (a, w, b), z in caches])
    try:
        result = fn(AL.copy(), Y.copy(), recorded)
    except KeyboardInterrupt as e:
        if not catch_all:
            raise
        return CaseResult(reads=recorded.reads, failure=failure_from(e, is_learner, recorded.reads))
    except BaseException as e:  # the learner's code: SystemExit and GeneratorExit included
        return CaseResult(reads=recorded.reads, failure=failure_from(e, is_learner, recorded.reads))
    return check_returned(result, recorded.reads)
