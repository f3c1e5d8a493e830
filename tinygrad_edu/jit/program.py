"""A recorded step turned into a flat program that replays it: the same numpy calls, in the same
order, on arrays allocated once (every result is written into its buffer with ``out=``), so the
numbers are the eager step's, bit for bit.

* **Buffers.** Every array the step computed during recording is a buffer of the program; every
  later call writes into it again. What depends on constants only was computed once at recording
  and is a constant; instructions whose results nothing needs are dropped.
* **State.** A parameter's data, its gradient, an optimizer's moments: read at the start of a step
  and given a new array by it (eager never writes into an array). When the old value is read for
  the last time before (or by the elementwise op that) the new one is written, the new value goes
  into the same buffer (``W1 -= t``, :meth:`Program._fold`); otherwise the program keeps two
  buffers, the one it reads and the one it writes, and swaps their roles every call (two compiled
  variants of the same program). Either way a replayed step copies nothing and allocates
  nothing. After each call every Tensor and optimizer holds the arrays eager would hold (by
  value), its step counters advanced as eager's; a slot given another array from outside between
  calls is copied into the buffer the replay reads first (:func:`_sync`).
* **Temporaries.** An unnamed result written over a dead input of the same layout
  (:meth:`Program._in_place`), or into a buffer whose previous contents are no longer needed
  (:meth:`Program._share`), so the replay holds no more memory than eager's peak.
* **Inputs.** The jitted function's Tensor arguments: read, never written. When a call passes an
  array other than the last one, the views of it in the program are made again on the new one.
* **Code.** The program is compiled to one Python function of straight calls (:meth:`Program.source`
  shows it with the lecture's names), run with ``exec``-built globals.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .trace import Instruction, Slot, Tape, Traced, packed_text, root_of

__all__ = ["Program", "ReplayError"]


class ReplayError(RuntimeError):
    """A step that cannot be replayed faithfully (said why, with what to do)."""


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
    alias: int = 0  # for a result moved into another's buffer (:meth:`Program._share`): its own root's id

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
        self.counters = [(owner, attr, Slot(owner, attr, "").get() - start) for owner, attr, start in tape.counters]
        self.counters = [c for c in self.counters if c[2]]
        self._eliminate(finals, outputs)
        keep = {id(root_of(f)) for f in finals if isinstance(f, np.ndarray)} | {id(root_of(o)) for o in outputs}
        self.names = dict(names)
        self._in_place(keep | state_roots | set(self.arg_roots) | set(swaps))
        self._fold(swaps)
        # what each state slot must hold before a call of each parity (else it was set from outside)
        self.expected: list[list[tuple[Slot, np.ndarray]]] = [[], []]
        for a in self.actions:
            if a.kind == "swap":
                self.expected[0].append((a.slot, a.value[0]))
                self.expected[1].append((a.slot, a.value[1]))
            elif a.kind == "keep" or (a.kind == "set" and id(a) in self.folded):
                for parity in (0, 1):
                    self.expected[parity].append((a.slot, a.value))
        self.aliases = {}
        self._share(keep | state_roots | set(self.arg_roots) | set(swaps), {f for f in swaps if f in produced})
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

    folded: set[int]

    def _fold(self, swaps: dict[int, int]) -> None:
        """One buffer instead of two for a state whose old value is read for the last time before
        (or by the elementwise op that) the step writes its new value (a parameter, Adam's v and
        s): the new value is written over the old one. Its buffer is the one that holds the value
        now (the recorded call's result), so nothing is copied."""
        self.folded = set()
        self.folded_roots: set[int] = set()
        _, last, _, defined = _spans(self.instructions)
        for i, a in enumerate(self.actions):
            if a.kind != "swap":
                continue
            start, final = a.value
            s, f = id(root_of(start)), id(root_of(final))
            d = defined.get(f)
            if d is None or any(id(root_of(x)) == f for ins in self.instructions[:d] for x in _arrays_read(ins)):
                continue
            ins = self.instructions[d]
            in_place = _elementwise(ins) and all(not isinstance(x, np.ndarray) or id(root_of(x)) != s
                                                 or (x.shape == ins.out.shape and x.strides == ins.out.strides
                                                     and _address(x) == _address(start) + _address(ins.out)
                                                     - _address(final)) for x in ins.args)
            if last.get(s, -1) < d or (last.get(s) == d and in_place):
                moved = {s: self.roots[f]}  # the old value's views, on the buffer that holds it now
                for ins in self.instructions:
                    _remap(ins, lambda x, moved=moved: _moved(x, moved))
                del swaps[s], swaps[f]
                self.actions[i] = folded = _Action(a.slot, "set", final)
                self.folded.add(id(folded))
                self.folded_roots.add(f)
                if s in self.names:  # one buffer: the state's own name (W1, not W1_next)
                    self.names[f] = self.names[s]

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
        _, last, _, defined = _spans(self.instructions)
        written = set(defined)  # constants are never written over
        swap: dict[int, np.ndarray] = {}  # a result's root -> the root it now lives in
        for k, ins in enumerate(self.instructions):
            if swap:
                _remap(ins, lambda a: _moved(a, swap))
            if not _elementwise(ins):
                continue
            ro = root_of(ins.out)
            # an elementwise ufunc may write over any of its inputs
            a = next((x for x in ins.args if _writable(x, ins, k, ro, fixed, last, written, self.names)), None)
            if a is None:
                continue
            ra = root_of(a)
            if id(ro) in self.names:  # the buffer is named after what it holds last (t += b1 makes Z1)
                self.names[id(ra)] = self.names[id(ro)]
            swap[id(ro)] = ra
            ins.out = a
            last[id(ra)] = max(last.get(id(ra), k), last.get(id(ro), k))

    aliases: dict[int, int]  # id of a moved operand -> the id of the root it had (its name comes from there)

    def _share(self, fixed: set[int], writes_state: set[int]) -> None:
        """One buffer for temporaries whose lives do not overlap: an unnamed result whose buffer
        is first written after another one of the same shape, dtype and layout was last read is
        written into that one (eager frees a temporary when it is done with it; so does the replay)."""
        first, _, last, defined = _spans(self.instructions)

        def layout(r: np.ndarray) -> tuple[Any, ...]:
            return r.shape, r.dtype.str, r.strides

        def shareable(r: np.ndarray) -> bool:
            i = id(r)
            return (i not in fixed and i in self.roots and defined.get(i) == first.get(i)
                    and r.flags.c_contiguous and r.flags.writeable)

        # a buffer free for a temporary whose last read comes before ``until`` (a state's new value's
        # buffer is free until the step writes that value: its old contents are not read)
        free: dict[tuple[Any, ...], list[tuple[np.ndarray, float]]] = {}
        for i in writes_state:
            r = self.roots.get(i)
            if r is not None and defined.get(i) is not None and defined[i] == first.get(i) and r.flags.c_contiguous:
                free.setdefault(layout(r), []).append((r, defined[i]))
        moved: dict[int, np.ndarray] = {}
        ending: dict[int, list[tuple[np.ndarray, float]]] = {}
        for f in self.folded_roots:  # a state updated in its own buffer: free between its last read and its write
            d = defined.get(f, 0)
            reads = [k for k, ins in enumerate(self.instructions[:d + 1])
                     if any(id(root_of(a)) == f for a in _arrays_read(ins))]
            if reads and reads[-1] < d and f in self.roots:  # (not when the write itself reads the old value)
                ending.setdefault(reads[-1], []).append((self.roots[f], defined[f]))

        def move(a: Any) -> Any:
            new = _moved(a, moved)
            if new is not a:  # named as what it is, not as what else lives in its buffer
                self.aliases[id(new)] = self.aliases.get(id(a), id(root_of(a)))
            return new

        for k, ins in enumerate(self.instructions):
            r = root_of(ins.out)
            if _elementwise(ins) and ins.out.shape == r.shape and ins.out.strides == r.strides:
                # an elementwise op may write over an input it reads for the last time (A1 over Z1),
                # when every view of that input is the whole buffer, as its result is
                for item in list(ending.get(k, ())):
                    buffer = item[0]
                    views = [_moved(a, moved) for a in ins.args if isinstance(a, np.ndarray)]
                    if all(root_of(v) is not buffer or (v.shape == buffer.shape and v.strides == buffer.strides)
                           for v in views):
                        ending[k].remove(item)
                        free.setdefault(layout(buffer), []).append(item)
            if defined.get(id(r)) == k and shareable(r):
                pool = free.get(layout(r), [])
                fits = next((j for j, (_, until) in enumerate(pool) if last[id(r)] < until
                             or (last[id(r)] == until and _elementwise(self.instructions[int(until)]))), None)
                until = float("inf")
                if fits is not None:
                    buffer, until = pool.pop(fits)
                    moved[id(r)] = buffer
                ending.setdefault(last[id(r)], []).append((moved.get(id(r), r), until))
            if moved:
                _remap(ins, move)
            for buffer, until in ending.pop(k, ()):  # read for the last time here: free from the next one on
                if until > k + 1:
                    free.setdefault(layout(buffer), []).append((buffer, until))

    # ------------------------------------------------------------------ code
    def _compile(self, swaps: dict[int, int]) -> None:
        self._consts = {}
        self.shown: dict[int, str] = {}  # instruction -> its line in source(), where _readable cannot write it
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
            if id(a) in self.aliases:
                v = dataclasses.replace(v, alias=self.aliases[id(a)])
            if v not in names:
                base = self.names.get(v.alias or v.root) or "t"
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
            elif ins.kind == "inplace":  # np.add.at(target, key, values): target is out
                lines.append(f"{f}({', '.join(args)}{kw})")
                n_values = ins.fn.keywords["n_values"]
                self.shown[k] = (f"np.{ins.name}({out}, [{ins.key.text(args[1 + n_values:])}], "
                                 f"{', '.join(args[1:1 + n_values])})")
            else:
                lines.append(f"_copyto({out}, {f}({', '.join(args)}{kw}))")
                if ins.name == "getitem":
                    self.shown[k] = f"{out} = {args[0]}[{ins.key.text(args[1:])}]"
                elif isinstance(ins.key, tuple):  # arrays inside lists (np.concatenate([a, b], axis=0))
                    packed, packed_kw = ins.key
                    text = [packed_text(a, args) for a in packed]
                    text += [f"{key}={packed_text(v, args)}" for key, v in packed_kw.items()]
                    self.shown[k] = f"{out} = np.{ins.name}({', '.join(text)})"
        args = set(self.arg_roots)
        self.arg_views = [(v, n) for v, n in names.items() if v.root in args]  # what rebind makes again
        self.code = lines
        for parity in (0, 1):
            env: dict[str, Any] = {"_copyto": np.copyto, "np": np, **fns, **self._consts}
            for v, n in names.items():
                r = v.root
                if parity and r in swaps:
                    r = swaps[r]
                env[n] = self.env[0][n] if parity and r == v.root else v.on(self.roots[r])  # one view when it can
            state = self._state_lines(parity, env)  # the same text for both: only what the names hold differs
            checks = self._checks(parity, env)
            if parity == 0:
                body = "\n    ".join(checks + lines + state) or "pass"
                code = compile(f"def run():\n    {body}\n", "<jit replay>", "exec")  # compiled once
            exec(code, env)  # noqa: S102  (generated from the recorded calls)
            self.env.append(env)
            self.run.append(env["run"])
        for ins in self.instructions:  # the compiled code holds what it needs; the recording's views go
            ins.args, ins.kwargs, ins.out = (), {}, None
        self.roots, self.names, self.aliases = {}, {}, {}

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
        for k, (owner, attr, delta) in enumerate(self.counters):  # opt.t += 1, as eager's step
            env[f"_counter{k}"] = owner
            lines.append(f"_counter{k}[{attr!r}] += {delta!r}" if isinstance(owner, list)
                         else f"_counter{k}.{attr} += {delta!r}")
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
            for v, n in self.arg_views:
                if v.root == recorded_root:
                    env[n] = np.ndarray(v.shape, v.dtype, buffer=r, offset=v.offset + _address(new) - _address(r),
                                        strides=v.strides)

    def _checks(self, parity: int, env: dict[str, Any]) -> list[str]:
        """The run's first line: every state slot still holds the array the replay left there
        (``_slot3.data is not _want3 or ...``), else :meth:`_resync` copies what it holds now."""
        wants = {id(slot): want for slot, want in self.expected[parity]}
        checks = []
        for k, a in enumerate(self.actions):
            if id(a.slot) in wants:
                env[f"_want{k}"] = wants[id(a.slot)]
                checks.append(f"_slot{k}[{a.slot.attr!r}] is not _want{k}" if isinstance(a.slot.owner, list)
                              else f"_slot{k}.{a.slot.attr} is not _want{k}")
        env["_resync"] = functools.partial(self._resync, parity)
        return [f"if {' or '.join(checks)}:", "    _resync()"] if checks else []

    def _resync(self, parity: int) -> None:
        for slot, want in self.expected[parity]:
            if slot.get() is not want:
                _sync(slot, want)

    def __call__(self) -> None:
        p = self.parity
        self.run[p]()  # (its first line checks the state: set from outside, it is copied in first)
        self.parity = 1 - p

    def source(self) -> str:
        """The program as Python/numpy source, the arrays named as the lecture names them."""
        return "\n".join(self.shown.get(k) or _readable(ins, line)
                         for k, (ins, line) in enumerate(zip(self.instructions, self.code)))

    @property
    def ops(self) -> Counter[str]:
        """How many numpy calls of each kind one replayed step makes."""
        return Counter(ins.name for ins in self.instructions)


def _elementwise(ins: Instruction) -> bool:
    """An elementwise ufunc with one result: it may write its result over an input of the same layout."""
    return (ins.kind == "ufunc" and isinstance(ins.fn, np.ufunc) and ins.fn.nout == 1 and ins.name != "matmul"
            and not ins.kwargs)


def _arrays_read(ins: Instruction) -> list[np.ndarray]:
    return [a for a in (*ins.args, *ins.kwargs.values()) if isinstance(a, np.ndarray)]


def _spans(instructions: list[Instruction]) -> tuple[dict[int, int], dict[int, int], dict[int, int], dict[int, int]]:
    """By the id of each root: the first instruction that uses it, the last that reads it, the last
    that uses it (reads or writes), and the first that writes it."""
    first: dict[int, int] = {}
    last_read: dict[int, int] = {}
    last: dict[int, int] = {}
    defined: dict[int, int] = {}
    for k, ins in enumerate(instructions):
        for a in _arrays_read(ins):
            first.setdefault(id(root_of(a)), k)
            last_read[id(root_of(a))] = last[id(root_of(a))] = k
        r = id(root_of(ins.out))
        first.setdefault(r, k)
        last[r] = k
        defined.setdefault(r, k)
    return first, last_read, last, defined


def _remap(ins: Instruction, move: Callable[[Any], Any]) -> None:
    """Every array of ``ins`` (arguments, keyword arguments, result) through ``move``."""
    ins.args = tuple(move(a) for a in ins.args)
    ins.kwargs = {key: move(v) for key, v in ins.kwargs.items()}
    ins.out = move(ins.out)


def _writable(a: Any, ins: Instruction, k: int, ro: np.ndarray, fixed: set[int], last: dict[int, int],
              written: set[int], names: dict[int, str]) -> bool:
    """Whether instruction ``k`` may write its result (root ``ro``) over its input ``a``: a whole
    temporary the step computed, of the result's shape and layout, read for the last time here and
    not twice in it."""
    out = ins.out
    if not isinstance(a, np.ndarray) or a is out:
        return False
    ra = root_of(a)
    return not (id(ra) in fixed or id(ro) in fixed or id(ra) not in written or last.get(id(ra)) != k or ra is ro
                or a.shape != out.shape or a.dtype != out.dtype or a.strides != out.strides
                or a.shape != ra.shape or a.strides != ra.strides
                or out.shape != ro.shape or out.strides != ro.strides
                or sum(isinstance(x, np.ndarray) and root_of(x) is ra for x in ins.args) > 1
                or any(isinstance(x, np.ndarray) and root_of(x) is ro for x in ins.args)
                or id(ra) in names)  # only a temporary is written over (a named quantity stays)


def _sync(slot: Slot, want: np.ndarray) -> None:
    """A state slot that holds another array than the replay left there (set from outside: new
    weights loaded, another jitted function or another argument shape stepped the same
    parameters): its value copied into the buffer the replay reads."""
    current = slot.get()
    if isinstance(current, np.ndarray) and current.shape == want.shape and current.dtype == want.dtype:
        if current.__array_interface__["data"] != want.__array_interface__["data"] or current.strides != want.strides:
            np.copyto(want, current)
        slot.set(want)
        return
    described = f"shape {current.shape}, {current.dtype}" if isinstance(current, np.ndarray) else type(current).__name__
    raise ReplayError(f"{slot.label} now holds an array of {described}; the step was recorded with shape "
                      f"{want.shape}, {want.dtype}: call the jitted function's reset() after changing it")


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
