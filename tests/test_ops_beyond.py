"""The ops beyond week 4: each against central differences in float64 over broadcasting shapes,
against PyTorch 2.13 where PyTorch has it (skipped without torch), at its conventions (ties,
kinks), and numpy's own functions on a Tensor."""

import numpy as np
import pytest
from numgrad import check_grads

from tinygrad_edu import (
    Tensor,
    concatenate,
    log_softmax,
    logsumexp,
    maximum,
    minimum,
    softmax,
    split,
    stack,
    where,
)

rng = np.random.default_rng(0)


def r(*shape, positive=False, distinct=True):
    x = rng.standard_normal(shape)
    if distinct:  # away from kinks and ties, where central differences are not the derivative
        x = np.where(np.abs(x) < 0.1, x + 0.3, x)
    return np.abs(x) + 0.5 if positive else x


# ----------------------------------------------------------------------------- central differences

@pytest.mark.parametrize("sa,sb", [((3, 4), (3, 4)), ((3, 4), (3, 1)), ((3, 4), (4,)), ((2, 3, 4), (1, 4))])
def test_maximum_minimum_broadcast(sa, sb):
    a, b = r(*sa), r(*sb) + 0.05  # no ties
    check_grads(maximum, a, b)
    check_grads(minimum, a, b)
    check_grads(lambda x: maximum(x, 0.2), a)
    check_grads(lambda x: minimum(1.0, x), a)


@pytest.mark.parametrize("fn", [
    lambda t: t.abs(), lambda t: t.sqrt(), lambda t: t.leaky_relu(), lambda t: t.leaky_relu(0.2),
    lambda t: t.softplus(), lambda t: abs(t),
], ids=["abs", "sqrt", "leaky_relu", "leaky_relu 0.2", "softplus", "abs()"])
def test_elementwise(fn):
    check_grads(fn, r(3, 4, positive=fn(Tensor([4.0])).item() == 2.0))


@pytest.mark.parametrize("axis,keepdims", [(None, False), (0, False), (1, True), ((0, 1), False), (-1, False)])
def test_max_min_over_axes(axis, keepdims):
    x = r(3, 4)
    check_grads(lambda t: t.max(axis=axis, keepdims=keepdims), x)
    check_grads(lambda t: t.min(axis=axis, keepdims=keepdims), x)


@pytest.mark.parametrize("key", [
    1, (slice(None), slice(1, 3)), (Ellipsis, 2), np.array([0, 2, 2, 1]), (np.array([0, 1, 1]), np.array([3, 0, 3])),
    np.array([[True, False, True, False]] * 3), (slice(None, None, -1),),
], ids=["int", "slice", "ellipsis", "int array, repeats", "pairs, repeats", "mask", "reversed"])
def test_indexing(key):
    check_grads(lambda t: t[key], r(3, 4))


