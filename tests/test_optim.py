"""tinygrad_edu.optim: each update rule against a hand computation; .data is replaced, never
written into; parameters without a gradient are skipped."""

import numpy as np
import pytest

from tinygrad_edu import Tensor
from tinygrad_edu.nn import DeepNetwork
from tinygrad_edu.optim import Adam, GradientDescent, Momentum


def param(values, grad=None, dtype=np.float64):
    p = Tensor(np.array(values, dtype=dtype), requires_grad=True, name="W[1]")
    if grad is not None:
        p.grad = np.array(grad, dtype=dtype)
    return p


def test_gradient_descent_replaces_data_and_keeps_the_old_array():
    p = param([[1.0, 2.0]], [[0.5, -1.0]])
    old = p.data
    GradientDescent([p], lr=0.1).step()
    np.testing.assert_allclose(p.data, [[0.95, 2.1]], rtol=1e-15)  # W := W - α dW
    assert p.data is not old
    np.testing.assert_array_equal(old, [[1.0, 2.0]])  # a value saved in a live graph stays valid


def test_graph_values_survive_a_step():
    net = DeepNetwork([2, 3, 1], seed=0)
    X = np.ones((2, 4))
    AL, cache = net.forward_cache(X)
    matmul = cache["Z[1]"].parents[0]  # W[1] @ A[0]
    saved_W = matmul.parents[0].data
    W_before = saved_W.copy()
    AL.sum().backward()
    GradientDescent(net, lr=1.0).step()
    np.testing.assert_array_equal(saved_W, W_before)


def test_parameters_without_gradient_are_skipped():
    a, b = param([1.0], [1.0]), param([5.0])
    for opt in (GradientDescent([a, b], 0.1), Momentum([a, b], 0.1), Adam([a, b], 0.1)):
        opt.step()
        np.testing.assert_array_equal(b.data, [5.0])


def test_momentum_two_steps_by_hand():
    p = param([1.0, -1.0], [2.0, 4.0])
    opt = Momentum([p], lr=0.5, beta=0.9)
    opt.step()
    v = 0.1 * np.array([2.0, 4.0])  # v = β·0 + (1-β) dW
    w = np.array([1.0, -1.0]) - 0.5 * v
    np.testing.assert_allclose(p.data, w, rtol=1e-15)
    p.grad = np.array([-1.0, 1.0])
    opt.step()
    v = 0.9 * v + 0.1 * np.array([-1.0, 1.0])
    np.testing.assert_allclose(p.data, w - 0.5 * v, rtol=1e-15)


def test_adam_two_steps_by_hand():
    g1, g2 = np.array([0.3, -2.0]), np.array([-0.1, 1.0])
    p = param([1.0, 1.0], g1)
    opt = Adam([p], lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8)
    opt.step()
    # after one step the bias correction gives v̂ = g, ŝ = g², so W := W - α g / (|g| + ε)
    w1 = 1.0 - 0.01 * g1 / (np.abs(g1) + 1e-8)
    np.testing.assert_allclose(p.data, w1, rtol=1e-14)
    p.grad = g2
    opt.step()
    v = 0.9 * (0.1 * g1) + 0.1 * g2
    s = 0.999 * (0.001 * g1**2) + 0.001 * g2**2
    w2 = w1 - 0.01 * (v / (1 - 0.9**2)) / (np.sqrt(s / (1 - 0.999**2)) + 1e-8)
    np.testing.assert_allclose(p.data, w2, rtol=1e-14)


@pytest.mark.parametrize("make", [lambda ps: GradientDescent(ps, 0.1), lambda ps: Momentum(ps, 0.1),
                                  lambda ps: Adam(ps, 0.1)])
def test_float32_stays_float32_and_zero_grad(make):
    p = param([1.0, 2.0], [0.1, 0.2], dtype=np.float32)
    opt = make([p])
    opt.step()
    assert p.data.dtype == np.float32
    opt.zero_grad()
    assert p.grad is None


def test_bad_arguments():
    p = param([1.0])
    with pytest.raises(ValueError, match="lr"):
        GradientDescent([p], lr=0)
    with pytest.raises(ValueError, match="empty parameter list"):
        GradientDescent([], lr=0.1)
    with pytest.raises(ValueError, match="does not require grad"):
        GradientDescent([Tensor([1.0])], lr=0.1)
    with pytest.raises(TypeError, match="not a Tensor"):
        GradientDescent([np.ones(2)], lr=0.1)
    with pytest.raises(ValueError, match="beta"):
        Momentum([p], 0.1, beta=1.0)
    with pytest.raises(ValueError, match="beta2"):
        Adam([p], 0.1, beta2=-0.1)


def test_accepts_a_module():
    net = DeepNetwork([2, 2, 1], seed=0)
    opt = GradientDescent(net, 0.1)
    assert opt.params == net.parameters()


def test_a_parameter_listed_twice_is_refused():
    W = Tensor(np.ones(3), requires_grad=True, name="W[1]")
    with pytest.raises(ValueError, match=r"W\[1\] is in the parameter list twice.*update it twice"):
        GradientDescent([W, W], 0.1)


def test_adam_bias_correction_counts_each_parameters_own_updates():
    """b first gets a gradient at step 11: its first update is bias-corrected as a first update
    (PyTorch: 0.07625 for this case; with the optimizer's step count it was 0.18979)."""
    a = Tensor(np.array([1.0]), requires_grad=True)
    b = Tensor(np.array([0.5]), requires_grad=True)
    opt = Adam([a, b], lr=0.1)
    for step in range(11):
        opt.zero_grad()
        J = (a * a).sum() + ((b * b).sum() * 3 if step == 10 else 0)
        J.backward()
        opt.step()
    assert opt.steps == [11, 1]
    # after one update, v_hat = dW and s_hat = dW^2, so the step is lr * sign(dW) (up to eps)
    assert b.data[0] == pytest.approx(0.5 - 0.1, abs=1e-7)
