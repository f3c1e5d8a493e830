"""tinygrad_edu.jit: a replayed step equals the eager step bit for bit (costs, parameters,
gradients, optimizer state) over many steps, in float64 and float32, with each optimizer; new
shapes record again; what cannot be replayed is refused clearly; source() reads like the lecture."""

import gc
import tracemalloc

import numpy as np
import pytest

from tinygrad_edu import Tensor, jit, nn, optim
from tinygrad_edu import functions as F
from tinygrad_edu.jit import JitError

OPTIMIZERS = {
    "gd": lambda p: optim.GradientDescent(p, 0.05),
    "momentum": lambda p: optim.Momentum(p, 0.05, beta=0.9),
    "adam": lambda p: optim.Adam(p, 0.01),
}


def make_step(net, opt, Y):
    """The lecture's training step for ``net``: zero_grad, cost, backward, update; returns J."""

    def step(Xt):
        opt.zero_grad()
        J = nn.binary_cross_entropy(net(Xt), Y)
        J.backward()
        opt.step()
        return J

    return step


def problem(dims, m, dtype, seed=0):
    rs = np.random.RandomState(seed)
    X = rs.randn(dims[0], m).astype(dtype)
    Y = (rs.rand(dims[-1], m) > 0.5).astype(dtype)
    return X, Y


def train(dims, m, dtype, opt_name, steps, use_jit, X=None, Y=None):
    """The cost history of ``steps`` steps, eager or jitted, and the network and optimizer after."""
    if X is None:
        X, Y = problem(dims, m, dtype)
    net = nn.DeepNetwork(dims, init="he", seed=1, dtype=dtype)
    opt = OPTIMIZERS[opt_name](net.parameters())
    step = make_step(net, opt, Y)

    f = jit(step) if use_jit else step
    Xt = Tensor(X)
    costs = [f(Xt).item() for _ in range(steps)]
    return costs, net, opt


def assert_same_state(a, b):
    (ca, neta, opta), (cb, netb, optb) = a, b
    assert ca == cb  # every cost, bit for bit
    for p, q in zip(neta.parameters(), netb.parameters()):
        assert np.array_equal(p.data, q.data) and p.data.dtype == q.data.dtype, p.name
        assert np.array_equal(p.grad, q.grad), p.name
    for name in ("v", "s", "beta1_t", "beta2_t"):
        for x, y in zip(getattr(opta, name, []), getattr(optb, name, [])):
            assert np.array_equal(x, y), name


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("opt_name", sorted(OPTIMIZERS))
def test_tiny_network_1000_steps_bit_for_bit(opt_name, dtype):
    eager = train([2, 4, 4, 1], 4, dtype, opt_name, 1000, False)
    jitted = train([2, 4, 4, 1], 4, dtype, opt_name, 1000, True)
    assert_same_state(eager, jitted)
    assert jitted[0][-1] < jitted[0][0]  # and it trains


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("opt_name,steps", [("gd", 1000), ("momentum", 300), ("adam", 300)])
def test_deep_network_bit_for_bit(opt_name, steps, dtype):
    dims = [32] + [32] * 50 + [1]
    assert_same_state(train(dims, 64, dtype, opt_name, steps, False), train(dims, 64, dtype, opt_name, steps, True))


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
def test_course_network_1000_steps_bit_for_bit(dtype):
    dims = [12288, 20, 7, 5, 1]
    X, Y = problem(dims, 209, dtype)
    assert_same_state(train(dims, 209, dtype, "gd", 1000, False, X, Y), train(dims, 209, dtype, "gd", 1000, True, X, Y))


def test_a_new_input_array_of_the_same_shape_is_used_not_the_recorded_one():
    X1, Y = problem([3, 4, 1], 5, np.float64)
    X2 = X1[::-1].copy()
    T = X1[:, ::-1]  # another layout: copied into the program's layout
    inputs = [X1, X1, X1, X2, X2, T, X1]

    def costs(use_jit):
        net = nn.DeepNetwork([3, 4, 1], seed=2)
        opt = optim.GradientDescent(net.parameters(), 0.1)
        step = make_step(net, opt, Y)

        f = jit(step) if use_jit else step
        return [f(Tensor(x)).item() for x in inputs]

    assert costs(False) == costs(True)


