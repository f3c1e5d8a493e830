"""tinygrad_edu.runner: a learner's backward runs in its own process, under limits, and never
decides its own verdict; what it raised is located in the learner's file and layer, with a hint.
Every learner here is a real file run in a real child process."""

import os
import re
import sys
import textwrap
import time

import numpy as np
import pytest
from learners import LOOP, changed

from tinygrad_edu import manual
from tinygrad_edu.check import compare_gradients
from tinygrad_edu.cli import main
from tinygrad_edu.runner import Context, Failure, Limits, Submission, hint, run_backward
from tinygrad_edu.runner.hints import HINTS, match

DIMS = [4, 3, 2, 1]
FAST = Limits(timeout=5, memory_mb=512)

CORRECT = LOOP  # the course's backward written out (tests/learners.py)


def learner(tmp_path, code=CORRECT, name="learner.py", replace=()):
    """Write a learner's file: ``code`` with each (old, new) of ``replace`` applied once."""
    path = tmp_path / name
    path.write_text(changed(textwrap.dedent(code), *replace))
    return str(path)


@pytest.fixture(scope="module")
def network():
    params = manual.initialize_parameters_deep(DIMS, seed=1)
    rs = np.random.RandomState(0)
    X = rs.randn(DIMS[0], 6)
    Y = (rs.rand(1, 6) > 0.5).astype(float)
    AL, caches = manual.model_forward(X, params)
    return params, X, Y, AL, caches


def run(path, network, limits=FAST):
    _, _, Y, AL, caches = network
    return run_backward(Submission.parse(path), [(AL, Y, caches)], limits)


# ----------------------------------------------------------------------------- it returns

def test_a_correct_learner_returns_the_lectures_gradients_from_its_own_process(tmp_path, network):
    params, X, Y, AL, caches = network
    out = run(learner(tmp_path, CORRECT + "\nimport os\nPID = os.getpid()\nprint('pid', PID)\n"), network)
    assert out.status == "returned" and out.function == "L_model_backward" and out.failure is None
    assert f"pid {os.getpid()}" not in out.output and out.output.startswith("pid ")  # another process
    right = manual.model_backward(AL, Y, caches)
    (case,) = out.cases
    assert sorted(case.grads) == sorted(right)
    for k in right:
        np.testing.assert_allclose(case.grads[k], right[k], rtol=1e-12, atol=1e-15)
    assert case.reads == [2, 1, 0]  # caches[L-1] first


def test_the_same_learner_compared_in_process_and_isolated_gives_the_same_report(tmp_path, network):
    params, X, Y, _, _ = network
    path = learner(tmp_path, replace=[("np.dot(dZ, A_prev.T) / m", "np.dot(dZ, A_prev.T)")])  # missing 1/m
    namespace: dict = {}
    exec(compile(open(path).read(), path, "exec"), namespace)
    inside = compare_gradients(params, X, Y, backward=namespace["L_model_backward"])
    outside = compare_gradients(params, X, Y, backward=path)
    assert not inside.ok and not outside.ok and outside.status == "returned"
    assert [f.kind for f in inside.findings] == [f.kind for f in outside.findings] == ["missing_1_over_m"] * 3
    assert [(r.quantity, r.ok) for r in inside.rows] == [(r.quantity, r.ok) for r in outside.rows]


def test_the_older_notebooks_dA_keys_are_recognised_not_reported_as_wrong_shapes(tmp_path, network):
    params, X, Y, _, _ = network
    path = learner(tmp_path, replace=[('grads["dA" + str(l - 1)] = dA', 'grads["dA" + str(l)] = dA')])
    report = compare_gradients(params, X, Y, backward=path)
    assert report.ok, str(report)
    assert any("older notebook's keys" in n and '"dA1" .. "dA3"' in n for n in report.notes)
    # a real mistake is still found under the older keys
    path = learner(tmp_path, name="older_wrong.py", replace=[
        ('grads["dA" + str(l - 1)] = dA', 'grads["dA" + str(l)] = dA'),
        ("dA_prev = np.dot(W.T, dZ)", "dA_prev = -np.dot(W.T, dZ)")])
    report = compare_gradients(params, X, Y, backward=path)
    assert not report.ok and report.findings[0].kind == "dA_sign"


# ----------------------------------------------------------------------------- it cannot decide its own verdict

