"""tinygrad_edu.manual: the course's functions, checked against central differences and hand
computations; and the property that autograd (DeepNetwork) equals manual.model_backward."""

import copy

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from numgrad import numerical_grad

from tinygrad_edu import Tensor, manual
from tinygrad_edu.nn import DeepNetwork, binary_cross_entropy


def cost_of(params, X, Y):
    AL, _ = manual.model_forward(X, params)
    return manual.compute_cost(AL, Y)


def test_initialize_parameters_deep_shapes_seed_and_schemes():
    dims = [3, 5, 2, 1]
    p = manual.initialize_parameters_deep(dims, init="xavier", seed=1)
    assert list(p) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    rs = np.random.RandomState(1)  # the course: np.random.seed(1), randn(...) / sqrt(n[l-1])
    for l in range(1, 4):
        np.testing.assert_array_equal(p[f"W{l}"], rs.randn(dims[l], dims[l - 1]) / np.sqrt(dims[l - 1]))
        np.testing.assert_array_equal(p[f"b{l}"], np.zeros((dims[l], 1)))
    small = manual.initialize_parameters_deep(dims, init="small", seed=1)
    he = manual.initialize_parameters_deep(dims, init="he", seed=1)
    rs = np.random.RandomState(1)
    W1 = rs.randn(5, 3)
    np.testing.assert_array_equal(small["W1"], W1 * 0.01)
    np.testing.assert_array_equal(he["W1"], W1 * np.sqrt(2 / 3))
    with pytest.raises(ValueError, match="unknown init 'gauss'; valid schemes are he, xavier, small"):
        manual.initialize_parameters_deep(dims, init="gauss")
    with pytest.raises(ValueError, match="layer_dims must be"):
        manual.initialize_parameters_deep([4])


@pytest.mark.parametrize("init", ["he", "xavier", "small"])
def test_same_arrays_as_deep_network(init):
    dims = [4, 6, 3, 2]
    p = manual.initialize_parameters_deep(dims, init=init, seed=7)
    net = DeepNetwork(dims, init=init, seed=7)
    for l, layer in enumerate(net.layers, 1):
        np.testing.assert_array_equal(layer.W.data, p[f"W{l}"])
        np.testing.assert_array_equal(layer.b.data, p[f"b{l}"])


def test_forward_functions_and_cache_layout():
    rs = np.random.RandomState(0)
    A_prev, W, b = rs.randn(3, 4), rs.randn(2, 3), rs.randn(2, 1)
    Z, lin = manual.linear_forward(A_prev, W, b)
    np.testing.assert_allclose(Z, np.einsum("ij,jk->ik", W, A_prev) + b, rtol=1e-14)
    assert lin[0] is A_prev and lin[1] is W and lin[2] is b
    A, cache = manual.linear_activation_forward(A_prev, W, b, "sigmoid")
    (a, w, bb), z = cache
    assert a is A_prev and w is W and bb is b
    np.testing.assert_allclose(A, 1 / (1 + np.exp(-Z)), rtol=1e-14)
    np.testing.assert_allclose(z, Z, rtol=1e-14)
    A, _ = manual.linear_activation_forward(A_prev, W, b, "relu")
    np.testing.assert_array_equal(A, np.where(Z > 0, Z, 0))
    with pytest.raises(ValueError, match="valid activations are relu, sigmoid, tanh, linear, softmax"):
        manual.linear_activation_forward(A_prev, W, b, "swish")


def test_model_forward_is_relu_then_sigmoid():
    dims = [3, 4, 2, 1]
    p = manual.initialize_parameters_deep(dims, seed=2)
    X = np.random.RandomState(3).randn(3, 5)
    AL, caches = manual.model_forward(X, p)
    A1 = np.maximum(0, p["W1"] @ X + p["b1"])
    A2 = np.maximum(0, p["W2"] @ A1 + p["b2"])
    np.testing.assert_allclose(AL, 1 / (1 + np.exp(-(p["W3"] @ A2 + p["b3"]))), rtol=1e-14)
    assert len(caches) == 3
    np.testing.assert_allclose(caches[1][0][0], A1, rtol=1e-14)


