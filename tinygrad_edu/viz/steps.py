"""The backward pass one step at a time: a frame per step of the engine's own schedule
(:func:`tinygrad_edu.graph.backward_order`) and an HTML page to step through them."""

from __future__ import annotations

import html
import os
from pathlib import Path

from ..errors import message
from ..tensor import Tensor
from .analysis import Info, analyse, op_text
from .detail import Options, Step, detail
from .render import render

__all__ = ["render_backward_steps"]


def _frames(info: Info) -> list[tuple[Step, str]]:
    """One (step, caption) per op visited by the engine, in its order. A leaf (W[l], b[l]) is not
    visited: its gradient is complete after the step of the last op that sends to it."""
    order = info.order
    visits = [i for i in info.visits if order[i].op is not None]
    step_of = {i: k for k, i in enumerate(visits)}
    leaf_done: dict[int, int] = {}
    for c, j in sorted(info.carries):
        if order[j].op is None:
            leaf_done[j] = max(leaf_done.get(j, -1), step_of[c])
    frames = []
    for k, i in enumerate(visits):
        now = {i} | {j for j, s in leaf_done.items() if s == k}
        done = set(visits[:k]) | {j for j, s in leaf_done.items() if s < k}
        senders = sorted({order[c].op or "?" for (c, j) in info.carries if j == i})
        how = "the seed dJ/dJ = 1" if i == info.outputs[0] else "from " + ", ".join(f"{s} backward" for s in senders)
        made = [info.gname[j] for j in sorted(now - {i})]
        cap = (f"step {k + 1} of {len(visits)}: {info.gname[i]} {info.shape(i)} is complete ({how}); "
               f"{op_text(order[i])} backward sends it on" + (f", completing {', '.join(made)}" if made else ""))
        frames.append((Step(i, now, done), cap))
    return frames


def _svg_body(svg: str) -> str:
    """An SVG document without its XML prolog and DOCTYPE, for inlining in HTML."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg


def render_backward_steps(output: Tensor, folder: str | os.PathLike[str], direction: str = "both",
                          grad_values: bool = True) -> Path:
    """Render the backward pass from ``output`` as frames, one per step in the order the engine
    visits the tensors (:func:`tinygrad_edu.graph.backward_order`): in frame k the gradient
    computed at step k is highlighted, the ones before it are filled in, the ones after it are
    dashed "not yet".

    Writes ``step_001.svg``, ``step_002.svg``, ... and ``index.html`` (self-contained: the SVGs are
    inlined; buttons and the arrow keys step through them) into ``folder``, and returns the path
    of ``index.html``. Nothing is computed or changed: call ``output.backward()`` first to see
    the numbers (without it the frames show the order and the names only).
    """
    where = "render_backward_steps"
    if not isinstance(output, Tensor):
        raise TypeError(message(where, f"expected a Tensor (the cost J), got {type(output).__name__}"))
    if not output.requires_grad:
        raise ValueError(message(where, f"{output.name or 'the output'} does not require grad, so there is no "
                                        "backward pass to draw", "create the parameters with requires_grad=True"))
    if direction not in ("backward", "both"):
        raise ValueError(message(where, f"direction must be 'backward' or 'both', got {direction!r}"))
    info = analyse([output])
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    keep = set(range(len(info.order)))
    svgs, captions = [], []
    for k, (step, cap) in enumerate(_frames(info)):
        opt = Options(direction, True, False, grad_values, False, False, cap, "LR")
        path = render(detail(info, keep, opt, step=step), folder / f"step_{k + 1:03d}.svg")
        svgs.append(_svg_body(path.read_text(encoding="utf-8")))
        captions.append(cap)
    page = folder / "index.html"
    page.write_text(_page(svgs, captions), encoding="utf-8")
    return page


def _page(svgs: list[str], captions: list[str]) -> str:
    divs = "\n".join(f'<div class="frame" id="f{k}"{"" if k == 0 else " hidden"}>{svg}</div>'
                     for k, svg in enumerate(svgs))
    caps = "[" + ",".join('"' + html.escape(c).replace("\\", "\\\\") + '"' for c in captions) + "]"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>backward, step by step</title>
<style>body{{font-family:sans-serif;margin:1em}} .frame svg{{max-width:100%;height:auto}}
button{{font-size:1.1em;margin-right:.5em}} #cap{{font-weight:bold;margin:.5em 0}}</style></head>
<body><h2>Backpropagation, one step at a time</h2>
<p>Red: gradients dJ/d(tensor), computed right to left. Highlighted: the step shown; dashed: not yet computed.
Keys: left / right arrow.</p>
<div><button id="prev">&larr; previous</button><button id="next">next &rarr;</button>
<input id="slider" type="range" min="1" max="{len(svgs)}" value="1"></div>
<div id="cap"></div>
{divs}
<script>
const caps = {caps}; const frames = document.querySelectorAll('.frame'); let k = 0;
function show(j) {{ k = Math.max(0, Math.min(frames.length - 1, j));
  frames.forEach((f, i) => f.hidden = i !== k); document.getElementById('cap').innerHTML = caps[k];
  document.getElementById('slider').value = k + 1; }}
document.getElementById('prev').onclick = () => show(k - 1);
document.getElementById('next').onclick = () => show(k + 1);
document.getElementById('slider').oninput = e => show(+e.target.value - 1);
document.addEventListener('keydown', e => {{ if (e.key === 'ArrowLeft') show(k - 1);
  if (e.key === 'ArrowRight') show(k + 1); }});
show(0);
</script></body></html>
"""
