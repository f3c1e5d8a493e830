"""tinygrad_edu.nn: Module, Linear, DeepNetwork (names, seeded init, activations) and the cost."""

import copy
import doctest

import numpy as np
import pytest
from numgrad import numerical_grad

from tinygrad_edu import ShapeError, Tensor, no_grad, topological_order
from tinygrad_edu.nn import DeepNetwork, Linear, Module, binary_cross_entropy


def bce(AL, Y):
    m = AL.shape[1]
    return -np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m


# ----------------------------------------------------------------------------- Linear


def test_linear_shapes_values_and_gradients():
    lin = Linear(3, 2, init="small", seed=0, layer=1)
    assert lin.W.shape == (2, 3) and lin.b.shape == (2, 1)
    np.testing.assert_array_equal(lin.W.data, np.random.RandomState(0).randn(2, 3) * 0.01)
    np.testing.assert_array_equal(lin.b.data, np.zeros((2, 1)))
    assert (lin.W.name, lin.b.name) == ("W[1]", "b[1]")
    A = np.random.RandomState(1).randn(3, 5)
    lin.b.data = np.array([[0.5], [-1.0]])
    Z = lin(A)
    np.testing.assert_allclose(Z.data, np.einsum("ij,jk->ik", lin.W.data, A) + [[0.5], [-1.0]], rtol=1e-14)
    R = np.random.RandomState(2).randn(2, 5)
    (Z * R).sum().backward()
    # d sum(R * Z) / dW = R A^T, / db = sum over the m columns of R
    np.testing.assert_allclose(lin.W.grad, R @ A.T, rtol=1e-13)
    np.testing.assert_allclose(lin.b.grad, R.sum(axis=1, keepdims=True), rtol=1e-13)


def test_linear_rejects_wrong_input_with_a_lecture_hint():
    lin = Linear(3, 2, layer=2, seed=0)
    with pytest.raises(ShapeError, match=r"A\[1\] must be \(n\[1\], m\) = \(3, m\).*got shape \(5, 3\).*transpose"):
        lin(np.zeros((5, 3)))
    with pytest.raises(ValueError, match="n_in must be a positive integer"):
        Linear(0, 2)


# ----------------------------------------------------------------------------- DeepNetwork


def test_parameters_are_named_in_lecture_notation():
    net = DeepNetwork([3, 5, 5, 3, 1], seed=1)
    assert net.L == 4
    names = [n for n, _ in net.named_parameters()]
    assert names == ["W[1]", "b[1]", "W[2]", "b[2]", "W[3]", "b[3]", "W[4]", "b[4]"]
    shapes = [p.shape for p in net.parameters()]
    assert shapes == [(5, 3), (5, 1), (5, 5), (5, 1), (3, 5), (3, 1), (1, 3), (1, 1)]
    assert all(p.name == n for n, p in net.named_parameters())


def test_forward_names_every_intermediate():
    net = DeepNetwork([3, 4, 2, 1], seed=1)
    X = np.random.RandomState(0).randn(3, 6)
    AL = net(X)
    names = {t.name for t in topological_order(AL) if t.name}
    assert {"A[0]", "Z[1]", "A[1]", "Z[2]", "A[2]", "Z[3]", "A[3]", "W[1]", "b[3]"} <= names
    assert AL.name == "A[3]" and AL.op == "sigmoid" and AL.shape == (1, 6)
    AL2, cache = net.forward_cache(X)
    assert list(cache) == ["A[0]", "Z[1]", "A[1]", "Z[2]", "A[2]", "Z[3]", "A[3]"]
    assert cache["A[3]"] is AL2 and cache["A[1]"].parents[0] is cache["Z[1]"]


@pytest.mark.parametrize("init,scale", [("he", lambda n: np.sqrt(2 / n)), ("xavier", lambda n: 1 / np.sqrt(n)),
                                        ("small", lambda n: 0.01)])
def test_seeded_init_draws_layer_by_layer_from_one_random_state(init, scale):
    dims = [4, 3, 2, 1]
    net = DeepNetwork(dims, init=init, seed=42)
    rs = np.random.RandomState(42)
    for l, layer in enumerate(net.layers, 1):
        np.testing.assert_allclose(layer.W.data, rs.randn(dims[l], dims[l - 1]) * scale(dims[l - 1]), rtol=1e-15)
        np.testing.assert_array_equal(layer.b.data, np.zeros((dims[l], 1)))
    other = DeepNetwork(dims, init=init, seed=42)
    for a, b in zip(net.parameters(), other.parameters()):
        np.testing.assert_array_equal(a.data, b.data)


