"""Recognising the lecture in any recorded graph: which tensor is X = A[0], W[l], b[l], Z[l],
A[l], Y and J, which layer every tensor belongs to, and the name the lecture would give it.

A learner's network written as tensor expressions records matmuls, adds and activations with no
names. This module reads the lecture's structure back from the graph alone:

* a **layer** is a matmul ``W A_prev`` whose left operand W is a parameter (a leaf that requires
  grad, a matrix); its number l is one more than the number of such matmuls before ``A_prev``
  (so the first is layer 1, whatever the tensors are called);
* in layer l, ``W[l] A[l-1] + b[l]`` (the add of a parameter to the matmul's result) is **Z[l]**
  (the matmul's result itself when there is no bias), and the activation applied to Z[l]
  (relu, sigmoid or tanh) is **A[l]** (Z[l] itself for a linear layer);
* the op that consumes W[l] and everything up to A[l] belongs to layer l; the first layer's
  input is **X = A[0]** (layer 0);
* everything computed from A[L] (or, for the fused cost, from Z[L]) is the **cost**: a label
  leaf compared with A[L] there is **Y**, the one-number output is **J**.

Every tensor gets a name: its own when it has one (explicit names always win), the lecture's
when it plays one of the roles above, and otherwise a short formula built from the names of its
inputs (``A[2] - Y``, ``log(1 - A[2])``). Nothing here draws: the pictures
(:mod:`tinygrad_edu.viz`) and the explanation of the backward pass use it alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from .graph import topological_order
from .lecture import name as lecture_name
from .lecture import parse_name
from .tensor import Tensor

__all__ = ["Layer", "Anatomy", "recognise", "ACTIVATION_OPS", "COST_OPS"]

#: the ops that are a layer's activation g (A = g(Z))
ACTIVATION_OPS: tuple[str, ...] = ("relu", "sigmoid", "tanh", "softmax", "leaky_relu")
#: the ops that are the lecture's cost (the binary cross-entropy, and the categorical one of a softmax)
COST_OPS: tuple[str, ...] = ("cross_entropy", "categorical_cross_entropy")

Group = int | str | None  # a layer number, "cost", or None (not part of the lecture's structure)


@dataclass
class Layer:
    """Layer l of a recognised network: positions (in ``Anatomy.order``) of its tensors."""

    l: int
    W: int
    A_prev: int
    WA: int  # the matmul's result W[l] A[l-1]
    Z: int  # = WA when there is no bias
    A: int  # = Z for a linear layer
    b: int | None = None
    activation: str | None = None  # "relu", "sigmoid", "tanh", or None (linear)


@dataclass
class Anatomy:
    """The graph behind some outputs, read as the lecture's network. Tensors are referred to by
    their position ``i`` in ``order`` (inputs first)."""

    order: list[Tensor]
    inputs: list[list[tuple[int, int]]]  # (slot, position) of each tensor input of tensor i's op
    consumers: list[list[int]]  # positions of the tensors computed from tensor i
    outputs: list[int]
    group: list[Group] = field(default_factory=list)  # layer number, "cost" or None
    role: list[str] = field(default_factory=list)  # X, W, b, WA, Z, A, Y, J, or "" (none)
    name: list[str] = field(default_factory=list)  # the name to show (explicit, lecture, or a formula)
    layers: list[Layer] = field(default_factory=list)  # layers[l - 1] is layer l

    @property
    def L(self) -> int:
        """The number of the last layer recognised (0 when the graph is not a layered network)."""
        return self.layers[-1].l if self.layers else 0

    def parents(self, i: int) -> list[int]:
        return [j for _, j in self.inputs[i]]

    def index(self, t: Tensor) -> int:
        """The position of tensor ``t`` (a KeyError if it is not in the graph)."""
        return self._pos[id(t)]

    _pos: dict[int, int] = field(default_factory=dict, repr=False)


def recognise(*outputs: Tensor, formulas: bool = True) -> Anatomy:
    """The :class:`Anatomy` of the graph behind ``outputs`` (the first one is the cost J, if any).
    Without ``formulas``, a tensor that has neither its own nor a lecture name is named ``""``
    (for graphs too large for formulas to be read)."""
    order = topological_order(*outputs)
    pos = {id(t): i for i, t in enumerate(order)}  # id() only to look tensors up
    inputs = [[(k, pos[id(p)]) for k, p in enumerate(t._ctx.parents) if p is not None] if t._ctx else []
              for t in order]
    consumers: list[list[int]] = [[] for _ in order]
    for i, ins in enumerate(inputs):
        for _, j in ins:
            if not consumers[j] or consumers[j][-1] != i:
                consumers[j].append(i)
    a = Anatomy(order, inputs, consumers, list(dict.fromkeys(pos[id(o)] for o in outputs)), _pos=pos)
    a.group = [None] * len(order)
    a.role = [""] * len(order)
    _find_layers(a)
    _find_cost(a)
    _fill_groups(a)
    a.name = _names(a, formulas)
    return a


# ============================================================================= layers


def _is_parameter(t: Tensor) -> bool:
    return t._ctx is None and t.requires_grad


def _find_layers(a: Anatomy) -> None:
    """Number the matmuls ``W A_prev`` with a parameter W by how many come before them, then read
    Z[l] and A[l] off the ops that follow each one."""
    depth = [0] * len(a.order)
    found: dict[int, list[int]] = {}
    for i, t in enumerate(a.order):
        ins = a.inputs[i]
        if t.op == "matmul" and len(ins) == 2 and _is_parameter(a.order[ins[0][1]]) and a.order[ins[0][1]].ndim == 2:
            depth[i] = depth[ins[1][1]] + 1
            found.setdefault(depth[i], []).append(i)
        elif ins:
            depth[i] = max(depth[j] for _, j in ins)
    L = 0
    while len(found.get(L + 1, ())) == 1:  # layers 1, 2, ... each with exactly one such matmul
        L += 1
    for l in range(1, L + 1):
        (wa,) = found[l]
        layer = _layer_from(a, l, wa)
        if l > 1 and layer.A_prev != a.layers[-1].A:  # not fed by the previous layer's A: stop here
            break
        a.layers.append(layer)
    # a learner who named the weights W[2], W[3], ... (one layer drawn on its own) keeps that numbering
    named = [parse_name(a.order[layer.W].name) for layer in a.layers]
    if a.layers and all(n is not None and n[0] == "W" for n in named):
        first = named[0][1]  # type: ignore[index]
        if first >= 1 and [n[1] for n in named] == list(range(first, first + len(named))):  # type: ignore[index]
            for layer, n in zip(a.layers, named):
                layer.l = n[1]  # type: ignore[index]
    for layer in a.layers:
        for i in (layer.W, layer.b, layer.WA, layer.Z, layer.A):
            if i is not None:
                a.group[i] = layer.l
        a.role[layer.W] = "W"
        if layer.b is not None:
            a.role[layer.b] = "b"
        if layer.WA != layer.Z:
            a.role[layer.WA] = "WA"
        a.role[layer.Z] = "Z"
        if layer.A != layer.Z:
            a.role[layer.A] = "A"
    if a.layers:
        x = a.layers[0].A_prev
        if a.order[x]._ctx is None:
            a.role[x], a.group[x] = "X", a.layers[0].l - 1


def _layer_from(a: Anatomy, l: int, wa: int) -> Layer:
    W, A_prev = a.inputs[wa][0][1], a.inputs[wa][1][1]
    Z, b = wa, None
    cons = a.consumers[wa]
    if len(cons) == 1 and a.order[cons[0]].op == "add":
        other = [j for _, j in a.inputs[cons[0]] if j != wa]
        if len(other) == 1 and _is_parameter(a.order[other[0]]):
            Z, b = cons[0], other[0]
    acts = [c for c in a.consumers[Z] if a.order[c].op in ACTIVATION_OPS]
    A, act = (acts[0], a.order[acts[0]].op) if len(acts) == 1 else (Z, None)
    return Layer(l, W, A_prev, wa, Z, A, b, act)


# ============================================================================= the cost


def _find_cost(a: Anatomy) -> None:
    """Everything computed from A[L] (or from Z[L] by the fused cost) outside the layers, what is
    used only there (Y, 1 - Y, constants), and the one-number output J."""
    if not a.layers:
        return
    last = a.layers[-1]
    stack = list(a.consumers[last.A]) + [c for c in a.consumers[last.Z] if a.order[c].op in COST_OPS]
    while stack:
        i = stack.pop()
        if a.group[i] is None:
            a.group[i] = "cost"
            stack.extend(a.consumers[i])
    for i in range(len(a.order) - 1, -1, -1):  # consumers first: what only the cost uses is the cost's
        if a.group[i] is None and a.consumers[i] and all(a.group[c] == "cost" for c in a.consumers[i]):
            a.group[i] = "cost"
    labels = [i for i, t in enumerate(a.order) if a.group[i] == "cost" and t._ctx is None and t.ndim >= 1
              and not t.requires_grad]
    if labels:
        _find_labels(a, labels, a.order[last.A].shape)
    out = a.outputs[0]
    if a.group[out] == "cost" and a.order[out].size == 1:
        a.role[out] = "J"


def _find_labels(a: Anatomy, labels: list[int], shape: tuple[int, ...]) -> None:
    """Y among the cost's leaves (the one with A[L]'s shape when there are several), and the label
    terms numpy computed before they met a tensor: a leaf holding exactly 1 - Y ("1-Y"), or -Y
    ("-Y", as in ``-Y * log(A) - (1 - Y) * log(1 - A)``, where no leaf holds Y itself)."""
    same = [i for i in labels if a.order[i].shape == shape] or labels
    data = {i: np.asarray(a.order[i].data) for i in same}
    for i in same:  # -Y and 1 - Y: they differ by exactly 1, and -Y is at most 0
        for j in same:
            if i != j and data[i].shape == data[j].shape and np.all(data[i] <= 0) and np.any(data[i] < 0) \
                    and np.array_equal(data[j] - data[i], np.ones_like(data[j])) \
                    and np.array_equal(data[j], 1 + data[i]):
                a.role[i], a.role[j] = "-Y", "1-Y"
                return
    y = same[0]
    a.role[y] = "Y"
    for i in same:  # 1 - Y computed in numpy before it met a tensor: a leaf holding exactly 1 - Y
        if i != y and data[i].shape == data[y].shape and np.array_equal(data[i], 1 - data[y]):
            a.role[i] = "1-Y"


def _fill_groups(a: Anatomy) -> None:
    """Tensors not placed yet join the layer that the number of layers before them says (the op
    that consumes W[l] and everything after it belongs to layer l); a leaf joins its first
    consumer's group."""
    if not a.layers:
        return
    layer_of = [0] * len(a.order)
    for i in range(len(a.order)):
        if a.group[i] is not None and a.group[i] != "cost":
            layer_of[i] = a.group[i]  # type: ignore[assignment]
        elif a.inputs[i]:
            layer_of[i] = max(layer_of[j] for j in a.parents(i))
    for i, t in enumerate(a.order):
        if a.group[i] is None and t._ctx is not None:
            a.group[i] = layer_of[i]
    for i in range(len(a.order)):
        if a.group[i] is None and a.consumers[i]:
            a.group[i] = a.group[a.consumers[i][0]]


