"""A softmax output through the whole toolkit: the network and its cost (one-hot and integer
labels), the fused dZ[L] = (A[L] - Y)/m, the course-style functions, the comparison with the
lecture's equations and the diagnosis of the sigmoid's derivative used on a softmax layer,
training, prediction and accuracy by argmax, the digits' ten classes, the dimension table, the
drawings, explain and the jit."""

import numpy as np
import pytest
from numgrad import check_grads

from tinygrad_edu import Tensor, explain, jit, manual, nn, optim
from tinygrad_edu.check import compare_gradients, dimension_table
from tinygrad_edu.cli import main
from tinygrad_edu.train import accuracy, predict, train

DIMS = [4, 5, 3]


def problem(m=7, seed=0):
    rs = np.random.RandomState(seed)
    X = rs.randn(DIMS[0], m)
    labels = rs.randint(DIMS[-1], size=m)
    return X, np.eye(DIMS[-1])[:, labels], labels.reshape(1, -1)


def test_the_cost_with_one_hot_or_integer_labels_and_its_fused_gradient():
    net = nn.DeepNetwork(DIMS, output_activation="softmax", seed=1)
    X, Y, labels = problem()
    A = net(X)
    J1, J2 = nn.softmax_cross_entropy(A, Y), nn.softmax_cross_entropy(net(X), labels.astype(float))
    assert J1.op == "categorical_cross_entropy" and J1._ctx.fused
    expected = -np.sum(Y * np.log(A.data)) / X.shape[1]
    assert J1.item() == pytest.approx(expected, rel=1e-14) and J2.item() == J1.item()
    Z = A._ctx.parents[0]
    J1.backward()
    np.testing.assert_allclose(Z.grad, (A.data - Y) / X.shape[1], rtol=1e-13, atol=1e-17)  # dZ[L] = (A[L] - Y)/m
    assert A.grad is None  # fused: no gradient through A[L]


def test_gradients_against_central_differences_fused_and_not():
    X, Y, _ = problem(5)
    check_grads(lambda z: nn.softmax_cross_entropy(z.softmax(), Y), np.random.RandomState(3).randn(3, 5))
    check_grads(lambda z: nn.softmax_cross_entropy(z.exp() / z.exp().sum(axis=0, keepdims=True), Y),
                np.random.RandomState(4).randn(3, 5))  # an A[L] not made by softmax: the unfused path


def test_the_course_functions_agree_with_autograd():
    params = manual.initialize_parameters_deep(DIMS, seed=2)
    X, Y, _ = problem()
    AL, caches = manual.model_forward(X, params, output_activation="softmax")
    grads = manual.model_backward(AL, Y, caches, output_activation="softmax", keep_dZ=True)
    np.testing.assert_allclose(grads["dZ2"], AL - Y, rtol=1e-12, atol=1e-15)  # the softmax Jacobian on -Y/A
    net = nn.DeepNetwork.from_parameters(params, output_activation="softmax")
    J = net.cost(net(X), Y)
    J.backward()
    assert float(J.data) == pytest.approx(float(manual.compute_categorical_cost(AL, Y)), rel=1e-14)
    for l, layer in enumerate(net.layers, start=1):
        np.testing.assert_allclose(layer.W.grad, grads[f"dW{l}"], rtol=1e-12, atol=1e-16)
        np.testing.assert_allclose(layer.b.grad, grads[f"db{l}"], rtol=1e-12, atol=1e-16)
    A, cache = manual.softmax(np.array([[1000.0, 0.0], [999.0, 0.0]]))
    np.testing.assert_allclose(A.sum(axis=0), 1.0)
    np.testing.assert_array_equal(cache, [[1000.0, 0.0], [999.0, 0.0]])


def test_compare_and_the_diagnosis_of_the_sigmoids_derivative_on_a_softmax_layer():
    net = nn.DeepNetwork([4, 5, 3], output_activation="softmax", seed=3)
    X, Y, labels = problem(9, seed=2)
    report = compare_gradients(net, X, labels)  # integer labels are made one-hot
    assert report.ok, str(report)

    def sigmoid_derivative(AL, Y, caches):
        (A1, W2, b2), Z2 = caches[1]
        dAL = -Y / AL  # the categorical cost's dA[L] ...
        dZ2 = dAL * AL * (1 - AL)  # ... through the sigmoid's derivative instead of the softmax's
        m = Y.shape[1]
        grads = {"dW2": dZ2 @ A1.T / m, "db2": dZ2.sum(axis=1, keepdims=True) / m, "dA1": W2.T @ dZ2}
        g = manual.linear_activation_backward(grads["dA1"], caches[0], "relu")
        grads["dA0"], grads["dW1"], grads["db1"] = g
        return grads

    report = compare_gradients(net, X, Y, backward=sigmoid_derivative)
    assert not report.ok and report.first_bad_layer == 2
    f = report.findings[0]
    assert f.kind == "activation_swapped" and "the sigmoid's derivative in a softmax layer" in f.message