def test_new_shapes_record_again_and_say_so_in_debug_mode(capsys):
    net = nn.DeepNetwork([3, 4, 1], seed=2)
    opt = optim.GradientDescent(net.parameters(), 0.1)

    @jit(debug=True)
    def step(X, Y):
        opt.zero_grad()
        J = nn.binary_cross_entropy(net(X), Y)
        J.backward()
        opt.step()
        return J

    X4, Y4 = problem([3, 4, 1], 4, np.float64)
    X6, Y6 = problem([3, 4, 1], 6, np.float64, seed=1)
    for _ in range(3):
        step(Tensor(X4), Tensor(Y4))
    err = capsys.readouterr().err
    assert "recorded" in err and "recording again" not in err
    for _ in range(3):
        step(Tensor(X6), Tensor(Y6))
    assert "new argument shapes or dtypes, recording again" in capsys.readouterr().err
    assert len(step.cache) == 2


def test_a_number_where_a_tensor_was_recorded_is_refused():
    W = Tensor(np.ones((2, 2)), requires_grad=True)

    @jit
    def f(x):
        return (W * x).sum()

    f(Tensor(np.ones((2, 2))))
    with pytest.raises(TypeError, match="argument 1 was a Tensor when the step was recorded and is now a float"):
        f(2.0)


def test_a_value_read_inside_is_refused_where_it_was_read():
    net = nn.DeepNetwork([3, 2, 1], seed=0)
    opt = optim.GradientDescent(net.parameters(), 0.1)
    X, Y = problem([3, 2, 1], 4, np.float64)
    history = []

    @jit
    def step(Xt):
        opt.zero_grad()
        J = nn.binary_cross_entropy(net(Xt), Y)
        history.append(J.item())  # a value read inside: it would be frozen
        J.backward()
        opt.step()
        return J

    step(Tensor(X))  # the first call runs eagerly
    with pytest.raises(JitError, match=r"it read float\(\) at test_jit\.py:\d+.*return the value from the function"):
        step(Tensor(X))
    assert type(net.layers[0].W.data) is np.ndarray  # nothing of the recording is left behind


def test_a_branch_on_data_is_refused():
    W = Tensor(np.ones(3), requires_grad=True)

    @jit
    def f(x):
        y = (W * x).sum()
        return y * 2 if y.data > 0 else y  # a Python decision on a value

    f(Tensor(np.ones(3)))
    with pytest.raises(JitError, match="a truth value"):
        f(Tensor(np.ones(3)))


def test_an_exception_leaves_no_half_recorded_program():
    W = Tensor(np.ones((2, 3)), requires_grad=True, name="W")
    calls = []

    @jit
    def f(x):
        J = (W @ x).sum()
        calls.append(1)
        if len(calls) == 2:
            raise KeyError("boom")
        return J

    x = Tensor(np.ones((3, 4)))
    f(x)
    with pytest.raises(KeyError):
        f(x)
    assert type(W.data) is np.ndarray and all(e.program is None for e in f.cache.values())
    assert f(x).item() == 24.0 and f(x).item() == 24.0  # records again, then replays


def test_results_are_new_tensors_and_grads_are_eagers():
    X, Y = problem([3, 4, 1], 5, np.float64)
    net = nn.DeepNetwork([3, 4, 1], seed=1)
    opt = optim.GradientDescent(net.parameters(), 0.1)

    @jit
    def step(Xt):
        opt.zero_grad()
        J = nn.binary_cross_entropy(net(Xt), Y)
        J.backward()
        opt.step()
        return J, net(Xt)

    outs = [step(Tensor(X)) for _ in range(5)]
    J3, A3 = outs[2]
    assert J3.name == "J" or J3.name is None
    assert A3.shape == (1, 5) and not J3.requires_grad and J3._ctx is None
    assert len({o[0].item() for o in outs}) == 5  # earlier results keep their values
    assert all(p.grad is not None and p.grad.shape == p.shape for p in net.parameters())


