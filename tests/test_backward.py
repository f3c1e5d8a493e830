"""backward(): seeds, accumulation, reuse, which tensors get gradients, deep graphs, no_grad."""

import gc
import threading
import weakref

import numpy as np
import pytest

from tinygrad_edu import Tensor, enable_grad, is_grad_enabled, no_grad, topological_order


def test_reused_tensor_gets_the_sum_of_all_paths():
    # b = a + a = 2a; c = b * b = 4a^2; dc/da = 8a
    a = Tensor([1.5, -2.0], requires_grad=True)
    b = a + a
    c = b * b
    c.sum().backward()
    np.testing.assert_array_equal(a.grad, 8 * a.data)
    np.testing.assert_array_equal(b.grad, 2 * b.data)


def test_diamond_graph():
    # y = exp(x) * sin-free diamond: u = x*x, v = 3x, y = u*v = 3x^3, dy/dx = 9x^2
    x = Tensor(2.0, requires_grad=True)
    u, v = x * x, x * 3
    (u * v).backward()
    assert x.grad == 9 * 4.0


def test_intermediate_tensors_keep_their_gradient():
    W = Tensor(np.array([[1.0, -1.0]]), requires_grad=True)
    X = Tensor(np.array([[2.0, 1.0], [1.0, 3.0]]))
    Z = W @ X  # [[1, -2]]
    A = Z.relu()
    J = A.sum()
    J.backward()
    np.testing.assert_array_equal(A.grad, [[1.0, 1.0]])
    np.testing.assert_array_equal(Z.grad, [[1.0, 0.0]])  # relu' is 0 where Z < 0
    np.testing.assert_array_equal(W.grad, [[2.0, 1.0]])
    assert J.grad == 1.0


def test_backward_twice_accumulates_and_zero_grad_resets():
    w = Tensor([1.0, 2.0], requires_grad=True)
    J = (w * w).sum()
    J.backward()
    np.testing.assert_array_equal(w.grad, [2.0, 4.0])
    J.backward()  # same graph again: gradients add up
    np.testing.assert_array_equal(w.grad, [4.0, 8.0])
    w.zero_grad()
    assert w.grad is None
    (w * 3).sum().backward()  # a new graph
    np.testing.assert_array_equal(w.grad, [3.0, 3.0])


def test_grad_arrays_are_read_only_so_shared_arrays_cannot_be_corrupted():
    b = Tensor(np.zeros((2, 1)), requires_grad=True)
    WA = Tensor(np.ones((2, 3)), requires_grad=True)
    Z = WA + b
    Z.sum().backward()
    with pytest.raises(ValueError):
        Z.grad[0, 0] = 5.0
    np.testing.assert_array_equal(WA.grad, np.ones((2, 3)))


def test_no_gradient_work_for_inputs_that_do_not_need_it():
    W = Tensor(np.ones((2, 3)), requires_grad=True)
    X = Tensor(np.ones((3, 4)))
    Z = W @ X
    assert Z._ctx.needs_input_grad == (True, False)
    gW, gX = Z._ctx.backward(np.ones((2, 4)))
    assert gX is None and gW.shape == (2, 3)
    Z.sum().backward()
    assert X.grad is None


def test_requires_grad_propagation():
    a = Tensor([1.0], requires_grad=True)
    c = Tensor([2.0])
    assert (a * c).requires_grad and (c * a).requires_grad
    d = c * c
    assert not d.requires_grad and d.op is None and d.parents == ()  # nothing recorded


def test_seed_defaults_to_one_for_single_element_tensors():
    x = Tensor([[3.0]], requires_grad=True)
    (x * 2).backward()
    assert x.grad.shape == (1, 1) and x.grad[0, 0] == 2.0


def test_explicit_seed():
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    seed = np.array([1.0, 0.5, 0.0])
    y.backward(seed)
    np.testing.assert_array_equal(x.grad, 2 * x.data * seed)
    np.testing.assert_array_equal(seed, [1.0, 0.5, 0.0])  # the caller's array is untouched and usable
    seed[0] = 9.0  # still writable: backward copied it


def test_relu_derivative_at_zero_is_zero():
    z = Tensor([-1.0, 0.0, 1.0], requires_grad=True)
    z.relu().sum().backward()
    np.testing.assert_array_equal(z.grad, [0.0, 0.0, 1.0])


