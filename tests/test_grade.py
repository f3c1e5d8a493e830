"""tinygrad_edu.grade: a generated class with every status and every mistake code, each learner a
real file (or notebook) run in a real child process; the rows checked one by one; the results
independent of how many run at once; the CLI, its files and feedback()."""

import csv
import json
import os
import sys
import time
from pathlib import Path

import learners
import pytest
from learners import STEPS

from tinygrad_edu.cli import main
from tinygrad_edu.grade import STATUSES, feedback, find_submissions, grade_submissions
from tinygrad_edu.grade.submissions import notebook_code
from tinygrad_edu.runner import Limits

CORRECT = STEPS  # the course's backward as its notebook structures it (tests/learners.py)


def changed(*pairs, extra=""):
    return learners.changed(CORRECT, *pairs, extra=extra)


PATCHER = """
import tinygrad_edu.grade.verdict as verdict
import tinygrad_edu.check.compare as compare
verdict.verdict = lambda *a, **k: None
compare.report_for = lambda *a, **k: None
print("All gradients agree.")
"""

# name -> (code, status, mistake, words in the message)
CLASS = {
    "correct.py": (CORRECT, "correct", "", "All gradients agree on the 3 networks"),
    "missing_1_over_m.py": (changed(("db = np.sum(dZ, axis=1, keepdims=True) / m", "db = np.sum(dZ, axis=1, "
                                     "keepdims=True)")), "wrong", "missing_1_over_m", "the 1/m is missing"),
    "db_axis.py": (changed(("np.sum(dZ, axis=1, keepdims=True) / m", "np.sum(dZ, axis=0, keepdims=True) / m")),
                   "wrong", "db_wrong_axis", "summed over axis 0"),
    "dW_transposed.py": (changed(("np.dot(dZ, A_prev.T) / m", "np.dot(A_prev, dZ.T) / m")), "wrong", "dW_transposed",
                         "transposed"),
    "dAL_sign.py": (changed(("dAL = -(np.divide", "dAL = (np.divide")), "wrong", "dAL_sign", "wrong sign"),
    "swapped.py": (changed(('if activation == "relu":', 'if activation == "sigmoid":')), "wrong",
                   "activation_swapped", "relu and sigmoid are swapped"),
    "cache_off_by_one.py": (changed(("caches[l], \"relu\")", "caches[l + 1], \"relu\")")), "error", "cache_off_by_one",
                            "caches off by one"),
    "elementwise.py": (changed(("dA_prev = np.dot(W.T, dZ)", "dA_prev = W.T * dZ")), "error", "elementwise_not_dot",
                       "use np.dot or @, not *"),
    "strings.py": (changed(("    return grads", "    grads['dW1'] = grads['dW1'].astype(str)\n    return grads")),
                   "error", "not_numbers", "strings"),
    "loops.py": (changed(("for l in reversed(range(L - 1)):", "l = L - 2\n    while l >= 0:")), "timeout",
                 "endless_loop", "time limit of 2 s"),
    "ten_gigabytes.py": (changed(("    grads = {}", "    grads = {}\n    big = np.ones(10 * 2**30 // 8)")), "memory",
                         "huge_array", "MemoryError"),
    "exits.py": (changed(("    return grads", "    import os\n    os._exit(0)")), "crashed", "ends_process",
                 "exit code 0"),
    "patches.py": (changed(("np.dot(dZ, A_prev.T) / m", "np.dot(dZ, A_prev.T)"), extra=PATCHER), "import_error",
                   "imports_package", "cannot import tinygrad_edu"),
    "hands_in_the_package.py": ("from tinygrad_edu.manual import model_backward as L_model_backward\n",
                                "import_error", "imports_package", "cannot import tinygrad_edu"),
    "memory_at_import.py": (CORRECT + "\nbig = np.ones(10 * 2**30 // 8)\n", "memory", "memory_at_import",
                            "importing memory_at_import.py ran out of memory"),
    "returns_too_much.py": (changed(("    return grads",
                                     "    grads['extra'] = np.ones((3000, 3000))\n    return grads")),
                            "error", "too_much_returned", "more than the 64 MB read back"),
    "prints.py": (changed(("    return grads", "    import sys\n    for _ in range(100):\n"
                                              "        sys.stdout.write('x' * 1_000_000)\n    return grads")),
                  "correct", "", "All gradients agree"),
    "syntax.py": (CORRECT.replace("def L_model_backward(AL, Y, caches):", "def L_model_backward(AL, Y, caches)"),
                  "import_error", "", "not valid Python"),
    "no_function.py": (CORRECT.replace("L_model_backward", "my_backward"), "missing_function", "missing_function",
                       "no function L_model_backward or model_backward"),
}


