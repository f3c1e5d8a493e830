"""Construction, dtype rules, attributes, mixing with numbers and numpy arrays."""

import numpy as np
import pytest

from tinygrad_edu import Tensor


@pytest.mark.parametrize(
    "data,dtype",
    [
        (3, np.float64),
        (2.5, np.float64),
        (True, np.float64),
        ([1, 2, 3], np.float64),
        ([[1.0, 2.0], [3.0, 4.0]], np.float64),
        (np.arange(6).reshape(2, 3), np.float64),
        (np.ones(3, dtype=np.float16), np.float64),
        (np.ones(3, dtype=np.float32), np.float32),
        (np.float32(1.5), np.float32),
        (np.ones(3, dtype=bool), np.float64),
    ],
)
def test_data_is_always_float(data, dtype):
    t = Tensor(data)
    assert isinstance(t.data, np.ndarray)
    assert t.dtype == dtype
    np.testing.assert_array_equal(t.data, np.asarray(data, dtype=dtype))


def test_dtype_argument():
    assert Tensor([1, 2], dtype=np.float32).dtype == np.float32
    assert Tensor(np.ones(2, np.float32), dtype="float64").dtype == np.float64


@pytest.mark.parametrize("dtype", [np.int32, "int64", bool, "U3", object, np.complex128])
def test_non_float_dtype_argument_raises(dtype):
    with pytest.raises(TypeError, match="floating-point"):
        Tensor([1, 2], dtype=dtype)


@pytest.mark.parametrize("data", ["abc", ["a", "b"], None, {"a": 1}, [1 + 2j]])
def test_non_numeric_data_raises(data):
    with pytest.raises(TypeError, match="numeric"):
        Tensor(data)


def test_list_of_tensors_raises_instead_of_cutting_the_graph():
    a = Tensor([1.0], requires_grad=True)
    with pytest.raises(TypeError, match="graph"):
        Tensor([a, a])


def test_float_array_is_shared_not_copied_and_never_written():
    W0 = np.random.default_rng(0).standard_normal((3, 2))
    before = W0.copy()
    W = Tensor(W0, requires_grad=True)
    assert W.data is W0
    X = np.ones((2, 4))
    X_before = X.copy()
    J = ((W @ X).relu() * 2 + W.sum()).mean()
    J.backward()
    J.backward()
    np.testing.assert_array_equal(W0, before)
    np.testing.assert_array_equal(X, X_before)


def test_tensor_from_tensor_shares_data_and_is_a_leaf():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = a * 2
    c = Tensor(b)
    assert c.data is b.data and c.op is None and c.parents == () and not c.requires_grad


def test_attributes():
    W = Tensor(np.zeros((5, 3)), requires_grad=True, name="W[1]")
    assert W.shape == (5, 3) and W.ndim == 2 and W.size == 15 and W.dtype == np.float64
    assert W.name == "W[1]" and W.requires_grad and W.grad is None
    assert W.op is None and W.parents == ()
    assert W.T.shape == (3, 5) and W.T.op == "transpose" and W.T.parents[0] is W
    assert W.numpy() is W.data


def test_op_and_parents_in_order():
    a = Tensor(np.ones((2, 3)), requires_grad=True)
    b = Tensor(np.ones((3, 4)))
    z = a @ b
    assert z.op == "matmul" and z.parents == (a, b) and isinstance(z.parents, tuple)
    r = 1.0 - a  # a number is kept in the op's cache, not made a graph node
    assert r.op == "sub" and r.parents == (a,) and r._ctx.describe() == "1 - x"
    y = Tensor(np.ones(3)) - a
    assert y.op == "sub" and y.parents[1] is a and y.parents[0].shape == (3,)  # arrays are nodes
    for name, t in [("relu", a.relu()), ("sigmoid", a.sigmoid()), ("tanh", a.tanh()), ("exp", a.exp()),
                    ("log", a.log()), ("sum", a.sum()), ("mean", a.mean()), ("reshape", a.reshape(6)),
                    ("neg", -a), ("pow", a ** 2), ("div", a / 2), ("mul", a * 2), ("add", a + 2)]:
        assert t.op == name and t.parents[0] is a


