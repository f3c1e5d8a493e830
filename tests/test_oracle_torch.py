"""PyTorch as an independent oracle (optional: skipped unless torch is installed, as the `dev`
extra does): random expression graphs over every op, with random broadcast-compatible shapes,
must give the same values and gradients as PyTorch in float64."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu import Tensor
from tinygrad_edu.ops import cross_entropy

torch = pytest.importorskip("torch")

# each op written once, for a "module" that is either tinygrad_edu or torch
UNARY = {
    "neg": lambda t, M: -t,
    "exp": lambda t, M: (t.tanh() if M == "tg" else torch.tanh(t)).exp(),
    "log": lambda t, M: (t * t + 1).log(),
    "relu": lambda t, M: (t.relu() if M == "tg" else torch.relu(t)) + 0.5 * t,
    "sigmoid": lambda t, M: t.sigmoid(),
    "tanh": lambda t, M: t.tanh(),
    "square": lambda t, M: t**2,
    "sqrt": lambda t, M: (t * t + 1) ** 0.5,
    "rpow": lambda t, M: 2.0 ** t.tanh(),
    "rsub": lambda t, M: 1.0 - t,
    "rdiv": lambda t, M: 1.0 / (t * t + 1),
    "scale": lambda t, M: t * 0.5 + 0.25,
    "sum": lambda t, M: t if t.ndim == 0 else (
        t.sum(axis=-1, keepdims=True) if M == "tg" else t.sum(dim=-1, keepdim=True)
    ),
    "mean": lambda t, M: t if t.ndim == 0 else (t.mean(axis=0) if M == "tg" else t.mean(dim=0)),
    "T": lambda t, M: t.T if M == "tg" else t.permute(tuple(reversed(range(t.ndim)))),
    "flatten": lambda t, M: t.reshape(-1),
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1),
    "pow": lambda a, b: (a * a + 1) ** b,
}


@st.composite
def case(draw):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=3)))
    keep = draw(st.integers(0, len(shape)))
    other = [1 if draw(st.booleans()) else n for n in shape[len(shape) - keep:]]
    prog = draw(st.lists(st.sampled_from(sorted(UNARY) + sorted(BINARY)), min_size=1, max_size=6))
    return shape, tuple(other), prog, draw(st.integers(0, 2**16))


def _fits(x_shape, y_shape):
    try:
        return np.broadcast_shapes(x_shape, y_shape) == x_shape
    except ValueError:
        return False


def run(prog, x, y, M):
    for name in prog:
        if name in UNARY:
            x = UNARY[name](x, M)
        elif _fits(tuple(x.shape), tuple(y.shape)):
            x = BINARY[name](x, y)
    return (x * y.sum()).sum()


@settings(max_examples=80, deadline=None)
@given(case())
def test_random_programs_match_pytorch(c):
    shape, other, prog, seed = c
    rng = np.random.default_rng(seed)
    a, b = rng.standard_normal(shape), rng.standard_normal(other)
    ta, tb = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    out = run(prog, ta, tb, "tg")
    out.backward()
    pa = torch.tensor(a, requires_grad=True)
    pb = torch.tensor(b, requires_grad=True)
    pout = run(prog, pa, pb, "torch")
    pout.backward()
    np.testing.assert_allclose(out.item(), pout.item(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ta.grad, pa.grad.numpy(), rtol=1e-9, atol=1e-11)
    np.testing.assert_allclose(tb.grad, pb.grad.numpy(), rtol=1e-9, atol=1e-11)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 5), st.integers(1, 5), st.integers(1, 5), st.integers(1, 8), st.integers(0, 2**16))
def test_two_layer_network_and_cost_match_pytorch(n0, n1, n2, m, seed):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in [(n1, n0), (n1, 1), (n2, n1), (n2, 1)]]
    X = rng.standard_normal((n0, m))
    Y = (rng.uniform(size=(n2, m)) > 0.5).astype(float)
    W1, b1, W2, b2 = (Tensor(x, requires_grad=True) for x in arrays)
    J = cross_entropy((W2 @ (W1 @ X + b1).relu() + b2).sigmoid(), Y)
    J.backward()
    P = [torch.tensor(x, requires_grad=True) for x in arrays]
    ZL = P[2] @ torch.relu(P[0] @ torch.tensor(X) + P[1]) + P[3]
    # the fused cost is computed from Z[L], as torch's *_with_logits is (computing it from a rounded
    # A[L] loses digits when A[L] is close to 1). The lecture's J sums over all n[L] rows and divides
    # by m (torch's mean would divide by n[L] * m).
    PJ = torch.nn.functional.binary_cross_entropy_with_logits(ZL, torch.tensor(Y), reduction="sum") / m
    PJ.backward()
    np.testing.assert_allclose(J.item(), PJ.item(), rtol=1e-10)
    for t, p in zip((W1, b1, W2, b2), P):
        np.testing.assert_allclose(t.grad, p.grad.numpy(), rtol=1e-8, atol=1e-12)


@pytest.mark.parametrize("sa,sb", [((5, 3), (3, 7)), ((3,), (3, 4)), ((4, 3), (3,)), ((2, 4, 3), (3, 5))])
def test_matmul_matches_pytorch(sa, sb):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    ta, tb = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    (ta @ tb).tanh().sum().backward()
    pa, pb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    torch.tanh(pa @ pb).sum().backward()
    np.testing.assert_allclose(ta.grad, pa.grad.numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(tb.grad, pb.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_powers_of_zero_have_pytorchs_gradients():
    # d(0^b)/db: 0 ** b is 0 for b > 0, 1 at b = 0 and inf for b < 0; PyTorch takes the limit 0
    # for b >= 0 and -inf below (0^b log 0)
    b = np.array([-1.5, -1.0, 0.0, 0.5, 1.0, 2.0])
    pb = torch.tensor(b, requires_grad=True)
    (torch.zeros(6, dtype=torch.float64) ** pb).backward(torch.ones(6, dtype=torch.float64))
    for base in (lambda: Tensor(np.zeros(6)), lambda: 0, lambda: 0.0):  # a Tensor or a Python number
        tb = Tensor(b, requires_grad=True)
        with np.errstate(divide="ignore"):
            (base() ** tb).backward(np.ones(6))
        np.testing.assert_array_equal(tb.grad, pb.grad.numpy())
    # and d(a^b)/da at a = 0, for the exponents a learner meets (b = 0, 1, 2, 3)
    for e in (0.0, 1.0, 2.0, 3.0):
        ta = Tensor(np.zeros(3), requires_grad=True)
        (ta**e).sum().backward()
        pa = torch.zeros(3, dtype=torch.float64, requires_grad=True)
        (pa**e).sum().backward()
        np.testing.assert_array_equal(ta.grad, pa.grad.numpy(), err_msg=f"0 ** {e}")


def test_adam_matches_pytorch_step_by_step_even_when_a_parameter_skips_steps():
    from tinygrad_edu.optim import Adam

    rng = np.random.default_rng(3)
    w0, b0 = rng.standard_normal((3, 4)), rng.standard_normal((3, 1))
    W, b = Tensor(w0, requires_grad=True), Tensor(b0, requires_grad=True)
    pW, pb = torch.tensor(w0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    ours = Adam([W, b], lr=0.01, beta1=0.8, beta2=0.99, eps=1e-6)
    theirs = torch.optim.Adam([pW, pb], lr=0.01, betas=(0.8, 0.99), eps=1e-6)
    x = rng.standard_normal((4, 5))
    for step in range(12):
        use_b = step >= 5  # b gets no gradient in the first five steps
        ours.zero_grad()
        theirs.zero_grad()
        z = W @ Tensor(x)
        pz = pW @ torch.tensor(x)
        if use_b:
            z, pz = z + b, pz + pb
        (z.tanh() ** 2).sum().backward()
        (torch.tanh(pz) ** 2).sum().backward()
        ours.step()
        theirs.step()
        np.testing.assert_allclose(W.data, pW.detach().numpy(), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(b.data, pb.detach().numpy(), rtol=1e-12, atol=1e-14)
