"""Expressions that can be both read and computed: what each op's symbolic backward rule
(``Function.rule`` in :mod:`tinygrad_edu.ops`, next to its numeric ``backward``) builds, and what
:func:`tinygrad_edu.explain` prints and checks.

An :class:`Expr` is a small tree: named quantities (:class:`Sym`: ``Z[1]``, ``dZ[2]``, ``Y``),
numbers, ``+ - * / @ **``, transposes, the derivatives of the activations (``relu'(Z[1])``) and
the few reductions and reshapes of the engine. ``text(style)`` writes it in the lecture's way
(a matrix product as ``dZ[2] A[1]^T``, or ``@`` at op level), ``latex()`` for Jupyter, and
``evaluate(values)`` computes it with numpy from the values of its symbols, so that every printed
equation can be checked against the gradients the engine computed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Style", "Expr", "Sym", "Num", "Sum", "Coef", "Deriv", "Call", "lift"]

Array = np.ndarray


@dataclass(frozen=True)
class Style:
    """How to write: ``matmul`` between the factors of a matrix product (``" "``, as the lecture
    writes ``W[2]^T dZ[2]``, or ``" @ "``), and ``expand``: the activations' derivatives written
    out (``(Z[1] > 0)``, ``A[2] * (1 - A[2])``, ``(1 - A[1]^2)``) instead of ``relu'(Z[1])``."""

    matmul: str = " "
    expand: bool = False


LECTURE = Style()

# precedence: the tighter an operator binds, the higher
_PREC = {"+": 1, "-": 1, "*": 2, "/": 2, "@": 2, "neg": 3, "**": 4}


def lift(x: Any) -> Expr:
    """An Expr from an Expr or a number."""
    return x if isinstance(x, Expr) else Num(float(x))


def _latex_name(name: str) -> str:
    """``dZ[2]`` -> ``dZ^{[2]}``; anything else in ``\\mathrm``."""
    import re

    m = re.fullmatch(r"([A-Za-z]+)\[(\d+)\]", name)
    if m:
        return f"{m.group(1)}^{{[{m.group(2)}]}}"
    if re.fullmatch(r"[A-Za-z]", name):
        return name
    return r"\mathrm{" + name.replace("_", r"\_").replace(" ", r"\ ") + "}"


class Expr:
    """A node of an expression (see the module docstring)."""

    prec = 9  # an atom

    def text(self, style: Style = LECTURE) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def latex(self, style: Style = LECTURE) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def evaluate(self, values: Mapping[Any, Array]) -> Array:  # pragma: no cover - interface
        raise NotImplementedError

    def operand(self, outer: int, style: Style, right: bool = False) -> str:
        """This expression as an operand of an operator of precedence ``outer``."""
        text = self.text(style)
        return f"({text})" if self.prec < outer or (right and self.prec == outer) else text

    def latex_operand(self, outer: int, right: bool = False, style: Style = LECTURE) -> str:
        text = self.latex(style)
        return rf"\left({text}\right)" if self.prec < outer or (right and self.prec == outer) else text

    def __str__(self) -> str:
        return self.text()

    # --- building, with the few simplifications that keep a rule readable (x * 1 is x)
    def __add__(self, o: Any) -> Expr:
        o = lift(o)
        if isinstance(self, Num) and isinstance(o, Num):
            return Num(self.value + o.value)
        return self if _is(o, 0) else o if _is(self, 0) else Bin("+", self, o)

    def __radd__(self, o: Any) -> Expr:
        return lift(o) + self

    def __sub__(self, o: Any) -> Expr:
        o = lift(o)
        if isinstance(self, Num) and isinstance(o, Num):
            return Num(self.value - o.value)
        return self if _is(o, 0) else Bin("-", self, o)

    def __rsub__(self, o: Any) -> Expr:
        return lift(o) - self

    def __mul__(self, o: Any) -> Expr:
        o = lift(o)
        if isinstance(self, Num) and isinstance(o, Num):
            return Num(self.value * o.value)
        if _is(o, 1):
            return self
        if _is(self, 1):
            return o
        return Bin("*", self, o)

    def __rmul__(self, o: Any) -> Expr:
        return lift(o) * self

    def __truediv__(self, o: Any) -> Expr:
        o = lift(o)
        return self if _is(o, 1) else Bin("/", self, o)

    def __rtruediv__(self, o: Any) -> Expr:
        return lift(o) / self

    def __matmul__(self, o: Any) -> Expr:
        return Bin("@", self, lift(o))

    def __pow__(self, o: Any) -> Expr:
        o = lift(o)
        return self if _is(o, 1) else Bin("**", self, o)

    def __neg__(self) -> Expr:
        if isinstance(self, Neg):
            return self.a
        if isinstance(self, Num):
            return Num(-self.value)
        return Neg(self)

    @property
    def T(self) -> Expr:
        return Call("T", (self,), lambda a: np.swapaxes(a, -1, -2) if a.ndim >= 2 else a)