def test_repeated_indices_add_up():
    x = Tensor(np.arange(4.0), requires_grad=True)
    (x[np.array([1, 1, 1, 3])] * np.array([1.0, 2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(x.grad, [0, 6, 0, 4])


def test_concatenate_stack_split():
    a, b, c = r(2, 3), r(2, 1), r(2, 2)
    check_grads(lambda x, y, z: concatenate([x, y, z], axis=1), a, b, c)
    check_grads(lambda x, y: concatenate([x, y], axis=0), r(1, 3), r(2, 3))
    check_grads(lambda x, y: stack([x, y], axis=1), a, r(2, 3))
    check_grads(lambda x: split(x, [1, 3], axis=1)[1] * 2 + split(x, 2, axis=0)[0].sum(), r(2, 4))


def test_where():
    a, b = r(3, 4), r(3, 1)
    cond = a > 0
    check_grads(lambda x, y: where(cond, x, y), a, b)
    check_grads(lambda x: where(x > 0, x, 0.0), a)  # relu, written with where


@pytest.mark.parametrize("axis,keepdims,ddof", [(None, False, 0), (1, True, 0), (0, False, 1)])
def test_var_std(axis, keepdims, ddof):
    x = r(3, 4)
    check_grads(lambda t: t.var(axis=axis, keepdims=keepdims, ddof=ddof), x)
    check_grads(lambda t: t.std(axis=axis, keepdims=keepdims, ddof=ddof), x)
    np.testing.assert_allclose(Tensor(x).var(axis=axis, keepdims=keepdims, ddof=ddof).data,
                               np.var(x, axis=axis, keepdims=keepdims, ddof=ddof), rtol=1e-13)


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_family(axis):
    z = r(4, 5)
    check_grads(lambda t: softmax(t, axis), z)
    check_grads(lambda t: log_softmax(t, axis), z)
    check_grads(lambda t: logsumexp(t, axis), z)
    check_grads(lambda t: t.logsumexp(axis, keepdims=True), z)
    s = softmax(Tensor(z), axis).data
    np.testing.assert_allclose(s.sum(axis=axis), 1.0, rtol=1e-14)
    np.testing.assert_allclose(log_softmax(Tensor(z), axis).data, np.log(s), rtol=1e-12, atol=1e-15)


def test_softmax_at_plus_minus_1000_is_finite_and_exact():
    z = Tensor(np.array([[1000.0, -1000.0], [999.0, -1000.0], [-1000.0, 1000.0]]), requires_grad=True)
    s = z.softmax(axis=0)
    np.testing.assert_allclose(s.data[:, 0], [1 / (1 + np.exp(-1)), np.exp(-1) / (1 + np.exp(-1)), 0.0], rtol=1e-14)
    np.testing.assert_allclose(s.data[:, 1], [0.0, 0.0, 1.0])
    lse = z.logsumexp(axis=0)
    np.testing.assert_allclose(lse.data, [1000 + np.log1p(np.exp(-1)), 1000.0], rtol=1e-15)
    (s * Tensor(rng.standard_normal((3, 2)))).sum().backward()
    assert np.all(np.isfinite(z.grad))
    assert np.all(np.isfinite(z.log_softmax(axis=0).data))


# ----------------------------------------------------------------------------- conventions

def test_ties_and_kinks_follow_pytorch():
    a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = Tensor([1.0, 1.0, 4.0], requires_grad=True)
    maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad, [0.5, 1, 0]) and np.testing.assert_array_equal(b.grad, [0.5, 0, 1])
    x = Tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], requires_grad=True)
    x.max(axis=1).sum().backward()
    np.testing.assert_allclose(x.grad, [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    z = Tensor([0.0, -1.0, 2.0], requires_grad=True)
    z.abs().sum().backward()
    np.testing.assert_array_equal(z.grad, [0, -1, 1])  # abs'(0) = 0
    z.grad = None
    z.leaky_relu(0.01).sum().backward()
    np.testing.assert_array_equal(z.grad, [0.01, 0.01, 1])  # leaky_relu'(0) = slope
    z.grad = None
    z.relu().sum().backward()
    np.testing.assert_array_equal(z.grad, [0, 0, 1])  # relu'(0) = 0
    c = Tensor([[3.0, 3.0], [1.0, 2.0]], requires_grad=True)
    c.std(axis=1).sum().backward()
    np.testing.assert_array_equal(c.grad, [[0, 0], [-0.5, 0.5]])  # equal entries: std' = 0, not nan


def test_comparisons_are_plain_boolean_arrays_and_tensors_still_hash_by_identity():
    t = Tensor([1.0, -2.0, 3.0], requires_grad=True)
    for got, want in ((t > 0, [True, False, True]), (t <= 1, [True, True, False]), (t == 3.0, [False, False, True]),
                      (t != t, [False] * 3), (0 < t, [True, False, True])):
        assert type(got) is np.ndarray and got.dtype == bool
        np.testing.assert_array_equal(got, want)
    assert len({t, Tensor([1.0])}) == 2 and {t: 1}[t] == 1


def test_float32_stays_float32():
    x = Tensor(r(3, 4), dtype=np.float32, requires_grad=True)
    for out in (x.abs(), x.leaky_relu(), x.softplus(), maximum(x, 0.5), x.max(axis=0), x[1:], x.softmax(),
                x.log_softmax(), x.logsumexp(), where(x.data > 0, x, 0.0), concatenate([x, x]), x.var(axis=1)):
        assert out.dtype == np.float32, out.op
        (out * 1.0).sum().backward()
        assert x.grad.dtype == np.float32
        x.grad = None


# ----------------------------------------------------------------------------- numpy's functions

def test_numpy_functions_on_a_tensor_run_the_ops():
    t = Tensor(r(3, 4), requires_grad=True)
    for got, want in ((np.sum(t, axis=1), t.data.sum(axis=1)), (np.exp(t), np.exp(t.data)),
                      (np.mean(t), t.data.mean()), (np.maximum(t, 0.0), np.maximum(t.data, 0)),
                      (np.max(t, axis=0), t.data.max(axis=0)), (np.transpose(t), t.data.T),
                      (np.ones((3, 4)) + t, 1 + t.data), (np.ones((4, 2)).T @ t.T, np.ones((2, 4)) @ t.data.T),
                      (2.0 - t, 2 - t.data), (np.abs(t), np.abs(t.data)),
                      (np.sqrt(np.abs(t)), np.sqrt(np.abs(t.data))),
                      (np.concatenate([t, t], axis=1), np.concatenate([t.data, t.data], axis=1))):
        assert isinstance(got, Tensor) and got.requires_grad
        np.testing.assert_allclose(got.data, want, rtol=1e-14)
    np.sum(np.exp(t)).backward()
    np.testing.assert_allclose(t.grad, np.exp(t.data), rtol=1e-14)


@pytest.mark.parametrize("call,name", [(lambda t: np.isclose(t, 1), "np.isclose"),
                                       (lambda t: np.cumsum(t), "np.cumsum"),
                                       (lambda t: np.add.reduce(t), "np.add.reduce"),
                                       (lambda t: np.exp(t, out=np.empty(3)), "np.exp with out=")])
def test_other_numpy_functions_say_what_to_call(call, name):
    with pytest.raises(TypeError, match=rf"{name}.*is not defined on a Tensor.*t\.sum\(\)"):
        call(Tensor([1.0, 2.0, 3.0]))


def test_bad_arguments():
    t = Tensor(r(3, 4))
    with pytest.raises(IndexError, match="index.*shape \\(3, 4\\)"):
        t[5]
    with pytest.raises(ValueError, match="axis must be one int"):
        t.softmax(axis=(0, 1))
    with pytest.raises(TypeError, match="where: cond must be a boolean array"):
        where(np.ones((3, 4)), t, 0.0)
    with pytest.raises(ValueError, match="concatenate: tensor 1 has shape"):
        concatenate([t, Tensor(r(2, 3))], axis=0)
    with pytest.raises(ValueError, match="cannot be split into 3 equal parts"):
        split(t, 3, axis=1)


# ----------------------------------------------------------------------------- PyTorch 2.13

torch = pytest.importorskip("torch")


def _both(fn_tg, fn_torch, *arrays):
    ts = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    ps = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, pout = fn_tg(*ts), fn_torch(*ps)
    np.testing.assert_allclose(out.data, pout.detach().numpy(), rtol=1e-12, atol=1e-14)
    R = rng.standard_normal(out.shape)
    (out * R).sum().backward()
    (pout * torch.tensor(R)).sum().backward()
    for t, p in zip(ts, ps):
        np.testing.assert_allclose(t.grad, p.grad.numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", ["maximum", "minimum", "abs", "sqrt", "leaky_relu", "softplus", "amax", "amin",
                                  "index", "cat", "stack", "where", "var", "std", "std_constant", "softmax",
                                  "log_softmax", "logsumexp"])
def test_against_pytorch(name):
    F = torch.nn.functional
    tie = np.array([[1.0, 2.0, 2.0], [0.0, -1.0, 0.0]])  # ties and a kink included
    x, y = r(2, 3), r(2, 3)
    cases = {
        "maximum": (lambda a, b: maximum(a, b), torch.maximum, tie, tie[::-1].copy()),
        "minimum": (lambda a, b: minimum(a, b), torch.minimum, tie, tie[::-1].copy()),
        "abs": (lambda a: a.abs(), torch.abs, tie),
        "sqrt": (lambda a: a.sqrt(), torch.sqrt, np.abs(x) + 0.1),
        "leaky_relu": (lambda a: a.leaky_relu(0.1), lambda a: F.leaky_relu(a, 0.1), tie),
        "softplus": (lambda a: a.softplus(), F.softplus, x * 10),
        "amax": (lambda a: a.max(axis=1), lambda a: torch.amax(a, dim=1), tie),
        "amin": (lambda a: a.min(axis=0, keepdims=True), lambda a: torch.amin(a, dim=0, keepdim=True), tie),
        "index": (lambda a: a[np.array([1, 1, 0]), :], lambda a: a[torch.tensor([1, 1, 0]), :], x),
        "cat": (lambda a, b: concatenate([a, b], axis=1), lambda a, b: torch.cat([a, b], dim=1), x, y),
        "stack": (lambda a, b: stack([a, b], axis=2), lambda a, b: torch.stack([a, b], dim=2), x, y),
        "where": (lambda a, b: where(x > 0, a, b), lambda a, b: torch.where(torch.tensor(x > 0), a, b), x, y),
        "var": (lambda a: a.var(axis=1, ddof=1), lambda a: torch.var(a, dim=1, correction=1), x),
        "std": (lambda a: a.std(axis=0), lambda a: torch.std(a, dim=0, correction=0), x),
        "std_constant": (lambda a: a.std(axis=1, ddof=1), lambda a: torch.std(a, dim=1, correction=1),
                         np.array([[2.0, 2.0, 2.0], [0.0, 1.0, 3.0]])),  # a row of equal entries: std' = 0
        "softmax": (lambda a: a.softmax(axis=0), lambda a: torch.softmax(a, dim=0), x * 30),
        "log_softmax": (lambda a: a.log_softmax(axis=1), lambda a: torch.log_softmax(a, dim=1), x * 30),
        "logsumexp": (lambda a: a.logsumexp(axis=0), lambda a: torch.logsumexp(a, dim=0), x * 30),
    }
    fn, tfn, *arrays = cases[name]
    _both(fn, tfn, *arrays)


def test_the_readmes_table_lists_every_op():
    import re
    from pathlib import Path

    from tinygrad_edu.tensor import Function

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    table = readme.split("### Every op and its derivative", 1)[1].split("\n## ", 1)[0]
    first_column = [row.split(" | ")[0] for row in table.splitlines() if row.startswith("| `")]
    listed = {name for cell in first_column for name in re.findall(r"`(\w+)", cell)}
    assert {op.name for op in Function.registry} <= listed