def test_compute_cost_by_hand():
    AL = np.array([[0.8, 0.9, 0.4]])
    Y = np.array([[1.0, 1.0, 0.0]])
    expected = -(np.log(0.8) + np.log(0.9) + np.log(0.6)) / 3
    assert manual.compute_cost(AL, Y) == pytest.approx(expected, rel=1e-14)
    # as the course's compute_cost (np.squeeze(cost)), whose public tests check cost.shape == ()
    cost = manual.compute_cost(AL, Y)
    assert isinstance(cost, np.ndarray) and cost.shape == () and cost.dtype == np.float64


def test_activation_backwards_match_central_differences():
    Z = np.random.RandomState(1).randn(3, 4) + 0.05  # keep away from relu's kink
    dA = np.random.RandomState(2).randn(3, 4)
    for fwd, bwd in [(manual.relu, manual.relu_backward), (manual.sigmoid, manual.sigmoid_backward),
                     (manual.tanh, manual.tanh_backward)]:
        num = numerical_grad(lambda z, fwd=fwd: float(np.sum(dA * fwd(z)[0])), [Z.copy()], 0)
        np.testing.assert_allclose(bwd(dA, Z), num, rtol=1e-6, atol=1e-8)


def test_model_backward_matches_central_differences_of_the_cost():
    dims = [3, 4, 3, 1]
    p = manual.initialize_parameters_deep(dims, seed=4)
    p = {k: v + (0.1 if k.startswith("b") else 0) for k, v in p.items()}  # biases off zero, away from kinks
    rs = np.random.RandomState(5)
    X = rs.randn(3, 6)
    Y = (rs.rand(1, 6) > 0.5).astype(float)
    AL, caches = manual.model_forward(X, p)
    grads = manual.model_backward(AL, Y, caches)
    assert sorted(grads) == sorted(["dA0", "dW1", "db1", "dA1", "dW2", "db2", "dA2", "dW3", "db3"])
    keys = list(p)
    for i, k in enumerate(keys):
        num = numerical_grad(lambda *arrs: cost_of(dict(zip(keys, arrs)), X, Y), [p[q].copy() for q in keys], i)
        np.testing.assert_allclose(grads[f"d{k}"], num, rtol=1e-6, atol=1e-9, err_msg=k)
    # dA0 is the lecture's dA[0] = m * dJ/dX
    num = numerical_grad(lambda x: cost_of(p, x, Y), [X.copy()], 0)
    np.testing.assert_allclose(grads["dA0"] / 6, num, rtol=1e-6, atol=1e-9)


def test_linear_backward_equations():
    rs = np.random.RandomState(0)
    dZ, A_prev, W, b = rs.randn(2, 5), rs.randn(3, 5), rs.randn(2, 3), rs.randn(2, 1)
    dA_prev, dW, db = manual.linear_backward(dZ, (A_prev, W, b))
    np.testing.assert_allclose(dW, sum(np.outer(dZ[:, i], A_prev[:, i]) for i in range(5)) / 5, rtol=1e-13)
    np.testing.assert_allclose(db, dZ.mean(axis=1).reshape(2, 1), rtol=1e-13)
    np.testing.assert_allclose(dA_prev, np.einsum("ji,jk->ik", W, dZ), rtol=1e-13)
    assert db.shape == (2, 1) and dW.shape == W.shape and dA_prev.shape == A_prev.shape


