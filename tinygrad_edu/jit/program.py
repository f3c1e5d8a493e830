"""A recorded step turned into a flat program that replays it: the same numpy calls, in the same
order, on arrays allocated once (every result is written into its buffer with ``out=``), so the
numbers are the eager step's, bit for bit.

* **Buffers.** Every array the step computed during recording is a buffer of the program; every
  later call writes into it again. What depends on constants only was computed once at recording
  and is a constant; instructions whose results nothing needs are dropped.
* **State.** A parameter's data, its gradient, an optimizer's moments: read at the start of a step
  and given a new array by it (eager never writes into an array). The program keeps two buffers
  for such state, the one it reads and the one it writes, and swaps their roles every call (two
  compiled variants of the same program), so a replayed step copies nothing and allocates nothing.
  After each call every Tensor and optimizer holds the arrays eager would hold (by value).
* **Inputs.** The jitted function's Tensor arguments: read, never written. When a call passes an
  array other than the last one, the views of it in the program are made again on the new one.
* **Code.** The program is compiled to one Python function of straight calls (:meth:`Program.source`
  shows it with the lecture's names), run with ``exec``-built globals.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .trace import Instruction, Slot, Tape, Traced

__all__ = ["Program", "ReplayError"]


class ReplayError(RuntimeError):
    """A step that cannot be replayed faithfully (said why, with what to do)."""


def root_of(a: np.ndarray) -> np.ndarray:
    """The array that owns ``a``'s memory."""
    while isinstance(a.base, np.ndarray):
        a = a.base
    return a


def _address(a: np.ndarray) -> int:
    return int(a.__array_interface__["data"][0])


@dataclass(frozen=True)
class View:
    """How an argument array sits in its root: byte offset, shape, strides, dtype."""

    root: int  # id of the root
    offset: int
    shape: tuple[int, ...]
    strides: tuple[int, ...]
    dtype: np.dtype

    def on(self, root: np.ndarray) -> np.ndarray:
        return np.ndarray(self.shape, self.dtype, buffer=root, offset=self.offset, strides=self.strides)


def _view(a: np.ndarray) -> View:
    r = root_of(a)
    return View(id(r), _address(a) - _address(r), a.shape, a.strides, a.dtype)


def _ident(label: str) -> str:
    """``W[1]`` -> ``W1``, ``dZ[2]`` -> ``dZ2``; anything else made an identifier (never ``np``,
    never starting with ``_``: those names are the program's own)."""
    text = re.sub(r"\[(\d+)\]", r"\1", label)
    text = re.sub(r"\W+", "_", text).strip("_")
    return text if text and not text[0].isdigit() and text != "np" and text.isidentifier() else f"t_{text}"


_INFIX = {"add": "+", "subtract": "-", "multiply": "*", "true_divide": "/", "divide": "/", "matmul": "@",
          "power": "**"}


@dataclass
class _Action:
    """What happens to one state slot after each call."""

    slot: Slot
    kind: str  # "keep" (its start array, refreshed in place), "set" (to ``value``), "swap", "none"
    value: Any = None