def notebook(code_cells, markdown="# Week 4"):
    cells = [{"cell_type": "markdown", "metadata": {}, "source": [markdown]}]
    for src in code_cells:
        cells.append({"cell_type": "code", "metadata": {}, "execution_count": None,
                      "outputs": [{"output_type": "stream", "name": "stdout", "text": ["not code\n"]}],
                      "source": src.splitlines(keepends=True)})
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


NOTEBOOK = notebook(["%matplotlib inline\n!pip list\nfiles = !ls\nimport numpy as np", "%%bash\necho not Python",
                     CORRECT.replace("import numpy as np\n", "")])


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    for name, (code, *_rest) in CLASS.items():
        (folder / name).write_text(code)
    (folder / "magics.ipynb").write_text(NOTEBOOK)
    (folder / ".hidden.py").write_text("raise SystemExit")  # not a submission
    (folder / "notes.txt").write_text("not a submission")
    return folder


@pytest.fixture(scope="module")
def graded(klass):
    start = time.perf_counter()
    result = grade_submissions([klass], limits=Limits(timeout=2), workers=2)
    return result, time.perf_counter() - start


def test_every_status_and_mistake_code_is_in_the_generated_class():
    statuses = {status for _, status, _, _ in CLASS.values()}
    assert statuses == set(STATUSES)
    mistakes = {m for _, _, m, _ in CLASS.values()}
    assert {"missing_1_over_m", "db_wrong_axis", "dW_transposed", "dAL_sign", "activation_swapped",
            "cache_off_by_one", "elementwise_not_dot"} <= mistakes


def test_each_learner_gets_its_row(graded):
    result, seconds = graded
    rows = {r.submission: r for r in result.rows}
    assert sorted(rows) == sorted([*CLASS, "magics.ipynb"])  # hidden files and other suffixes are not submissions
    for name, (_, status, mistake, words) in CLASS.items():
        r = rows[name]
        assert (r.status, r.mistake) == (status, mistake), (name, r)
        assert words in r.message, (name, r.message)
        assert (r.score == 1.0) == (status == "correct"), (name, r.score)
    assert rows["missing_1_over_m.py"].first_wrong_layer == 4 and 0 < rows["missing_1_over_m.py"].score < 1
    assert rows["prints.py"].output.startswith("xxxx") and len(rows["prints.py"].output) <= 4000
    assert rows["loops.py"].seconds < 5 and "loops.py" in rows["loops.py"].details
    assert rows["magics.ipynb"].status == "correct"
    assert seconds < 60


def test_a_learner_cannot_import_the_package_or_hand_in_code_that_is_not_theirs(graded, tmp_path):
    result, _ = graded
    rows = {r.submission: r for r in result.rows}
    assert rows["patches.py"].score == 0 and rows["hands_in_the_package.py"].score == 0
    # the package's reference solution loaded by path: its code is not in the submission
    import tinygrad_edu.manual as manual

    (tmp_path / "by_path.py").write_text(
        "import importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('m', {manual.__file__!r})\n"
        "m = importlib.util.module_from_spec(spec)\nspec.loader.exec_module(m)\n"
        "L_model_backward = m.model_backward\n")
    (row,) = grade_submissions([tmp_path / "by_path.py"], workers=1).rows
    assert row.status in {"missing_function", "import_error"} and row.score == 0


