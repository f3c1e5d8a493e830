"""Every op's gradient against central differences in float64, including broadcasting."""

import numpy as np
import pytest
from numgrad import check_grads

rng = np.random.default_rng(1234)


def rand(*shape):
    return rng.standard_normal(shape)


def positive(*shape):
    return rng.uniform(0.5, 2.0, shape)


BINARY_BROADCAST_SHAPES = [
    ((3, 4), (3, 4)),
    ((3, 4), (4,)),  # a row vector stretched over rows
    ((3, 1), (1, 4)),  # outer-product shaped broadcast
    ((5, 1), (5, 7)),  # the lecture's bias b[l] + W[l]A[l-1]
    ((), (3, 4)),  # scalar and matrix
    ((2, 3, 4), (3, 1)),
]


@pytest.mark.parametrize("sa,sb", BINARY_BROADCAST_SHAPES)
@pytest.mark.parametrize(
    "name,fn",
    [
        ("add", lambda a, b: a + b),
        ("sub", lambda a, b: a - b),
        ("mul", lambda a, b: a * b),
        ("div", lambda a, b: a / b),
    ],
)
def test_elementwise_binary(name, fn, sa, sb):
    a = rand(*sa)
    b = positive(*sb) if name == "div" else rand(*sb)
    check_grads(fn, a, b)
    check_grads(lambda x, y: fn(y, x), b, a)  # the other order too (b broadcast on the left)


@pytest.mark.parametrize("sa,sb", BINARY_BROADCAST_SHAPES)
def test_pow_tensor_exponent(sa, sb):
    check_grads(lambda a, b: a**b, positive(*sa), rand(*sb))


@pytest.mark.parametrize("p", [2, 3, 0.5, -1.5])
def test_pow_number_exponent(p):
    check_grads(lambda a: a**p, positive(3, 4))


def test_rpow_number_base():
    check_grads(lambda a: 2.5**a, rand(3, 4))


@pytest.mark.parametrize(
    "sa,sb",
    [
        ((5, 3), (3, 10)),  # W[l] @ A[l-1]
        ((1, 4), (4, 1)),
        ((4,), (4, 3)),  # 1-D on the left
        ((3, 4), (4,)),  # 1-D on the right
        ((4,), (4,)),  # inner product
        ((2, 3, 4), (4, 5)),  # batch on the left
        ((4,), (2, 4, 3)),  # 1-D against a batch
        ((2, 3, 4), (2, 4, 5)),
    ],
)
def test_matmul(sa, sb):
    check_grads(lambda a, b: a @ b, rand(*sa), rand(*sb))


@pytest.mark.parametrize(
    "name,fn,gen",
    [
        ("neg", lambda a: -a, rand),
        ("exp", lambda a: a.exp(), rand),
        ("log", lambda a: a.log(), positive),
        ("sigmoid", lambda a: a.sigmoid(), rand),
        ("tanh", lambda a: a.tanh(), rand),
        ("T", lambda a: a.T, rand),
        ("transpose", lambda a: a.transpose(), rand),
        ("reshape", lambda a: a.reshape(4, 3), rand),
        ("reshape_tuple", lambda a: a.reshape((2, -1)), rand),
    ],
)
def test_unary(name, fn, gen):
    check_grads(fn, gen(3, 4))


def test_relu_away_from_kink():
    a = rand(4, 5)
    a[np.abs(a) < 0.1] = 0.5  # central differences are only valid away from 0
    check_grads(lambda t: t.relu(), a)


def test_transpose_with_axes():
    check_grads(lambda a: a.transpose(2, 0, 1), rand(2, 3, 4))
    check_grads(lambda a: a.transpose((1, 2, 0)), rand(2, 3, 4))
    check_grads(lambda a: a.transpose(-1, 0, 1), rand(2, 3, 4))  # negative axes mean the same axes
    check_grads(lambda a: a.transpose(0, -1, -2), rand(2, 3, 4))


def test_pow_at_zero_base_takes_the_limits():
    from tinygrad_edu import Tensor

    x = Tensor([0.0, 2.0], requires_grad=True)
    (x**0.0).sum().backward()  # d(x^0)/dx = 0 everywhere, also at 0 (not 0 * 0^-1 = nan)
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])
    a = Tensor([0.0, 2.0], requires_grad=True)
    e = Tensor([2.0, 3.0], requires_grad=True)
    (a**e).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.0, 12.0])  # e a^(e-1)
    np.testing.assert_allclose(e.grad, [0.0, 8.0 * np.log(2.0)])  # a^e log a -> 0 as a -> 0 for e > 0


@pytest.mark.parametrize("reduce", ["sum", "mean"])
@pytest.mark.parametrize("axis", [None, 0, 1, 2, -1, (0, 2), (0, 1, 2)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions(reduce, axis, keepdims):
    check_grads(lambda a: getattr(a, reduce)(axis=axis, keepdims=keepdims), rand(2, 3, 4))


@pytest.mark.parametrize("reduce", ["sum", "mean"])
@pytest.mark.parametrize("axis", [None, 0, 1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_matrix(reduce, axis, keepdims):
    check_grads(lambda a: getattr(a, reduce)(axis=axis, keepdims=keepdims), rand(5, 7))


def test_sigmoid_closed_form():
    # sigma'(z) = sigma(z)(1 - sigma(z)): exactly 1/4 at z = 0
    from tinygrad_edu import Tensor

    z = Tensor(np.zeros((2, 2)), requires_grad=True)
    z.sigmoid().sum().backward()
    assert np.array_equal(z.grad, np.full((2, 2), 0.25))


def test_two_layer_network_against_hand_derived_equations():
    """The lecture's equations (docs/lecture.md, 4.2) with the 1/m in J: autograd must match them."""
    from tinygrad_edu import Tensor

    m = 7
    X = rand(3, m)
    Y = (rng.uniform(size=(1, m)) > 0.5).astype(float)
    W1, b1, W2, b2 = rand(4, 3), rand(4, 1), rand(1, 4), rand(1, 1)
    tW1, tb1, tW2, tb2 = (Tensor(a, requires_grad=True) for a in (W1, b1, W2, b2))
    Z1 = tW1 @ X + tb1
    A1 = Z1.relu()
    Z2 = tW2 @ A1 + tb2
    A2 = Z2.sigmoid()
    J = -(Y * A2.log() + (1 - Y) * (1 - A2).log()).sum() / m
    J.backward()

    # by hand
    z1 = W1 @ X + b1
    a1 = np.maximum(z1, 0)
    a2 = 1 / (1 + np.exp(-(W2 @ a1 + b2)))
    dZ2 = a2 - Y
    dW2 = dZ2 @ a1.T / m
    db2 = dZ2.sum(axis=1, keepdims=True) / m
    dA1 = W2.T @ dZ2
    dZ1 = dA1 * (z1 > 0)
    dW1 = dZ1 @ X.T / m
    db1 = dZ1.sum(axis=1, keepdims=True) / m

    for got, want in [(tW2.grad, dW2), (tb2.grad, db2), (tW1.grad, dW1), (tb1.grad, db1)]:
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-13)
    # autograd's dZ is the lecture's dZ divided by m (the 1/m lives in J)
    np.testing.assert_allclose(Z2.grad, dZ2 / m, rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(Z1.grad, dZ1 / m, rtol=1e-10, atol=1e-13)