def _bracketed(name: str) -> bool:
    """``(A - Y)`` or ``d(A - Y)``: one pair of brackets around everything after an optional d."""
    body = name[1:] if name.startswith("d(") else name
    body = body.rstrip("₀₁₂₃₄₅₆₇₈₉")  # a numbered contribution, d(a + a)₁
    if not (body.startswith("(") and body.endswith(")")):
        return False
    depth = 0
    for i, ch in enumerate(body):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and i < len(body) - 1:
            return False
    return True


def _is(e: Expr, value: float) -> bool:
    return isinstance(e, Num) and e.value == value


class Sym(Expr):
    """A named quantity: ``key`` looks its value up in ``evaluate``'s mapping."""

    __slots__ = ("key", "name")

    def __init__(self, key: Any, name: str) -> None:
        self.key, self.name = key, name

    @property
    def prec(self) -> int:  # type: ignore[override]
        return 9 if " " not in self.name or _bracketed(self.name) else 0

    def text(self, style: Style = LECTURE) -> str:
        return self.name

    def latex(self, style: Style = LECTURE) -> str:
        return _latex_name(self.name)

    def evaluate(self, values: Mapping[Any, Array]) -> Array:
        return np.asarray(values[self.key])


class Num(Expr):
    __slots__ = ("value",)

    def __init__(self, value: float) -> None:
        self.value = value

    @property
    def prec(self) -> int:  # type: ignore[override]
        return 3 if self.value < 0 else 9

    def text(self, style: Style = LECTURE) -> str:
        return f"{self.value:g}"

    def latex(self, style: Style = LECTURE) -> str:
        return f"{self.value:g}"

    def evaluate(self, values: Mapping[Any, Array]) -> Array:
        return np.asarray(self.value)


class Bin(Expr):
    __slots__ = ("op", "a", "b")

    def __init__(self, op: str, a: Expr, b: Expr) -> None:
        self.op, self.a, self.b = op, a, b

    @property
    def prec(self) -> int:  # type: ignore[override]
        return _PREC[self.op]

    def text(self, style: Style = LECTURE) -> str:
        p = self.prec
        a = self.a.operand(p, style)
        if self.op == "**":  # right-associative
            return f"{self.a.operand(p + 1, style)}^{self.b.operand(p, style)}" if isinstance(self.b, Num) else \
                f"{self.a.operand(p + 1, style)} ** {self.b.operand(p, style)}"
        b = self.b.operand(p, style, right=True)
        sep = style.matmul if self.op == "@" else f" {self.op} "
        return f"{a}{sep}{b}"

    def latex(self, style: Style = LECTURE) -> str:
        p = self.prec
        a, b = self.a.latex_operand(p, style=style), self.b.latex_operand(p, right=True, style=style)
        if self.op == "/":
            return rf"\frac{{{self.a.latex(style)}}}{{{self.b.latex(style)}}}"
        if self.op == "**":
            return f"{self.a.latex_operand(p + 1, style=style)}^{{{self.b.latex(style)}}}"
        return {"+": f"{a} + {b}", "-": f"{a} - {b}", "*": rf"{a} \odot {b}", "@": f"{a}\\,{b}"}[self.op]

    def evaluate(self, values: Mapping[Any, Array]) -> Array:
        a, b = self.a.evaluate(values), self.b.evaluate(values)
        with np.errstate(divide="ignore", invalid="ignore"):
            if self.op == "+":
                return a + b
            if self.op == "-":
                return a - b
            if self.op == "*":
                return a * b
            if self.op == "/":
                return a / b
            if self.op == "@":
                return a @ b
            return a**b


class Sum(Expr):
    """``t₁ + t₂ + ... + tₙ``, any n, held flat (a gradient summed over the n uses of a tensor: a
    tensor used 100,000 times must not make a 100,000-deep tree); evaluated left to right, as the
    nested sum and the engine's accumulation are."""

    __slots__ = ("terms",)

    def __init__(self, terms: Sequence[Expr]) -> None:
        self.terms = tuple(terms)

    @property
    def prec(self) -> int:  # type: ignore[override]
        return _PREC["+"]

    def text(self, style: Style = LECTURE) -> str:
        p = self.prec
        return " + ".join(t.operand(p, style, right=i > 0) for i, t in enumerate(self.terms))

    def latex(self, style: Style = LECTURE) -> str:
        p = self.prec
        return " + ".join(t.latex_operand(p, right=i > 0, style=style) for i, t in enumerate(self.terms))

    def evaluate(self, values: Mapping[Any, Array]) -> Array:
        total = self.terms[0].evaluate(values)
        with np.errstate(divide="ignore", invalid="ignore"):
            for t in self.terms[1:]:
                total = total + t.evaluate(values)
        return total