# ============================================================================= names

_PRECEDENCE = {"add": 1, "sub": 1, "mul": 2, "div": 2, "matmul": 3, "pow": 4}
_MAX_FORMULA = 40  # characters: a longer formula shows its long operands as "…"


def _names(a: Anatomy, formulas: bool = True) -> list[str]:
    names: list[str] = []
    # the labels' name, as the learner gave it (1 - Y then reads "1 - labels" when Y is "labels")
    y_name = next((str(a.order[i].name) for i, r in enumerate(a.role) if r == "Y" and a.order[i].name), "Y")
    for i, t in enumerate(a.order):
        if t.name is not None:
            names.append(str(t.name))
            continue
        role = a.role[i]
        g = a.group[i]
        if role == "X" and isinstance(g, int):
            names.append(lecture_name("A", g))  # drawn as "X = A[0]"
        elif role in ("W", "b", "Z", "A") and isinstance(g, int):
            names.append(lecture_name(role, g))
        elif role in ("Y", "J"):
            names.append(role)
        elif role == "1-Y":
            names.append(f"1 - {y_name}" if y_name.isidentifier() or y_name == "Y" else f"1 - ({y_name})")
        elif role == "-Y":
            names.append(f"-{y_name}")
        else:
            names.append(_formula(a, i, names) if formulas else "")
    return names