PATCHER = CORRECT.replace("/ m\n    db", "\n    db", 1) + """
import sys
import tinygrad_edu.check
import tinygrad_edu.check.report as report
report.GradientReport.ok = property(lambda self: True)
report.GradientReport.__str__ = lambda self: "All gradients agree."
tinygrad_edu.check.compare_gradients = lambda *a, **k: print("All gradients agree.")
print("All gradients agree.")
"""


def test_a_learner_that_patches_the_package_and_prints_a_pass_still_fails(tmp_path, capsys):
    path = learner(tmp_path, PATCHER)
    code = main(["compare", "--layer-dims", "4,3,2,1", "--m", "6", "--backward", path])
    out = capsys.readouterr().out
    assert code == 1
    assert "Gradients DISAGREE." in out and "dW[1] is m = 6 times too large" in out
    lines = out.splitlines()
    assert "All gradients agree." not in lines  # only as "| All gradients agree.", marked as the learner's
    assert "| All gradients agree." in lines


@pytest.mark.parametrize("how,status,words", [
    ("os._exit(0)", "exited", "exit code 0 before returning"),
    ("os._exit(3)", "exited", "exit code 3 before returning"),
    ("sys.exit(0)", "exited", "sys.exit(0)"),
    ("os.kill(os.getpid(), signal.SIGSEGV)", "killed", "SIGSEGV"),
    ("raise SystemExit", "exited", "sys.exit(None)"),
    ("raise KeyboardInterrupt", "raised", "KeyboardInterrupt"),
    ("raise GeneratorExit('bye')", "raised", "GeneratorExit: bye"),
    ("raise BaseException('base')", "raised", "BaseException: base"),
])
def test_a_learner_that_ends_its_process_or_raises_anything_is_reported_as_that(tmp_path, capsys, network, how,
                                                                                  status, words):
    code = "import os, sys, signal\ndef L_model_backward(AL, Y, caches):\n    caches[2]\n    " + how + "\n"
    path = learner(tmp_path, code)
    exit_code = main(["compare", "--layer-dims", "4,3,2,1", "--m", "6", "--backward", path])
    captured = capsys.readouterr()
    assert exit_code == 1 and "Traceback" not in captured.out + captured.err
    assert words in captured.out
    out = run(path, network)
    assert out.status == status
    if status == "raised":  # located in the learner's file, in layer 3 (it read caches[2])
        assert (out.failure.file, out.failure.line, out.failure.layer) == ("learner.py", 4, 3)


def test_an_endless_loop_times_out_with_the_line_it_was_running(tmp_path, network):
    path = learner(tmp_path, "def L_model_backward(AL, Y, caches):\n    l = 3\n    while l > 0:\n"
                             "        grads = {}\n    return grads\n")
    start = time.perf_counter()
    out = run(path, network, Limits(timeout=1))
    assert time.perf_counter() - start < 4
    assert out.status == "timeout" and "time limit of 1 s" in out.failure.message
    assert out.failure.file == "learner.py" and out.failure.line in (3, 4)
    assert "endless loop" in hint(out.failure)


def test_a_learner_that_starts_processes_leaves_none_behind(tmp_path, network):
    code = """
import subprocess, time
def L_model_backward(AL, Y, caches):
    p = subprocess.Popen(["sleep", "60"])
    print("pid", p.pid, flush=True)
    time.sleep(60)
"""
    out = run(learner(tmp_path, code), network, Limits(timeout=1))
    assert out.status == "timeout"
    pid = int(re.search(r"pid (\d+)", out.output).group(1))
    time.sleep(0.2)
    try:  # gone, or a zombie waiting for init to reap it (dead either way)
        state = open(f"/proc/{pid}/status").read().split("State:")[1].split()[0]
    except FileNotFoundError:
        state = "gone"
    assert state in ("gone", "Z"), state


def test_where_landlock_is_available_the_learner_writes_only_its_scratch_folder(tmp_path, network):
    outside = tmp_path / "written_by_the_learner"
    code = f"""
import os, socket
def L_model_backward(AL, Y, caches):
    for path in ({str(outside)!r}, "inside_scratch.txt"):
        try:
            open(path, "w").write("x")
            print("wrote", path)
        except OSError as e:
            print("refused", path, e.errno)
    try:
        os.kill(os.getppid(), 0)
        print("may signal the parent")
    except OSError as e:
        print("may not signal the parent")
    return {{}}
"""
    out = run(learner(tmp_path, code), network)
    if not out.sandbox.startswith("landlock"):
        pytest.skip(f"no Landlock here: {out.sandbox}")
    assert out.status == "returned"
    assert f"refused {outside} 13" in out.output and not outside.exists()
    assert "wrote inside_scratch.txt" in out.output
    if "signals" in out.sandbox:
        assert "may not signal the parent" in out.output


