"""The catalogue of bad inputs: every error the library promises, with its type and the words a
learner needs to see in it (the operation, the shapes in lecture notation, a hint)."""

import copy
import os
import shutil
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from tinygrad_edu import AnomalyError, ShapeError, Tensor, check, data, detect_anomaly, manual, nn, optim, runner, train
from tinygrad_edu.files import check_output

sys.path.insert(0, str(Path(__file__).resolve().parent))
from faults import disk_full  # noqa: E402


def net():
    return nn.DeepNetwork([3, 2, 1], seed=1)


def W(shape, name=None):
    return Tensor(np.ones(shape), requires_grad=True, name=name)


CATALOGUE = [
    # --- the Tensor and its ops (issue 2)
    ("int dtype", lambda: Tensor([1, 2], dtype=np.int64), TypeError, ["Tensor", "floating-point"]),
    ("string data", lambda: Tensor("abc"), TypeError, ["numeric"]),
    ("list of tensors", lambda: Tensor([W(1), W(1)]), TypeError, ["graph", "sum([t1, t2])"]),
    ("matmul inner dims", lambda: W((5, 3), "W[1]") @ Tensor(np.ones((4, 10)), name="A[0]"), ShapeError,
     ["matmul", "W[1] (5, 3)", "A[0] (4, 10)", "(n[l], n[l-1])", "(n[l-1], m)"]),
    ("examples in rows", lambda: W((5, 3)) @ np.ones((10, 3)), ShapeError, ["one example per column"]),
    ("bias rows", lambda: W((5, 10)) + W((3, 1), "b[1]"), ShapeError, ["add", "b[1] (3, 1)", "(n[l], 1)"]),
    ("matmul by number", lambda: W((2, 2)) @ 3.0, ShapeError, ["matmul", "use * to scale"]),
    ("reshape size", lambda: W((2, 3)).reshape(4), ShapeError, ["reshape", "(4,)"]),
    ("sum axis", lambda: W((5, 10), "dZ").sum(axis=2), ShapeError,
     ["sum", "axis 2", "axis=1 runs over the m examples"]),
    ("backward non-scalar", lambda: (W((1, 5)) * 2).backward(), ValueError,
     ["backward", "5 elements", ".sum()", ".mean()"]),
    ("backward seed shape", lambda: (W((2, 5)) * 2).backward(np.ones(5)), ShapeError, ["grad=", "(5,)", "(2, 5)"]),
    ("backward no grad", lambda: (Tensor([1.0]) * 2).backward(), RuntimeError, ["requires_grad=True", "no_grad()"]),
    ("item", lambda: W((2, 2)).item(), ValueError, ["item", "4 elements"]),
    # --- numerics (issue 7)
    ("anomaly log(0)", lambda: _in_anomaly(lambda: Tensor([0.0], name="A[2]").log()), AnomalyError,
     ["log", "-inf", "A[2] (1,)", "test_error_catalogue.py"]),
    ("anomaly backward", lambda: _in_anomaly(lambda: (Tensor([0.0, 4.0], requires_grad=True, name="x") ** 0.5)
                                             .sum().backward()), AnomalyError, ["x ** 0.5", "backward", "x (2,)"]),
    # --- the lecture toolkit (issue 3)
    ("layer_dims too short", lambda: nn.DeepNetwork([3]), ValueError, ["layer_dims", "[3, 5, 5, 3, 1]"]),
    ("layer_dims zero", lambda: nn.DeepNetwork([3, 0, 1]), ValueError, ["layer_dims", "positive integers"]),
    ("unknown activation", lambda: nn.DeepNetwork([3, 2, 1], hidden_activation="swish"), ValueError,
     ["swish", "relu", "sigmoid", "tanh", "linear", "softmax"]),
    ("softmax of one class", lambda: nn.DeepNetwork([3, 2, 1], output_activation="softmax"), ValueError,
     ["softmax", "n[L] = C >= 2", "sigmoid"]),
    ("class labels", lambda: nn.softmax_cross_entropy(nn.DeepNetwork([3, 2, 4], output_activation="softmax")(
        np.ones((3, 2))), np.array([[0, 7]])), ValueError, ["softmax_cross_entropy", "0..3", "7", "one-hot"]),
    ("one-hot columns", lambda: nn.softmax_cross_entropy(nn.DeepNetwork([3, 2, 4], output_activation="softmax")(
        np.ones((3, 2))), np.ones((4, 2))), ValueError, ["sums to 4", "one-hot"]),
    ("unknown init", lambda: nn.DeepNetwork([3, 2, 1], init="glorot"), ValueError,
     ["glorot", "he", "xavier", "small"]),
    ("X transposed", lambda: net()(np.ones((10, 3))), ShapeError, ["A[0]", "(n[0], m)", "X.T"]),
    ("Y transposed", lambda: nn.binary_cross_entropy(net()(np.ones((3, 10))), np.ones((10, 1))), ShapeError,
     ["binary_cross_entropy", "(10, 1)", "(1, 10)", "transposed"]),
    ("Y not 0/1", lambda: nn.binary_cross_entropy(net()(np.ones((3, 4))), np.array([[0, 1, 2, 1.0]])), ValueError,
     ["[0, 1]", "2.0", "-1/+1"]),
    ("AL not a probability", lambda: nn.binary_cross_entropy(W((1, 2)) * 3, np.ones((1, 2))), ValueError,
     ["probabilities", "sigmoid"]),
    ("dict missing key", lambda: check.compare_gradients({"W1": np.ones((2, 3))}, np.ones((3, 4)), np.ones((1, 4))),
     ValueError, ["missing", "'b1'"]),
    ("X/Y mismatch", lambda: check.compare_gradients(manual.initialize_parameters_deep([3, 2, 1], seed=1),
                                                     np.ones((3, 4)), np.ones((1, 5))),
     ShapeError, ["(1, 4)", "(1, 5)"]),
    ("train X/Y", lambda: train.train(net(), np.ones((3, 4)), np.ones((1, 5)), num_iterations=1), ShapeError,
     ["train", "4", "5", "(n[L], m)"]),
    ("learning rate", lambda: optim.GradientDescent([W(1)], lr=-1), ValueError, ["lr", "positive"]),
    ("dimension table", lambda: check.dimension_table([3]), ValueError, ["layer_dims"]),
    ("manual dict missing key", lambda: manual.model_forward(np.ones((3, 4)), _without_b2()), ValueError,
     ["model_forward", "missing", "'b2'"]),
    ("integer weights", lambda: nn.DeepNetwork.from_parameters(manual.initialize_parameters_deep([3, 2, 1]),
                                                               dtype=int), TypeError, ["floating-point", "truncated"]),
    # --- nothing silently wrong (issue 12)
    ("tensors in a list", lambda: Tensor([[W(1) * 3]]), TypeError, ["Tensor", "cut off from their graph", "sum("]),
    ("masked array", lambda: Tensor(np.ma.array([1.0, 2, 3], mask=[0, 1, 0])), TypeError, ["mask", ".filled(0)"]),
    ("complex data", lambda: Tensor(np.array([1 + 2j])), TypeError, ["complex"]),
    ("bool of many", lambda: bool(W((2,))), ValueError, ["bool", "(2,)", ".any()"]),
    ("copy of a result", lambda: copy.deepcopy(W((2,)) * 2), RuntimeError, ["copy", "only leaves", "detach()"]),
    ("grad= not numbers", lambda: (W((2,)) * 2).backward(grad=[None, None]), TypeError, ["backward", "grad=",
                                                                                          "numbers", "(2,)"]),
    ("parameter twice", lambda: optim.GradientDescent([W(1, "W[1]")] * 2, 0.1), ValueError,
     ["GradientDescent", "W[1]", "twice", "update it twice"]),
    ("changed in place", lambda: _in_anomaly(_write_into_W_after_forward), AnomalyError,
     ["matmul", "W[1] (2, 3)", "changed in place", "t.data = t.data - lr * t.grad"]),
    ("no examples", lambda: check.compare_gradients(manual.initialize_parameters_deep([3, 2, 1], seed=1),
                                                    np.ones((3, 0)), np.ones((1, 0))), ShapeError,
     ["compare_gradients", "(3, 0)", "m = 0"]),
    ("cost of no examples", lambda: nn.binary_cross_entropy(Tensor(np.zeros((1, 0))).sigmoid(), np.zeros((1, 0))),
     ShapeError, ["binary_cross_entropy", "m = 0"]),
    ("op cost of no examples", lambda: nn.cross_entropy(Tensor(np.zeros((1, 0))), np.zeros((1, 0))),
     ShapeError, ["cross_entropy", "(1, 0)", "m = 0", "at least one example"]),
    ("class cost of no examples", lambda: nn.categorical_cross_entropy(Tensor(np.zeros((3, 0))), np.zeros((3, 0))),
     ShapeError, ["categorical_cross_entropy", "(3, 0)", "m = 0"]),
    ("learner file missing", lambda: runner.Submission.parse("no/such/learner.py"), FileNotFoundError,
     ["--backward", "no/such/learner.py", "does not exist"]),
    ("learner limits", lambda: runner.Limits(memory_mb=10), ValueError, ["memory_mb", "at least 64", "10"]),
    # --- files (issues 6, 7)
    ("params file missing", lambda: data.load_parameters("/nonexistent/params.npz"), FileNotFoundError,
     ["load_parameters", "/nonexistent/params.npz"]),
]