def test_long_scalar_chain_has_closed_form_gradient_and_no_recursion_error():
    # x_{k+1} = a x_k + c, 100,000 times: 200,000 operations; dx_n/dx_0 = a^n exactly
    a, c, n = 1.0001, 0.001, 100_000
    x0 = Tensor(1.0, requires_grad=True)
    x = x0
    for _ in range(n):
        x = x * a + c
    x.backward()
    assert x0.grad == pytest.approx(a**n, rel=1e-9)
    assert len(topological_order(x)) == 1 + 2 * n  # x0 and 2n results (numbers are not graph nodes)
    ref = weakref.ref(x0)
    del x, x0
    gc.collect()
    assert ref() is None  # the whole chain is freed (by reference counting, without recursion limits)


def test_topological_order_lists_inputs_before_results():
    W = Tensor(np.ones((2, 2)), requires_grad=True, name="W")
    X = Tensor(np.ones((2, 3)), name="X")
    b = Tensor(np.ones((2, 1)), requires_grad=True, name="b")
    Z = W @ X + b
    J = Z.relu().sum()
    order = topological_order(J)
    pos = {id(t): i for i, t in enumerate(order)}
    assert len(order) == len(pos) == 7  # W, X, W@X, b, Z, A, J
    for t in order:
        for p in t.parents:
            assert pos[id(p)] < pos[id(t)]
    assert order[-1] is J
    assert {id(W), id(X), id(b)} <= set(pos)  # leaves, including X which needs no gradient


def test_topological_order_of_several_outputs_lists_shared_nodes_once():
    a = Tensor(1.0, requires_grad=True)
    b = a * 2
    c, d = b + 1, b * 3
    order = topological_order(c, d)
    assert [id(t) for t in order].count(id(b)) == 1
    assert order.index(b) < order.index(c) and order.index(b) < order.index(d)


# ----------------------------------------------------------------------------- no_grad


def test_no_grad_records_nothing():
    w = Tensor([1.0], requires_grad=True)
    with no_grad():
        assert not is_grad_enabled()
        y = w * 2 + 1
    assert is_grad_enabled()
    assert not y.requires_grad and y.parents == () and y.op is None


def test_no_grad_as_decorator_and_nested():
    w = Tensor([1.0], requires_grad=True)

    @no_grad()
    def predict(t):
        return t * 2

    assert not predict(w).requires_grad
    assert predict.__name__ == "predict"
    ng = no_grad()
    with ng:
        with ng:  # the same object, re-entered
            with enable_grad():
                assert (w * 2).requires_grad
            assert not is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_no_grad_restores_mode_after_an_exception():
    with pytest.raises(KeyError):
        with no_grad():
            raise KeyError
    assert is_grad_enabled()


def test_grad_mode_is_per_thread():
    w = Tensor([1.0], requires_grad=True)
    inside = threading.Event()
    release = threading.Event()
    seen = {}

    def other():
        with no_grad():
            inside.set()
            release.wait(5)
            seen["other"] = (w * 2).requires_grad

    th = threading.Thread(target=other)
    th.start()
    inside.wait(5)
    seen["main"] = (w * 2).requires_grad  # main thread is unaffected while the other is in no_grad
    release.set()
    th.join()
    assert seen == {"main": True, "other": False}


def test_one_no_grad_object_shared_by_threads_restores_each_threads_mode():
    shared = no_grad()
    a_inside, b_inside, a_left = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def thread_a():
        with shared:
            a_inside.set()
            b_inside.wait(5)
        seen["a"] = is_grad_enabled()  # left its block: recording is on again in thread A
        a_left.set()

    def thread_b():
        a_inside.wait(5)
        with no_grad():
            with shared:
                b_inside.set()
                a_left.wait(5)
            seen["b_inner"] = is_grad_enabled()  # still inside its own no_grad
        seen["b"] = is_grad_enabled()

    threads = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"a": True, "b_inner": False, "b": True}


def test_backward_in_threads_sharing_a_parameter_adds_every_gradient():
    W = Tensor(np.zeros(1), requires_grad=True)

    def work():
        for _ in range(2000):
            (W * 1.0).sum().backward()

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert W.grad[0] == 16_000  # before, updates were lost between a read and a write: about 11,000-12,700


def test_no_grad_on_a_generator_holds_inside_every_step_and_only_there():
    @no_grad()
    def gen():
        received = yield is_grad_enabled()
        yield received, is_grad_enabled()
        return "done"

    g = gen()
    assert next(g) is False and is_grad_enabled()
    assert g.send(7) == (7, False) and is_grad_enabled()
    with pytest.raises(StopIteration) as e:
        next(g)
    assert e.value.value == "done"


def test_backward_with_a_grad_that_is_not_numbers_is_refused():
    x = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(TypeError, match="grad= must be numbers"):
        (x * 2).backward(grad=[None, None])
    assert x.grad is None