def test_nothing_passed_in_is_modified():
    dims = [3, 4, 1]
    p = manual.initialize_parameters_deep(dims, seed=0)
    X = np.random.RandomState(0).randn(3, 5)
    Y = np.array([[1.0, 0, 1, 0, 1]])
    saved = copy.deepcopy((p, X, Y))
    AL, caches = manual.model_forward(X, p)
    caches_saved = copy.deepcopy(caches)
    grads = manual.model_backward(AL, Y, caches)
    grads_saved = copy.deepcopy(grads)
    new = manual.update_parameters(p, grads, 0.1)
    for k in p:
        np.testing.assert_array_equal(p[k], saved[0][k])
        np.testing.assert_allclose(new[k], p[k] - 0.1 * grads[f"d{k}"], rtol=1e-15)
        assert new[k] is not p[k]
    for k in grads:
        np.testing.assert_array_equal(grads[k], grads_saved[k])
    np.testing.assert_array_equal(X, saved[1])
    np.testing.assert_array_equal(Y, saved[2])
    for (lc, z), (lc2, z2) in zip(caches, caches_saved):
        np.testing.assert_array_equal(z, z2)
        for a, b in zip(lc, lc2):
            np.testing.assert_array_equal(a, b)


def test_l_layer_model_records_every_k_iterations():
    X = np.random.RandomState(0).randn(2, 20)
    Y = (X[0:1] > 0).astype(float)
    params, costs = manual.L_layer_model(X, Y, [2, 3, 1], 0.1, num_iterations=25, seed=1, record_every=10)
    assert len(costs) == 3  # iterations 0, 10, 20
    p0 = manual.initialize_parameters_deep([2, 3, 1], seed=1)
    assert costs[0] == cost_of(p0, X, Y)  # the cost before the first update


# ----------------------------------------------------------------------------- Must hold


@st.composite
def networks(draw):
    L = draw(st.integers(1, 6))
    dims = [draw(st.integers(1, 20)) for _ in range(L + 1)]
    m = draw(st.integers(1, 50))
    seed = draw(st.integers(0, 2**31 - 1))
    return dims, m, seed


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_autograd_equals_model_backward_per_layer(case):
    """Must hold: autograd's gradients of DeepNetwork equal manual.model_backward per layer, to
    max |difference| <= 1e-10 * max(1, max |manual value|), in float64."""
    dims, m, seed = case
    L = len(dims) - 1
    rs = np.random.RandomState(seed)
    X = rs.randn(dims[0], m)
    Y = (rs.rand(dims[-1], m) > 0.5).astype(float)
    net = DeepNetwork(dims, init="he", seed=seed)
    params = manual.initialize_parameters_deep(dims, init="he", seed=seed)
    AL_m, caches = manual.model_forward(X, params)
    # the course's dA[L] divides by A[L] and 1 - A[L]: undefined where A[L] rounds to exactly 0 or 1
    # (a deep network with a width-1 layer can get there); autograd's fused dZ[L] is fine there
    assume(np.all((AL_m > 0) & (AL_m < 1)))
    grads = manual.model_backward(AL_m, Y, caches)
    Xt = Tensor(X, requires_grad=True, name="A[0]")  # so that autograd computes dJ/dA[0] too
    AL, cache = net.forward_cache(Xt)
    assert cache["A[0]"] is Xt
    np.testing.assert_allclose(AL.data, AL_m, rtol=1e-12, atol=1e-15)
    binary_cross_entropy(AL, Y).backward()

    def close(auto, man, what):
        assert auto.shape == man.shape, what
        bound = 1e-10 * max(1.0, float(np.max(np.abs(man))))
        assert float(np.max(np.abs(auto - man))) <= bound, what

    for l in range(1, L + 1):
        close(net.layers[l - 1].W.grad, grads[f"dW{l}"], f"dW[{l}]")
        close(net.layers[l - 1].b.grad, grads[f"db{l}"], f"db[{l}]")
        # autograd's dJ/dA[l-1] and dJ/dZ[l] are the lecture's dA[l-1] and dZ[l] divided by m
        close(m * cache[f"A[{l - 1}]"].grad, grads[f"dA{l - 1}"], f"dA[{l - 1}]")
        dA = grads[f"dA{l}"] if l < L else -(Y / AL_m - (1 - Y) / (1 - AL_m))
        dZ = manual.activation_backward(dA, caches[l - 1][1], "relu" if l < L else "sigmoid")
        close(m * cache[f"Z[{l}]"].grad, dZ, f"dZ[{l}]")
