"""Fault injection for the promise of :mod:`tinygrad_edu.files`: every file the package writes
appears complete or not at all, and a failed write leaves the previous file as it was.

* :data:`WRITERS`: every writer of the package (issue 12, finding 1), each as a :class:`Writer`
  that writes its file(s) into a folder with content that depends on a version number, and says
  whether a file of its kind is complete.
* :func:`disk_full`: a SIMULATION of a full disk, not a full disk: it makes
  ``tinygrad_edu.files._write`` (the one low-level write every byte of the package goes through)
  write only the first ``after`` bytes and then raise ``OSError(ENOSPC)``, as ``write(2)`` does
  when the disk fills up. It does not simulate ``fsync`` or ``close`` failing, nor a filesystem
  that runs out of room for metadata (a rename).
* :func:`run_child`: the writer in a child process (``python faults.py WRITER FOLDER MODE``),
  either once under a real file-size limit (``resource.setrlimit(RLIMIT_FSIZE)``: writes fail with
  EFBIG; Python ignores SIGXFSZ) or in a loop, to be killed while it writes
  (:func:`kill_while_writing`).
* :func:`leftovers`: the temporary files left in a folder.
"""

from __future__ import annotations

import contextlib
import errno
import importlib.util
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
_PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"
_ROWS = 100_000  # rows of the large CSV and JSON files: megabytes, so that a kill lands inside a write


@dataclass(frozen=True)
class Writer:
    """One writer of the package: ``write(folder, version)`` writes ``targets`` (paths relative to
    ``folder``); ``complete(path)`` says whether a file it wrote is whole; ``needs`` names the
    optional modules (or ``"dot"``, Graphviz's program) it needs."""

    name: str
    targets: tuple[str, ...]
    write: Callable[[Path, int], object]
    complete: Callable[[Path], bool]
    needs: tuple[str, ...] = ()

    def missing(self) -> list[str]:
        absent = [n for n in self.needs if n != "dot" and importlib.util.find_spec(n) is None]
        return absent + (["dot"] if "dot" in self.needs and shutil.which("dot") is None else [])


# ----------------------------------------------------------------------------- the writers


def _params(folder: Path, v: int) -> None:
    from tinygrad_edu.data import save_parameters

    save_parameters(folder / "p.npz", {"W1": np.full((1000, 800), float(v)), "b1": np.full((1000, 1), float(v))})


def _params_complete(path: Path) -> bool:
    with np.load(path, allow_pickle=False) as f:
        W, b = f["W1"], f["b1"]
    return W.shape == (1000, 800) and b.shape == (1000, 1) and bool(np.all(W == W[0, 0]) and np.all(b == W[0, 0]))


def _network(folder: Path, v: int) -> None:
    from tinygrad_edu.data import save_network
    from tinygrad_edu.nn import DeepNetwork

    net = DeepNetwork.from_parameters({"W1": np.full((500, 400), float(v)), "b1": np.zeros((500, 1)),
                                       "W2": np.full((1, 500), float(v)), "b2": np.zeros((1, 1))})
    save_network(folder / "net.npz", net, {"version": v, "notes": [float(v)] * _ROWS})


def _network_complete(path: Path) -> bool:
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as f:
            return f["W1"].shape == (500, 400) and f["W2"].shape == (1, 500)
    meta = json.loads(path.read_text())
    return len(meta["notes"]) == _ROWS and meta["written_by"] == "tinygrad-edu" and len(meta["params_sha256"]) == 64


def _costs(folder: Path, v: int) -> None:
    from tinygrad_edu.plot import save_cost_csv

    save_cost_csv((range(_ROWS), [v + 0.5] * _ROWS), folder / "costs.csv")


def _csv_complete(rows: int, fields: int) -> Callable[[Path], bool]:
    def complete(path: Path) -> bool:
        text = path.read_text()
        lines = text.splitlines()
        return text.endswith("\n") and len(lines) == rows + 1 and all(line.count(",") == fields - 1 for line in lines)

    return complete


def _history(folder: Path, v: int) -> None:
    from tinygrad_edu.cli.train import save_history
    from tinygrad_edu.train import TrainHistory

    save_history(folder / "history.json", TrainHistory(list(range(_ROWS)), [v + 0.5] * _ROWS, v + 0.5, 1),
                 {"version": v}, 1.0)