def test_memory_beyond_the_limit_is_reported_as_memory(tmp_path, network):
    code = "import numpy as np\ndef L_model_backward(AL, Y, caches):\n    big = np.ones((100_000, 100_000))\n"
    out = run(learner(tmp_path, code), network, Limits(memory_mb=300))
    assert out.status == "memory" and out.failure.kind == "MemoryError"
    assert (out.failure.file, out.failure.line) == ("learner.py", 3)
    assert "--memory" in hint(out.failure)


def test_a_flood_of_output_is_cut_to_the_limit_and_counted(tmp_path, network):
    code = CORRECT + "\nimport sys\nfor _ in range(100):\n    sys.stdout.write('x' * 1_000_000)\n"
    out = run(learner(tmp_path, code), network, Limits(output_kb=4))
    assert out.status == "returned"
    assert out.output_bytes >= 100_000_000 and len(out.output) < 5000 and "more bytes not kept" in out.output


def test_the_learners_environment_holds_none_of_the_parents(tmp_path, network, monkeypatch):
    monkeypatch.setenv("TINYGRAD_EDU_SECRET", "s3cret")
    code = CORRECT + "\nimport os\nprint(sorted(os.environ))\nprint(os.getcwd())\n"
    out = run(learner(tmp_path, code), network)
    assert "TINYGRAD_EDU_SECRET" not in out.output and str(tmp_path) not in out.output.splitlines()[-1]


# ----------------------------------------------------------------------------- what it returned

def test_values_that_are_not_numbers_are_named_not_fed_to_numpy(tmp_path, network):
    params, X, Y, _, _ = network
    code = CORRECT.replace("    return grads", "    grads['dW1'] = np.array([['a'] * 4] * 3)\n"
                                                "    grads['db1'] = [[1.0], [2.0, 3.0]]\n    return grads")
    report = compare_gradients(params, X, Y, backward=learner(tmp_path, code))
    rows = {r.quantity: r for r in report.rows}
    assert not report.ok
    assert rows["dW[1]"].note == "'dW1' is strings (dtype <U1), not numbers"
    assert "not an array of one shape" in rows["db[1]"].note
    assert rows["dW[2]"].ok and rows["dA[0]"].ok


@pytest.mark.parametrize("body,words", [("return None", "returned None"), ("return [1, 2]", "returned a list")])
def test_a_return_value_that_is_not_a_dict_is_bad_output(tmp_path, network, body, words):
    out = run(learner(tmp_path, f"def L_model_backward(AL, Y, caches):\n    {body}\n"), network)
    assert out.status == "bad_output" and words in out.failure.message


def test_an_import_that_fails_or_a_missing_function_is_reported(tmp_path, network):
    out = run(learner(tmp_path, "def L_model_backward(AL, Y, caches)\n    return {}\n"), network)
    assert out.status == "import_error" and (out.failure.file, out.failure.line) == ("learner.py", 1)
    assert "not valid Python" in out.failure.message
    out = run(learner(tmp_path, "import sys\nsys.exit(1)\n"), network)
    assert out.status == "import_error" and "if __name__ == '__main__'" in out.failure.message
    out = run(learner(tmp_path, "def helper():\n    pass\ndef backward_pass(AL, Y, caches):\n    pass\n"), network)
    assert out.status == "missing_function"
    assert "L_model_backward or model_backward" in out.failure.message
    assert "backward_pass, helper" in out.failure.message
    assert run(learner(tmp_path, CORRECT) + ":linear_backward", network).status == "raised"  # wrong arguments


def test_the_first_default_name_found_is_used_and_a_named_function_wins(tmp_path, network):
    code = CORRECT + "\ndef model_backward(AL, Y, caches):\n    return {}\n"
    assert run(learner(tmp_path, code), network).function == "L_model_backward"
    assert run(learner(tmp_path, code) + ":model_backward", network).function == "model_backward"


@pytest.mark.parametrize("spec,error,words", [
    ("", ValueError, "empty"),
    ("missing.py", FileNotFoundError, "does not exist"),
    ("a b", ValueError, "neither a .py file nor a module name"),
])
def test_bad_submissions_are_refused_before_anything_runs(spec, error, words):
    with pytest.raises(error, match=words):
        Submission.parse(spec)