def test_train_predict_accuracy_by_argmax():
    X, Y, labels = problem(40, seed=5)
    net = nn.DeepNetwork(DIMS, output_activation="softmax", seed=1)
    history = train(net, X, labels, num_iterations=300, learning_rate=0.5)  # integer labels
    assert history.costs[-1] < history.costs[0]
    pred = predict(net, X)
    assert pred.shape == Y.shape and np.all(pred.sum(axis=0) == 1)
    acc = accuracy(net, X, Y)
    assert acc == accuracy(net, X, labels) == float(np.mean(np.argmax(pred, axis=0) == labels[0]))


def test_the_ten_digits_train_all_ten_classes():
    pytest.importorskip("sklearn")
    from tinygrad_edu.data import load_dataset

    d = load_dataset("digits")
    assert d.Y_train.shape[0] == 10 and np.all(d.Y_train.sum(axis=0) == 1) and d.n_y == 10
    net = nn.DeepNetwork([64, 32, 10], output_activation="softmax", seed=1)
    train(net, d.X_train, d.Y_train, num_iterations=300, learning_rate=0.5)  # a reduced run
    assert accuracy(net, d.X_test, d.Y_test) >= 0.90


def test_the_command_line_trains_the_digits_with_a_softmax(tmp_path, capsys):
    pytest.importorskip("sklearn")
    code = main(["train", "--dataset", "digits", "--layer-dims", "64,16,10", "--iterations", "100", "--lr", "0.5",
                 "--out", str(tmp_path), "--save", str(tmp_path / "p.npz"), "--quiet", "--no-plot"])
    out = capsys.readouterr().out
    assert code == 0 and "activations = ['relu', 'softmax']" in out and "ten classes" in out
    acc = float(out.split("test accuracy = ")[1].split()[0])
    assert acc > 0.8
    assert main(["predict", str(tmp_path / "p.npz"), "--output", str(tmp_path / "pred.csv")]) == 0
    rows = (tmp_path / "pred.csv").read_text().splitlines()
    assert rows[0] == "example,probability,prediction,label" and all(0 <= int(r.split(",")[2]) <= 9 for r in rows[1:])
    assert main(["shapes", "--params", str(tmp_path / "p.npz")]) == 0
    assert "10 = C" in capsys.readouterr().out


def test_the_dimension_table_names_C():
    text = str(dimension_table([64, 32, 10], output_activation="softmax"))
    assert "n[L] = C = 10 classes" in text and "10 = C" in text


def test_the_drawing_shows_C():
    pytest.importorskip("graphviz")
    from tinygrad_edu.viz import draw_graph

    net = nn.DeepNetwork([3, 4, 3], output_activation="softmax", seed=0)
    X, Y, _ = problem(5)
    J = net.cost(net(X[:3]), Y)
    J.backward()
    source = draw_graph(J).source
    assert 'label="Z[2]\\n(C=3, 5)"' in source and 'label="A[2]\\n(C=3, 5)"' in source
    assert 'label="W[2]\\n(C=3, 4)"' in source and 'label="Z[1]\\n(4, 5)"' in source  # n[1] = 4 is not C
    assert "label=softmax" in source


def test_explain_and_jit_on_a_softmax_network():
    net = nn.DeepNetwork(DIMS, output_activation="softmax", seed=1)
    X, Y, _ = problem()
    e = explain(net.cost(net(X), Y))
    assert str(e).splitlines()[3] == "dZ[2] = A[2] - Y" and e.check().worst <= 1e-12
    opt = optim.Adam(net.parameters(), 0.01)
    eager_net = nn.DeepNetwork(DIMS, output_activation="softmax", seed=1)
    eager_opt = optim.Adam(eager_net.parameters(), 0.01)

    def step(model, o):
        def run(Xt):
            o.zero_grad()
            J = model.cost(model(Xt), Y)
            J.backward()
            o.step()
            return J
        return run

    jitted, eager = jit(step(net, opt)), step(eager_net, eager_opt)
    Xt = Tensor(X)
    assert [jitted(Xt).item() for _ in range(50)] == [eager(Xt).item() for _ in range(50)]
