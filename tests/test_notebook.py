"""The walkthrough notebook is executed from top to bottom, so it never rots.

The kernel is this interpreter (``sys.executable``), through a kernel spec written for the test:
whatever ``python3`` kernel the machine has registered elsewhere is not used.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("graphviz")
pytest.importorskip("matplotlib")
pytest.importorskip("sklearn")

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "walkthrough.ipynb"


def test_walkthrough_notebook_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = tmp_path / "kernels" / "tinygrad-edu-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "tinygrad_edu tests", "language": "python",
    }))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), "commit the notebook without outputs"
    headings = [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("## ")]
    assert [h.split()[1] for h in headings] == ["4.1", "4.2", "4.3", "4.4", "4.5", "4.6", "4.7"]

    t0 = time.perf_counter()
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="tinygrad-edu-test",
                                     resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()  # raises CellExecutionError, with the cell and the traceback, if a cell fails
    seconds = time.perf_counter() - t0
    assert seconds < 60, f"the notebook took {seconds:.0f} s; keep it small"

    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    svgs = [o for o in outputs if o.output_type in ("display_data", "execute_result") and "image/svg+xml" in o.data]
    pngs = [o for o in outputs if o.output_type in ("display_data", "execute_result") and "image/png" in o.data]
    assert len(svgs) >= 4  # network, one layer, building blocks, the trained network's graph: inline
    assert len(pngs) >= 1  # the learning-rate curves
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "All gradients agree." in text
    assert "dW[2] == dZ[2] A[1]^T : True" in text and "the engine's shapes match the table" in text
