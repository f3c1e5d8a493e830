"""tinygrad_edu.train: the training loop against the course's loop in plain numpy, the recording
rule, predictions, and the warning for a parameter that gets no gradient."""

import copy

import numpy as np
import pytest

from tinygrad_edu import ShapeError, manual
from tinygrad_edu.nn import DeepNetwork, Linear, Module
from tinygrad_edu.optim import Momentum
from tinygrad_edu.train import accuracy, predict, train


def blobs(n0=3, m=40, seed=0):
    rs = np.random.RandomState(seed)
    X = rs.randn(n0, m)
    Y = (X[0:1] + 0.5 * X[1:2] > 0).astype(float)
    return X, Y


@pytest.mark.parametrize(
    "dims,init,lr", [([3, 5, 4, 1], "he", 0.1), ([3, 4, 1], "xavier", 0.3), ([3, 1], "small", 1.0)]
)
def test_same_cost_history_as_the_manual_loop(dims, init, lr):
    """Must hold: training DeepNetwork and training with manual from the same seed give the same
    cost history (and the same parameters)."""
    X, Y = blobs()
    net = DeepNetwork(dims, init=init, seed=3)
    history = train(net, X, Y, num_iterations=300, learning_rate=lr, record_every=20)
    params, costs = manual.L_layer_model(X, Y, dims, lr, num_iterations=300, init=init, seed=3, record_every=20)
    assert history.iterations == list(range(0, 300, 20))
    np.testing.assert_allclose(history.costs, costs, rtol=1e-12, atol=0)
    assert history.costs[-1] < history.costs[0]
    for l, layer in enumerate(net.layers, 1):
        np.testing.assert_allclose(layer.W.data, params[f"W{l}"], rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(layer.b.data, params[f"b{l}"], rtol=1e-10, atol=1e-13)


def test_costs_are_recorded_before_the_update():
    X, Y = blobs()
    net = DeepNetwork([3, 4, 1], seed=0)
    p0 = net.to_parameters()
    history = train(net, X, Y, num_iterations=3, learning_rate=0.5, record_every=2)
    assert history.iterations == [0, 2]
    AL, _ = manual.model_forward(X, p0)
    assert history.costs[0] == pytest.approx(manual.compute_cost(AL, Y), rel=1e-13)  # the initial parameters
    # iteration 2 is recorded with the parameters after two updates
    p = p0
    for _ in range(2):
        AL, caches = manual.model_forward(X, p)
        p = manual.update_parameters(p, manual.model_backward(AL, Y, caches), 0.5)
    AL, _ = manual.model_forward(X, p)
    assert history.costs[1] == pytest.approx(manual.compute_cost(AL, Y), rel=1e-12)
    assert history.final_cost == pytest.approx(history.costs[1], rel=1e-15)  # the last iteration was 2


def test_print_cost_prints_like_the_course(capsys):
    X, Y = blobs()
    net = DeepNetwork([3, 1], seed=0)
    history = train(net, X, Y, num_iterations=5, learning_rate=0.1, record_every=2, print_cost=True)
    out = capsys.readouterr().out.splitlines()
    assert out == [f"Cost after iteration {i}: {c}" for i, c in zip(history.iterations, history.costs)]
    assert len(out) == 3


def test_other_optimizer_and_callback():
    X, Y = blobs()
    net = DeepNetwork([3, 4, 1], seed=0)
    seen = []
    history = train(net, X, Y, num_iterations=50, optimizer=Momentum(net, 0.1), callback=lambda i, c: seen.append(i))
    assert seen == list(range(50))
    assert history.final_cost < history.costs[0]


def test_inputs_are_not_modified_and_bad_shapes_raise():
    X, Y = blobs(m=10)
    saved = copy.deepcopy((X, Y))
    net = DeepNetwork([3, 2, 1], seed=0)
    train(net, X, Y, num_iterations=3)
    np.testing.assert_array_equal(X, saved[0])
    np.testing.assert_array_equal(Y, saved[1])
    with pytest.raises(ShapeError, match=r"X has m = 10 examples \(columns\) but Y has 9"):
        train(net, X, Y[:, :9], num_iterations=1)
    with pytest.raises(ShapeError, match=r"Y\.reshape\(1, -1\)"):
        train(net, X, Y[0], num_iterations=1)
    with pytest.raises(ValueError, match=r"labels in \[0, 1\]"):
        train(net, X, Y * 2, num_iterations=1)
    with pytest.raises(ValueError, match="num_iterations"):
        train(net, X, Y, num_iterations=-1)
    with pytest.raises(ValueError, match="record_every"):
        train(net, X, Y, num_iterations=1, record_every=0)


def test_warns_when_a_parameter_gets_no_gradient():
    class Unused(Module):
        def __init__(self):
            self.used = Linear(3, 1, seed=0, layer=1)
            self.spare = Linear(3, 1, seed=1, layer=2)

        def forward(self, X):
            return self.used(X).sigmoid()

    X, Y = blobs()
    model = Unused()
    spare_W = model.spare.W.data
    with pytest.warns(UserWarning, match=r"W\[2\] \(1, 3\), b\[2\] \(1, 1\) got no gradient"):
        train(model, X, Y, num_iterations=3, learning_rate=0.1)
    assert model.spare.W.data is spare_W  # skipped by the optimizer


def test_predict_and_accuracy():
    net = DeepNetwork([1, 1], seed=0)
    net.layers[0].W.data = np.array([[1.0]])
    net.layers[0].b.data = np.array([[0.0]])
    X = np.array([[-2.0, -0.1, 0.0, 0.1, 3.0]])  # A = sigmoid(x): 0.5 exactly at x = 0
    np.testing.assert_array_equal(predict(net, X), [[0, 0, 0, 1, 1]])  # > 0.5, as in the course
    np.testing.assert_array_equal(predict(net, X, threshold=0.2), [[0, 1, 1, 1, 1]])
    Y = np.array([[0, 1, 0, 1, 0]])
    assert accuracy(net, X, Y) == pytest.approx(3 / 5)
    X2, Y2 = blobs(m=200)
    net2 = DeepNetwork([3, 1], seed=0)
    train(net2, X2, Y2, num_iterations=300, learning_rate=1.0)
    assert accuracy(net2, X2, Y2) > 0.95  # a linearly separable set