def test_the_results_do_not_depend_on_how_many_run_at_once(klass, graded):
    result, _ = graded
    one = grade_submissions([klass], limits=Limits(timeout=2), workers=1)
    many = grade_submissions([klass], limits=Limits(timeout=2), workers=5)
    for a, b, c in zip(result.rows, one.rows, many.rows):
        assert a.same_verdict(b) and a.same_verdict(c), (a, b, c)


def test_the_summary_counts(graded):
    result, _ = graded
    counts = result.counts()
    assert counts["correct"] == 3 and counts["wrong"] == 5 and sum(counts.values()) == len(CLASS) + 1
    assert dict(result.mistakes())["missing_1_over_m"] == 1 and dict(result.mistakes())["imports_package"] == 2


def test_notebooks_keep_their_cells_and_lines():
    code, cells = notebook_code(notebook(["x = 1\n%time y = 2", "%%bash\nls", "%%time\nz = 3\n!ls\n  w = !ls"]))
    lines = code.split("\n")
    assert lines[0] == "x = 1" and lines[1] == "pass  # %time y = 2"
    assert "ls" not in [line.strip() for line in lines]  # the %%bash cell is left out
    assert cells[lines.index("z = 3")] == (4, 2)  # cell 4 (the markdown cell is 1), line 2
    assert lines[lines.index("z = 3") + 1] == "pass  # !ls" and lines[lines.index("z = 3") + 2] == "  pass  # w = !ls"
    with pytest.raises(ValueError, match="not JSON"):
        notebook_code("{not json")


def test_only_a_line_that_starts_a_statement_is_a_magic():
    cell = ("np.dot?\n?np.sum\nx = (7\n     % 3)\ny = (1\n!= 2)\ns = \"\"\"why?\n%not a magic\n\"\"\"\n"
            "t = 'a?'  # why?\nv = [1] \\\n  + [3]\ndef f():\n    %timeit 1\n    return 2")
    code, _ = notebook_code(notebook(["import numpy as np", cell]))
    namespace: dict = {}
    exec(compile(code, "nb", "exec"), namespace)  # valid Python, and the Python in it kept
    assert (namespace["x"], namespace["y"], namespace["s"], namespace["t"]) == (1, True, "why?\n%not a magic\n", "a?")
    assert namespace["v"] == [1, 3] and namespace["f"]() == 2
    assert "pass  # np.dot?" in code and "pass  # ?np.sum" in code and "    pass  # %timeit 1" in code


def test_an_error_in_a_notebook_names_the_cell_and_its_line(tmp_path):
    broken = CORRECT.replace("import numpy as np\n", "").replace("dA_prev = np.dot(W.T, dZ)", "dA_prev = W.T * dZ")
    (tmp_path / "nb.ipynb").write_text(notebook(["import numpy as np", broken]))
    (row,) = grade_submissions([tmp_path], limits=Limits(timeout=5), workers=1).rows
    assert row.status == "error" and row.mistake == "elementwise_not_dot"
    line = broken.splitlines().index("    dA_prev = W.T * dZ") + 1
    assert f"at nb.ipynb (cell 3):{line} in linear_backward" in row.details


