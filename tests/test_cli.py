"""The command line, run for real: in-process through ``main(argv)`` and, for the entry point and
error output, as a subprocess. Outputs are checked against independent computations."""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tinygrad_edu import cli, topological_order
from tinygrad_edu.cli import build_parser, demo, draw, main
from tinygrad_edu.cli.common import DEFAULTS, activations, course_dims_text, net_and_data
from tinygrad_edu.data import load_parameters, make_xor, parameter_shapes
from tinygrad_edu.lecture import example_data
from tinygrad_edu.nn import DeepNetwork

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
COMMANDS = ("demo", "train", "predict", "compare", "gradcheck", "grade", "explain", "shapes", "draw")

# the optional packages some tests need, and the extra of pyproject.toml that installs each
EXTRAS = {"sklearn": "data", "h5py": "data", "matplotlib": "plot", "graphviz": "viz"}


def needs(*modules: str) -> pytest.MarkDecorator:
    """Skip (with the extra to install) unless every one of ``modules`` is installed."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    extras = ",".join(sorted({EXTRAS[m] for m in missing}))
    return pytest.mark.skipif(bool(missing), reason=f"needs {', '.join(missing)}: pip install -e '.[{extras}]'")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_subprocess(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tinygrad_edu", *argv], capture_output=True, text=True, timeout=120)


def read_costs(path: Path) -> list[float]:
    with path.open() as f:
        rows = list(csv.DictReader(f))
    return [float(r["cost"]) for r in rows]


def assert_one_line_error(err: str, *fragments: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err and "error:" in lines[0]
    for frag in fragments:
        assert frag in lines[0], (frag, lines[0])


# ----------------------------------------------------------------------------- help and errors


def test_every_command_is_registered_and_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert set(sub.choices) == set(COMMANDS)
    # one module per command, each with its name, add_parser and run, listed once in cli.COMMANDS
    assert tuple(module.NAME for module in cli.COMMANDS) == COMMANDS
    for module in cli.COMMANDS:
        assert module.__name__ == f"tinygrad_edu.cli.{module.NAME}"
        assert callable(module.add_parser) and callable(module.run)
        parser = sub.choices[module.NAME]
        assert parser.get_default("run") is module.run and parser.description == module.__doc__  # its --help text
    # the demo's description names the defaults it uses
    assert f"layer_dims = {course_dims_text()}" in demo.__doc__ and f"'{DEFAULTS.fallback_dataset}'" in demo.__doc__
    for cmd in COMMANDS:
        code, out, _ = run(capsys, cmd, "--help")
        assert code == 0
        assert out.startswith(f"usage: tinygrad-edu {cmd}")
    code, out, _ = run(capsys, "--help")
    assert code == 0 and all(cmd in out for cmd in COMMANDS)


def test_python_dash_m_entry_point_and_usage_error_on_one_line() -> None:
    ok = run_subprocess("shapes", "4,3,1", "--m", "7")
    assert ok.returncode == 0, ok.stderr
    assert "(3, 4)" in ok.stdout and "(1, 3)" in ok.stdout and "(4, 7)" in ok.stdout  # W[1], W[2], A[0]
    bad = run_subprocess("train", "--lr", "fast")
    assert bad.returncode == 2 and bad.stdout == ""
    assert_one_line_error(bad.stderr, "--lr", "'fast'", "--help")


@pytest.mark.parametrize(
    "argv, fragments",
    [
        (["train", "--dataset", "iris"], ["unknown dataset 'iris'", "breast_cancer"]),
        pytest.param(["train", "--layer-dims", "3,4,1", "--iterations", "1"], ["n[0] = 3", "30 features", "30,4,1"],
                     marks=needs("sklearn")),
        pytest.param(["train", "--activations", "relu,softmax", "--layer-dims", "30,1"], ["L = 1"],
                     marks=needs("sklearn")),
        (["train", "--dataset", "xor", "--layer-dims", "2,4,1", "--activations", "relu,softmax"], ["softmax",
                                                                                                   "C >= 2"]),
        (["train", "--dataset", "xor", "--layer-dims", "2,4,1", "--activations", "relu,swish"],
         ["swish", "relu, sigmoid"]),
        (["predict", "no/such/params.npz"], ["does not exist"]),
        (["compare", "--backward", "no/such/learner.py"], ["--backward", "does not exist"]),
        (["compare", "--backward", "not a module"], ["--backward", "neither a .py file nor a module name"]),
        (["compare", "--backward", "a.py", "--backward", "b.py"], ["--backward given twice", "grade"]),
        (["draw", "trained"], ["--params"]),
        (["shapes", "3,0,1"], ["positive"]),
    ],
)
def test_bad_arguments_give_one_line(capsys: pytest.CaptureFixture[str], argv: list[str], fragments: list[str]) -> None:
    code, _, err = run(capsys, *argv)
    assert code in (1, 2)
    assert_one_line_error(err, *fragments)


def test_bad_files_give_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.npz"
    garbage.write_bytes(b"this is not a zip file")
    code, _, err = run(capsys, "predict", str(garbage))
    assert code == 1
    assert_one_line_error(err, "garbage.npz")

    rows_not_columns = tmp_path / "rows.npz"
    np.savez(rows_not_columns, X=np.zeros((10, 2)), Y=np.zeros((1, 10)))  # X with examples in rows
    code, _, err = run(capsys, "train", "--dataset", str(rows_not_columns), "--iterations", "1")
    assert code == 1
    assert_one_line_error(err, "(10, 2)", "one example per column")

    labels = tmp_path / "labels.csv"
    labels.write_text("1.0,2.0,3\n4.0,5.0,0\n")
    code, _, err = run(capsys, "train", "--dataset", str(labels), "--iterations", "1")
    assert code == 1
    assert_one_line_error(err, "labels.csv", "labels in [0, 1]", "3.0")


# ----------------------------------------------------------------------------- train and predict


@needs("sklearn", "matplotlib")
def test_train_writes_a_decreasing_history_and_predict_agrees(capsys: pytest.CaptureFixture[str],
                                                               tmp_path: Path) -> None:
    out, params = tmp_path / "run", tmp_path / "params.npz"
    code, stdout, _ = run(capsys, "train", "--iterations", "200", "--record-every", "10", "--quiet",
                          "--out", str(out), "--save", str(params))
    assert code == 0
    costs = read_costs(out / "costs.csv")
    assert len(costs) == 20
    assert all(b < a for a, b in zip(costs, costs[1:]))  # gradient descent with a small α: J falls every time
    history = json.loads((out / "history.json").read_text())
    assert history["costs"] == costs and history["recorded_iterations"] == list(range(0, 200, 10))
    assert history["layer_dims"] == [30, 20, 7, 5, 1]
    assert (out / "costs.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # the saved parameters, checked independently of the command line
    arrays = load_parameters(params, [30, 20, 7, 5, 1])
    assert {k: v.shape for k, v in arrays.items()} == parameter_shapes([30, 20, 7, 5, 1])
    from tinygrad_edu.data import load_breast_cancer

    d = load_breast_cancer(seed=0)
    net = DeepNetwork.from_parameters(arrays)
    with np.errstate(all="ignore"):
        AL = net(d.X_test).data
    correct = int(np.sum((AL > 0.5) == d.Y_test))
    assert history["test_accuracy"] == pytest.approx(correct / d.m_test, abs=0)

    preds = tmp_path / "pred.csv"
    code, stdout, _ = run(capsys, "predict", str(params), "--output", str(preds))
    assert code == 0
    assert f"test accuracy = {correct / d.m_test:.4f} ({correct}/{d.m_test})" in stdout
    with preds.open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == d.m_test
    assert np.allclose([float(r["probability"]) for r in rows], AL[0], rtol=0, atol=1e-15)
    assert [int(r["prediction"]) for r in rows] == [int(p > 0.5) for p in AL[0]]
    assert [int(r["label"]) for r in rows] == d.Y_test[0].astype(int).tolist()


def test_train_on_npz_and_csv_files_gives_the_same_numbers(capsys: pytest.CaptureFixture[str],
                                                            tmp_path: Path) -> None:
    X, Y = make_xor(m=120, noise=0.1, seed=3)  # X (2, m), Y (1, m)
    np.savez(tmp_path / "xor.npz", X=X, Y=Y)
    with (tmp_path / "xor.csv").open("w") as f:  # one example per ROW, the label last, a header
        f.write("x1,x2,label\n")
        for j in range(X.shape[1]):
            f.write(f"{float(X[0, j])!r},{float(X[1, j])!r},{int(Y[0, j])}\n")
    results = []
    for name in ("xor.npz", "xor.csv"):
        out = tmp_path / name.replace(".", "_")
        code, _, _ = run(capsys, "train", "--dataset", str(tmp_path / name), "--layer-dims", "2,8,1",
                         "--init", "he", "--lr", "0.5", "--iterations", "400", "--quiet", "--no-plot",
                         "--out", str(out))
        assert code == 0
        results.append(json.loads((out / "history.json").read_text()))
    assert results[0]["costs"] == results[1]["costs"]
    assert results[0]["costs"][-1] < 0.25 * results[0]["costs"][0]
    assert results[0]["test_accuracy"] >= 0.9  # XOR of noisy corners is easy for 8 hidden units


# ----------------------------------------------------------------------------- compare, gradcheck, shapes, draw


def test_compare_and_gradcheck(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "compare")
    assert code == 0 and "All gradients agree." in out and "dW[4]" in out
    code, out, _ = run(capsys, "compare", "--backward", "tinygrad_edu.manual:model_backward")
    assert code == 0 and "your backward" in out
    code, out, _ = run(capsys, "compare", "--backward", str(EXAMPLES / "buggy_backward.py"))
    assert code == 1 and "DISAGREE" in out and "the 1/m is missing" in out
    code, out, _ = run(capsys, "gradcheck", "--layer-dims", "4,3,1")
    assert code == 0 and "looks right" in out
    code, out, _ = run(capsys, "gradcheck", "--layer-dims", "4,3,1", "--backward",
                       f"{EXAMPLES / 'buggy_backward.py'}:model_backward")
    assert code == 1 and "probably a mistake" in out


def test_shapes_table(capsys: pytest.CaptureFixture[str]) -> None:
    dims, m = [30, 20, 7, 5, 1], 456
    code, out, _ = run(capsys, "shapes", ",".join(map(str, dims)), "--m", str(m))
    assert code == 0
    lines = out.splitlines()
    for l in range(1, len(dims)):
        row = next(line for line in lines if line.split()[:2] == [str(l), str(dims[l])])
        assert f"({dims[l]}, {dims[l - 1]})" in row and f"({dims[l]}, 1)" in row and f"({dims[l]}, {m})" in row


@needs("graphviz")
def test_draw_pictures(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "draw", "graph", "--layer-dims", "3,4,1", "--out", str(tmp_path / "g.dot"))
    assert code == 0
    dot = (tmp_path / "g.dot").read_text()
    for name in ("W[1]", "b[1]", "Z[1]", "A[1]", "W[2]", "dW[1]", "dZ[2]"):
        assert name in dot
    code, _, _ = run(capsys, "draw", "network", "--layer-dims", "3,5,1", "--out", str(tmp_path / "n.svg"))
    assert code == 0
    svg = (tmp_path / "n.svg").read_text()
    assert "<svg" in svg and "n[1] = 5" in svg


# ----------------------------------------------------------------------------- demo


@needs("sklearn", "matplotlib", "graphviz")
def test_demo_trains_compares_and_writes_its_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    out = tmp_path / "demo"
    code, stdout, _ = run(capsys, "demo", "--out", str(out), "--iterations", "400")
    assert code == 0
    assert "All gradients agree." in stdout
    assert stdout.rstrip().endswith(f"Output folder: {out.resolve()}")
    for name in ("params.npz", "params.json", "costs.csv", "costs.png", "network.svg", "building_blocks.svg",
                 "graph.svg", "graph_forward.svg", "graph_backward.svg"):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    costs = read_costs(out / "costs.csv")
    assert costs[-1] < costs[0] and all(b < a for a, b in zip(costs, costs[1:]))
    # the printed test accuracy is the one the saved parameters give
    code, pred_out, _ = run(capsys, "predict", str(out / "params.npz"))
    acc = json.loads((out / "params.json").read_text())["test_accuracy"]
    assert f"test accuracy = {acc:.4f}" in stdout and f"test accuracy = {acc:.4f}" in pred_out


def test_demo_degrades_without_the_optional_packages(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "for name in ('sklearn', 'matplotlib', 'graphviz', 'tqdm'):\n"
        "    sys.modules[name] = None  # as if not installed\n"
        "from tinygrad_edu.cli import main\n"
        f"sys.exit(main(['demo', '--out', {str(tmp_path / 'demo')!r}, '--iterations', '200']))\n"
    )
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "'flower'" in proc.stdout and "scikit-learn" in proc.stdout
    assert "skipped costs.png" in proc.stdout and "skipped the graph pictures" in proc.stdout
    written = sorted(p.name for p in (tmp_path / "demo").iterdir())
    assert written == [".tinygrad-edu.json", "costs.csv", "params.json", "params.npz"]  # and the manifest
    manifest = json.loads((tmp_path / "demo" / ".tinygrad-edu.json").read_text())
    assert sorted(manifest["files"]) == written[1:]


def test_plain_progress_bar_shows_the_cost(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "train", "--dataset", "xor", "--layer-dims", "2,4,1", "--iterations", "100",
                       "--plain-progress", "--no-plot", "--out", str(tmp_path))
    assert code == 0
    lines = [line for line in err.splitlines() if line.startswith("training [")]
    assert len(lines) == 10 and lines[-1].split()[2] == "100/100"
    costs = read_costs(tmp_path / "costs.csv")
    # the bar's last cost is the cost of the last iteration, which the history holds as final_cost
    final = json.loads((tmp_path / "history.json").read_text())["final_cost"]
    assert lines[-1].endswith(f"cost J = {final:.6f}") and final < costs[0]


@needs("graphviz")
def test_draw_blocks_steps_and_a_trained_network(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, _ = run(capsys, "draw", "blocks", "--layer-dims", "3,5,1", "--out", str(tmp_path / "b.dot"))
    assert code == 0 and "dW[2]" in (tmp_path / "b.dot").read_text()
    code, _, _ = run(capsys, "draw", "blocks", "--layer-dims", "3,5,4", "--hidden-activation", "tanh",
                     "--output-activation", "softmax", "--out", str(tmp_path / "b2.dot"))
    blocks = (tmp_path / "b2.dot").read_text()  # the flags are the picture's activations
    assert code == 0 and "A[1] = tanh(Z[1])" in blocks and "A[2] = softmax(Z[2])" in blocks
    assert "relu" not in blocks and "J = -(1/m) sum(Y log A[L])" in blocks
    code, out, _ = run(capsys, "draw", "steps", "--layer-dims", "2,2,1", "--out", str(tmp_path / "steps"))
    assert code == 0 and (tmp_path / "steps" / "index.html").is_file()
    assert (tmp_path / "steps" / "backward.svg").is_file()  # one picture; the frames are in the page
    params = tmp_path / "p.npz"
    code, _, _ = run(capsys, "train", "--dataset", "flower", "--layer-dims", "2,3,3,1", "--iterations", "5",
                     "--quiet", "--no-plot", "--out", str(tmp_path / "t"), "--save", str(params))
    assert code == 0
    code, _, _ = run(capsys, "draw", "trained", "--params", str(params), "--m", "3", "--out", str(tmp_path / "t.dot"))
    assert code == 0
    dot = (tmp_path / "t.dot").read_text()
    assert all(name in dot for name in ("W[3]", "Z[2]", "dW[1]")) and "(3, 3)" in dot  # W[2] (n[2], n[1])


def test_cost_plot_marks_a_diverged_curve(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from tinygrad_edu.plot import cost_figure, save_cost_csv

    fig = cost_figure({"α = 0.1": ([0, 10, 20], [0.7, 0.5, 0.3]), "α = 50": ([0, 10, 20], [0.7, np.inf, np.nan])})
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["α = 0.1", "α = 50  (diverged)"]
    assert list(ax.lines[1].get_ydata()) == [0.7]  # drawn up to the last finite cost
    path = save_cost_csv({"a": ([0, 5], [1.0, 0.5])}, tmp_path / "c.csv")
    assert path.read_text().splitlines() == ["label,iteration,cost", "a,0,1.0", "a,5,0.5"]


# ----------------------------------------------------------------------------- what review found


def test_learner_code_that_exits_is_an_error_not_a_silent_pass(capsys: pytest.CaptureFixture[str],
                                                                  tmp_path: Path) -> None:
    # what the learner's code did is the tool's result about it: reported on stdout, exit status 1
    exits = tmp_path / "exits.py"
    exits.write_text("import sys\n\ndef model_backward(AL, Y, caches):\n    sys.exit(0)\n")
    for command in ("compare", "gradcheck"):
        code, out, err = run(capsys, command, "--backward", str(exits), "--layer-dims", "2,3,1", "--m", "5")
        assert code == 1 and err == "" and "Traceback" not in out
        assert "sys.exit(0)" in out and "at exits.py:4 in model_backward" in out
    exits_on_import = tmp_path / "exits_on_import.py"
    exits_on_import.write_text("raise SystemExit(3)\n")
    code, out, err = run(capsys, "compare", "--backward", str(exits_on_import), "--layer-dims", "2,3,1")
    assert code == 1 and err == ""
    assert "importing exits_on_import.py called sys.exit()" in out and "No gradients to compare." in out
    for spec, words in (("no_such_module_xyz:f", "No module named 'no_such_module_xyz'"),
                        (str(EXAMPLES / "buggy_backward.py") + ":nope", "has no function nope")):
        code, out, err = run(capsys, "compare", "--backward", spec, "--layer-dims", "2,3,1")
        assert code == 1 and words in out, out


def test_unforeseen_errors_and_huge_sizes_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "train", "--dataset", "xor", "--layer-dims", "2,1000000000000,1", "--iterations", "1",
                         "--quiet")
    assert code == 1
    assert_one_line_error(err)


def test_bad_data_files_are_refused_with_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    empty_test = tmp_path / "empty_test.npz"
    np.savez(empty_test, X=np.ones((2, 5)), Y=[[0, 1, 0, 1, 1.0]], X_test=np.ones((2, 0)), Y_test=np.ones((1, 0)))
    code, _, err = run(capsys, "train", "--dataset", str(empty_test), "--layer-dims", "2,3,1", "--quiet")
    assert code == 1
    assert_one_line_error(err, "X_test", "no examples")
    nan = tmp_path / "nan.npz"
    np.savez(nan, X=np.full((2, 6), np.nan), Y=[[0, 1, 0, 1, 1, 0.0]])
    code, _, err = run(capsys, "train", "--dataset", str(nan), "--layer-dims", "2,3,1", "--quiet")
    assert_one_line_error(err, "NaN")
    not_zip = tmp_path / "junk.npz"
    not_zip.write_text("x")
    code, _, err = run(capsys, "train", "--dataset", str(not_zip), "--layer-dims", "2,3,1", "--quiet")
    assert_one_line_error(err, "not a .npz file")
    code, _, err = run(capsys, "train", "--dataset", str(tmp_path), "--layer-dims", "2,3,1", "--quiet")
    assert_one_line_error(err, "folder")


def test_csv_whose_first_row_is_data_with_inf_is_not_taken_for_a_header(capsys: pytest.CaptureFixture[str],
                                                                         tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("inf,1,0\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(20)))
    code, _, err = run(capsys, "train", "--dataset", str(path), "--layer-dims", "2,3,1", "--quiet")
    assert_one_line_error(err, "NaN or infinite")  # the row is read as data, and refused


def test_save_needs_npz_and_predict_works_from_another_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    data = tmp_path / "d.npz"
    X, Y = make_xor(m=40, seed=1)
    np.savez(data, X=X, Y=Y)
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "train", "--dataset", "d.npz", "--layer-dims", "2,4,1", "--iterations", "50",
                       "--quiet", "--save", "p.json", "--out", "o")
    assert_one_line_error(err, ".npz")
    code, out, err = run(capsys, "train", "--dataset", "d.npz", "--layer-dims", "2,4,1", "--iterations", "50",
                         "--quiet", "--save", "p.npz", "--out", "o")
    assert code == 0, err
    other = tmp_path / "elsewhere"
    other.mkdir()
    monkeypatch.chdir(other)
    code, out, err = run(capsys, "predict", str(tmp_path / "p.npz"))
    assert code == 0, err
    assert "train accuracy" in out


def test_demo_records_the_split_it_used(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "demo", "--dataset", "xor", "--iterations", "50", "--out", str(tmp_path / "o"))
    assert code == 0
    meta = json.loads((tmp_path / "o" / "params.json").read_text())
    test_acc = float(out.split("test accuracy = ")[1].split()[0])
    code, out, _ = run(capsys, "predict", str(tmp_path / "o" / "params.npz"))
    assert meta["split_seed"] == 0 and f"test accuracy = {test_acc:.4f}" in out


@needs("h5py", "graphviz")
def test_train_on_the_course_hdf5_files_and_draw_with_cache(capsys: pytest.CaptureFixture[str],
                                                           tmp_path: Path) -> None:
    import h5py
    rng = np.random.RandomState(0)
    for part, m in (("train", 12), ("test", 4)):  # the course's layout, with 8x8 images instead of 64x64
        with h5py.File(tmp_path / f"{part}.h5", "w") as f:
            f[f"{part}_set_x"] = rng.randint(0, 256, size=(m, 8, 8, 3)).astype(np.uint8)
            f[f"{part}_set_y"] = (np.arange(m) % 2).astype(np.int64)
            f["list_classes"] = np.array([b"non-cat", b"cat"])
    spec = f"{tmp_path / 'train.h5'},{tmp_path / 'test.h5'}"
    code, out, err = run(capsys, "train", "--dataset", spec, "--layer-dims", "192,4,1", "--iterations", "20",
                         "--quiet", "--out", str(tmp_path / "o"), "--save", str(tmp_path / "p.npz"))
    assert code == 0, err
    code, out, err = run(capsys, "predict", str(tmp_path / "p.npz"))
    assert code == 0, err
    assert re.search(r"test accuracy = \S+ \(\d/4\)", out), out  # the 4 test images of the test file
    code, _, err = run(capsys, "draw", "graph", "--show-cache", "--collapse", "no", "--format", "dot",
                       "--out", str(tmp_path / "g.dot"))
    assert code == 0, err
    assert "style=dashed" in (tmp_path / "g.dot").read_text()  # cache edges are drawn dashed
    code, _, err = run(capsys, "train", "--dataset", str(tmp_path / "train.h5"), "--layer-dims", "192,4,1")
    assert_one_line_error(err, "TRAIN.h5,TEST.h5")


# ----------------------------------------------------------------------------- one set of defaults


@pytest.mark.parametrize("argv", [["train"], ["compare"], ["gradcheck"], ["draw", "graph"]])
def test_every_command_shares_the_defaults(argv: list[str]) -> None:
    args = build_parser().parse_args(argv)
    assert args.init == DEFAULTS.init == "xavier"  # the course's L-layer application, for every command
    assert args.seed == DEFAULTS.seed == 1
    assert args.hidden_activation == "relu" and args.output_activation is None  # None: sigmoid, or softmax for classes
    assert activations(args, 2) == ["relu", "sigmoid"] and activations(args, 2, n_y=10) == ["relu", "softmax"]


def test_random_network_and_data_come_from_nn_and_lecture() -> None:
    args = build_parser().parse_args(["compare", "--layer-dims", "4,3,1", "--m", "5", "--seed", "7"])
    net, X, Y, what = net_and_data(args)
    X_ref, Y_ref = example_data([4, 3, 1], 5, seed=7)
    np.testing.assert_array_equal(X, X_ref)
    np.testing.assert_array_equal(Y, Y_ref)
    expected = DeepNetwork([4, 3, 1], init="xavier", seed=7).to_parameters()
    for k, v in net.to_parameters().items():
        np.testing.assert_array_equal(v, expected[k])
    assert "init 'xavier', seed 7" in what and "5 random examples" in what
    args = build_parser().parse_args(["gradcheck"])
    assert net_and_data(args)[0].layer_dims == DEFAULTS.lecture_dims
    assert net_and_data(args)[1].shape == (DEFAULTS.lecture_dims[0], DEFAULTS.random_m)


def test_draw_graph_pictures_the_network_of_the_given_init_on_lecture_example_data() -> None:
    for init in ("xavier", "he"):  # before, 'draw graph' and 'draw steps' ignored --init and always used he
        args = build_parser().parse_args(["draw", "graph", "--init", init, "--m", "3"])
        tensors = {t.name: t for t in topological_order(draw._example_cost(args)) if t.name}
        expected = DeepNetwork(list(DEFAULTS.picture_dims), init=init, seed=DEFAULTS.seed).to_parameters()
        np.testing.assert_array_equal(tensors["W[1]"].data, expected["W1"])
        X, Y = example_data(list(DEFAULTS.picture_dims), 3, seed=DEFAULTS.seed)
        np.testing.assert_array_equal(tensors["A[0]"].data, X)
        np.testing.assert_array_equal(tensors["Y"].data, Y)
        assert tensors["W[1]"].grad is not None and tensors["J"].ndim == 0