def _without_b2():
    params = manual.initialize_parameters_deep([3, 4, 1], seed=1)
    del params["b2"]
    return params


def _write_into_W_after_forward():
    w = W((2, 3), "W[1]")
    J = (w @ Tensor(np.ones((3, 4)))).sum()
    w.data[0, 0] = 5.0  # into the array matmul saved
    J.backward()


def _in_anomaly(fn):
    with detect_anomaly():
        fn()


@pytest.mark.parametrize("name,fn,exc,words", CATALOGUE, ids=[c[0] for c in CATALOGUE])
def test_catalogue(name, fn, exc, words):
    with pytest.raises(exc) as e:
        fn()
    msg = str(e.value)
    for w in words:
        assert w in msg, f"{name}: {w!r} missing from: {msg}"
    assert "\n" not in msg.strip() or exc is AnomalyError  # one readable paragraph


def test_pickled_parameter_file_is_refused(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, W1=np.array([{"not": "numbers"}], dtype=object), b1=np.zeros((1, 1)))
    with pytest.raises(ValueError) as e:
        data.load_parameters(path)
    assert "pickle" in str(e.value).lower() and "W1" in str(e.value)


def test_mis_shaped_parameter_file_names_the_entry(tmp_path):
    path = tmp_path / "p.npz"
    np.savez(path, W1=np.ones((2, 3)), b1=np.zeros((3, 1)))
    with pytest.raises(ValueError) as e:
        data.load_parameters(path, expected_shapes=[3, 2])
    assert "b1" in str(e.value) and "(3, 1)" in str(e.value) and "(2, 1)" in str(e.value)