def test_source_reads_like_the_lecture():
    dims = [12288, 20, 7, 5, 1]
    X, Y = problem(dims, 9, np.float64)
    net = nn.DeepNetwork(dims, seed=1)
    opt = optim.GradientDescent(net.parameters(), 0.0075)
    step = jit(make_step(net, opt, Y))

    for _ in range(3):
        step(Tensor(X, name="A[0]"))
    src = step.source().splitlines()
    for line in ("Z1 = W1 @ A0", "Z1 += b1", "A1 = np.maximum(Z1, 0)", "dZ4 = A4 - Y", "db4 = np.sum(dZ4, axis=1, "
                 "keepdims=True)", "dW1 = dZ1 @ A0.T", "dA1 = W2.T @ dZ2", "W1_next = dW1 * -0.0075",
                 "W1_next += W1"):
        assert line in src, line
    assert sum(step.ops.values()) == len(src) and step.ops["matmul"] == 4 + 4 + 3  # forward, dW, dA (no dA0)


def test_a_replayed_step_allocates_next_to_nothing():
    dims = [784, 64, 1]
    X, Y = problem(dims, 128, np.float64)
    net = nn.DeepNetwork(dims, seed=1)
    opt = optim.GradientDescent(net.parameters(), 0.01)
    step = make_step(net, opt, Y)

    def allocated(f):
        Xt = Tensor(X)
        f(Xt), f(Xt), f(Xt)
        tracemalloc.start()
        f(Xt)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak

    eager, jitted = allocated(step), allocated(jit(step))
    assert jitted < eager / 10, (eager, jitted)  # what is left: numpy's own casting buffer (64 KB)


def test_reset_records_again_after_a_number_changed():
    W = Tensor(np.ones(2), requires_grad=True)
    opt = optim.GradientDescent([W], 0.5)

    @jit
    def step():
        opt.zero_grad()
        J = (W * W).sum()
        J.backward()
        opt.step()
        return J

    for _ in range(3):
        step()
    opt.lr = 0.25  # a replay keeps the recorded 0.5 ...
    step.reset()  # ... until told
    before = W.data.copy()
    step()
    np.testing.assert_array_equal(W.data, before - 0.25 * 2 * before)


def test_bad_use():
    with pytest.raises(TypeError, match="decorate a function"):
        jit(3)
    W = Tensor(np.ones(2), requires_grad=True)

    @jit
    def f():
        return float((W * 2).sum().data)

    f()
    with pytest.raises(JitError):
        f()