def test_item_numpy_float_and_grad_of_scalar_is_0d_array():
    x = Tensor(3.0, requires_grad=True)
    y = x * x
    assert y.item() == 9.0 and isinstance(y.item(), float) and float(y) == 9.0
    y.backward()
    assert type(x.grad) is np.ndarray and x.grad.shape == () and x.grad == 6.0
    assert type(y.grad) is np.ndarray and y.grad.shape == ()
    with pytest.raises(ValueError, match="item"):
        Tensor([1.0, 2.0]).item()


@pytest.mark.parametrize("fn", [lambda x: x * 3, lambda x: x.exp(), lambda x: x / Tensor(2.0), lambda x: 1 - x,
                                lambda x: (x * x).sum(), lambda x: x.reshape(1, 1).mean()])
def test_grad_of_a_0d_leaf_is_always_a_0d_array(fn):
    x = Tensor(2.0, requires_grad=True)
    fn(x).backward()
    assert type(x.grad) is np.ndarray and x.grad.shape == ()


def test_detach_shares_data_without_history():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = (a * 3).named("b")
    d = b.detach()
    assert d.data is b.data and d.op is None and not d.requires_grad and d.parents == ()
    (d * a).sum().backward()
    np.testing.assert_array_equal(a.grad, [3.0, 6.0])  # d is a constant: no path back through b


def test_named_sets_and_returns_self():
    z = Tensor([1.0]).named("Z[1]")
    assert z.name == "Z[1]"


def test_repr_mentions_name_and_op():
    a = Tensor([1.0, 2.0], requires_grad=True, name="W[1]")
    assert "W[1]" in repr(a) and "requires_grad=True" in repr(a)
    assert "op='relu'" in repr(a.relu())
    assert "float32" in repr(Tensor(np.ones(2, np.float32)))


# ----------------------------------------------------------------------------- mixing operands


@pytest.mark.parametrize("other", [2, 2.5, np.float64(2.5), np.float32(2.5), np.int64(3), np.array(2.0),
                                   np.ones((2, 3)), [[1.0, 2.0, 3.0]], np.arange(1, 4)])
def test_numbers_and_arrays_on_both_sides(other):
    a_np = np.arange(1.0, 7.0).reshape(2, 3)
    o_np = np.asarray(other, dtype=np.float64)
    a = Tensor(a_np, requires_grad=True)
    cases = [
        (a + other, a_np + o_np), (other + a, o_np + a_np),
        (a - other, a_np - o_np), (other - a, o_np - a_np),
        (a * other, a_np * o_np), (other * a, o_np * a_np),
        (a / other, a_np / o_np), (other / a, o_np / a_np),
        (a ** other, a_np ** o_np), (other ** a, o_np ** a_np),
    ]
    for got, want in cases:
        assert isinstance(got, Tensor)
        assert got.requires_grad
        np.testing.assert_allclose(got.data, want)


def test_ndarray_on_the_left_returns_tensor_not_object_array():
    a = Tensor(np.ones((2, 2)), requires_grad=True)
    for r in (np.ones((2, 2)) + a, np.ones((2, 2)) * a, np.ones((2, 2)) - a, np.ones((2, 2)) / a,
              np.eye(2) @ a, np.float64(2.0) * a, np.ones((2, 2)) ** a):
        assert isinstance(r, Tensor) and r.data.dtype == np.float64


def test_matmul_with_ndarray_either_side_gets_gradient():
    W = Tensor(np.ones((2, 3)), requires_grad=True)
    X = np.arange(12.0).reshape(3, 4)
    (W @ X).sum().backward()
    np.testing.assert_array_equal(W.grad, np.tile(X.sum(axis=1), (2, 1)))
    V = Tensor(np.ones((3, 4)), requires_grad=True)
    (np.ones((2, 3)) @ V).sum().backward()
    np.testing.assert_array_equal(V.grad, np.full((3, 4), 2.0))


def test_builtin_sum_of_tensors():
    ts = [Tensor([1.0, 2.0], requires_grad=True) for _ in range(3)]
    s = sum(ts)
    np.testing.assert_array_equal(s.data, [3.0, 6.0])
    s.sum().backward()
    for t in ts:
        np.testing.assert_array_equal(t.grad, [1.0, 1.0])


def test_pow_with_tensor_exponent():
    a = Tensor(2.0, requires_grad=True)
    e = Tensor(3.0, requires_grad=True)
    y = a**e
    y.backward()
    assert y.item() == 8.0
    assert a.grad == pytest.approx(3 * 4.0) and e.grad == pytest.approx(8.0 * np.log(2.0))


