"""Errors that teach: type, operation, shapes, names, and a hint in lecture terms."""

import numpy as np
import pytest

from tinygrad_edu import ShapeError, Tensor


def test_shape_error_is_a_value_error():
    assert issubclass(ShapeError, ValueError)


def test_matmul_inner_dimensions_with_names_and_lecture_hint():
    W = Tensor(np.ones((5, 3)), requires_grad=True, name="W[1]")
    X = Tensor(np.ones((4, 10)), name="A[0]")
    with pytest.raises(ShapeError) as e:
        W @ X
    msg = str(e.value)
    for part in ["matmul", "W[1] (5, 3)", "A[0] (4, 10)", "inner dimensions", "(n[l], n[l-1])", "(n[l-1], m)"]:
        assert part in msg


def test_matmul_hint_for_examples_in_rows():
    W = Tensor(np.ones((5, 3)), name="W[1]")
    X = Tensor(np.ones((10, 3)), name="X")
    with pytest.raises(ShapeError, match=r"one example per column.*\(n\[0\], m\)"):
        W @ X


def test_matmul_hint_for_transposed_weight():
    W = Tensor(np.ones((3, 5)), name="W[1]")
    X = Tensor(np.ones((3, 10)), name="X")
    with pytest.raises(ShapeError, match=r"left operand transposed, \(5, 3\), would fit"):
        W @ X


def test_matmul_of_scalar():
    with pytest.raises(ShapeError, match="use \\* to scale"):
        Tensor(2.0) @ Tensor(np.ones((2, 2)))


def test_bias_with_wrong_rows():
    Z = Tensor(np.ones((5, 10)))
    b = Tensor(np.ones((3, 1)), name="b[1]")
    with pytest.raises(ShapeError) as e:
        Z + b
    msg = str(e.value)
    for part in ["add", "(5, 10)", "b[1] (3, 1)", "broadcast", "(n[l], 1)"]:
        assert part in msg


@pytest.mark.parametrize("op", ["add", "sub", "mul", "div", "pow"])
def test_every_binary_op_names_itself(op):
    a, b = Tensor(np.ones((2, 3))), Tensor(np.ones((3, 2)))
    fn = {"add": lambda: a + b, "sub": lambda: a - b, "mul": lambda: a * b, "div": lambda: a / b,
          "pow": lambda: a**b}[op]
    with pytest.raises(ShapeError, match=rf"^{op}: .*transposes of each other"):
        fn()


def test_reshape_error():
    with pytest.raises(ShapeError, match=r"reshape: .*size 6.*\(4,\)"):
        Tensor(np.ones((2, 3)), name="A").reshape(4)


@pytest.mark.parametrize("method", ["sum", "mean"])
def test_axis_out_of_range(method):
    msg = rf"{method}: axis 2 is out of range for Z\[1\] \(5, 10\).*axis=1 runs over the m examples"
    with pytest.raises(ShapeError, match=msg):
        getattr(Tensor(np.ones((5, 10)), name="Z[1]"), method)(axis=2)


def test_axis_repeated():
    with pytest.raises(ShapeError, match="same axis twice"):
        Tensor(np.ones((2, 3))).sum(axis=(1, -1))


def test_transpose_bad_axes():
    with pytest.raises(ShapeError, match="permutation"):
        Tensor(np.ones((2, 3))).transpose(0, 0)


def test_backward_on_non_scalar_suggests_sum_or_mean():
    A = Tensor(np.ones((1, 5)), requires_grad=True, name="A[2]") * 2
    with pytest.raises(ValueError, match=r"backward: .*5 elements.*\.sum\(\) or \.mean\(\)"):
        A.backward()


def test_backward_with_wrong_seed_shape():
    A = Tensor(np.ones((2, 5)), requires_grad=True) * 2
    with pytest.raises(ShapeError, match=r"grad= has shape \(5, 2\).*\(2, 5\)"):
        A.backward(np.ones((5, 2)))


def test_backward_without_requires_grad():
    with pytest.raises(RuntimeError, match="requires_grad=True"):
        (Tensor([1.0]) * 2).backward()


def test_item_on_many_elements():
    with pytest.raises(ValueError, match="item: .*6 elements"):
        Tensor(np.ones((2, 3))).item()


def test_unsupported_operand():
    with pytest.raises(TypeError, match="numeric"):
        Tensor([1.0]) + "a"