def test_the_readme_example_prints_the_source_the_readme_shows(capsys):
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("### Record once, replay fast", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    shown = re.search(r"<summary>.*?</summary>\s*```\n(.*?)```", section, re.S).group(1)
    namespace: dict = {}
    exec(code, namespace)
    printed = capsys.readouterr().out
    assert printed.strip() == shown.strip()
    assert f"the {sum(namespace['step'].ops.values())} numpy calls" in section


# ----------------------------------------------------------------------------- every op, every way state changes

_X0 = np.random.RandomState(0).randn(3, 4)
_Y1 = np.eye(3)[:, [0, 1, 2, 1]]
_MASK = np.array([[True, False, True, True]] * 3)

# a cost J(W, X) for each op: each replays bit for bit (its forward and its backward)
OP_COSTS = {
    "matmul relu sigmoid": lambda W, X: (W @ X).relu().sigmoid().sum(),
    "index with repeats": lambda W, X: ((W @ X)[[0, 1, 1]] ** 2).sum(),
    "slice": lambda W, X: ((W @ X)[:, 1:3] ** 2).sum(),
    "row": lambda W, X: ((W @ X)[1] ** 2).sum(),
    "constant mask": lambda W, X: ((W @ X)[_MASK] ** 2).sum(),
    "reshape of a transpose (a copy)": lambda W, X: ((W @ X).T.reshape(12) ** 2).sum(),
    "max with ties": lambda W, X: (W @ X).relu().max(axis=0).sum(),
    "min": lambda W, X: (W @ X).min(axis=1).sum(),
    "maximum": lambda W, X: F.maximum(W @ X, 0.1).sum(),
    "minimum": lambda W, X: F.minimum(W @ X, W @ X * 0.5).sum(),
    "abs": lambda W, X: (W @ X).abs().sum(),
    "sqrt": lambda W, X: ((W @ X) ** 2 + 1).sqrt().sum(),
    "leaky_relu": lambda W, X: (W @ X).leaky_relu().sum(),
    "softplus": lambda W, X: (W @ X).softplus().sum(),
    "std": lambda W, X: (W @ X).std(axis=1).sum(),
    "var": lambda W, X: (W @ X).var(axis=0).sum(),
    "softmax": lambda W, X: ((W @ X).softmax() * _Y1).sum(),
    "log_softmax": lambda W, X: ((W @ X).log_softmax() * _Y1).sum(),
    "logsumexp": lambda W, X: (W @ X).logsumexp().sum(),
    "softmax cross-entropy": lambda W, X: nn.softmax_cross_entropy((W @ X).softmax(), _Y1),
    "concatenate": lambda W, X: (F.concatenate([W @ X, (W @ X) * 2], axis=0) ** 2).sum(),
    "stack": lambda W, X: (F.stack([W @ X, W @ X], axis=0) ** 2).sum(),
    "split": lambda W, X: (F.split(W @ X, 2, axis=1)[1] ** 2).sum(),
    "where": lambda W, X: F.where((W @ X).data > 0, W @ X, (W @ X) * 0.5).sum(),
    "tanh exp log": lambda W, X: ((W @ X).tanh().exp() + 1).log().sum(),
    "mean": lambda W, X: ((W @ X) ** 2).mean(),
}


def _op_run(cost, use_jit, steps=6):
    W = Tensor(np.random.RandomState(1).randn(3, 3) * 0.5, requires_grad=True, name="W")
    opt = optim.GradientDescent([W], 0.05)

    def step(X):
        opt.zero_grad()
        J = cost(W, X)
        J.backward()
        opt.step()
        return J

    f = jit(step) if use_jit else step
    X = Tensor(_X0)
    return [f(X).data.copy() for _ in range(steps)], W.data.copy(), W.grad.copy()


@pytest.mark.parametrize("name", list(OP_COSTS))
def test_every_op_replays_bit_for_bit(name):
    eager, jitted = _op_run(OP_COSTS[name], False), _op_run(OP_COSTS[name], True)
    for a, b in zip(eager[0], jitted[0]):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(eager[1], jitted[1])
    np.testing.assert_array_equal(eager[2], jitted[2])


def test_a_mask_computed_in_the_step_and_an_element_read_are_refused():
    W = Tensor(np.ones((2, 2)), requires_grad=True)

    @jit
    def masked(X):
        Z = W @ X
        return Z[Z.data > 0].sum()

    @jit
    def element(X):
        Z = W @ X
        return Z * (1.0 if Z.data[0, 0] > 0 else -1.0)

    X = Tensor(np.ones((2, 2)))
    for f, words in ((masked, "boolean mask computed in the step"), (element, "an element")):
        f(X)
        with pytest.raises(JitError, match=words):
            f(X)


@pytest.mark.parametrize("opt_name", list(OPTIMIZERS))
def test_alternating_shapes_two_jits_and_weights_set_between_calls_stay_eager(opt_name):
    """Every way a parameter can change outside the replay: another argument shape (a last smaller
    batch), another jitted function on the same parameters, weights loaded between calls."""
    rs = np.random.RandomState(0)
    Xa, Ya = rs.randn(3, 4), (rs.rand(1, 4) > 0.5) * 1.0
    Xb, Yb = rs.randn(3, 6), (rs.rand(1, 6) > 0.5) * 1.0
    loaded = [rs.randn(4, 3), rs.randn(4, 1), rs.randn(1, 4), rs.randn(1, 1)]

    def run(use_jit):
        net = nn.DeepNetwork([3, 4, 1], seed=2)
        opt = OPTIMIZERS[opt_name](net.parameters())
        wrap = jit if use_jit else (lambda f: f)
        a, b = wrap(make_step(net, opt, Ya)), wrap(make_step(net, opt, Yb))
        costs = []
        for i in range(8):
            costs.append(a(Tensor(Xa)).data.copy())
            costs.append(b(Tensor(Xb)).data.copy())
            if i == 4:
                for p, w in zip(net.parameters(), loaded):
                    p.data = w.copy()
        return costs, [p.data.copy() for p in net.parameters()], opt.t, getattr(opt, "steps", None)

    eager, jitted = run(False), run(True)
    for x, y in zip(eager[0], jitted[0]):
        np.testing.assert_array_equal(x, y)
    for x, y in zip(eager[1], jitted[1]):
        np.testing.assert_array_equal(x, y)
    assert eager[2] == jitted[2] == 16 and eager[3] == jitted[3]  # the counters count replayed steps


def test_a_parameter_given_another_shape_asks_for_reset():
    W = Tensor(np.ones((2, 2)), requires_grad=True, name="W")
    opt = optim.GradientDescent([W], 0.1)

    @jit
    def step(X):
        opt.zero_grad()
        J = (W @ X).sum()
        J.backward()
        opt.step()
        return J

    X = Tensor(np.ones((2, 3)))
    for _ in range(3):
        step(X)
    W.data = np.ones((3, 2))
    with pytest.raises(JitError, match=r"W now holds an array of shape \(3, 2\).*reset\(\)"):
        step(X)


def test_source_follows_the_signature_last_run():
    W = Tensor(np.ones((2, 2)), requires_grad=True, name="W")

    @jit
    def f(X):
        return (W @ X).sum()

    a, b = Tensor(np.ones((2, 3))), Tensor(np.ones((2, 5)))
    f(a), f(a), f(a)  # recorded and replayed
    f(b)  # eager, once
    f(a)  # the fast path
    assert "W @ A0" in f.source() or "W @" in f.source()


#: what the replay's own bookkeeping (compiled code, views, names) may add to a peak equal in arrays
BOOKKEEPING = 64 * 1024


@pytest.mark.parametrize("opt_name", list(OPTIMIZERS))
def test_a_replayed_course_step_holds_no_more_memory_than_eager_at_its_peak(opt_name):
    """Momentum and Adam: fewer arrays than eager (states updated in their own buffers, temporaries
    sharing theirs). Gradient descent: the same arrays (W, dW and W - α dW must coexist in both),
    so the peaks differ by the replay's bookkeeping only."""
    dims = [12288, 20, 7, 5, 1]
    X, Y = problem(dims, 209, np.float64)  # the course's network and m

    def peak(use_jit):
        gc.collect()
        tracemalloc.start()
        net = nn.DeepNetwork(dims, seed=1)
        opt = OPTIMIZERS[opt_name](net.parameters())
        f = make_step(net, opt, Y)
        f = jit(f) if use_jit else f
        Xt = Tensor(X)
        for _ in range(4):
            f(Xt)
        tracemalloc.reset_peak()
        f(Xt)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak

    peak(True), peak(False)  # once each first: what the process allocates once is counted against neither
    eager, jitted = peak(False), peak(True)
    if opt_name == "gd":
        assert jitted <= eager + BOOKKEEPING
    else:
        assert jitted <= eager - 2**20  # a good part of a W[1]-sized array fewer (1.9 MB)