# ----------------------------------------------------------------------------- where and why it failed

# a learner's line for each row of HINTS that a learner's code can reach (by the row's code and
# pattern), and the words of the hint
HINT_CASES = {
    ("dot_not_elementwise", 0): ([("dZ = dA * (Z > 0)", "dZ = np.dot(dA, (Z > 0))")], "element by element (use *)"),
    ("missing_transpose", 1): ([("np.dot(dZ, A_prev.T) / m", "np.dot(dZ, A_prev) / m")], "A_prev.T"),
    ("missing_transpose", 2): ([("np.dot(dZ, A_prev.T) / m", "(dZ @ A_prev) / m")], "A_prev.T"),
    ("elementwise_not_dot", 3): ([("dA_prev = np.dot(W.T, dZ)", "dA_prev = W.T * dZ")], "use np.dot or @, not *"),
    ("dA_keys", 4): ([('linear_backward(dZ, linear_cache)',
                       'linear_backward(dZ, linear_cache)\n        grads["dA" + str(l + 1)]')], "older notebook"),
    ("cache_index", 5): ([("caches[l - 1]", "caches[l]")], "caches[l-1]"),
    ("cache_layout", 6): ([("A_prev, W, b = cache", "A_prev, W, b, Z = cache")], "((A_prev, W, b), Z)"),
    ("cache_layout", 7): ([("linear_cache, Z = caches[l - 1]", "Z, linear_cache = caches[l - 1]")],
                          "((A_prev, W, b), Z)"),
    ("numpy_not_imported", 8): ([("import numpy as np", "")], "import numpy as np"),
}


def test_every_hint_a_learners_code_can_reach_has_a_test_row():
    reachable = [(row.code, i) for i, row in enumerate(HINTS) if row.status == "raised"]
    assert sorted(HINT_CASES) == sorted(reachable)


@pytest.mark.parametrize("row", sorted(HINT_CASES), ids=lambda r: f"{r[0]}-{r[1]}")
def test_each_hint_is_given_for_the_mistake_it_is_written_for(tmp_path, network, row):
    params, X, Y, _, _ = network
    replace, words = HINT_CASES[row]
    report = compare_gradients(params, X, Y, backward=learner(tmp_path, replace=replace))
    f = report.failure
    assert f is not None and f.status == "raised", report
    code, index = row
    assert match(f, Context(DIMS, 6)) == (code, HINTS[index].write(f, re.search(HINTS[index].pattern, f.message),
                                                                  Context(DIMS, 6)))
    assert words in f.hint, f.hint
    assert f.file == "learner.py" and f.code and f.code.strip() in open(tmp_path / "learner.py").read()


def test_the_failing_layer_file_line_and_shapes_in_lecture_terms(tmp_path, capsys):
    # only layer 2's step is wrong (relu layers use a broken product); layer 3 = L goes through
    path = learner(tmp_path, replace=[("dZ = dA * (Z > 0)", "dZ = np.dot(dA, (Z > 0))")])
    code = main(["compare", "--layer-dims", "4,3,2,1", "--m", "6", "--backward", path])
    out = capsys.readouterr().out
    assert code == 1
    line = open(path).read().splitlines().index("            dZ = np.dot(dA, (Z > 0))") + 1
    assert f"at learner.py:{line} in L_model_backward: dZ = np.dot(dA, (Z > 0))" in out
    assert "while processing layer 2 (the last cache it read was caches[1])" in out
    assert "two arrays of the same shape were multiplied as matrices" in out  # (n[2], m) by (n[2], m)


def test_a_shape_is_named_in_lecture_terms_only_when_it_is_unambiguous():
    from tinygrad_edu.runner.hints import shape_in_lecture_terms

    assert shape_in_lecture_terms((3, 5), Context([4, 3, 2, 1], 5)) == "(3, 5) = (n[1], m)"
    assert shape_in_lecture_terms((4, 5), Context([4, 3, 4, 1], 5)) == "(4, 5)"  # n[0] or n[2]
    assert shape_in_lecture_terms((1, 1), Context([4, 3, 2, 1], 1)) == "(1, 1)"  # n[3] or m


def test_a_failure_from_the_child_is_read_as_untrusted_text():
    f = Failure.from_json({"status": "hacked", "kind": 3, "message": "x" * 100_000, "line": "12", "layer": True})
    assert f.status == "raised" and f.kind == "3" and len(f.message) < 5000 and f.line is None and f.layer is None
    assert Failure.from_json(["not", "a", "dict"]) is None