def test_nothing_passed_in_is_modified_by_the_toolkit():
    params = manual.initialize_parameters_deep([3, 4, 1], seed=3)
    X = np.random.RandomState(0).randn(3, 6)
    Y = (np.arange(6) % 2).reshape(1, 6).astype(float)
    before = {k: v.copy() for k, v in params.items()}
    X0, Y0 = X.copy(), Y.copy()
    check.compare_gradients(params, X, Y)
    manual.update_parameters(params, manual.model_backward(*manual.model_forward(X, params)[:1], Y,
                                                            manual.model_forward(X, params)[1]), 0.1)
    model = nn.DeepNetwork.from_parameters(params)
    train.train(model, X, Y, num_iterations=3, learning_rate=0.1)
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)


@pytest.mark.parametrize("damage", ["truncate", "garbage"])
def test_corrupt_parameter_file_gives_a_clear_error(tmp_path, damage):
    path = tmp_path / "p.npz"
    np.savez(path, W1=np.ones((2, 3)), b1=np.zeros((2, 1)))
    raw = path.read_bytes()
    path.write_bytes(raw[:-10] if damage == "truncate" else b"not a zip file at all")
    with pytest.raises(ValueError) as e:
        data.load_parameters(path)
    assert "load_parameters" in str(e.value) and "p.npz" in str(e.value)


def test_folder_instead_of_parameter_file(tmp_path):
    with pytest.raises(IsADirectoryError, match="folder"):
        data.load_parameters(tmp_path)


# --- files: what is read and written (issue 12). Each entry: a function of a fresh folder that makes the bad
# input and returns the call that meets it; the words that must be in the message, and those that must not.


def _file(tmp_path, name, text="x"):
    (tmp_path / name).write_text(text)
    return tmp_path / name


def _network_with_sidecar(tmp_path, sidecar):
    path = data.save_network(tmp_path / "p.npz", nn.DeepNetwork([3, 2, 1], seed=1), {})[0]
    data.sidecar_path(path).write_text(sidecar)
    return lambda: data.load_network(path)


def _fifo(tmp_path, name):
    os.mkfifo(tmp_path / name)
    return tmp_path / name


def _full_disk(tmp_path):
    def call():
        with disk_full(after=100):
            data.save_parameters(tmp_path / "p.npz", {"W1": np.ones((100, 100))})
    return call


def _stale_sidecar(tmp_path):
    a = data.save_network(tmp_path / "a.npz", nn.DeepNetwork([3, 2, 1], seed=1), {})
    b = data.save_network(tmp_path / "p.npz", nn.DeepNetwork([3, 2, 1], seed=2), {})
    shutil.copy(a[1], b[1])
    return lambda: data.load_network(b[0])