def _operand(a: Anatomy, j: int, names: list[str], outer: int) -> str:
    """Input j's name as an operand of an infix op of precedence ``outer``: in parentheses when it is
    a formula whose own op binds no tighter (``(1 - Y) * log(1 - A[2])``)."""
    text = names[j]
    t = a.order[j]
    if a.role[j] == "1-Y":
        return f"({text})" if outer >= _PRECEDENCE["sub"] else text
    if t._ctx is None or t.name is not None or a.role[j] or " " not in text:
        return text
    inner = 0 if t.op == "neg" else _PRECEDENCE.get(t.op or "", 9)
    return f"({text})" if inner <= outer else text


def _formula(a: Anatomy, i: int, names: list[str]) -> str:
    """A short formula for tensor i from its inputs' names: ``A[2] - Y``, ``log(1 - A[2])``; long
    operands become "…" so that no label grows without bound."""
    t = a.order[i]
    ctx = t._ctx
    if ctx is None:
        return "parameter" if t.requires_grad else "input"
    prec = _PRECEDENCE.get(t.op or "", 9)
    infix = [_operand(a, j, names, prec) for j in a.parents(i)]
    plain = [names[j] for j in a.parents(i)]
    out = _spell(t, ctx, infix, plain)
    for limit in (24, 14, 0):  # too long: the operands cut short, their first names kept as long as possible
        if len(out) <= _MAX_FORMULA:
            break
        out = _spell(t, ctx, [_abbreviate(o, limit) for o in infix], [_abbreviate(o, limit) for o in plain])
    return out


