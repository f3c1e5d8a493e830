"""The command line's promises about files (issue 12), run for real through ``main(argv)``: it never
overwrites one of its inputs, replaces only files it wrote (unless --force), checks every output
before any work, uses the split a network was trained on, and refuses files that declare too much."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest
from test_cli import assert_one_line_error, needs, read_costs, run

from tinygrad_edu.cli import build_parser
from tinygrad_edu.cli.common import DEFAULTS
from tinygrad_edu.data import load_network
from tinygrad_edu.nn import DeepNetwork


def small_data(tmp_path: Path, name: str = "data.npz", m: int = 200, seed: int = 0) -> Path:
    rng = np.random.RandomState(seed)  # noise labels: what a network learns of them is memorised
    path = tmp_path / name
    np.savez(path, X=rng.randn(3, m), Y=(rng.rand(1, m) > 0.5).astype(float))
    return path


TRAIN = ["train", "--layer-dims", "3,4,1", "--iterations", "5", "--quiet", "--no-plot"]


@pytest.mark.parametrize("command, flags", [
    ("train", ["--force", "--max-data-mb"]), ("predict", ["--force", "--max-data-mb"]),
    ("demo", ["--force", "--max-data-mb"]), ("draw", ["--force", "--max-data-mb"]),
    ("compare", ["--max-data-mb"]), ("gradcheck", ["--max-data-mb"]), ("shapes", ["--max-data-mb"]),
])
def test_commands_that_write_take_force_and_readers_take_the_size_limit(capsys: pytest.CaptureFixture[str],
                                                                         command: str, flags: list[str]) -> None:
    code, out, _ = run(capsys, command, "--help")
    assert code == 0 and all(flag in out for flag in flags)
    assert build_parser().parse_args([command, *(["x.npz"] if command == "predict" else []),
                                      *(["network"] if command == "draw" else [])]).max_data_mb == 1000


def test_a_command_never_overwrites_its_own_input(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    data = small_data(tmp_path)
    before = data.read_bytes()
    for force in ([], ["--force"]):  # not even with --force
        code, out, err = run(capsys, *TRAIN, "--dataset", "data.npz", "--out", "o", "--save", "./data.npz", *force)
        assert code == 1 and "training" not in out  # refused before any work
        assert_one_line_error(err, "--save 'data.npz'", "it is the --dataset of this command", "never overwritten")
    assert data.read_bytes() == before
    assert run(capsys, *TRAIN, "--dataset", "data.npz", "--out", "o", "--save", "p.npz")[0] == 0
    params = (tmp_path / "p.npz").read_bytes()
    for output, what in (("p.npz", "the PARAMS.npz"), ("p.json", "the sidecar of PARAMS.npz"),
                         (str(data), "the --dataset")):
        code, _, err = run(capsys, "predict", "p.npz", "--output", output, "--force")
        assert code == 1
        assert_one_line_error(err, f"it is {what} of this command")
    assert (tmp_path / "p.npz").read_bytes() == params and data.read_bytes() == before


def test_files_tinygrad_edu_did_not_write_are_replaced_only_with_force(capsys: pytest.CaptureFixture[str],
                                                                       tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    small_data(tmp_path)
    Path("notes.json").write_text('{"mine": true}')  # an unrelated file: the sidecar of --save notes.npz
    code, out, err = run(capsys, *TRAIN, "--dataset", "data.npz", "--out", "o", "--save", "notes.npz")
    assert code == 1 and "training" not in out
    assert_one_line_error(err, "the sidecar of --save 'notes.json'", "did not write", "--force replaces it")
    assert Path("notes.json").read_text() == '{"mine": true}'
    assert run(capsys, *TRAIN, "--dataset", "data.npz", "--out", "o", "--save", "notes.npz", "--force")[0] == 0
    assert json.loads(Path("notes.json").read_text())["written_by"] == "tinygrad-edu"
    assert run(capsys, *TRAIN, "--dataset", "data.npz", "--out", "o", "--save", "notes.npz")[0] == 0  # its own now
    Path("o/costs.csv").write_text("edited\n")  # changed since it was written: no longer replaced silently
    code, _, err = run(capsys, *TRAIN, "--dataset", "data.npz", "--out", "o")
    assert_one_line_error(err, "--out 'o/costs.csv'", "did not write (or that was changed since")
    Path("preds.csv").write_text("the user's\n")
    code, _, err = run(capsys, "predict", "notes.npz", "--output", "preds.csv")
    assert code == 1 and Path("preds.csv").read_text() == "the user's\n"
    assert run(capsys, "predict", "notes.npz", "--output", "preds.csv", "--force")[0] == 0
    assert Path("preds.csv").read_text().startswith("example,probability")


@needs("graphviz")
def test_demo_and_draw_replace_only_their_own_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "graph.svg").write_text("<svg>the user's</svg>")
    code, out, err = run(capsys, "demo", "--dataset", "xor", "--iterations", "5", "--out", str(tmp_path / "demo"))
    assert code == 1 and out == ""
    assert_one_line_error(err, "graph.svg", "--force")
    picture = tmp_path / "network.svg"
    picture.write_text("<svg>the user's</svg>")
    code, _, err = run(capsys, "draw", "network", "--out", str(picture))
    assert_one_line_error(err, "network.svg", "--force")
    assert run(capsys, "draw", "network", "--out", str(picture), "--force")[0] == 0
    assert run(capsys, "draw", "network", "--out", str(picture))[0] == 0  # its own now
    (tmp_path / "steps").mkdir()
    (tmp_path / "steps" / "index.html").write_text("<p>the user's page</p>")
    code, _, err = run(capsys, "draw", "steps", "--out", str(tmp_path / "steps"))
    assert_one_line_error(err, "index.html", "--force")
    assert (tmp_path / "steps" / "index.html").read_text() == "<p>the user's page</p>"


def test_every_output_location_is_checked_before_any_work(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    afile = tmp_path / "afile"
    afile.write_text("a file, not a folder")
    data = small_data(tmp_path)
    slow = ["--iterations", "1000000"]  # were anything trained first, this would take minutes
    for flags, where in ((["--out", str(afile / "sub")], "--out"),
                         (["--out", str(tmp_path / "o"), "--save", str(afile / "p.npz")], "--save")):
        code, out, err = run(capsys, "train", "--dataset", str(data), "--layer-dims", "3,4,1", "--quiet", *slow, *flags)
        assert code == 1 and out == ""
        assert_one_line_error(err, where, f"{str(afile)!r} is a file, not a folder")
        assert "Errno" not in err
    code, out, err = run(capsys, "demo", "--out", str(afile), "--iterations", "100000")
    assert code == 1 and out == ""
    assert_one_line_error(err, "--out", "it is a file, not a folder")
    code, out, err = run(capsys, "draw", "steps", "--out", str(afile / "steps"))
    assert_one_line_error(err, "is a file, not a folder")
    code, out, err = run(capsys, *TRAIN, "--dataset", str(data), "--out", str(tmp_path / "o"),
                         "--save", str(tmp_path / "o" / "history.npz"))
    assert_one_line_error(err, "the sidecar of --save", "history.json", "it is also --out")


def test_predict_uses_the_recorded_split_and_refuses_changed_data(capsys: pytest.CaptureFixture[str],
                                                                  tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    data = small_data(tmp_path, "noise.npz")
    code, _, err = run(capsys, "train", "--dataset", "noise.npz", "--layer-dims", "3,64,1", "--lr", "0.5",
                       "--iterations", "300", "--split-seed", "7", "--test-fraction", "0.5", "--quiet", "--no-plot",
                       "--out", "o", "--save", "p.npz")
    assert code == 0, err
    trained = json.loads(Path("o/history.json").read_text())
    assert json.loads(Path("p.json").read_text())["dataset_sha256"] == [hashlib.sha256(data.read_bytes()).hexdigest()]
    for extra in ([], ["--dataset", "noise.npz"], ["--dataset", str(data)]):  # the data it was trained on
        code, out, err = run(capsys, "predict", "p.npz", *extra)
        assert code == 0, err
        assert "split 100 train / 100 test (stratified, seed 7)" in out  # before: seed 0, 160 / 40 with --dataset
        assert f"test accuracy = {trained['test_accuracy']:.4f}" in out
        assert f"train accuracy = {trained['train_accuracy']:.4f}" in out and "NOTE" not in out
    Path("copy.npz").write_bytes(data.read_bytes())  # a copy under another name is still the training data
    code, out, _ = run(capsys, "predict", "p.npz", "--dataset", "copy.npz")
    assert code == 0 and "split 100 train / 100 test (stratified, seed 7)" in out
    code, out, _ = run(capsys, "predict", "p.npz", "--split-seed", "3")
    assert code == 0 and "NOTE: training split with seed 7 and test fraction 0.5" in out  # said, not silent
    other = small_data(tmp_path, "other.npz", seed=2)  # other data, under another name: said, not silent
    code, out, _ = run(capsys, "predict", "p.npz", "--dataset", str(other))
    assert code == 0 and f"NOTE: {str(other)!r} is not the data the network was trained on (" in out
    small_data(tmp_path, "noise.npz", seed=1)  # the file changed since
    code, _, err = run(capsys, "predict", "p.npz")
    assert code == 1
    assert_one_line_error(err, "the data", "noise.npz", "changed since the network in 'p.npz' was trained",
                          "'p.json' records another SHA-256")


def test_train_with_zero_iterations_saves_a_loadable_network(capsys: pytest.CaptureFixture[str],
                                                             tmp_path: Path) -> None:
    data = small_data(tmp_path)
    code, out, err = run(capsys, "train", "--dataset", str(data), "--layer-dims", "3,4,1", "--iterations", "0",
                         "--quiet", "--out", str(tmp_path / "o"), "--save", str(tmp_path / "p.npz"))
    assert code == 0, err
    assert "no iterations run" in out
    history = json.loads((tmp_path / "o" / "history.json").read_text())
    assert history["costs"] == [] and history["final_cost"] is None and history["iterations"] == 0
    assert read_costs(tmp_path / "o" / "costs.csv") == []
    net, meta = load_network(tmp_path / "p.npz")
    expected = DeepNetwork([3, 4, 1], init=DEFAULTS.init, seed=DEFAULTS.seed).to_parameters()  # the initial weights
    for k, v in net.to_parameters().items():
        np.testing.assert_array_equal(v, expected[k])
    assert run(capsys, "predict", str(tmp_path / "p.npz"))[0] == 0


def test_files_that_declare_too_much_are_refused_on_one_line(capsys: pytest.CaptureFixture[str],
                                                             tmp_path: Path) -> None:
    data = small_data(tmp_path, m=20_000)  # 480 KB of X as float64
    code, out, err = run(capsys, *TRAIN, "--dataset", str(data), "--out", str(tmp_path / "o"), "--max-data-mb", "0.1")
    assert code == 1 and "training" not in out
    assert_one_line_error(err, "data.npz' declares X (3, 20000), Y (1, 20000)", "more than the limit of 0.1 MB")
    assert run(capsys, *TRAIN, "--dataset", str(data), "--out", str(tmp_path / "o"), "--save",
               str(tmp_path / "p.npz"))[0] == 0
    code, _, err = run(capsys, "predict", str(tmp_path / "p.npz"), "--max-data-mb", "0.1")
    assert_one_line_error(err, "limit of 0.1 MB")
    code, _, err = run(capsys, "shapes", "--params", str(tmp_path / "p.npz"), "--max-data-mb", "0.0001")
    assert_one_line_error(err, "p.npz' declares W1 (4, 3)")
    fifo = tmp_path / "x.csv"
    os.mkfifo(fifo)
    code, _, err = run(capsys, *TRAIN, "--dataset", str(fifo), "--out", str(tmp_path / "o"))
    assert_one_line_error(err, "x.csv' is not a regular file: it is a FIFO (named pipe)")
