"""The class report, one HTML page with nothing to fetch: what the run was, how many submissions
have each status, the most common mistakes (what each means), and a table of every submission
that sorts by any column (click its header; click again to reverse) and opens each learner's
diagnosis (click the row, or press Enter on it): their full report on every network and what
their code printed. Every text from a submission is escaped."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from ..check.mistakes import MISTAKES
from ..runner.hints import CAUSES
from .verdict import STATUSES, GradeRow

if TYPE_CHECKING:  # pragma: no cover
    from .grader import GradeResult

__all__ = ["class_report", "MEANINGS"]


def _meanings() -> dict[str, str]:
    out: dict[str, list[str]] = {}
    for mk in MISTAKES:  # a code with several rows (missing_1_over_m in dW and in db) lists each
        out.setdefault(mk.code, []).append(mk.what)
    return {"dAL_sign": "dA[L] with the opposite sign",
            "not_numbers": "a gradient that is not an array of numbers (strings, objects, ragged lists)",
            **{code: "; ".join(whats) for code, whats in out.items()}, **CAUSES}


#: what each mistake code means: the table of learner mistakes, then the causes of failures
MEANINGS: dict[str, str] = _meanings()

_COLOURS = {"correct": "#1a7f37", "wrong": "#cf222e", "error": "#bc4c00", "timeout": "#8250df", "memory": "#8250df",
            "crashed": "#6e7781", "missing_function": "#9a6700", "import_error": "#9a6700"}

_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 80em; padding: 0 1em; color: #1f2328; }
h1 { font-size: 1.5em; margin-bottom: .2em; } .run { color: #59636e; margin-top: 0; }
.chips span { display: inline-block; padding: .2em .7em; margin: 0 .4em .4em 0; border-radius: 1em; color: #fff; }
table { border-collapse: collapse; width: 100%; margin: 1em 0; }
th, td { text-align: left; padding: .35em .6em; border-bottom: 1px solid #d1d9e0; vertical-align: top; }
#rows th { cursor: pointer; user-select: none; background: #f6f8fa; position: sticky; top: 0; }
#rows th[aria-sort=ascending]::after { content: " \\25B2"; }
#rows th[aria-sort=descending]::after { content: " \\25BC"; }
#rows tbody tr.main { cursor: pointer; } #rows tbody tr.main:hover, #rows tbody tr.main:focus { background: #f0f6ff; }
.status { font-weight: 600; } .num { text-align: right; font-variant-numeric: tabular-nums; }
tr.details td { background: #f6f8fa; } tr.details[hidden] { display: none; }
pre { white-space: pre-wrap; font: 12px/1.4 ui-monospace, monospace; margin: .3em 0 .8em; }
code { font: 12px ui-monospace, monospace; }
"""

_SCRIPT = """
(function () {
  var table = document.getElementById('rows');
  var heads = table.querySelectorAll('thead th');
  function key(group, i, numeric) {
    var v = group.rows[0].cells[i].getAttribute('data-sort');
    if (numeric) { return v === '' ? Infinity : parseFloat(v); }
    return v.toLowerCase();
  }
  heads.forEach(function (th, i) {
    th.addEventListener('click', function () {
      var numeric = th.getAttribute('data-type') === 'number';
      var dir = th.getAttribute('aria-sort') === 'ascending' ? -1 : 1;
      heads.forEach(function (h) { h.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', dir === 1 ? 'ascending' : 'descending');
      var groups = Array.prototype.slice.call(table.tBodies);
      groups.sort(function (a, b) {
        var x = key(a, i, numeric), y = key(b, i, numeric);
        if (x < y) { return -dir; } if (x > y) { return dir; }
        return a.getAttribute('data-order') - b.getAttribute('data-order');
      });
      groups.forEach(function (g) { table.appendChild(g); });
    });
  });
  Array.prototype.forEach.call(table.tBodies, function (g) {
    var main = g.rows[0], details = g.rows[1];
    function toggle() {
      details.hidden = !details.hidden;
      main.setAttribute('aria-expanded', String(!details.hidden));
    }
    main.addEventListener('click', toggle);
    main.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); toggle(); }
    });
  });
})();
"""

_COLUMNS = (("submission", "text"), ("status", "text"), ("score", "number"), ("first wrong layer", "number"),
            ("mistake", "text"), ("message", "text"), ("seconds", "number"))


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _row(i: int, r: GradeRow) -> str:
    layer = "" if r.first_wrong_layer is None else str(r.first_wrong_layer)
    cells = [
        (r.submission, f"<code>{_e(r.submission)}</code>", ""),
        (r.status, f'<span class="status" style="color:{_COLOURS.get(r.status, "#000")}">{_e(r.status)}</span>', ""),
        (f"{r.score:.4f}", f"{r.score:.2f}", "num"),
        (layer, layer or "-", "num"),
        (r.mistake, f"<code>{_e(r.mistake)}</code>" if r.mistake else "-", ""),
        (r.message, _e(r.message), ""),
        (f"{r.seconds:.4f}", f"{r.seconds:.2f}", "num"),
    ]
    tds = "".join(f'<td data-sort="{_e(sort)}"{f" class={cls}" if cls else ""}>{shown}</td>'
                  for sort, shown, cls in cells)
    printed = f"<p>What the code printed:</p><pre>{_e(r.output)}</pre>" if r.output else ""
    details = (f'<tr class="details" hidden><td colspan="{len(_COLUMNS)}"><p>The diagnosis of '
               f"<code>{_e(r.submission)}</code> (function <code>{_e(r.function or '-')}</code>):</p>"
               f"<pre>{_e(r.details or r.message)}</pre>{printed}</td></tr>")
    return (f'<tbody data-order="{i}"><tr class="main" tabindex="0" aria-expanded="false" id="s{i}">{tds}</tr>'
            f"{details}</tbody>")


def class_report(result: GradeResult) -> str:
    """The page, as text (see the module docstring)."""
    counts = result.counts()
    chips = "".join(f'<span style="background:{_COLOURS[s]}" title="{_e(STATUSES[s])}">{_e(s)}: {n}</span>'
                    for s, n in counts.items() if n)
    mistakes = "".join(f"<tr><td><code>{_e(code)}</code></td><td class=num>{n}</td><td>{_e(MEANINGS.get(code, ''))}"
                       f"</td></tr>" for code, n in result.mistakes())
    mistakes_table = (f"<h2>Most common mistakes</h2><table><thead><tr><th>mistake</th><th>submissions</th>"
                      f"<th>what it is</th></tr></thead><tbody>{mistakes}</tbody></table>") if mistakes else ""
    nets = "; ".join(_e(n) for n in result.networks)
    heads = "".join(f'<th data-type="{kind}" scope="col">{_e(name)}</th>' for name, kind in _COLUMNS)
    body = "".join(_row(i, r) for i, r in enumerate(result.rows))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Class report: {len(result.rows)} submissions</title><style>{_STYLE}</style></head>
<body>
<h1>Class report: {len(result.rows)} submissions</h1>
<p class="run">Graded {_e(result.started)} in {result.seconds:.1f} s on {_e(result.where)}; function
{_e(result.function or "L_model_backward or model_backward")}; networks {nets}; seed {result.seed};
limits {result.limits.timeout:g} s and {result.limits.memory_mb} MB per submission.</p>
<div class="chips">{chips}</div>
{mistakes_table}
<h2>Submissions</h2>
<p>Click a column's header to sort by it (again to reverse); click a row to open the learner's diagnosis.</p>
<table id="rows"><thead><tr>{heads}</tr></thead>{body}</table>
<script>{_SCRIPT}</script>
</body></html>
"""