class Program:
    """The replay of one recorded step (see the module docstring)."""

    def __init__(self, tape: Tape, finals: list[Any], outputs: list[np.ndarray], arg_roots: list[np.ndarray],
                 names: dict[int, str]) -> None:
        self.instructions = list(tape.instructions)
        self.outputs = outputs
        roots: dict[int, np.ndarray] = {}

        def remember(a: np.ndarray) -> int:
            r = root_of(a)
            roots[id(r)] = r
            return id(r)

        produced = {remember(ins.out) for ins in self.instructions}
        state_roots = {remember(s.start) for s in tape.slots if s.start is not None}
        self.arg_roots = [id(r) for r in arg_roots]
        for r in arg_roots:
            roots[id(r)] = r
        for ins in self.instructions:  # a write into anything but the step's own arrays cannot be replayed
            r = remember(ins.out)
            if r not in produced and r not in state_roots:
                raise ReplayError(f"the step writes into an array that is not one of its own ({ins.name})")
        self.roots = roots
        args = {id(r) for r in arg_roots}
        for r in roots.values():  # the engine made its results read-only; the replay writes into them
            if id(r) not in args and not r.flags.writeable and r.flags.owndata:
                r.setflags(write=True)
        read = {id(root_of(a)) for ins in self.instructions for a in (*ins.args, *ins.kwargs.values())
                if isinstance(a, np.ndarray)}
        self.actions, swaps = self._actions(tape.slots, finals, produced, read)
        self._eliminate(finals, outputs)
        keep = {id(root_of(f)) for f in finals if isinstance(f, np.ndarray)} | {id(root_of(o)) for o in outputs}
        self.names = dict(names)
        self._in_place(keep | state_roots | set(self.arg_roots) | set(swaps))
        used = {id(root_of(a)) for ins in self.instructions for a in (*ins.args, *ins.kwargs.values(), ins.out)
                if isinstance(a, np.ndarray)}
        self.roots = {k: r for k, r in roots.items() if k in used or k in swaps}  # nothing else is kept alive
        self.env: list[dict[str, Any]] = []
        self.run: list[Callable[[], None]] = []
        self.parity = 1  # the recorded call left the state in its final buffers: the first replay reads those
        self._compile(swaps)

    # ------------------------------------------------------------------ state
    def _actions(self, slots: list[Slot], finals: list[Any], produced: set[int],
                 read: set[int]) -> tuple[list[_Action], dict[int, int]]:
        actions: list[_Action] = []
        swaps: dict[int, int] = {}  # start root <-> final root
        for slot, final in zip(slots, finals):
            if final is None:
                actions.append(_Action(slot, "none"))
                continue
            if not isinstance(final, np.ndarray):
                actions.append(_Action(slot, "set", final))
                continue
            fr = id(root_of(final))
            if fr not in produced:  # unchanged (or a constant it was given)
                actions.append(_Action(slot, "keep" if slot.start is not None and fr == id(root_of(slot.start))
                                       else "set", final if fr != id(root_of(slot.start)) else slot.start))
                continue
            start = slot.start
            if start is None or id(root_of(start)) == fr or id(root_of(start)) not in read:
                actions.append(_Action(slot, "set", final))  # the same buffer every call (its old one is not read)
                continue
            s = root_of(start)
            f = self.roots[fr]
            if (start.shape == final.shape and start.dtype == final.dtype and s.nbytes == f.nbytes
                    and _view(start).offset == _view(final).offset and start.strides == final.strides
                    and id(s) not in swaps and fr not in swaps):
                swaps[id(s)], swaps[fr] = fr, id(s)
                actions.append(_Action(slot, "swap", (start, final)))
            else:
                raise ReplayError(f"{slot.label} gets a new array of another layout each step")
        return actions, swaps

    def _eliminate(self, finals: list[Any], outputs: list[np.ndarray]) -> None:
        """Drop the instructions whose results nothing needs."""
        needed = {id(root_of(f)) for f in finals if isinstance(f, np.ndarray)}
        needed |= {id(root_of(o)) for o in outputs}
        keep: list[Instruction] = []
        for ins in reversed(self.instructions):
            if id(root_of(ins.out)) in needed:
                keep.append(ins)
                for a in list(ins.args) + list(ins.kwargs.values()):
                    if isinstance(a, np.ndarray):
                        needed.add(id(root_of(a)))
        self.instructions = keep[::-1]

    def _in_place(self, fixed: set[int]) -> None:
        """An elementwise result written into its first input when that input's buffer is not read
        again (``t = W1 @ A0; Z1 = t + b1`` becomes ``Z1 = W1 @ A0; Z1 += b1``): fewer buffers,
        the same numbers (an elementwise ufunc may write over its input)."""
        last: dict[int, int] = {}
        for k, ins in enumerate(self.instructions):
            for a in (*ins.args, *ins.kwargs.values()):
                if isinstance(a, np.ndarray):
                    last[id(root_of(a))] = k
        swap: dict[int, np.ndarray] = {}  # a result's root -> the root it now lives in
        for k, ins in enumerate(self.instructions):
            if swap:
                ins.args = tuple(_moved(a, swap) for a in ins.args)
                ins.kwargs = {key: _moved(v, swap) for key, v in ins.kwargs.items()}
                ins.out = _moved(ins.out, swap)
            fn, out = ins.fn, ins.out
            if ins.kind != "ufunc" or not isinstance(fn, np.ufunc) or fn.nout != 1 or ins.name == "matmul" \
                    or not ins.args or ins.kwargs:
                continue
            a = ins.args[0]
            if not isinstance(a, np.ndarray) or a is out:
                continue
            ra, ro = root_of(a), root_of(out)
            if (id(ra) in fixed or id(ro) in fixed or last.get(id(ra)) != k or ra is ro or a.shape != out.shape
                    or a.dtype != out.dtype or a.shape != ra.shape or a.strides != ra.strides
                    or out.shape != ro.shape or out.strides != ro.strides
                    or any(isinstance(x, np.ndarray) and root_of(x) is ro for x in ins.args)
                    or id(ra) in self.names):  # only a temporary is written over (a named quantity stays)
                continue
            if id(ro) in self.names:  # the buffer is named after what it holds last (t += b1 makes Z1)
                self.names[id(ra)] = self.names[id(ro)]
            swap[id(ro)] = ra
            ins.out = a
            last[id(ra)] = max(last.get(id(ra), k), last.get(id(ro), k))

    # ------------------------------------------------------------------ code
    def _compile(self, swaps: dict[int, int]) -> None:
        self._consts = {}
        names: dict[View, str] = {}
        consts: dict[int, str] = {}
        counter = Counter[str]()

        def literal(a: Any) -> bool:
            return isinstance(a, (int, float, bool, str, type(None))) or (
                isinstance(a, tuple) and all(literal(x) for x in a))

        def name_of(a: Any) -> str:
            if not isinstance(a, np.ndarray):
                return repr(a) if literal(a) else self._const(a, consts)
            v = _view(a)
            if v.root not in self.roots:  # a constant array
                return self._const(a, consts)
            if v not in names:
                base = self.names.get(v.root) or "t"
                root = self.roots[v.root]
                whole = a.shape == root.shape and v.offset == 0 and a.strides == root.strides
                transposed = a.ndim == 2 and a.shape == root.shape[::-1] and a.strides == root.strides[::-1]
                stem = _ident(base) + ("" if whole else "_T" if transposed else "_view")
                counter[stem] += 1
                names[v] = stem if counter[stem] == 1 else f"{stem}_{counter[stem]}"
            return names[v]

        lines: list[str] = []
        fns: dict[str, Any] = {}
        for k, ins in enumerate(self.instructions):
            f = f"_f{k}"
            fns[f] = ins.fn
            args = [name_of(a) for a in ins.args]
            out = name_of(ins.out)
            kw = "".join(f", {key}={name_of(v)}" for key, v in ins.kwargs.items())
            if ins.kind == "ufunc":
                lines.append(f"{f}({', '.join(args)}{kw}, out={out})")
            else:
                lines.append(f"_copyto({out}, {f}({', '.join(args)}{kw}))")
        self.view_names = names
        self.const_names = consts
        self.code = lines
        for parity in (0, 1):
            env: dict[str, Any] = {"_copyto": np.copyto, "np": np, **fns, **self._consts}
            for v, n in names.items():
                r = v.root
                if parity and r in swaps:
                    r = swaps[r]
                env[n] = v.on(self.roots[r])
            body = "\n    ".join(lines + self._state_lines(parity, env)) or "pass"
            exec(f"def run():\n    {body}\n", env)  # noqa: S102  (generated from the recorded calls)
            self.env.append(env)
            self.run.append(env["run"])

    def _state_lines(self, parity: int, env: dict[str, Any]) -> list[str]:
        """After the calls, each state slot set to what eager leaves there: ``_slot3.data = _value3``."""
        lines = []
        for k, a in enumerate(self.actions):
            if a.kind == "none":
                value = None
            elif a.kind == "swap":
                start, final = a.value
                value = final if parity == 0 else start  # this call wrote the one it did not read
            else:
                value = plain_view(a.value)
            env[f"_slot{k}"], env[f"_value{k}"] = a.slot.owner, value  # (no buffer's name starts with _)
            lines.append(f"_slot{k}[{a.slot.attr!r}] = _value{k}" if isinstance(a.slot.owner, list)
                         else f"_slot{k}.{a.slot.attr} = _value{k}")
        return lines

    _consts: dict[str, Any]

    def _const(self, a: Any, consts: dict[int, str]) -> str:
        """A constant's name: the lecture's (``Y``) when it has one, else ``c0``, ``c1``, ..."""
        if id(a) not in consts:
            named = self.names.get(id(root_of(a))) if isinstance(a, np.ndarray) else None
            name = _ident(named) if named and _ident(named) not in self._consts else f"c{len(consts)}"
            consts[id(a)] = name
            self._consts[name] = a
        return consts[id(a)]

    # ------------------------------------------------------------------ running
    def rebind(self, recorded_root: int, new: np.ndarray) -> None:
        """The views of an input array made at recording (its root ``recorded_root``), made again on
        ``new`` (same shape, dtype and layout as the recorded input)."""
        r = root_of(new)
        for env in self.env:
            for v, n in self.view_names.items():
                if v.root == recorded_root:
                    env[n] = np.ndarray(v.shape, v.dtype, buffer=r, offset=v.offset + _address(new) - _address(r),
                                        strides=v.strides)

    def __call__(self) -> None:
        p = self.parity
        self.run[p]()
        self.parity = 1 - p

    def source(self) -> str:
        """The program as Python/numpy source, the arrays named as the lecture names them."""
        return "\n".join(_readable(ins, line) for ins, line in zip(self.instructions, self.code))

    @property
    def ops(self) -> Counter[str]:
        """How many numpy calls of each kind one replayed step makes."""
        return Counter(ins.name for ins in self.instructions)


