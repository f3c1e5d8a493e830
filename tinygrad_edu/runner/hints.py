"""Hints for a learner's backward that did not return: what usually causes each failure, in the
lecture's terms. One table, :data:`HINTS`: a row matches a failure's status, exception type and
message (a regular expression) and writes the hint; the first row that matches wins. A new hint
is one row here plus one test row in ``tests/test_runner.py``."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..lecture import equation
from .outcome import Failure

__all__ = ["CAUSES", "Context", "HINTS", "hint", "match", "shape_in_lecture_terms"]


@dataclass(frozen=True)
class Context:
    """What the hints may refer to: the network's layer_dims and the number of examples m."""

    layer_dims: Sequence[int] = ()
    m: int | None = None

    @property
    def L(self) -> int | None:
        return len(self.layer_dims) - 1 if self.layer_dims else None


def _axis_names(size: int, ctx: Context) -> list[str]:
    names = [f"n[{l}]" for l, n in enumerate(ctx.layer_dims) if n == size]
    if ctx.m is not None and size == ctx.m:
        names.append("m")
    return names


def shape_in_lecture_terms(shape: Sequence[int], ctx: Context) -> str:
    """``(3, 5) = (n[2], m)`` where each size names exactly one quantity, else ``(3, 5)``."""
    text = "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
    names = [_axis_names(s, ctx) for s in shape]
    if shape and all(len(n) == 1 for n in names):
        return f"{text} = ({', '.join(n[0] for n in names)})"
    return text


def _shapes(text: str) -> list[tuple[int, ...]]:
    return [tuple(int(x) for x in s.split(",") if x.strip()) for s in re.findall(r"\(([\d,\s]+)\)", text)]


def _eq(which: str, f: Failure) -> str:
    """The lecture's equation, with the layer's number when the failure knows it, without remarks."""
    return equation(which, f.layer).split(", with")[0].split("  (")[0]


def _dot_same_shapes(f: Failure, m: re.Match[str], ctx: Context) -> str:
    return ("two arrays of the same shape were multiplied as matrices: dZ[l] = dA[l] * g'(Z[l]) is element by "
            "element (use *), not np.dot or @")


def _dot(f: Failure, m: re.Match[str], ctx: Context) -> str:
    a, b = (int(x) for x in m.group(1, 2))
    shapes = _shapes(f.message)[:2]
    named = " and ".join(shape_in_lecture_terms(s, ctx) for s in shapes) if len(shapes) == 2 else \
        f"inner sizes {a} and {b}"
    return (f"a matrix product needs (a, k) times (k, b); here {named}. In the backward pass two products need a "
            f"transpose: {_eq('dW', f)} (A_prev.T) and {_eq('dA', f)} (W.T); check the .T in this line")


def _broadcast(f: Failure, m: re.Match[str], ctx: Context) -> str:
    shapes = " and ".join(shape_in_lecture_terms(s, ctx) for s in _shapes(m.group(0))[:2])
    return (f"* (and +, -) work element by element, on equal or broadcastable shapes, here {shapes}. Where the "
            f"lecture has a matrix product, {_eq('dA', f)} or {_eq('dW', f)}, use np.dot or @, not *")


def _dA_key(f: Failure, m: re.Match[str], ctx: Context) -> str:
    return (f"grads has no {m.group(0)}. The course keeps dA[l] under 'dA' + str(l): layer l's step reads "
            "grads['dA' + str(l)] and stores dA[l-1] as grads['dA' + str(l - 1)] (the older notebook used "
            "'dA' + str(l + 1) for dA[l]); use one convention throughout")


def _cache_index(f: Failure, m: re.Match[str], ctx: Context) -> str:
    L = ctx.L if ctx.L is not None else "L"
    return (f"caches holds one cache per layer, caches[0] to caches[{L}-1] when L = {L}: layer l's cache is "
            "caches[l-1]. In `for l in reversed(range(L - 1))`, l runs L-2, ..., 0 and caches[l] is layer l+1's")


_CACHE_LAYOUT = ("each cache is ((A_prev, W, b), Z): `linear_cache, activation_cache = caches[l - 1]`, then "
                 "`A_prev, W, b = linear_cache` and Z = activation_cache")


def _cache_layout(f: Failure, m: re.Match[str], ctx: Context) -> str:
    return _CACHE_LAYOUT


def _text(text: str) -> Callable[[Failure, re.Match[str], Context], str]:
    return lambda f, m, ctx: text


@dataclass(frozen=True)
class Hint:
    """One row of :data:`HINTS`: ``status`` and ``kind`` ("" for any) and a ``pattern`` searched in
    the message; ``code`` names the cause (the grader's ``mistake`` column), ``write`` the hint."""

    code: str
    status: str
    kind: str
    pattern: str
    write: Callable[[Failure, re.Match[str], Context], str]


