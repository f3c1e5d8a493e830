"""graph.backward_order: the engine's backward schedule, predicted without computing anything, must
be exactly the order in which run_backward visits the tensors, and its slots exactly the edges
along which gradients flow (reuse, branches created in either order, numbers in ops, the fused
cost, inputs that need no gradient)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu import Tensor
from tinygrad_edu.graph import backward_order, run_backward
from tinygrad_edu.nn import DeepNetwork, binary_cross_entropy
from tinygrad_edu.ops import cross_entropy


def engine_visits(J):
    """The tensors run_backward really visits, in order (it appends each one at its visit)."""
    visits = []
    run_backward(J, np.ones_like(J.data), visits=visits)
    return visits


def assert_schedule_is_the_engines(J):
    predicted = [step.tensor for step in backward_order(J)]
    actual = engine_visits(J)
    assert [id(t) for t in predicted] == [id(t) for t in actual]
    return predicted


def test_branches_created_in_either_order():
    """J = sum(tanh(3y) + exp(2x)) with the exp created after the tanh branch, and the other way
    round: the engine visits the branch pushed last first (last in, first out)."""
    for exp_first in (False, True):
        x = Tensor([0.1, 0.2], requires_grad=True, name="x")
        y = Tensor([0.3, -0.4], requires_grad=True, name="y")
        if exp_first:
            c = (x * 2).named("c")
            d = c.exp().named("d")
            a = (y * 3).named("a")
            b = a.tanh().named("b")
        else:
            a = (y * 3).named("a")
            b = a.tanh().named("b")
            c = (x * 2).named("c")
            d = c.exp().named("d")
        s = (b + d).named("add")
        J = s.sum().named("J")
        order = [t.name for t in assert_schedule_is_the_engines(J)]
        # add's inputs are pushed in slot order (b, d) and popped last first: the exp branch first
        assert order == ["J", "add", "d", "c", "b", "a"]


def test_reuse_waits_until_every_use_has_sent_its_gradient():
    a = Tensor([1.5, -2.0], requires_grad=True, name="a")
    b = (a + a).named("b")
    c = (b * b).named("c")
    J = c.sum().named("J")
    steps = backward_order(J)
    assert [s.tensor.name for s in steps] == ["J", "c", "b"]
    assert [s.slots for s in steps] == [(0,), (0, 1), (0, 1)]
    assert_schedule_is_the_engines(J)


def test_numbers_inputs_without_grad_and_the_fused_cost_send_no_gradient():
    net = DeepNetwork([3, 4, 1], seed=0)
    X = np.random.RandomState(0).randn(3, 5)
    Y = (np.random.RandomState(1).rand(1, 5) > 0.5).astype(float)
    AL, cache = net.forward_cache(X)
    J = binary_cross_entropy(AL, Y)
    steps = backward_order(J)
    assert_schedule_is_the_engines(J)
    first = steps[0]
    assert first.tensor is J and first.slots == (2,)  # only Z[L]: no gradient to A[L] (fused) nor to Y
    assert all(s.tensor is not AL for s in steps)  # A[L] is never visited
    assert all(s.tensor is not cache["A[0]"] for s in steps)  # X needs no gradient
    w = Tensor([2.0], requires_grad=True)
    J2 = (1 - w * 3).sum()
    (mul_step,) = [s for s in backward_order(J2) if s.tensor.op == "sub"]
    assert mul_step.slots == (1,)  # the 1 in 1 - x is a number: no slot of its own gets a gradient


def test_a_leaf_output_and_an_output_without_grad():
    w = Tensor(3.0, requires_grad=True)
    assert [(s.tensor, s.slots) for s in backward_order(w)] == [(w, ())]
    assert backward_order(Tensor(1.0) * 2) == []


# ----------------------------------------------------------------------------- random programs


def _random_program(ops, n_inputs, seed):
    """A random graph of unary and binary ops over a few inputs (some without grad), with reuse."""
    rs = np.random.RandomState(seed)
    pool = [Tensor(rs.rand(3) + 0.5, requires_grad=bool(i % 3)) for i in range(n_inputs)]
    for kind, i, j in ops:
        a, b = pool[i % len(pool)], pool[j % len(pool)]
        if kind == 0:
            pool.append(a + b)
        elif kind == 1:
            pool.append(a * b)
        elif kind == 2:
            pool.append(a.tanh())
        elif kind == 3:
            pool.append(2.0 - a)
        else:
            pool.append(cross_entropy(a.sigmoid(), np.full(3, 0.5)) * b.sum())
    return sum(pool[n_inputs:], pool[0]).sum() if len(pool) > n_inputs else pool[0].sum()


@settings(max_examples=150, deadline=None)
@given(
    ops=st.lists(st.tuples(st.integers(0, 4), st.integers(0, 50), st.integers(0, 50)), min_size=1, max_size=14),
    n_inputs=st.integers(1, 4),
    seed=st.integers(0, 1000),
)
def test_random_programs_schedule_equals_the_engine(ops, n_inputs, seed):
    J = _random_program(ops, n_inputs, seed)
    if not J.requires_grad:
        assert backward_order(J) == []
        return
    steps = backward_order(J)
    assert [id(s.tensor) for s in steps] == [id(t) for t in engine_visits(J)]
    # an edge in the schedule is an input that ends up with a gradient, and every tensor visited
    # received one
    for s in steps:
        assert s.tensor.grad is not None
        for k in s.slots:
            assert s.tensor._ctx.parents[k].grad is not None