def _moved(a: Any, swap: dict[int, np.ndarray]) -> Any:
    """``a`` on the root its own root's contents were moved to (the same layout)."""
    if not isinstance(a, np.ndarray):
        return a
    r = root_of(a)
    if id(r) not in swap:
        return a
    target = swap[id(r)]
    return np.ndarray(a.shape, a.dtype, buffer=target, offset=_address(a) - _address(r), strides=a.strides)


def plain_view(a: Any) -> Any:
    return a.view(np.ndarray) if isinstance(a, Traced) else a


def _readable(ins: Instruction, line: str) -> str:
    """``f3(W1, A0, out=t)`` as ``t = W1 @ A0`` (or ``Z1 += b1`` when it writes into an input);
    a transposed view ``A1_T`` as ``A1.T``; a sum as ``np.sum(x, axis=1, keepdims=True)``."""
    line = re.sub(r"\b(\w+)_T\b", r"\1.T", line)
    line = line.replace(", dtype=None", "").replace(", where=True", "").replace(", keepdims=False", "")
    if ins.name == "add.reduce":
        ins = Instruction(ins.kind, ins.fn, ins.args, ins.kwargs, ins.out, "sum")
    m = re.fullmatch(r"_f\d+\((.*), out=(\w+)\)", line)
    if ins.kind != "ufunc" or not m:
        return re.sub(r"^_copyto\((\w+), _f\d+\(", rf"\1 = np.{ins.name}(", line).rstrip(")") + ")" \
            if ins.kind == "call" else line
    args, out = m.group(1), m.group(2)
    parts = [p.strip() for p in args.split(",")]
    op = _INFIX.get(ins.name)
    if op and len(parts) == 2 and "=" not in args:
        if parts[0] == out:
            return f"{out} {op}= {parts[1]}"
        return f"{out} = {parts[0]} {op} {parts[1]}"
    return f"{out} = np.{ins.name}({args})"
