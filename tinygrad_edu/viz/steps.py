"""The backward pass one step at a time: one picture, laid out once, and one frame per step of the
engine's own schedule (:func:`tinygrad_edu.graph.backward_order`); a frame only changes which
boxes are highlighted, so the page grows linearly with the number of steps."""

from __future__ import annotations

import json
import os
from pathlib import Path

from ..errors import message
from ..files import atomic_write
from ..tensor import Tensor
from .analysis import Info, analyse
from .detail import Options, Picture
from .render import render_bytes
from .scene import draw_scene

__all__ = ["STEPS_FILES", "STEPS_PAGE", "render_backward_steps"]

#: the files of the page, in the folder given: the picture and the page
STEPS_FILES = ("backward.svg", "index.html")
STEPS_PAGE = STEPS_FILES[1]


def _frames(info: Info, pic: Picture) -> list[tuple[list[str], str]]:
    """One (node ids to highlight, caption) per op visited by the engine, in its order. A leaf
    (W[l], b[l]) is not visited: its gradient is complete after the step of the last op that
    sends to it, and is highlighted in that step."""
    order = info.order
    visits = [i for i in info.visits if order[i].op is not None]
    step_of = {i: k for k, i in enumerate(visits)}
    leaf_done: dict[int, int] = {}
    for c, j in sorted(info.carries):
        if order[j].op is None:
            leaf_done[j] = max(leaf_done.get(j, -1), step_of[c])
    frames = []
    for k, i in enumerate(visits):
        leaves = sorted(j for j, s in leaf_done.items() if s == k)
        senders = sorted({order[c].op for (c, j) in info.carries if j == i})
        how = "the seed dJ/dJ = 1" if i == info.outputs[0] else "from " + ", ".join(f"{s} backward" for s in senders)
        shape = "" if order[i].ndim == 0 else " " + info.shape(i)
        cap = (f"step {k + 1} of {len(visits)}: {info.gname[i]}{shape} is complete ({how}); "
               f"{order[i].op} backward sends it on"
               + (f", completing {', '.join(info.gname[j] for j in leaves)}" if leaves else ""))
        ids = pic.backward_ids(i) + [x for j in leaves for x in pic.backward_ids(j)]
        frames.append((list(dict.fromkeys(ids)), cap))
    return frames


def render_backward_steps(output: Tensor, folder: str | os.PathLike[str], direction: str = "both",
                          grad_values: bool = True, all_layers: bool = True) -> Path:
    """Write the backward pass from ``output`` as a page to step through: ``backward.svg`` (the
    picture, drawn once) and ``index.html`` (that picture inlined, one frame per step of the engine's
    schedule: in frame k the gradient computed at step k is highlighted, those before it are drawn,
    those after it are faded; buttons and the arrow keys step, +, - and 0 zoom, and the picture fits
    the window at first). Returns the path of ``index.html``. Each file is written atomically
(:func:`tinygrad_edu.files.atomic_write`).

    Nothing is computed or changed: call ``output.backward()`` first to see the numbers (without it
    the frames show the order and the names only). Every layer is drawn (``all_layers=False``
    leaves the middle layers of a deep network out, as :func:`draw_graph` does; their steps then
    highlight the "⋯" block).
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
    pic = Picture(info, Options(direction, grad_values=grad_values, all_layers=all_layers), set(range(len(info.order))))
    scene = pic.build()
    svg = render_bytes(draw_scene(scene, "backward_steps").source, "svg", "nop2").decode("utf-8")
    frames = _frames(info, pic)
    folder = Path(folder)
    atomic_write(folder / STEPS_FILES[0], svg)
    backward_ids = sorted({k for k, n in scene.nodes.items() if n.band in ("back", "below")})
    return atomic_write(folder / STEPS_PAGE, _page(svg[svg.find("<svg"):], frames, backward_ids))


def _json(value: object) -> str:
    """JSON for inside a <script>: nothing in it can end the script or the page."""
    return json.dumps(value, ensure_ascii=True).replace("</", "<\\/").replace("<!--", "<\\!--")


def _page(svg: str, frames: list[tuple[list[str], str]], backward_ids: list[str]) -> str:
    data = _json({"frames": [ids for ids, _ in frames], "captions": [cap for _, cap in frames],
                  "backward": backward_ids})
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>backward, step by step</title>
<style>
body {{ font-family: sans-serif; margin: 0.6em; }}
#bar button {{ font-size: 1em; margin-right: .3em; }}
#cap {{ font-weight: bold; margin: .4em 0; min-height: 2.4em; }}
#view {{ overflow: auto; border: 1px solid #dee2e6; }}
#view svg {{ display: block; }}
.later {{ opacity: 0.18; }}
.now polygon, .now ellipse, .now path {{ stroke-width: 3px; }}
.node.now polygon, .node.now ellipse, .node.now path {{ fill: #ffe066; }}
</style></head>
<body><h2 style="margin:.2em 0">Backpropagation, one step at a time</h2>
<div id="bar"><button id="prev" title="previous step (left arrow)">&larr; previous</button>
<button id="next" title="next step (right arrow)">next &rarr;</button>
<input id="slider" type="range" min="1" max="{max(len(frames), 1)}" value="1">
<span id="count"></span>
<button id="zoomout" title="zoom out (-)">&minus;</button><button id="zoomin" title="zoom in (+)">+</button>
<button id="fit" title="fit the window (0)">fit</button></div>
<div id="cap"></div>
<div id="view">{svg}</div>
<script>
const data = {data};
const svg = document.querySelector('#view svg'), view = document.getElementById('view');
const box = svg.viewBox.baseVal, first = {{}};
data.frames.forEach((ids, k) => ids.forEach(id => {{ if (!(id in first)) first[id] = k; }}));
let k = 0, zoom = 1;
function fitScale() {{
  const w = view.clientWidth - 2, h = window.innerHeight - view.getBoundingClientRect().top - 16;
  return Math.max(0.05, Math.min(w / box.width, h / box.height));
}}
function size() {{
  svg.style.width = (box.width * fitScale() * zoom) + 'px'; svg.style.height = (box.height * fitScale() * zoom) + 'px';
  document.getElementById('count').textContent = 'zoom ' + Math.round(zoom * 100) + '%';
}}
function show(j) {{
  k = Math.max(0, Math.min(data.frames.length - 1, j));
  const now = new Set(data.frames[k] || []);
  data.backward.forEach(id => {{ const el = document.getElementById(id); if (!el) return;
    el.classList.toggle('now', now.has(id));
    el.classList.toggle('later', !now.has(id) && !(id in first && first[id] < k)); }});
  document.getElementById('cap').textContent = data.captions[k] || '';
  document.getElementById('slider').value = k + 1;
}}
document.getElementById('prev').onclick = () => show(k - 1);
document.getElementById('next').onclick = () => show(k + 1);
document.getElementById('slider').oninput = e => show(+e.target.value - 1);
document.getElementById('zoomin').onclick = () => {{ zoom *= 1.25; size(); }};
document.getElementById('zoomout').onclick = () => {{ zoom /= 1.25; size(); }};
document.getElementById('fit').onclick = () => {{ zoom = 1; size(); }};
document.addEventListener('keydown', e => {{
  if (e.key === 'ArrowLeft') show(k - 1); else if (e.key === 'ArrowRight') show(k + 1);
  else if (e.key === '+' || e.key === '=') {{ zoom *= 1.25; size(); }}
  else if (e.key === '-') {{ zoom /= 1.25; size(); }} else if (e.key === '0') {{ zoom = 1; size(); }} }});
window.addEventListener('resize', size);
size(); show(0);
</script></body></html>
"""
