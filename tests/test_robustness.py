"""Numerics that do not blow up, anomaly detection, and graph hygiene (memory, reuse, threads)."""

import gc
import os
import threading
import tracemalloc
import warnings
import weakref

import numpy as np
import pytest

from tinygrad_edu import AnomalyError, Tensor, detect_anomaly, no_grad
from tinygrad_edu.ops import cross_entropy

THIS_FILE = os.path.basename(__file__)


# ----------------------------------------------------------------------------- numerics


def test_sigmoid_and_tanh_saturate_exactly_without_warnings():
    z = Tensor([-1000.0, -40.0, 0.0, 40.0, 1000.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = z.sigmoid()
        t = z.tanh()
        (s + t).sum().backward()
    assert s.data[0] == 0.0 and s.data[-1] == 1.0 and s.data[2] == 0.5
    np.testing.assert_allclose(s.data[1], np.exp(-40.0) / (1 + np.exp(-40.0)), rtol=1e-15)  # not rounded to 0
    np.testing.assert_array_equal(t.data[[0, -1]], [-1.0, 1.0])
    assert np.all(np.isfinite(z.grad))
    assert z.grad[0] == 0.0 and z.grad[-1] == 0.0  # sigma' and tanh' vanish, without NaN


def test_sigmoid_float32_saturates_without_warnings():
    z = Tensor(np.array([-1000, 1000], np.float32))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = z.sigmoid()
    assert s.dtype == np.float32 and s.data.tolist() == [0.0, 1.0]


def test_cost_finite_at_saturation_with_the_lecture_gradient():
    Z = Tensor([[50.0, -50.0]], requires_grad=True)
    Y = np.array([[0.0, 1.0]])  # confidently wrong: A[L] rounds to 1 and 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        J = cross_entropy(Z.sigmoid(), Y)
        J.backward()
    assert J.item() == pytest.approx(50.0, rel=1e-12)  # (50 + 50) / m with m = 2, up to e^-50
    np.testing.assert_array_equal(Z.grad, [[0.5, -0.5]])  # (A[L] - Y) / m


@pytest.mark.parametrize(
    "make,words",
    [
        (lambda: Tensor([1000.0]).exp(), "overflow"),
        (lambda: Tensor([0.0]).log(), "divide by zero"),
        (lambda: Tensor([-1.0]).log(), "invalid value"),
    ],
)
def test_numpy_reports_overflow_and_log_of_non_positive(make, words):
    with pytest.warns(RuntimeWarning, match=words):
        make()


def test_powers_follow_numpy():
    with np.errstate(all="ignore"):
        assert (Tensor(0.0) ** -1.0).item() == np.inf
        assert np.isnan((Tensor(-8.0) ** (1 / 3)).item())


# ----------------------------------------------------------------------------- detect_anomaly


def _anomaly(fn):
    with pytest.raises(AnomalyError) as e:
        with detect_anomaly():
            fn()
    return str(e.value)


def test_anomaly_in_forward_names_op_tensor_shape_and_user_line():
    AL = Tensor(np.array([[0.0, 0.5, 0.9]]), requires_grad=True, name="A[2]")
    msg = _anomaly(lambda: AL.log())
    for part in ["log", "-inf", "A[2] (1, 3)", f"{THIS_FILE}:", "Hint"]:
        assert part in msg, (part, msg)


@pytest.mark.parametrize(
    "fn,op",
    [
        (lambda: Tensor([800.0], name="Z[1]").exp(), "exp"),
        (lambda: Tensor([0.0], name="x") ** -1.0, "x ** -1"),
        (lambda: Tensor([-8.0], name="x") ** (1 / 3), "x ** 0.333"),
        (lambda: Tensor([1.0], name="a") / Tensor([0.0], name="b"), "div"),
        (lambda: 1.0 / Tensor([0.0], name="b"), "1 / x"),
        (lambda: cross_entropy(Tensor([[1.0]], name="A[1]"), np.array([[0.0]])), "cross_entropy"),
    ],
)
def test_anomaly_catches_each_source_of_non_finite_values(fn, op):
    assert _anomaly(fn).startswith(op)


def test_anomaly_in_backward_names_the_op_whose_derivative_is_infinite():
    x = Tensor([0.0, 4.0], requires_grad=True, name="x")
    msg = _anomaly(lambda: (x**0.5).sum().backward())
    for part in ["x ** 0.5", "backward", "x (2,)", f"{THIS_FILE}:", "infinite at a = 0"]:
        assert part in msg, (part, msg)


def test_anomaly_reports_input_that_was_already_bad():
    bad = Tensor([np.nan, 1.0], name="A[0]")
    msg = _anomaly(lambda: bad * 2)
    assert "already contained 1 NaN" in msg


def test_no_anomaly_no_error_and_mode_is_restored():
    w = Tensor([1.0, 2.0], requires_grad=True)
    with detect_anomaly():
        (w * w).sum().backward()
    np.testing.assert_array_equal(w.grad, [2.0, 4.0])
    with np.errstate(all="ignore"):
        assert np.isinf(Tensor([0.0]).log().data[0])  # outside: no AnomalyError, numpy semantics


def test_detect_anomaly_as_decorator():
    @detect_anomaly()
    def f():
        return Tensor([0.0]).log()

    with pytest.raises(AnomalyError):
        f()


def test_shape_errors_stay_shape_errors_inside_detect_anomaly():
    from tinygrad_edu import ShapeError

    with pytest.raises(ShapeError, match="inner dimensions"):
        with detect_anomaly():
            Tensor(np.ones((2, 3))) @ Tensor(np.ones((2, 3)))


# ----------------------------------------------------------------------------- graph hygiene


def test_parameter_not_on_the_path_keeps_grad_none():
    W1 = Tensor(np.ones((2, 2)), requires_grad=True, name="W[1]")
    W2 = Tensor(np.ones((2, 2)), requires_grad=True, name="W[2]")
    (W1 * 3).sum().backward()
    assert W2.grad is None and W1.grad is not None


def test_parameter_used_twice_gets_both_contributions():
    W = Tensor(np.array([[2.0]]), requires_grad=True)
    x = np.array([[3.0]])
    J = (W @ (W @ x)).sum()  # W^2 x, dJ/dW = 2 W x
    J.backward()
    assert W.grad[0, 0] == 2 * 2.0 * 3.0


def test_dropping_the_output_frees_the_whole_graph_without_the_cycle_collector():
    gc.disable()
    try:
        W = Tensor(np.ones((3, 3)), requires_grad=True)
        Z = W @ np.ones((3, 4))
        A = Z.relu()
        J = A.sigmoid().sum()
        J.backward()
        refs = [weakref.ref(t) for t in (Z, A)]
        data_ref = weakref.ref(Z._ctx)
        del Z, A, J
        assert all(r() is None for r in refs) and data_ref() is None  # freed by reference counting alone
        assert W.grad is not None  # the parameter and its gradient stay
    finally:
        gc.enable()


def test_training_loop_memory_stays_flat():
    """Soak: 2,000 iterations of a small network, memory measured before and after."""
    rng = np.random.RandomState(0)
    X, Y = rng.randn(4, 32), (rng.rand(1, 32) > 0.5).astype(float)
    params = [Tensor(rng.randn(8, 4) * 0.5, requires_grad=True), Tensor(np.zeros((8, 1)), requires_grad=True),
              Tensor(rng.randn(1, 8) * 0.5, requires_grad=True), Tensor(np.zeros((1, 1)), requires_grad=True)]

    def step():
        W1, b1, W2, b2 = params
        J = cross_entropy((W2 @ (W1 @ X + b1).relu() + b2).sigmoid(), Y)
        for p in params:
            p.zero_grad()
        J.backward()
        with no_grad():
            for p in params:
                p.data = p.data - 0.1 * p.grad
        return J.item()

    first = step()
    tracemalloc.start()
    try:
        for _ in range(100):  # everything a step keeps between steps now exists
            step()
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(1900):
            last = step()
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    # one step's graph alone holds several kB; a leak of even one array per step would add ~500 kB
    assert after - before < 8 * 1024, f"memory grew by {after - before} bytes over 1,900 iterations"
    assert last < first


def test_anomaly_mode_is_per_thread():
    seen = {}
    ready, release = threading.Event(), threading.Event()

    def other():
        with detect_anomaly():
            ready.set()
            release.wait(5)

    th = threading.Thread(target=other)
    th.start()
    ready.wait(5)
    with np.errstate(all="ignore"):
        seen["main"] = np.isinf(Tensor([0.0]).log().data[0])  # no AnomalyError in this thread
    release.set()
    th.join()
    assert seen == {"main": True}


@pytest.mark.parametrize("change", ["slice", "augmented"])
def test_anomaly_catches_a_saved_array_changed_in_place_before_backward(change):
    # sigmoid saves its output A[1]; writing into W[1].data after the forward pass changes what
    # matmul saved, so the gradients would be computed from values the forward never used
    W = Tensor(np.ones((2, 3)), requires_grad=True, name="W[1]")
    X = Tensor(np.ones((3, 4)), name="X")

    def run():
        J = (W @ X).sigmoid().sum()
        if change == "slice":
            W.data[0, 0] = 5.0
        else:
            W.data -= 0.1
        J.backward()

    msg = _anomaly(run)
    for part in ["matmul", "W[1] (2, 3)", "changed in place", f"{THIS_FILE}:", "t.data = t.data - lr * t.grad"]:
        assert part in msg, (part, msg)
    assert W.grad is None  # nothing was accumulated from the wrong values


def test_anomaly_lets_a_new_array_through_and_the_gradient_is_the_forwards():
    W = Tensor(np.ones((2, 3)), requires_grad=True, name="W[1]")
    X = np.arange(12.0).reshape(3, 4)
    with detect_anomaly():
        J = (W @ Tensor(X)).sum()
        W.data = W.data - 1.0  # a new array, as the optimizers do: the saved one is untouched
        J.backward()
    np.testing.assert_array_equal(W.grad, np.tile(X.sum(axis=1), (2, 1)))