def test_limits_are_checked():
    with pytest.raises(ValueError, match="memory_mb must be a number of at least 64"):
        Limits(memory_mb=10)
    with pytest.raises(ValueError, match="timeout"):
        Limits(timeout=float("nan"))


def test_cli_limits_flags(tmp_path, capsys):
    path = learner(tmp_path, "def L_model_backward(AL, Y, caches):\n    while True:\n        pass\n")
    start = time.perf_counter()
    code = main(["gradcheck", "--layer-dims", "4,3,1", "--m", "5", "--backward", path, "--timeout", "1.5"])
    out = capsys.readouterr().out
    assert code == 1 and time.perf_counter() - start < 4
    assert "did not finish within the time limit of 1.5 s" in out and re.search(r"learner\.py:[23] in", out)
    assert main(["compare", "--backward", path, "--memory", "10"]) == 1
    assert "--memory: at least 64 MB" in capsys.readouterr().err


# ----------------------------------------------------------------------------- how the child is started

@pytest.mark.parametrize("code", [CORRECT, "def L_model_backward(AL, Y, caches):\n    caches[1]\n    1 / 0\n",
                                  "import os\ndef L_model_backward(AL, Y, caches):\n    os._exit(4)\n",
                                  CORRECT + "\nprint('at import')\n"])
def test_a_forked_child_and_a_fresh_interpreter_give_the_same_outcome(tmp_path, network, code):
    path = learner(tmp_path, code)
    case = (network[3], network[2], network[4])
    forked, spawned = (run_backward(Submission.parse(path), [case] * 2, FAST, launcher=how)
                       for how in ("fork", "spawn"))
    assert forked.status == spawned.status and forked.output == spawned.output
    assert forked.failure == spawned.failure
    for a, b in zip(forked.cases, spawned.cases):
        assert a.reads == b.reads and sorted(a.grads) == sorted(b.grads)
        for k in a.grads:
            np.testing.assert_array_equal(a.grads[k], b.grads[k])


def test_a_fork_server_that_died_is_replaced(tmp_path, network):
    from tinygrad_edu.runner import zygote

    path = learner(tmp_path)
    assert run(path, network).status == "returned"
    server = zygote._SERVERS[(str(os.getpid()),)]
    server.proc.kill()
    server.proc.wait()
    time.sleep(0.1)
    assert run(path, network).status == "returned"
    assert zygote._SERVERS[(str(os.getpid()),)] is not server


def test_a_report_the_learner_writes_itself_is_not_a_pass(tmp_path, network, capsys):
    """The child's out.json is the runner's channel: a learner that writes one (no results) and
    ends its process gets bad_output, never 'All gradients agree'."""
    fake = """
    def model_backward(AL, Y, caches):
        import json, os
        import numpy as np
        np.savez("out.npz")
        with open("out.json", "w") as f:
            json.dump({"function": "model_backward", "failure": None, "cases": []}, f)
        os._exit(0)
    """
    path = learner(tmp_path, fake, name="fake.py")
    outcome = run(path, network)
    assert outcome.status == "bad_output" and "0 results for 1 networks" in outcome.failure.message
    assert main(["gradcheck", "--backward", path, "--layer-dims", "4,3,2,1"]) == 1
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_ctrl_c_or_sigterm_leaves_no_learner_process_behind(tmp_path, sig):
    import signal
    import subprocess

    sleeper = learner(tmp_path, "def model_backward(AL, Y, caches):\n    import time\n    time.sleep(1000)\n",
                      name="sleeper.py")
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch)}
    proc = subprocess.Popen([sys.executable, "-m", "tinygrad_edu", "compare", "--backward", sleeper,
                             "--timeout", "60"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def in_scratch():
        found = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                if os.readlink(f"/proc/{pid}/cwd").startswith(str(scratch)):
                    found.append(int(pid))
            except OSError:
                pass
        return found

    deadline = time.monotonic() + 30
    while not in_scratch() and time.monotonic() < deadline:  # the learner's process is running
        time.sleep(0.05)
    assert in_scratch()
    proc.send_signal(getattr(signal, sig))
    proc.wait(timeout=20)
    deadline = time.monotonic() + 5
    while in_scratch() and time.monotonic() < deadline:
        time.sleep(0.05)
    left = in_scratch()
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left