class Neg(Expr):
    __slots__ = ("a",)
    prec = 3

    def __init__(self, a: Expr) -> None:
        self.a = a

    def text(self, style: Style = LECTURE) -> str:
        return f"-{self.a.operand(4, style)}"

    def latex(self, style: Style = LECTURE) -> str:
        return f"-{self.a.latex_operand(4, style=style)}"

    def evaluate(self, values: Mapping[Any, Array]) -> Array:
        return -self.a.evaluate(values)


class Coef(Expr):
    """A named coefficient in front, as the lecture writes ``(1/m) dZ[2] A[1]^T``."""

    __slots__ = ("label", "value", "a")
    prec = 2

    def __init__(self, label: str, value: float, a: Expr) -> None:
        self.label, self.value, self.a = label, value, a

    def text(self, style: Style = LECTURE) -> str:
        return f"({self.label}) {self.a.operand(2, style)}"

    def latex(self, style: Style = LECTURE) -> str:
        num, _, den = self.label.partition("/")
        return rf"\frac{{{num}}}{{{den}}}\," + self.a.latex_operand(2, style=style)

    def evaluate(self, values: Mapping[Any, Array]) -> Array:
        return self.value * self.a.evaluate(values)


class Call(Expr):
    """A function applied to expressions: ``log(x)``, ``exp(x)``, ``x^T``, ``sum(x, axis=1,
    keepdims=True)``, ``broadcast(x, (3, 4))``; ``args`` are the printed extra arguments."""

    __slots__ = ("name", "inputs", "fn", "args")

    def __init__(self, name: str, inputs: tuple[Expr, ...], fn: Callable[..., Array], args: str = "") -> None:
        self.name, self.inputs, self.fn, self.args = name, inputs, fn, args

    def text(self, style: Style = LECTURE) -> str:
        if self.name == "T":
            return f"{self.inputs[0].operand(9, style)}^T"
        inner = ", ".join(e.text(style) for e in self.inputs)
        return f"{self.name}({inner}{', ' + self.args if self.args else ''})"

    def latex(self, style: Style = LECTURE) -> str:
        if self.name == "T":
            base = self.inputs[0].latex_operand(9, style=style)
            return base[:-1] + "T}" if base.endswith("]}") else f"{base}^{{T}}"
        inner = ", ".join(e.latex(style) for e in self.inputs)
        args = (r",\ \mathrm{" + self.args.replace("_", r"\_").replace(" ", r"\ ") + "}") if self.args else ""
        return rf"\operatorname{{{self.name}}}\left({inner}{args}\right)"

    def evaluate(self, values: Mapping[Any, Array]) -> Array:
        with np.errstate(divide="ignore", invalid="ignore"):
            return self.fn(*(e.evaluate(values) for e in self.inputs))


class Deriv(Expr):
    """The derivative of an activation at Z, ``relu'(Z[1])``; written out with ``Style.expand``
    from Z or from the activation's output A (``(Z[1] > 0)``, ``A[2] * (1 - A[2])``,
    ``(1 - A[1]^2)``)."""

    __slots__ = ("kind", "z", "out")

    def __init__(self, kind: str, z: Expr, out: Expr) -> None:
        self.kind, self.z, self.out = kind, z, out

    def _expanded(self) -> Expr:
        if self.kind == "relu":
            return Call(">", (self.z,), lambda z: (z > 0).astype(z.dtype))
        if self.kind == "sigmoid":
            return self.out * (1 - self.out)
        return 1 - self.out ** 2

    @property
    def prec(self) -> int:  # type: ignore[override]
        return 9

    def text(self, style: Style = LECTURE) -> str:
        if not style.expand:
            return f"{self.kind}'({self.z.text(style)})"
        e = self._expanded()
        if self.kind == "relu":
            return f"({self.z.operand(2, style)} > 0)"
        return f"({e.text(style)})" if self.kind == "tanh" else e.text(style)

    def latex(self, style: Style = LECTURE) -> str:
        if not style.expand:
            return rf"\mathrm{{{self.kind}}}'\!\left({self.z.latex(style)}\right)"
        if self.kind == "relu":
            return rf"\left({self.z.latex_operand(2, style=style)} > 0\right)"
        e = self._expanded().latex(style)
        return rf"\left({e}\right)" if self.kind == "tanh" else e

    def evaluate(self, values: Mapping[Any, Array]) -> Array:
        out = self.out.evaluate(values)
        if self.kind == "relu":
            return (out > 0).astype(out.dtype)
        if self.kind == "sigmoid":
            return out * (1 - out)
        return 1 - out * out