#: what each code of :data:`HINTS` names
CAUSES: dict[str, str] = {
    "dot_not_elementwise": "np.dot or @ where the lecture multiplies element by element (dZ = dA * g'(Z))",
    "missing_transpose": "a matrix product without the transpose it needs (A_prev.T in dW, W.T in dA_prev)",
    "elementwise_not_dot": "* where the lecture has a matrix product (np.dot or @)",
    "dA_keys": "the course's two layouts of the dA keys mixed",
    "cache_index": "caches indexed past its end (layer l's cache is caches[l-1])",
    "cache_layout": "a cache unpacked in the wrong layout (it is ((A_prev, W, b), Z))",
    "numpy_not_imported": "numpy used without import numpy as np",
    "imports_package": "tinygrad_edu imported by a graded submission (its reference solution is not theirs)",
    "helper_not_found": "a module the code imports is not there (a course helper: grade --support DIR)",
    "memory_at_import": "the file's top-level code ran out of memory when it was imported",
    "huge_array": "an array far larger than the network's (a broadcast outer product)",
    "endless_loop": "a loop that never ends",
    "ends_process": "sys.exit() or os._exit() instead of return",
    "no_return": "no return statement (it returned None)",
    "not_a_dict": "something other than the dict of gradients returned",
    "too_much_returned": "more arrays returned than the gradients (the limit is 8 times the inputs)",
    "broken_report": "the process's report to the grader damaged (files written in its working folder?)",
    "missing_function": "no function of the name graded",
    "not_own_function": "the function graded is imported, not written in the submission",
}

_DOT = r"shapes \((\d+),\s*(\d+)\) and \((\d+),\s*(\d+)\) not aligned"

#: the hints, tried in order
HINTS: tuple[Hint, ...] = (
    Hint("dot_not_elementwise", "raised", "ValueError", r"shapes \((\d+),\s*(\d+)\) and \(\1,\s*\2\) not aligned",
         _dot_same_shapes),
    Hint("missing_transpose", "raised", "ValueError", _DOT + r": (\d+) \(dim 1\) != (\d+)", _dot),
    Hint("missing_transpose", "raised", "ValueError",
         r"matmul: .*mismatch in its core dimension.*\(size (\d+) is different from (\d+)\)", _dot),
    Hint("elementwise_not_dot", "raised", "ValueError",
         r"operands could not be broadcast together with shapes? \([\d,\s]*\)\s*\([\d,\s]*\)", _broadcast),
    Hint("dA_keys", "raised", "KeyError", r"'dA\d+'", _dA_key),
    Hint("cache_index", "raised", "IndexError", r"list index out of range", _cache_index),
    Hint("cache_layout", "raised", "ValueError", r"(not enough|too many) values to unpack", _cache_layout),
    Hint("cache_layout", "raised", "", r"'tuple' object|tuple indices|for [-+*/@]+: .*'tuple'|'tuple'", _cache_layout),
    Hint("numpy_not_imported", "raised", "NameError", r"name 'np' is not defined",
         _text("put `import numpy as np` at the top of the file")),
    Hint("imports_package", "import_error", "ImportError", r"cannot import tinygrad_edu",
         _text("write the backward pass with numpy; a graded submission may not import tinygrad_edu")),
    Hint("helper_not_found", "import_error", "ModuleNotFoundError", r"No module named '([^']+)'",
         lambda f, m, ctx: f"{m.group(1)} is not installed and not beside the submission: if it is one of the "
                           f"course's helper modules, grade with --support FOLDER (the folder that holds "
                           f"{m.group(1).split('.')[0]}.py)"),
    Hint("memory_at_import", "memory", "", r"^importing", _text("the code at the top level of the file (outside "
                                                                "the functions) allocates too much: run it only "
                                                                "under if __name__ == '__main__':")),
    Hint("huge_array", "memory", "", r"", _text("an array far larger than the network's: an (n, m) array multiplied "
                                                "with a transposed one broadcasts to (n, m, m) or worse; check the "
                                                "shapes of each product (the limit is --memory)")),
    Hint("endless_loop", "timeout", "", r"", _text("an endless loop? `for l in reversed(range(L - 1))` counts down and "
                                                   "ends; a `while` loop must change its variable (the limit is "
                                                   "--timeout)")),
    Hint("ends_process", "exited", "", r"", _text("return grads at the end of the function instead of ending the "
                                                  "program")),
    Hint("no_return", "bad_output", "", r"returned None", _text("end the function with `return grads`")),
    Hint("too_much_returned", "bad_output", "too large", r"", _text("return only the gradients: grads = {'dA0': "
                                                                    "..., 'dW1': ..., 'db1': ..., ...}")),
    Hint("broken_report", "bad_output", "report", r"", _text("do not write or delete files in the working folder "
                                                             "(out.json, out.npz are the grader's)")),
    Hint("not_a_dict", "bad_output", "", r"", _text("return the dict grads = {'dA0': ..., 'dW1': ..., 'db1': ..., "
                                                    "...}")),
    Hint("not_own_function", "missing_function", "not the learner's", r"",
         _text("write L_model_backward in your own file (you may call your own helper functions)")),
    Hint("missing_function", "missing_function", "", r"", _text("define it with the course's signature, def "
                                                                "L_model_backward(AL, Y, caches), or name yours: "
                                                                "--backward FILE.py:NAME")),
)


def match(failure: Failure, ctx: Context | None = None) -> tuple[str, str] | None:
    """(code, hint) of the first row of :data:`HINTS` that matches ``failure`` (None when none does)."""
    ctx = ctx or Context()
    for row in HINTS:
        if row.status != failure.status or (row.kind and row.kind != failure.kind):
            continue
        m = re.search(row.pattern, failure.message)
        if m is not None:
            return row.code, row.write(failure, m, ctx)
    return None


def hint(failure: Failure, ctx: Context | None = None) -> str | None:
    """The hint of the first row of :data:`HINTS` that matches ``failure`` (None when none does)."""
    found = match(failure, ctx)
    return found[1] if found else None