def test_activations_compute_the_right_functions():
    dims = [2, 3, 3, 3, 2]
    net = DeepNetwork(dims, activations=["relu", "tanh", "linear", "sigmoid"], seed=0)
    X = np.random.RandomState(1).randn(2, 4)
    AL, cache = net.forward_cache(X)
    p = net.to_parameters()
    A1 = np.maximum(0, p["W1"] @ X + p["b1"])
    A2 = np.tanh(p["W2"] @ A1 + p["b2"])
    A3 = p["W3"] @ A2 + p["b3"]
    A4 = 1 / (1 + np.exp(-(p["W4"] @ A3 + p["b4"])))
    for name, want in [("A[1]", A1), ("A[2]", A2), ("A[3]", A3), ("A[4]", A4)]:
        np.testing.assert_allclose(cache[name].data, want, rtol=1e-13)
    assert cache["A[3]"] is cache["Z[3]"]  # a linear layer: A[3] = Z[3]
    assert net.activations == ("relu", "tanh", "linear", "sigmoid")


def test_gradients_of_every_activation_match_central_differences():
    dims = [2, 3, 3, 3, 1]
    X = np.random.RandomState(1).randn(2, 5)
    Y = np.array([[1.0, 0, 0, 1, 1]])
    net = DeepNetwork(dims, activations=["tanh", "linear", "relu", "sigmoid"], seed=3)
    net.layers[2].b.data = np.full((3, 1), 0.3)  # keep the relu layer's Z away from 0
    binary_cross_entropy(net(X), Y).backward()
    params = net.parameters()

    def J(*arrays):
        saved = [p.data for p in params]
        for p, a in zip(params, arrays):
            p.data = a
        with no_grad():
            out = binary_cross_entropy(net(X), Y).item()
        for p, a in zip(params, saved):
            p.data = a
        return out

    for i, p in enumerate(params):
        num = numerical_grad(J, [q.data.copy() for q in params], i)
        np.testing.assert_allclose(p.grad, num, rtol=1e-6, atol=1e-9, err_msg=p.name)


def test_input_handling_ndarray_and_tensor():
    net = DeepNetwork([3, 2, 1], seed=0)
    X = np.random.RandomState(0).randn(3, 4)
    saved = X.copy()
    AL, cache = net.forward_cache(X)
    assert cache["A[0]"].name == "A[0]" and not cache["A[0]"].requires_grad
    np.testing.assert_array_equal(X, saved)
    # a Tensor is used as it is and not renamed; its grad is dJ/dA[0]
    Xt = Tensor(X, requires_grad=True, name="my input")
    AL, cache = net.forward_cache(Xt)
    assert cache["A[0]"] is Xt and Xt.name == "my input"
    binary_cross_entropy(AL, np.ones((1, 4))).backward()
    assert Xt.grad.shape == (3, 4)


def test_deep_network_bad_arguments():
    with pytest.raises(ValueError, match=r"valid activations are relu, sigmoid, tanh, linear, softmax"):
        DeepNetwork([2, 3, 1], hidden_activation="Relu")
    with pytest.raises(ValueError, match=r"activation of layer 2.*'swish'"):
        DeepNetwork([2, 3, 1], activations=["relu", "swish"])
    with pytest.raises(ValueError, match=r"a softmax output needs n\[L\] = C >= 2 classes.*sigmoid"):
        DeepNetwork([2, 3, 1], activations=["relu", "softmax"])
    with pytest.raises(ValueError, match="one activation per layer, L = 2"):
        DeepNetwork([2, 3, 1], activations=["relu"])
    with pytest.raises(ValueError, match="valid schemes are he, xavier, small"):
        DeepNetwork([2, 3, 1], init="zeros")
    for bad in ([2], [2, 0, 1], [2, -1], [2.0, 1], "21", [True, 1]):
        with pytest.raises(ValueError, match=r"layer_dims must be a list \[n\[0\], n\[1\], \.\.\., n\[L\]\]"):
            DeepNetwork(bad)
    with pytest.raises(TypeError, match="seed"):
        DeepNetwork([2, 1], seed="1")
    net = DeepNetwork([3, 2, 1], seed=0)
    with pytest.raises(ShapeError, match=r"X = A\[0\] must be \(n\[0\], m\) = \(3, m\).*pass X\.T"):
        net(np.zeros((7, 3)))
    with pytest.raises(ShapeError, match=r"reshape\(-1, 1\)"):
        net(np.zeros(3))


def test_to_and_from_parameters_round_trip_without_touching_the_dict():
    net = DeepNetwork([3, 4, 1], seed=0)
    p = net.to_parameters()
    assert sorted(p) == ["W1", "W2", "b1", "b2"]
    saved = copy.deepcopy(p)
    net2 = DeepNetwork.from_parameters(p)
    for (n1, a), (n2, b) in zip(net.named_parameters(), net2.named_parameters()):
        assert n1 == n2
        np.testing.assert_array_equal(a.data, b.data)
    net2.layers[0].W.data = net2.layers[0].W.data + 1  # training the copy leaves the dict alone
    for k in p:
        np.testing.assert_array_equal(p[k], saved[k])
    del p["W2"]
    with pytest.raises(ValueError, match="missing 'W2'"):
        DeepNetwork.from_parameters(p)