def test_pow_with_number_exponent_takes_no_log_of_negative_base():
    a = Tensor([-2.0, 3.0], requires_grad=True)
    with np.errstate(all="raise"):  # would raise on log(-2) if the exponent's gradient were computed
        (a**2).sum().backward()
    np.testing.assert_array_equal(a.grad, [-4.0, 6.0])


def test_float32_stays_float32():
    W = Tensor(np.ones((3, 2), np.float32), requires_grad=True)
    b = Tensor(np.zeros((3, 1), np.float32), requires_grad=True)
    X = np.ones((2, 5), np.float32)
    Z = W @ X + b
    A = (Z * 0.5 + 1).sigmoid()
    J = -((A.log() * 2.0 - 1) / 3).mean() + (W ** 2).sum() * 0.01
    assert Z.dtype == A.dtype == J.dtype == np.float32
    J.backward()
    assert W.grad.dtype == b.grad.dtype == np.float32
    assert (np.arange(3) * W.T).dtype == np.float32  # integer arrays take the tensor's dtype


def test_grad_has_the_dtype_of_its_tensor_even_when_mixed():
    W = Tensor(np.ones((3, 2), np.float32), requires_grad=True)
    X = np.ones((2, 5), np.float64)
    Z = W @ X
    assert Z.dtype == np.float64  # numpy's promotion for the value
    Z.sum().backward()
    assert W.grad.dtype == np.float32 and W.grad.shape == W.shape


# ----------------------------------------------------------------------------- what must not be lost on the way in


def test_np_array_copy_true_is_a_copy():
    W = Tensor(np.ones(3), requires_grad=True)
    c = np.array(W, copy=True)
    c[0] = 5.0
    assert W.data[0] == 1.0  # writing the copy leaves W alone
    assert np.asarray(W) is W.data  # a plain conversion still shares
    with pytest.raises(ValueError, match="copy=False"):
        np.array(W, dtype=np.float32, copy=False)


@pytest.mark.parametrize("make", [lambda W: Tensor([[W * 3]]), lambda W: Tensor(np.ones(1)) + [W],
                                  lambda W: Tensor([1.0, [W]] if False else [[1.0], [W]])],
                         ids=["nested list", "list operand", "deeper list"])
def test_tensors_nested_in_lists_are_refused(make):
    W = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(TypeError, match="cut off from their graph"):
        make(W)


def test_complex_and_masked_data_are_refused():
    with pytest.raises(TypeError, match="complex"):
        Tensor(np.array([1 + 2j]))
    with pytest.raises(TypeError, match="complex"):
        Tensor(np.array([1 + 2j]), dtype="float64")
    with pytest.raises(TypeError, match="numeric"):
        Tensor(np.ones(2)) * np.array([1 + 2j, 1])
    with pytest.raises(TypeError, match="masked array would lose its mask"):
        Tensor(np.ma.array([1, 2, 3], mask=[0, 1, 0]))
    with pytest.raises(TypeError, match="masked array"):
        Tensor(np.ones(3)) + np.ma.array([1, 2, 3], mask=[0, 1, 0])


def test_truth_value_as_numpy():
    assert bool(Tensor(0.0)) is False and bool(Tensor([2.0])) is True
    with pytest.raises(ValueError, match="ambiguous"):
        bool(Tensor([1.0, 2.0]))


def test_copies_and_pickles_are_leaves_and_a_long_graph_is_refused_not_recursed():
    import copy
    import pickle
    import sys

    W = Tensor(np.ones((2, 2)), requires_grad=True, name="W[1]")
    (W * 2).sum().backward()
    for c in (copy.copy(W), copy.deepcopy(W), pickle.loads(pickle.dumps(W))):
        assert c.name == "W[1]" and c.requires_grad and c.op is None and c.data is not W.data
        np.testing.assert_array_equal(c.data, W.data)
        np.testing.assert_array_equal(c.grad, W.grad)
    y = W
    for _ in range(20_000):
        y = y * 1.0
    limit = sys.getrecursionlimit()
    for fn in (copy.deepcopy, pickle.dumps):
        with pytest.raises(RuntimeError, match="only leaves.*detach"):
            fn(y)
    assert sys.getrecursionlimit() == limit
    # a copy made in another order still sorts after what it was made from
    from tinygrad_edu import topological_order

    z = pickle.loads(pickle.dumps(W.detach()))
    out = z * W
    assert topological_order(out)[-1] is out