def _abbreviate(text: str, limit: int) -> str:
    """``text`` in at most about ``limit`` characters, a name kept: its leading terms up to a
    top-level operator and then "…" (``Y * log(A[2]) + …``), or a call with its argument cut short
    (``sum(Y * log(A[2]) + …)``); "…" alone when nothing fits."""
    if len(text) <= max(limit, 1):
        return text
    depth, cut = 0, -1
    for k, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and text.startswith((" + ", " - ", " * ", " / "), k) and k + 3 <= limit:
            cut = k
    if cut > 0:
        return text[:cut + 3] + "…"
    if text.startswith("-(") and text.endswith(")") and _balanced(text[2:-1]) and limit > 5:
        return f"-({_abbreviate(text[2:-1], limit - 3)})"  # -(inner)
    m = re.fullmatch(r"(-?\w+)\((.*)\)", text)
    if m and _balanced(m.group(2)) and len(m.group(1)) + 4 <= limit:  # f(inner): f kept, its argument cut
        return f"{m.group(1)}({_abbreviate(m.group(2), limit - len(m.group(1)) - 2)})"
    return "…"


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def _spell(t: Tensor, ctx, infix: list[str], plain: list[str]) -> str:
    """The formula of ``t``'s op applied to its operands (infix ones parenthesised as needed)."""
    text = ctx.describe()
    if text != t.op and len(infix) == 1:  # a number in the op: "1 - x", "x / 4"
        return text.replace("x", infix[0], 1) if text.startswith("x") else text[: text.rfind("x")] + infix[0]
    if t.op == "matmul":
        return f"{infix[0]} {infix[1]}"
    if ctx.symbol is not None and len(infix) == 2:
        return f"{infix[0]} {ctx.symbol} {infix[1]}"
    if t.op == "neg":
        return f"-({plain[0]})" if " " in plain[0] else f"-{plain[0]}"
    if t.op == "transpose":
        return f"({plain[0]})^T" if " " in plain[0] else f"{plain[0]}^T"
    if t.op in COST_OPS:
        return f"cost({', '.join(plain[:2])})"
    return f"{t.op}({', '.join(plain)})"