def test_module_collects_parameters_of_submodules():
    class Two(Module):
        def __init__(self):
            self.first = Linear(2, 3, seed=0)
            self.blocks = [Linear(3, 1, seed=1, layer=2)]
            self.constant = Tensor(np.ones((1, 1)))  # not a parameter: requires_grad is False

        def forward(self, x):
            return self.blocks[0](self.first(x).relu())

    m = Two()
    assert [n for n, _ in m.named_parameters()] == ["first.W", "first.b", "W[2]", "b[2]"]
    out = m(np.ones((2, 4))).sum()
    out.backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())


# ----------------------------------------------------------------------------- binary_cross_entropy


@pytest.mark.parametrize("nL,m", [(1, 1), (1, 7), (3, 4)])
def test_cost_value_and_fused_gradient(nL, m):
    rs = np.random.RandomState(nL * 10 + m)
    Z = Tensor(rs.randn(nL, m), requires_grad=True)
    Y = (rs.rand(nL, m) > 0.5).astype(float)
    AL = Z.sigmoid()
    J = binary_cross_entropy(AL, Y)
    assert J.shape == ()
    assert J.item() == pytest.approx(bce(AL.data, Y), rel=1e-12)  # m = number of columns, whatever n[L]
    J.backward()
    np.testing.assert_allclose(Z.grad, (AL.data - Y) / m, rtol=1e-13)  # dZ[L] = (A[L] - Y)/m
    assert AL.grad is None


def test_cost_is_finite_at_saturation():
    Z = Tensor([[50.0, -50.0]], requires_grad=True)
    J = binary_cross_entropy(Z.sigmoid(), np.array([[0.0, 1.0]]))
    assert J.item() == pytest.approx(50 + np.log1p(np.exp(-50.0)), rel=1e-12)
    J.backward()
    np.testing.assert_allclose(Z.grad, [[0.5, -0.5]], rtol=1e-12)


def test_cost_unfused_path_has_the_lecture_gradient():
    AL = Tensor([[0.2, 0.7, 0.9]], requires_grad=True)
    Y = np.array([[0.0, 1.0, 1.0]])
    J = binary_cross_entropy(AL, Y)
    assert J.item() == pytest.approx(bce(AL.data, Y), rel=1e-13)
    J.backward()
    np.testing.assert_allclose(AL.grad, (-(Y / AL.data) + (1 - Y) / (1 - AL.data)) / 3, rtol=1e-13)


def test_cost_checks_its_inputs_and_changes_nothing():
    AL = Tensor(np.full((1, 4), 0.5), requires_grad=True).sigmoid()
    Y = np.array([[1.0, 0.0, 1.0, 0.0]])
    saved = Y.copy()
    binary_cross_entropy(AL, Y)
    np.testing.assert_array_equal(Y, saved)
    with pytest.raises(ShapeError, match=r"Y has shape \(4, 1\) but A\[L\] has shape \(1, 4\).*transposed"):
        binary_cross_entropy(AL, Y.T)
    with pytest.raises(ShapeError, match=r"Y\.reshape\(1, 4\)"):
        binary_cross_entropy(AL, Y[0])
    with pytest.raises(ValueError, match=r"labels in \[0, 1\].*-1\.0"):
        binary_cross_entropy(AL, np.array([[1.0, -1.0, 1.0, -1.0]]))
    with pytest.raises(ValueError, match=r"labels in \[0, 1\]"):
        binary_cross_entropy(AL, np.array([[1.0, np.nan, 1.0, 0.0]]))
    with pytest.raises(ValueError, match="needs a sigmoid"):
        binary_cross_entropy(Tensor([[1.5, 0.2, 0.1, 0.3]]), Y)
    with pytest.raises(ShapeError, match=r"no examples: shape \(1, 0\), m = 0"):  # J would be 0/0
        binary_cross_entropy(Tensor(np.zeros((1, 0))).sigmoid(), np.zeros((1, 0)))
    assert binary_cross_entropy(AL, Y.astype(int)).item() == pytest.approx(np.log(1 + np.exp(-0.5)) / 2
                                                                           + np.log(1 + np.exp(0.5)) / 2)


def test_the_docstring_examples_run():
    from tinygrad_edu import nn, train

    for module in (nn, train):
        result = doctest.testmod(module)
        assert result.attempted > 0 and result.failed == 0, module.__name__
