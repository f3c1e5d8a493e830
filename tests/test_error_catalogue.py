"""The catalogue of bad inputs: every error the library promises, with its type and the words a
learner needs to see in it (the operation, the shapes in lecture notation, a hint)."""

import numpy as np
import pytest

from tinygrad_edu import AnomalyError, ShapeError, Tensor, check, data, detect_anomaly, manual, nn, optim, train


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
    ("unknown activation", lambda: nn.DeepNetwork([3, 2, 1], hidden_activation="softmax"), ValueError,
     ["softmax", "relu", "sigmoid", "tanh", "linear"]),
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
    # --- files (issues 6, 7)
    ("params file missing", lambda: data.load_parameters("/nonexistent/params.npz"), FileNotFoundError,
     ["load_parameters", "/nonexistent/params.npz"]),
]


def _without_b2():
    params = manual.initialize_parameters_deep([3, 4, 1], seed=1)
    del params["b2"]
    return params


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
