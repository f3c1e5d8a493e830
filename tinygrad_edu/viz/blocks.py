"""The building-block picture of lecture 4.6: per layer one forward box and one backward box, the
cache passed down from each forward box to its backward box, the backward row in red.

:func:`draw_building_blocks` draws it from ``layer_dims`` alone, with the lecture's equations and
the lecture's cache (A[l-1], W[l], b[l], Z[l]): no data, no tensors, so it takes the same time and
memory whatever n[0] is. :func:`blocks` draws a recorded graph that way (``draw_graph(...,
collapse="layers")``), listing what each layer computed and what its ops really cached.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import lecture, outputs
from .analysis import Group, Info, group_key, group_label, not_computed_note
from .detail import ELIDE_ABOVE
from .scene import Node, Scene, draw_scene
from .style import COLOURS, RED_TEXT

__all__ = ["blocks", "draw_building_blocks"]

_FWD = {"style": "filled,rounded", "penwidth": "1.3"}
_BWD = {"style": "filled,rounded", "fillcolor": COLOURS["gradient"], "color": COLOURS["backward edge"],
        "fontcolor": RED_TEXT, "penwidth": "1.3"}
_CACHE = {"style": "filled,dashed", "fillcolor": "white", "color": COLOURS["cache edge"], "fontcolor": "#495057"}
_RED = {"color": COLOURS["backward edge"], "dir": "back", "penwidth": "1.5"}


def _pair(sc: Scene, key: Any, forward: list[str], cache: list[str], backward: list[str], fill: str,
          fwd: bool = True, bwd: bool = True) -> None:
    """One layer's forward box, its cache (a dashed box handed down) and its backward box."""
    if fwd:
        sc.add(Node(f"F{key}", forward, "main", key, attrs={**_FWD, "fillcolor": fill}))
    if bwd and backward:
        sc.add(Node(f"B{key}", backward if fwd or not cache else backward + cache, "below" if fwd and cache else
                    "back", key, f"F{key}", dict(_BWD)))
        if fwd and cache:
            sc.add(Node(f"C{key}", cache, "back", key, f"F{key}", dict(_CACHE)))
            sc.edge(f"F{key}", f"C{key}", kind="cache", style="dashed", color=COLOURS["cache edge"])
            sc.edge(f"C{key}", f"B{key}", kind="cache", style="dashed", color=COLOURS["cache edge"])


def _chain(sc: Scene, keys: list[Any]) -> None:
    """Forward arrows left to right, backward arrows (red) right to left, between neighbours."""
    for a, b in zip(keys, keys[1:]):
        sc.edge(f"F{a}", f"F{b}")
        sc.edge(f"B{a}", f"B{b}", kind="backward", **_RED)


def draw_building_blocks(
    layer_dims: Sequence[int],
    hidden: str = "relu",
    output: str = "sigmoid",
    m: int | None = None,
    title: str | None = None,
    all_layers: bool = False,
    activations: Sequence[str] | None = None,
) -> Any:
    """The building-block chain of lecture 4.6 for ``layer_dims`` = [n[0], ..., n[L]]: for each
    layer its forward box (Z[l] = W[l] A[l-1] + b[l], A[l] = g(Z[l])), the cache it hands down
    (A[l-1], W[l], b[l], Z[l]) and its backward box (dZ[l], dW[l], db[l], dA[l-1]), then the cost
    of the output (binary cross-entropy for a sigmoid, categorical for a softmax). ``hidden`` is g
    for l < L, ``output`` for l = L (or ``activations``, one per layer). Shapes show ``m`` unless
    ``m`` is given. More than 8 layers show the first two, one "⋯" block and the last two
    (``all_layers=True``: all). Every equation is the lecture's (:data:`lecture.EQUATIONS`)."""
    dims = lecture.check_layer_dims(layer_dims, "draw_building_blocks")
    L = len(dims) - 1
    acts = lecture.layer_activations(L, hidden, output, activations, where="draw_building_blocks")
    out = outputs.output(acts[-1], "draw_building_blocks")
    if m is not None:
        m = lecture.check_count(m, "m (the number of examples)", "draw_building_blocks")
    mm = "m" if m is None else str(m)
    sc = Scene()
    sc.add(Node("F0", ["layer 0: the input", f"X = A[0]: ({dims[0]}, {mm})"], "main", 0,
                attrs={**_FWD, "fillcolor": COLOURS["input"]}))
    sc.segments.append((0, "layer 0"))
    keys: list[Any] = [0]
    shown = range(1, L + 1) if L <= ELIDE_ABOVE or all_layers else [1, 2, "elided", L - 1, L]
    for l in shown:
        if l == "elided":
            _pair(sc, "elided", ["⋯", f"layers 3 to {L - 2}", "(the same two boxes each)"], [],
                  ["⋯", "their backward boxes"], "white")
            sc.segments.append(("elided", f"{L - 4} more layers"))
        else:
            _layer_blocks(sc, l, dims, acts[l - 1], mm)
            sc.segments.append((l, f"layer {l}"))
        keys.append(l)
    J, dAL, dZL = (_formula(k) for k in out.equations)
    sc.add(Node("Fcost", ["cost", *_split(J)], "main", "cost", attrs={**_FWD, "fillcolor": COLOURS["output"]}))
    sc.add(Node("Bcost", ["start of backward", dAL, f"{dZL}  ({out.activation}, fused)"], "back", "cost",
                "Fcost", dict(_BWD)))
    sc.segments.append(("cost", "cost"))
    keys.append("cost")
    _chain(sc, keys)
    sc.title.append(title if title is not None else f"building blocks, L = {L}: forward row, cost, backward row "
                                                    "(red), the lecture's cache handed down to each backward box")
    return draw_scene(sc, "building_blocks")