def _history_complete(path: Path) -> bool:
    return len(json.loads(path.read_text())["costs"]) == _ROWS


def _predictions(folder: Path, v: int) -> None:
    from tinygrad_edu.cli.predict import write_predictions
    from tinygrad_edu.nn import DeepNetwork

    net = DeepNetwork.from_parameters({"W1": np.full((1, 2), 0.01 * v), "b1": np.zeros((1, 1))})
    write_predictions(folder / "pred.csv", net, np.ones((2, _ROWS // 2)), np.zeros((1, _ROWS // 2)))


def _plot(folder: Path, v: int) -> None:
    from tinygrad_edu.plot import save_cost_plot

    save_cost_plot((range(2000), np.linspace(1.0, 0.0, 2000) + v), folder / "costs.png", dpi=300)


def _png_complete(path: Path) -> bool:
    data = path.read_bytes()
    return data.startswith(b"\x89PNG\r\n\x1a\n") and data.endswith(_PNG_END)


def _dot(folder: Path, v: int) -> None:
    from tinygrad_edu.viz import render

    render("digraph G {\n" + "".join(f'  n{i} -> n{i + 1} [label="{v}"];\n' for i in range(_ROWS // 4)) + "}\n",
           folder / "graph.dot")


def _svg(folder: Path, v: int) -> None:
    from tinygrad_edu.viz import draw_network, render

    render(draw_network([3, 5, 5, 3, 1 + v % 2]), folder / "network.svg")


def _steps(folder: Path, v: int) -> None:
    from tinygrad_edu.nn import DeepNetwork, binary_cross_entropy
    from tinygrad_edu.tensor import Tensor
    from tinygrad_edu.viz import render_backward_steps

    net = DeepNetwork([3, 4, 1], seed=v)
    J = binary_cross_entropy(net(Tensor(np.ones((3, 4)), name="A[0]")), Tensor(np.ones((1, 4)), name="Y")).named("J")
    J.backward()
    render_backward_steps(J, folder / "steps")


def _grade_result(v: int):  # a class of _ROWS // 10 learners: megabytes of CSV, JSON and HTML
    from tinygrad_edu.grade import GradeRow, default_networks
    from tinygrad_edu.grade.grader import GradeResult
    from tinygrad_edu.runner import Limits

    rows = [GradeRow(f"learner{i}.py", "wrong" if (i + v) % 3 else "correct", 0.5, 2, "missing_1_over_m",
                     f"Layer 2 dW[2]: the 1/m is missing ({v})", 0.01, details="x" * 40) for i in range(_ROWS // 10)]
    return GradeResult(rows, default_networks(0), 0, None, Limits(), 2, "this machine")


def _grade_csv(folder: Path, v: int) -> None:
    from tinygrad_edu.grade.outputs import write_csv

    write_csv(_grade_result(v), folder / "class.csv")


def _grade_json(folder: Path, v: int) -> None:
    from tinygrad_edu.grade.outputs import write_json

    write_json(_grade_result(v), folder / "class.json")


def _grade_html(folder: Path, v: int) -> None:
    from tinygrad_edu.grade.outputs import write_html

    write_html(_grade_result(v), folder / "class.html")


def _json_complete(path: Path) -> bool:
    try:
        json.loads(path.read_text())
    except ValueError:
        return False
    return True


def _manifest(folder: Path, v: int) -> None:
    """A folder of 200 files (written once): each later write of one.txt rewrites a manifest of
    tens of KB, which the faults land in."""
    from tinygrad_edu.files import atomic_write

    if v == 0:
        for i in range(200):
            atomic_write(folder / f"f{i}-{'x' * 150}.txt", f"{i}\n")
    atomic_write(folder / "one.txt", f"{v}\n")


def _manifest_complete(path: Path) -> bool:
    return _json_complete(path) if path.name.endswith(".json") else path.read_text().endswith("\n")


def _text_ends(*endings: str) -> Callable[[Path], bool]:
    return lambda path: path.read_text().rstrip("\n").endswith(endings)


#: every kind of file the package writes: parameters, sidecar, costs CSV, history JSON, predictions
#: CSV, cost plot, pictures from viz.render (DOT text and SVG), the steps page (SVG and HTML), the
#: class report (CSV, JSON, HTML) and the manifest of a folder's own files
WRITERS: dict[str, Writer] = {w.name: w for w in (
    Writer("params npz", ("p.npz",), _params, _params_complete),
    Writer("network npz and sidecar", ("net.npz", "net.json"), _network, _network_complete),
    Writer("costs csv", ("costs.csv",), _costs, _csv_complete(_ROWS, 2)),
    Writer("history json", ("history.json",), _history, _history_complete),
    Writer("predictions csv", ("pred.csv",), _predictions, _csv_complete(_ROWS // 2, 4)),
    Writer("cost plot png", ("costs.png",), _plot, _png_complete, ("matplotlib",)),
    Writer("picture dot", ("graph.dot",), _dot, _text_ends("}")),
    Writer("picture svg", ("network.svg",), _svg, _text_ends("</svg>"), ("graphviz", "dot")),
    Writer("steps page", ("steps/backward.svg", "steps/index.html"), _steps, _text_ends("</svg>", "</html>"),
           ("graphviz", "dot")),
    Writer("grade csv", ("class.csv",), _grade_csv, _csv_complete(_ROWS // 10, 7)),
    Writer("grade json", ("class.json",), _grade_json, _json_complete),
    Writer("grade html", ("class.html",), _grade_html, _text_ends("</html>")),
    Writer("manifest", ("one.txt", ".tinygrad-edu.json"), _manifest, _manifest_complete),
)}


# ----------------------------------------------------------------------------- faults


@contextlib.contextmanager
def disk_full(after: int = 0) -> Iterator[dict[str, int]]:
    """SIMULATE a full disk (see the module's docstring): from here on, the package's low-level
    write stores ``after`` more bytes in all, then raises ``OSError(ENOSPC)``. Yields the count."""
    from tinygrad_edu import files

    real, state = files._write, {"written": 0}

    def write(file: object, data: object) -> int | None:
        room = after - state["written"]
        if room <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        n = real(file, memoryview(data).cast("B")[:room])
        state["written"] += n or 0
        return n

    files._write = write
    try:
        yield state
    finally:
        files._write = real


def leftovers(folder: Path) -> list[Path]:
    """The temporary files (``.NAME.PID-RANDOM.tmp``) below ``folder``."""
    return sorted(p for p in folder.rglob(".*.tmp"))


def snapshot(folder: Path, writer: Writer) -> dict[str, bytes]:
    """The bytes of each of ``writer``'s targets in ``folder``."""
    return {t: (folder / t).read_bytes() for t in writer.targets}


def run_child(writer: Writer, folder: Path, mode: str, **popen: object) -> subprocess.Popen:
    """``python faults.py WRITER FOLDER MODE`` (see :func:`_child`), started."""
    return subprocess.Popen([sys.executable, str(Path(__file__)), writer.name, str(folder), mode],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def kill_while_writing(writer: Writer, folder: Path, sig: int, rng: random.Random) -> subprocess.Popen:
    """Start the writer in a loop (version 1, 2, ...) and send ``sig`` at a random moment after
    its first complete write (when it is most likely inside a write); returns the ended child."""
    child = run_child(writer, folder, "loop")
    assert child.stdout is not None
    line = child.stdout.readline()  # "wrote 1"
    assert line.startswith("wrote"), (line, child.stderr.read() if child.stderr else "")
    time.sleep(rng.uniform(0.0, 0.2))
    child.send_signal(sig)
    child.communicate(timeout=60)
    return child


def _child(name: str, folder: Path, mode: str) -> int:
    """``loop``: write versions 1, 2, ... forever, printing ``wrote N`` after each; ``limit:N``: set
    RLIMIT_FSIZE to N bytes (after every import is done) and write version 1 once: exit 0, or 3
    with the error's message on stderr."""
    writer = WRITERS[name]
    if mode == "loop":
        for v in range(1, 1_000_000):
            writer.write(folder, v)
            print(f"wrote {v}", flush=True)
        return 0
    import resource

    writer.write(folder / "warm-up", 0)  # (every import done, every cache written: only the target is limited)
    limit = int(mode.split(":")[1])
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
    try:
        writer.write(folder, 1)
    except OSError as e:
        print(str(e), file=sys.stderr)
        return 3
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE.parent))
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    sys.exit(_child(sys.argv[1], Path(sys.argv[2]), sys.argv[3]))