def test_bad_paths_are_refused_before_anything_runs(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        find_submissions([tmp_path / "missing"])
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(ValueError, match="neither a .py file nor a .ipynb notebook"):
        find_submissions([tmp_path / "a.txt"])
    with pytest.raises(ValueError, match="no .py or .ipynb files"):
        find_submissions([tmp_path])
    (tmp_path / "a.py").write_text(CORRECT)
    assert len(find_submissions([tmp_path, tmp_path / "a.py"])) == 1  # named twice, graded once
    (tmp_path / "latin1.py").write_bytes("# caf\xe9\n".encode("latin-1"))
    (tmp_path / "nb.ipynb").write_text("[1, 2]")
    rows = {s.name: s for s in find_submissions([tmp_path])}
    assert "not UTF-8" in rows["latin1.py"].problem and "no list of cells" in rows["nb.ipynb"].problem
    graded = {r.submission: r for r in grade_submissions([tmp_path], workers=1).rows}
    assert graded["latin1.py"].status == "import_error" and graded["a.py"].status == "correct"


def test_the_course_helper_modules_can_be_imported_and_are_not_graded(tmp_path):
    support, klass = tmp_path / "course", tmp_path / "class"
    support.mkdir()
    (support / "dnn_utils.py").write_text("def relu_backward(dA, Z):\n    return dA * (Z > 0)\n")
    (klass / "ana").mkdir(parents=True)
    (klass / "ana" / "hw.ipynb").write_text(notebook(["from dnn_utils import relu_backward", CORRECT]))
    (klass / "ana" / "mine.py").write_text("K = 1\n")  # her own module, beside her notebook
    (klass / "ana" / "uses_mine.py").write_text("from mine import K\n" + CORRECT)
    (klass / "ben").mkdir()
    (klass / "ben" / "hw.py").write_text("from dnn_utils import relu_backward as L_model_backward\n")
    without = {r.submission: r for r in grade_submissions([klass], workers=2).rows}
    assert without["ana/hw.ipynb"].status == "import_error" and without["ana/hw.ipynb"].mistake == "helper_not_found"
    assert "--support" in without["ana/hw.ipynb"].message
    result = grade_submissions([klass], workers=2, support=[support], exclude=["mine.py"])
    rows = {r.submission: r for r in result.rows}
    assert sorted(rows) == ["ana/hw.ipynb", "ana/uses_mine.py", "ben/hw.py"]  # mine.py excluded
    assert rows["ana/hw.ipynb"].status == rows["ana/uses_mine.py"].status == "correct"
    assert (rows["ben/hw.py"].status, rows["ben/hw.py"].mistake) == ("missing_function", "not_own_function")
    assert result.support == ("dnn_utils.py",)
    # a support folder inside the class is not graded either
    (klass / "course").mkdir()
    (klass / "course" / "testCases.py").write_text("X = 1\n")
    assert "course/testCases.py" not in {s.name for s in find_submissions([klass], support=[klass / "course"])}
    with pytest.raises(FileNotFoundError, match="not a folder"):
        grade_submissions([klass], support=[tmp_path / "nowhere"])


def test_rows_from_several_folders_keep_their_folder(tmp_path):
    for who, code in (("alice", CORRECT), ("bob", CLASS["db_axis.py"][0])):
        (tmp_path / who).mkdir()
        (tmp_path / who / "hw.py").write_text(code)
    result = grade_submissions([tmp_path / "alice", tmp_path / "bob"], workers=2)
    assert [(r.submission, r.status) for r in result.rows] == [
        (str(tmp_path / "alice" / "hw.py"), "correct"), (str(tmp_path / "bob" / "hw.py"), "wrong")]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the fork server's subreaper is Linux's")
def test_nothing_a_learner_starts_outlives_the_grading(tmp_path):
    marker = f"{time.time_ns() % 10**6}.123"
    (tmp_path / "daemon.py").write_text(CORRECT.replace("    return grads", f"""    import os
    if os.fork() == 0:  # a daemon: its own session, its parent gone
        os.setsid()
        if os.fork() == 0:
            os.execv("/bin/sleep", ["/bin/sleep", "{marker}"])
        os._exit(0)
    return grads"""))
    (row,) = grade_submissions([tmp_path], workers=1).rows
    assert row.status == "correct"

    def sleepers():
        found = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                if marker in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
                    found.append(int(pid))
            except OSError:
                pass
        return found

    deadline = time.monotonic() + 3
    while sleepers() and time.monotonic() < deadline:
        time.sleep(0.1)
    left = sleepers()
    for pid in left:
        os.kill(pid, 9)
    assert not left


def test_the_cli_writes_csv_json_and_html_and_prints_the_summary(klass, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["grade", str(klass / "correct.py"), str(klass / "db_axis.py"), str(klass / "syntax.py"),
                 "--csv", str(out / "r.csv"), "--json", str(out / "r.json"), "--html", str(out / "r.html"),
                 "--workers", "2", "--quiet"])
    printed = capsys.readouterr().out
    assert code == 0
    assert "graded 3 submissions" in printed and "db_wrong_axis" in printed and "import_error" in printed
    rows = list(csv.DictReader((out / "r.csv").open()))
    assert [r["status"] for r in rows] == ["correct", "wrong", "import_error"]
    assert list(rows[0]) == ["submission", "status", "score", "first_wrong_layer", "mistake", "message", "seconds"]
    data = json.loads((out / "r.json").read_text())
    assert data["counts"]["wrong"] == 1 and data["seed"] == 0 and len(data["networks"]) == 3
    assert data["rows"][1]["mistake"] == "db_wrong_axis" and "Autograd vs your backward" in data["rows"][1]["details"]
    assert "<table id=\"rows\">" in (out / "r.html").read_text()
    # the outputs are checked before any work: a submission is never overwritten
    assert main(["grade", str(klass / "correct.py"), "--csv", str(klass / "correct.py")]) == 1
    assert "correct.py" in capsys.readouterr().err


def test_a_function_name_is_checked_and_used(klass, capsys):
    assert main(["grade", str(klass / "no_function.py"), "--function", "my_backward", "--quiet"]) == 0
    assert "correct" in capsys.readouterr().out
    assert main(["grade", str(klass / "correct.py"), "--function", "not a name"]) == 1
    assert "not a function name" in capsys.readouterr().err


def test_feedback_in_a_learners_notebook(capsys):
    namespace: dict = {}
    exec(CORRECT, namespace)
    row = feedback(namespace["L_model_backward"])
    assert row.status == "correct" and "Well done" in capsys.readouterr().out
    exec(CLASS["db_axis.py"][0], namespace)
    row = feedback(namespace["L_model_backward"])
    out = capsys.readouterr().out
    assert row.status == "wrong" and row.mistake == "db_wrong_axis"
    assert "summed over axis 0" in out and "It should be: db[4] = (1/m) np.sum(dZ[4], axis=1, keepdims=True)" in out
    with pytest.raises(TypeError, match="feedback"):
        feedback("L_model_backward")


def test_the_example_class_grades_as_the_readme_shows():
    from pathlib import Path

    folder = Path(__file__).resolve().parent.parent / "examples" / "class"
    result = grade_submissions([folder], limits=Limits(timeout=2))
    got = [(r.submission, r.status, r.mistake, f"{r.score:.2f}") for r in result.rows]
    assert got == [
        ("ada.py", "correct", "", "1.00"), ("bruno.py", "wrong", "missing_1_over_m", "0.67"),
        ("chen.py", "wrong", "dW_transposed", "0.67"), ("dara.py", "wrong", "db_wrong_axis", "0.67"),
        ("emil.py", "wrong", "dAL_sign", "0.00"), ("fatima.py", "wrong", "activation_swapped", "0.00"),
        ("gus.py", "error", "elementwise_not_dot", "0.00"), ("hana.py", "timeout", "endless_loop", "0.00"),
        ("ivan.ipynb", "correct", "", "1.00"), ("jules.py", "error", "cache_off_by_one", "0.00"),
    ]
    readme = (folder.parent.parent / "README.md").read_text()
    for r in result.rows:  # the README's table is this run's (the timeout's length aside)
        line = f"{r.submission:<10}  {r.status:<7}  {f'{r.score:.2f}':<5}  {r.mistake or '-':<19}  "
        assert line in readme, line


def test_an_output_is_never_written_over_a_submission_inside_a_folder(tmp_path, capsys):
    (tmp_path / "cls").mkdir()
    (tmp_path / "cls" / "ada.py").write_text(CORRECT)
    before = (tmp_path / "cls" / "ada.py").read_text()
    for force in ([], ["--force"]):
        assert main(["grade", str(tmp_path / "cls"), "--csv", str(tmp_path / "cls" / "ada.py"), *force]) == 1
        assert "ada.py" in capsys.readouterr().err
    assert (tmp_path / "cls" / "ada.py").read_text() == before
