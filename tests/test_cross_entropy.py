"""The lecture's cost: value, the fused dZ[L] = (A[L] - Y)/m, and stability at saturation."""

import numpy as np
import pytest
from numgrad import check_grads

from tinygrad_edu import Tensor
from tinygrad_edu.ops import cross_entropy

rng = np.random.default_rng(7)


def lecture_cost(AL, Y):
    m = AL.shape[1]
    return -np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m


@pytest.mark.parametrize("nL,m", [(1, 1), (1, 9), (3, 5)])
def test_fused_value_and_gradient(nL, m):
    Z = Tensor(rng.standard_normal((nL, m)), requires_grad=True)
    Y = (rng.uniform(size=(nL, m)) > 0.5).astype(float)
    AL = Z.sigmoid()
    J = cross_entropy(AL, Y)
    assert J.shape == () and J.parents[2] is Z
    assert J.item() == pytest.approx(lecture_cost(AL.data, Y), rel=1e-12)
    J.backward()
    np.testing.assert_allclose(Z.grad, (AL.data - Y) / m, rtol=1e-13, atol=0)  # the lecture's dZ[L], over m
    assert AL.grad is None  # fused: nothing flows through A[L]
    check_grads(lambda z: cross_entropy(z.sigmoid(), Y), Z.data)


def test_unfused_value_and_gradient_match_central_differences():
    AL = rng.uniform(0.1, 0.9, (2, 6))
    Y = rng.uniform(size=(2, 6))  # soft labels are allowed here
    check_grads(lambda a: cross_entropy(a, Y), AL)
    check_grads(lambda y: cross_entropy(Tensor(AL), y), Y)  # dJ/dY too
    t = Tensor(AL, requires_grad=True)
    cross_entropy(t, Y).backward()
    np.testing.assert_allclose(t.grad, (-(Y / AL) + (1 - Y) / (1 - AL)) / 6, rtol=1e-13)


def test_fused_gradient_with_respect_to_labels():
    Y = rng.uniform(size=(1, 4))
    Z = rng.standard_normal((1, 4))
    check_grads(lambda y: cross_entropy(Tensor(Z, requires_grad=True).sigmoid(), y), Y)


def test_saturated_sigmoid_gives_finite_cost_and_exact_gradient():
    Z = Tensor([[800.0, -800.0, 40.0, -40.0]], requires_grad=True)
    Y = np.array([[1.0, 0.0, 0.0, 1.0]])
    with np.errstate(over="raise", divide="raise", invalid="raise"):  # underflow to 0 is fine
        J = cross_entropy(Z.sigmoid(), Y)
        J.backward()
    # costs: 0, 0, 40 + log(1+e^-40), 40 + log(1+e^-40) (A[L] rounds to 1 or 0, the cost must not)
    assert J.item() == pytest.approx((2 * (40 + np.log1p(np.exp(-40.0)))) / 4, rel=1e-14)
    np.testing.assert_array_equal(Z.grad, (Z.sigmoid().data - Y) / 4)
    assert np.all(np.isfinite(Z.grad))


def test_float32_cost_stays_float32():
    Z = Tensor(rng.standard_normal((1, 5)).astype(np.float32), requires_grad=True)
    J = cross_entropy(Z.sigmoid(), np.ones((1, 5)))
    assert J.dtype == np.float32
    J.backward()
    assert Z.grad.dtype == np.float32


def test_unfused_cost_at_exact_zero_and_one_gives_the_lecture_gradient_not_nan():
    # A[L] = 1 where Y = 1 and A[L] = 0 where Y = 0: cost 0, dA[L] = -Y/A[L] + (1-Y)/(1-A[L]) over m
    A = Tensor([[1.0, 0.0]], requires_grad=True)
    J = cross_entropy(A, np.array([[1.0, 0.0]]))
    J.backward()
    assert J.item() == 0.0
    np.testing.assert_array_equal(A.grad, [[-0.5, 0.5]])


def test_course_sigmoid_written_as_ops_keeps_finite_gradients_when_saturated():
    Z = Tensor([[40.0, -40.0]], requires_grad=True)
    A = 1 / (1 + (-Z).exp())  # not .sigmoid(): the unfused path
    J = cross_entropy(A, np.array([[1.0, 0.0]]))
    J.backward()
    assert np.all(np.isfinite(Z.grad))