def _formula(key: str, l: int | None = None) -> str:
    """The lecture's equation without its remarks: ``dW[2] = (1/m) dZ[2] A[1]^T``."""
    return lecture.equation(key, l).split("  (")[0].split(", with")[0]


def _split(text: str) -> list[str]:
    """A long equation in two lines, at its last top-level " + " (the cost's two terms)."""
    depth, cut = 0, -1
    for i, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 1 and text.startswith(" + ", i):
            cut = i
    return [text] if cut < 0 or len(text) < 40 else [text[:cut], text[cut + 1:]]


def _dz(l: int, g: str) -> str:
    """dZ[l] from dA[l] for activation g, as the lecture writes it."""
    if g == "linear":
        return f"dZ[{l}] = dA[{l}]  (linear: g' = 1)"
    if g == "softmax":
        return f"dZ[{l}] = A[{l}] * (dA[{l}] - sum(dA[{l}] * A[{l}], axis=0))"
    return _formula("dZ", l).replace(f"g[{l}]'", f"{g}'")


def _layer_blocks(sc: Scene, l: int, dims: list[int], g: str, mm: str) -> None:
    n, p = dims[l], dims[l - 1]
    forward = [f"layer {l} forward", _formula("Z", l), f"A[{l}] = {g}(Z[{l}])",
               f"W[{l}] ({n}, {p}), b[{l}] ({n}, 1)", f"A[{l}]: ({n}, {mm})"]
    cache = [f"cache: A[{l - 1}], W[{l}], b[{l}], Z[{l}]"]
    backward = [f"layer {l} backward", _dz(l, g), _formula("dW", l), _formula("db", l).replace("np.sum", "sum"),
                _formula("dA", l)]
    _pair(sc, l, forward, cache, backward, COLOURS["intermediate"])


def blocks(info: Info, *, grad_values: bool, title: str | None, direction: str = "both") -> Any:
    """A recorded graph as building blocks: per layer (and for the cost) one forward box with the
    values it computed, the cache its ops kept, and one backward box with the gradients it made."""
    fwd = direction in ("forward", "both")
    bwd = direction in ("backward", "both")
    sc = Scene()
    members: dict[Group, list[int]] = {}
    for i in range(len(info.order)):
        members.setdefault(info.group[i], []).append(i)
    keys = sorted(members, key=group_key)
    for gr in keys:
        mem = members[gr]
        made = [i for i in mem if info.order[i]._ctx is not None and info.anatomy.role[i] != "WA"]
        forward = [group_label(gr)] + [f"{info.label[i]} {info.shape(i)}" for i in mem if info.order[i]._ctx is None
                                        and info.kind[i] != "constant"][:4] + [info.label[i] for i in made][:6]
        kept = list(dict.fromkeys(j for i in mem for j in info.cache[i]))
        cache = _cache_lines(gr, [info.anatomy.name[j] for j in kept[:6]])
        grads = [info.gname[i] + (f"  {_one_value(info, i)}" if grad_values else "") for i in mem
                 if info.gets_grad[i] and (info.order[i]._ctx is None or info.kind[i] == "output")]
        has_bwd = bwd and any(info.gets_grad[i] and info.order[i]._ctx is not None for i in mem)
        backward = [group_label(gr) + " backward", *grads] if has_bwd else []
        fill = COLOURS["input"] if gr == 0 else COLOURS["output"] if gr == "cost" else COLOURS["intermediate"]
        _pair(sc, gr, forward, cache, backward, fill, fwd, has_bwd)
        sc.segments.append((gr, group_label(gr)))
    _chain(sc, keys)
    if title:
        sc.title.append(title)
    if bwd and not info.done:
        sc.title.append(not_computed_note(info))
    return draw_scene(sc, "building_blocks")


def _cache_lines(gr: Group, kept: list[str]) -> list[str]:
    """A layer's cache as the lecture writes it (A[l-1], W[l], b[l], Z[l]) and, when autograd's ops
    kept other arrays, those too: relu, sigmoid and tanh keep their result A[l], from which g'(Z[l])
    follows (relu'(Z) = 1 where A > 0, sigmoid'(Z) = A(1 - A), tanh'(Z) = 1 - A^2)."""
    if not kept:
        return []
    if not isinstance(gr, int) or gr < 1:
        return ["cache: " + ", ".join(kept)]
    lecture_cache = [f"A[{gr - 1}]", f"W[{gr}]", f"b[{gr}]", f"Z[{gr}]"]
    if set(kept) <= set(lecture_cache):
        return ["cache: " + ", ".join(lecture_cache)]
    return ["cache (lecture): " + ", ".join(lecture_cache), "kept by autograd: " + ", ".join(kept)]


def _one_value(info: Info, i: int) -> str:
    g = info.order[i].grad
    return "" if g is None else f"mean {float(g.mean()):.2g}"
