"""Property-based tests (hypothesis): random shapes and random compositions of ops, checked
against central differences in float64."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numgrad import check_grads

from tinygrad_edu import Tensor

UNARY = {
    "tanh": lambda t: t.tanh(),
    "sigmoid": lambda t: t.sigmoid(),
    "neg": lambda t: -t,
    "exp": lambda t: t.tanh().exp(),  # bounded argument keeps values moderate
    "log": lambda t: (t * t + 1).log(),  # positive argument
    "square": lambda t: t**2,
    "relu": lambda t: (t * t + 0.1).relu() * t,  # relu away from its kink
    "T": lambda t: t.T,
    "sum_last": lambda t: t.sum(axis=-1, keepdims=True) if t.ndim else t,
    "mean_first": lambda t: t.mean(axis=0) if t.ndim else t,
    "flatten": lambda t: t.reshape(-1),
    "scale": lambda t: 0.5 * t - 1.0,
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: b - a,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1),
    "pow": lambda a, b: (a * a + 1) ** b.tanh(),
    "matmul": lambda a, b: a @ b.T if a.ndim == 2 and b.ndim == 2 else a * b,
}

dims = st.integers(1, 4)


@st.composite
def broadcast_pair(draw):
    """Two shapes that broadcast against each other: axes dropped from the left of either, and
    sizes set to 1 on either side (so both operands may be stretched)."""
    full = tuple(draw(st.lists(dims, min_size=0, max_size=3)))
    shapes = []
    for _ in range(2):
        keep = draw(st.integers(0, len(full)))
        s = [1 if draw(st.booleans()) else n for n in full[len(full) - keep:]]
        shapes.append(tuple(s))
    if draw(st.booleans()):
        shapes.reverse()
    return shapes[0], shapes[1]


@st.composite
def program(draw):
    names = st.sampled_from(sorted(UNARY) + sorted(BINARY))
    return draw(st.lists(names, min_size=1, max_size=6))


def run(prog, x, y):
    for name in prog:
        if name in UNARY:
            x = UNARY[name](x)
        else:
            try:
                x = BINARY[name](x, y)
            except ValueError:  # shapes that do not fit this op: skip it
                continue
    return x * y.sum()  # y always contributes, so it always gets a gradient


@settings(max_examples=60, deadline=None)
@given(shapes=broadcast_pair(), prog=program(), seed=st.integers(0, 2**16))
def test_random_programs_match_central_differences(shapes, prog, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shapes[0])
    b = rng.standard_normal(shapes[1])
    check_grads(lambda x, y: run(prog, x, y), a, b, rtol=1e-5, atol=1e-7)


@settings(max_examples=40, deadline=None)
@given(shapes=broadcast_pair(), seed=st.integers(0, 2**16))
def test_gradient_shape_always_equals_data_shape(shapes, seed):
    rng = np.random.default_rng(seed)
    a = Tensor(rng.standard_normal(shapes[0]), requires_grad=True)
    b = Tensor(rng.standard_normal(shapes[1]), requires_grad=True)
    for op in BINARY.values():
        a.zero_grad()
        b.zero_grad()
        try:
            out = op(a, b)
        except ValueError:  # matmul of shapes that do not chain
            continue
        out.sum().backward()
        assert a.grad.shape == a.shape and b.grad.shape == b.shape


@settings(max_examples=30, deadline=None)
@given(n0=dims, n1=dims, n2=dims, m=st.integers(1, 6), seed=st.integers(0, 2**16))
def test_random_two_layer_networks(n0, n1, n2, m, seed):
    rng = np.random.default_rng(seed)

    def net(W1, b1, W2, b2, X):
        return ((W2 @ (W1 @ X + b1).tanh() + b2).sigmoid()).mean()

    check_grads(net, rng.standard_normal((n1, n0)), rng.standard_normal((n1, 1)),
                rng.standard_normal((n2, n1)), rng.standard_normal((n2, 1)), rng.standard_normal((n0, m)))