def _zeros_declared(tmp_path, **shapes):
    path = tmp_path / "d.npz"
    with zipfile.ZipFile(path, "w") as zf:
        for name, shape in shapes.items():
            with zf.open(f"{name}.npy", "w") as f:
                np.lib.format.write_array_header_1_0(f, {"descr": "<f8", "fortran_order": False, "shape": shape})
    return path


def _external_h5(tmp_path):
    h5py = pytest.importorskip("h5py")
    (tmp_path / "secret").write_bytes(bytes(48))
    for role in ("train", "test"):
        with h5py.File(tmp_path / f"{role}.h5", "w") as f:
            f.create_dataset(f"{role}_set_x", shape=(1, 4, 4, 3), dtype=np.uint8,
                             external=[(str(tmp_path / "secret"), 0, 48)])
            f[f"{role}_set_y"] = np.array([1])
            f["list_classes"] = np.array([b"non-cat", b"cat"])
    return lambda: data.load_cat_dataset(tmp_path / "train.h5", tmp_path / "test.h5")


FILE_CATALOGUE = [
    ("path merely containing .h5", lambda t: lambda: data.load_data(str(t / "my.h5files" / "d.npz")),
     FileNotFoundError, ["load_data_file", "d.npz", "does not exist"], ["HDF5", "TRAIN.h5"]),
    ("sidecar is a list", lambda t: _network_with_sidecar(t, "[1, 2]"), ValueError,
     ["load_network", "p.json", "must hold a JSON object of settings, got list"], ["AttributeError"]),
    ("sidecar split_seed", lambda t: _network_with_sidecar(t, '{"split_seed": "abc"}'), ValueError,
     ["p.json", "'split_seed' must be an integer >= 0, got 'abc'", "was it edited?"], ["SeedSequence"]),
    ("stale sidecar", _stale_sidecar, ValueError, ["'", "p.json' does not describe", "p.npz'", "SHA-256"], []),
    ("FIFO for a data file", lambda t: lambda: data.load_data_file(_fifo(t, "x.csv")), OSError,
     ["load_data_file", "x.csv", "is not a regular file: it is a FIFO (named pipe)"], ["does not exist"]),
    ("full disk", _full_disk, OSError, ["cannot write", "p.npz", "no space left on device", "free some disk space"],
     ["[Errno", "Errno 28"]),
    ("params file not a zip", lambda t: lambda: data.load_parameters(_file(t, "p.npz", "PK-ish garbage")),
     ValueError, ["load_parameters", "p.npz", "is not a .npz file"], ["allow_pickle", "pickle.load"]),
    ("data declaring too much", lambda t: lambda: data.load_data_file(
        _zeros_declared(t, X=(2, 500_000_000), Y=(1, 500_000_000))), ValueError,
     ["d.npz' declares X (2, 500000000)", "more than the limit of 1000 MB", "nothing was read", "--max-data-mb"], []),
    ("X and Y declared apart", lambda t: lambda: data.load_data_file(_zeros_declared(t, X=(2, 500_000_000),
                                                                                     Y=(1, 10))), ShapeError,
     ["d.npz", "X has m = 500000000 examples (columns) but Y has 10"], []),
    ("HDF5 external storage", _external_h5, ValueError,
     ["train.h5", "'train_set_x' keeps its data in other files (HDF5 external storage)", "in the file itself"], []),
    ("output is an input", lambda t: lambda: check_output(_file(t, "d.npz"), "--save", force=True,
                                                           inputs=[(t / "d.npz", "the --dataset")]),
     FileExistsError, ["--save", "d.npz", "it is the --dataset of this command", "never overwritten"], []),
    ("foreign file", lambda t: lambda: check_output(_file(t, "n.json"), "the sidecar of --save"), FileExistsError,
     ["the sidecar of --save", "n.json", "refusing to replace a file tinygrad-edu did not write", "--force"], []),
    ("ancestor is a file", lambda t: lambda: check_output(_file(t, "afile") / "p.npz", "--save"), NotADirectoryError,
     ["--save", "afile/p.npz", "afile' is a file, not a folder"], ["Errno 17", "File exists"]),
]


@pytest.mark.parametrize("name,build,exc,words,absent", FILE_CATALOGUE, ids=[c[0] for c in FILE_CATALOGUE])
def test_file_catalogue(tmp_path, name, build, exc, words, absent):
    call = build(tmp_path)
    with pytest.raises(exc) as e:
        call()
    msg = str(e.value)
    for w in words:
        assert w in msg, f"{name}: {w!r} missing from: {msg}"
    for w in absent:
        assert w not in msg, f"{name}: {w!r} should not be in: {msg}"
    assert "\n" not in msg.strip()  # one readable paragraph
