"""The :class:`Tensor`: a numpy array that records the operations made with it.

Every operation on tensors that require grad creates a node in a dynamic graph: the result
keeps the op object (its *cache*, see :mod:`tinygrad_edu.ops`) and, through it, its parents.
``J.backward()`` then walks that graph backwards (:func:`tinygrad_edu.graph.run_backward`) and
fills ``.grad`` of every tensor that requires grad with ``dJ/d(tensor)``.
"""

from __future__ import annotations

import functools
import itertools
import os
import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from . import ops
from .errors import AnomalyError, ShapeError
from .graph import run_backward

__all__ = ["Tensor", "no_grad", "enable_grad", "is_grad_enabled", "detect_anomaly"]

F = TypeVar("F", bound=Callable[..., Any])

# ----------------------------------------------------------------------------- grad mode (per thread)


class _GradMode(threading.local):
    enabled = True  # the class attributes are each thread's starting values
    anomaly = False

    def __init__(self) -> None:
        self.saved: list[tuple[str, bool]] = []  # what each open with-block replaced, innermost last


_mode = _GradMode()


def is_grad_enabled() -> bool:
    """Whether operations in the current thread are recorded for backward."""
    return _mode.enabled


class _GradModeSwitch:
    _field = "enabled"
    _value: bool

    def __enter__(self) -> _GradModeSwitch:
        # the saved value lives in the thread's own state, so one instance may be shared by threads
        _mode.saved.append((self._field, getattr(_mode, self._field)))
        setattr(_mode, self._field, self._value)
        return self

    def __exit__(self, *exc: object) -> None:
        field, value = _mode.saved.pop()
        setattr(_mode, field, value)

    def __call__(self, func: F) -> F:
        """Use as a decorator: ``@no_grad()`` runs every call of ``func`` in this mode."""
        switch = type(self)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with switch():
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradModeSwitch):
    """Context manager (and decorator, ``@no_grad()``) inside which nothing is recorded:
    results have no parents and do not require grad. Use it for predictions and for parameter
    updates. It only affects the current thread."""

    _value = False


class enable_grad(_GradModeSwitch):
    """The opposite of :class:`no_grad`: record operations again inside a ``no_grad`` block."""

    _value = True


class detect_anomaly(_GradModeSwitch):
    """Context manager (and decorator, ``@detect_anomaly()``) that checks every value computed
    forward and every gradient computed by ``backward()`` for NaN and infinity. At the first one
    it raises :class:`~tinygrad_edu.AnomalyError` naming the operation, the tensors' names and
    shapes, and the file and line of your code that created the operation, e.g.::

        with detect_anomaly():
            J = -(Y * AL.log()).sum()      # AnomalyError: log produced -inf ... at train.py:12

    It costs a pass over every array, so use it to find a problem, not in every run. It only
    affects the current thread. Outside it, numpy's own RuntimeWarnings report overflow,
    division by zero and invalid values."""

    _field = "anomaly"
    _value = True


# ----------------------------------------------------------------------------- conversion of inputs

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _float_array(data: Any, dtype: Any = None) -> np.ndarray:
    """``data`` as a floating-point ndarray, without copying when it already is one."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        dt = np.dtype(dtype)
        if dt.kind != "f":
            raise TypeError(
                f"Tensor: dtype must be a floating-point type such as float64 or float32, got {dt}. "
                "Gradients need real numbers: keep integer labels as floats (e.g. Y = Tensor(y, dtype='float64'))."
            )
    if isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in data):
        raise TypeError(
            "Tensor: the list contains Tensors; a new Tensor made from them would be a leaf cut off from "
            "their graph, so no gradient would reach them. Combine tensors with operations instead "
            "(t1 + t2, sum([t1, t2])), or pass their values explicitly (t.numpy())."
        )
    arr = np.asarray(data)
    kind = arr.dtype.kind
    if kind not in "fiub":
        if kind == "O":
            hint = " Pass a number, a (nested) list of numbers or a numpy array of numbers."
        elif kind == "c":
            hint = " Complex numbers are not supported."
        else:
            hint = ""
        raise TypeError(f"Tensor: data must be numeric, got dtype {arr.dtype} from {type(data).__name__}.{hint}")
    if dtype is not None:
        return arr.astype(dt, copy=False)
    if arr.dtype in _FLOATS:
        return arr
    return arr.astype(np.float64)  # ints, bools, float16, longdouble -> float64


def _label(t: Tensor) -> str:
    """How error messages name a tensor: ``W[1] (5, 3)`` or just its shape."""
    return f"{t.name} {t.shape}" if t.name else str(t.shape)


# ----------------------------------------------------------------------------- the Tensor

_new = object.__new__
_next_seq = itertools.count().__next__


class Tensor:
    """An n-dimensional array of floats that remembers how it was computed.

    Args:
        data: a Python number, a (nested) list, a numpy array, or a Tensor (whose data is shared).
        requires_grad: whether ``backward()`` should compute ``dJ/d(this tensor)`` (parameters
            such as W[l] and b[l]: yes; data such as X and Y: no).
        name: a label for pictures and error messages, e.g. ``"W[1]"``.
        dtype: the floating-point dtype. Without it, float32 data stays float32 and everything
            else becomes float64.

    The data array is used as is when it already has a floating dtype (no copy) and the library
    never writes into it. ``.grad`` arrays are read-only because one array may serve several
    tensors (an add gives the same dZ to both inputs); copy one before changing it.
    """

    __slots__ = ("data", "grad", "_rg", "name", "_ctx", "_seq", "_uses", "__weakref__")

    # numpy must not treat a Tensor as an array operand: `ndarray + Tensor` then calls
    # Tensor.__radd__ and returns a Tensor, instead of an object array.
    __array_ufunc__ = None

    def __init__(self, data: Any, requires_grad: bool = False, name: str | None = None, dtype: Any = None) -> None:
        self.data: np.ndarray = _float_array(data, dtype)
        self.grad: np.ndarray | None = None
        self._rg: bool = bool(requires_grad)
        self.name: str | None = name
        self._ctx: ops.Function | None = None
        self._seq: int = _next_seq()  # creation order: results are always newer than their inputs
        self._uses: int = 0  # how many recorded ops take this tensor as an input

    @property
    def requires_grad(self) -> bool:
        """Whether ``backward()`` computes a gradient for this tensor. Results of operations
        require grad exactly when one of their inputs does (outside ``no_grad()``)."""
        return self._rg

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        self._rg = bool(value)

    # --- graph links -----------------------------------------------------------------------

    @property
    def op(self) -> str | None:
        """Name of the operation that produced this tensor (``"matmul"``, ``"relu"``, ...), or
        None for a leaf (a tensor made by the user, or computed without recording)."""
        return None if self._ctx is None else self._ctx.name

    @property
    def parents(self) -> tuple[Tensor, ...]:
        """The input tensors of the operation that produced this tensor, in order."""
        return () if self._ctx is None else self._ctx.parents

    def named(self, name: str) -> Tensor:
        """Set ``.name`` and return the tensor itself: ``Z1 = (W1 @ X + b1).named("Z[1]")``."""
        self.name = name
        return self

    # --- array-like attributes --------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def T(self) -> Tensor:
        """The transpose (all axes reversed), recorded like any other op."""
        return self.transpose()

    def numpy(self) -> np.ndarray:
        """The data array itself (not a copy)."""
        return self.data

    def item(self) -> float:
        """The value of a one-element tensor as a Python float."""
        if self.data.size != 1:
            raise ValueError(
                f"item: {_label(self)} has {self.data.size} elements; item() needs exactly one. "
                "Use .numpy() for the whole array."
            )
        return float(self.data.reshape(()))

    def __float__(self) -> float:
        return self.item()

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        # np.asarray(t) (and so matplotlib) sees the values; this is a plain conversion,
        # nothing is recorded
        return self.data if dtype is None else self.data.astype(dtype)

    def detach(self) -> Tensor:
        """A new leaf with the same data (shared, not copied) and no history."""
        return Tensor(self.data, name=self.name)

    def zero_grad(self) -> None:
        """Forget this tensor's accumulated gradient (``.grad`` becomes None)."""
        self.grad = None

    def __repr__(self) -> str:
        body = np.array2string(self.data, precision=4, separator=", ", threshold=20, edgeitems=2, prefix="Tensor(")
        extra = ""
        if self.name:
            extra += f", name={self.name!r}"
        if self.data.dtype != np.float64:
            extra += f", dtype={self.data.dtype}"
        if self._ctx is not None:
            extra += f", op={self._ctx.name!r}"
        elif self.requires_grad:
            extra += ", requires_grad=True"
        return f"Tensor({body}{extra})"

    # --- backward ---------------------------------------------------------------------------

    def backward(self, grad: Any = None) -> None:
        """Compute ``dJ/dt`` for every tensor ``t`` in the graph that requires grad, where J is
        this tensor, and add it to ``t.grad``.

        Gradients accumulate: calling ``backward()`` a second time (on the same graph or a new
        one) adds to the ``.grad`` already there. Call ``zero_grad()`` on the parameters (or
        an optimizer's ``zero_grad()``) between training steps.

        Args:
            grad: ``dJ/d(this tensor)``. Optional when the tensor has one element (it is then 1);
                required, with this tensor's shape, otherwise.
        """
        if not self.requires_grad:
            raise RuntimeError(
                f"backward: {_label(self)} does not require grad, so there is nothing to differentiate. "
                "None of the tensors it was computed from has requires_grad=True (create parameters "
                "with Tensor(..., requires_grad=True)), or it was computed inside no_grad()."
            )
        if grad is None:
            if self.data.size != 1:
                raise ValueError(
                    f"backward: {_label(self)} has {self.data.size} elements; backward() without grad= "
                    "needs a single number such as the cost J. Reduce it first, e.g. .sum() or .mean() "
                    "(the lecture's cost averages over the m examples), or pass grad= an array of shape "
                    f"{self.shape}."
                )
            seed = np.array(1, self.data.dtype).reshape(self.data.shape)
        else:
            seed = np.array(grad.data if isinstance(grad, Tensor) else grad, dtype=self.data.dtype)  # a copy
            if seed.shape != self.data.shape:
                raise ShapeError(
                    f"backward: grad= has shape {seed.shape} but {self.name or 'the tensor'} has shape "
                    f"{self.shape}; the gradient dJ/dt always has the shape of t (4.4: dZ[l] has the shape "
                    "of Z[l]). To start from a cost, reduce to one number first with .sum() or .mean()."
                )
        run_backward(self, seed, anomaly=_mode.anomaly)

    # --- operators --------------------------------------------------------------------------

    def __add__(self, other: Any) -> Tensor:
        return _arith(ops.Add, ops.AddConst, self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _arith(ops.Add, ops.AddConst, self, other, reflected=True)

    def __sub__(self, other: Any) -> Tensor:
        return _arith(ops.Sub, ops.SubConst, self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _arith(ops.Sub, ops.RSubConst, self, other, reflected=True)

    def __mul__(self, other: Any) -> Tensor:
        return _arith(ops.Mul, ops.MulConst, self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _arith(ops.Mul, ops.MulConst, self, other, reflected=True)

    def __truediv__(self, other: Any) -> Tensor:
        return _arith(ops.Div, ops.DivConst, self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _arith(ops.Div, ops.RDivConst, self, other, reflected=True)

    def __pow__(self, other: Any) -> Tensor:
        return _arith(ops.Pow, ops.PowConst, self, other)

    def __rpow__(self, other: Any) -> Tensor:
        return _arith(ops.Pow, ops.RPowConst, self, other, reflected=True)

    def __matmul__(self, other: Any) -> Tensor:
        return _arith(ops.MatMul, None, self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _arith(ops.MatMul, None, self, other, reflected=True)

    def __neg__(self) -> Tensor:
        return _unary(ops.Neg, self)

    def __pos__(self) -> Tensor:
        return self

    # --- methods ----------------------------------------------------------------------------

    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Sum over ``axis`` (all axes when None). In the column convention axis=1 runs over the
        m examples, as in the lecture's ``db[l] = (1/m) np.sum(dZ[l], axis=1, keepdims=True)``."""
        return _unary(ops.Sum, self, _axes(self, axis, "sum"), bool(keepdims))

    def mean(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Mean over ``axis`` (all axes when None)."""
        return _unary(ops.Mean, self, _axes(self, axis, "mean"), bool(keepdims))

    def transpose(self, *axes: int) -> Tensor:
        """Reverse the axes (``W.transpose()`` is ``W.T``), or permute them as given."""
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        if not axes:
            return _unary(ops.Transpose, self, None)
        nd = self.ndim
        if not all(isinstance(a, (int, np.integer)) and -nd <= a < nd for a in axes) or sorted(
            int(a) % nd for a in axes
        ) != list(range(nd)):
            raise ShapeError(
                f"transpose: axes {axes} are not a permutation of the {nd} axes of {_label(self)} "
                f"(each of 0..{nd - 1}, or -{nd}..-1, exactly once)."
            )
        return _unary(ops.Transpose, self, tuple(int(a) % nd for a in axes))

    def reshape(self, *shape: int) -> Tensor:
        """The same values in a new shape: ``t.reshape(2, 3)`` or ``t.reshape((2, 3))``; one
        entry may be -1."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return _unary(ops.Reshape, self, tuple(int(s) for s in shape))

    def exp(self) -> Tensor:
        return _unary(ops.Exp, self)

    def log(self) -> Tensor:
        """Natural logarithm (log(0) = -inf, as in numpy)."""
        return _unary(ops.Log, self)

    def relu(self) -> Tensor:
        """max(t, 0); its derivative at 0 is taken as 0."""
        return _unary(ops.ReLU, self)

    def sigmoid(self) -> Tensor:
        """1 / (1 + exp(-t)), without overflow for large |t|."""
        return _unary(ops.Sigmoid, self)

    def tanh(self) -> Tensor:
        return _unary(ops.Tanh, self)


# ----------------------------------------------------------------------------- building graph nodes


_NUMBER_TYPES = (int, float, bool, np.floating, np.integer, np.bool_)


def _arith(op: type[ops.Function], const_op: type[ops.Function] | None, t: Tensor, other: Any,
           reflected: bool = False) -> Tensor:
    """``t <op> other`` (or ``other <op> t`` when ``reflected``). A Python or numpy number
    becomes part of the op (``const_op``) in ``t``'s dtype; anything else becomes a Tensor."""
    if type(other) is Tensor:
        return _binary(op, other, t) if reflected else _binary(op, t, other)
    if isinstance(other, _NUMBER_TYPES) and const_op is not None:
        return _unary(const_op, t, t.data.dtype.type(other))
    o = _operand(other, t)
    return _binary(op, o, t) if reflected else _binary(op, t, o)


def _operand(x: Any, like: Tensor) -> Tensor:
    """A non-Tensor operand as a constant Tensor (a leaf that needs no grad). Integer and bool
    data take the dtype of the tensor they meet, so float32 stays float32; float arrays keep
    their own dtype."""
    if isinstance(x, Tensor):
        return x
    data = np.asarray(x)
    if data.dtype not in _FLOATS:
        if data.dtype.kind in "iub":
            data = data.astype(like.data.dtype)
        else:
            data = _float_array(data)  # raises the TypeError for non-numeric data
    t = _new(Tensor)
    t.data, t.grad, t._rg, t.name, t._ctx, t._seq, t._uses = data, None, False, None, None, _next_seq(), 0
    return t


def _result(data: Any, ctx: ops.Function, parents: tuple[Tensor, ...], needs: tuple[bool, ...]) -> Tensor:
    """The output tensor of an op. It is recorded in the graph, with ``ctx`` as its cache, only
    when some input requires grad (``needs``) and recording is on in this thread."""
    t = _new(Tensor)
    t.data = data if type(data) is np.ndarray else np.asarray(data)  # numpy gives scalars for 0-d
    t.grad = None
    t.name = None
    t._seq = _next_seq()
    t._uses = 0
    if True in needs and _mode.enabled:
        ctx.parents = parents
        ctx.needs_input_grad = needs
        for p in parents:
            p._uses += 1
        t._rg = True
        t._ctx = ctx
    else:
        t._rg = False
        t._ctx = None
    return t


# needs_input_grad tuples are shared, not built per op: fewer objects for the garbage collector
_NEEDS1 = ((False,), (True,))
_NEEDS2 = (((False, False), (False, True)), ((True, False), (True, True)))


def _binary(op: type[ops.Function], a: Tensor, b: Tensor) -> Tensor:
    ctx = op()
    if _mode.anomaly:
        return _checked(ctx, (a, b), ())
    try:
        data = ctx.forward(a.data, b.data)
    except ValueError:
        raise _shape_error(op.name, a, b) from None
    return _result(data, ctx, (a, b), _NEEDS2[a._rg][b._rg])


def _unary(op: type[ops.Function], a: Tensor, *args: Any) -> Tensor:
    ctx = op()
    if _mode.anomaly:
        return _checked(ctx, (a,), args)
    try:
        data = ctx.forward(a.data, *args)
    except ValueError as e:
        raise ShapeError(f"{op.name}: {e} (input {_label(a)})") from None
    return _result(data, ctx, (a,), _NEEDS1[a._rg])


# ----------------------------------------------------------------------------- anomaly detection


def _checked(ctx: ops.Function, parents: tuple[Tensor, ...], args: tuple) -> Tensor:
    """The slow path inside ``detect_anomaly()``: remember where the op was created, compute it
    with numpy's warnings silenced, and raise AnomalyError if the result is not finite."""
    ctx.where = _user_code_location()
    try:
        with np.errstate(all="ignore"):
            data = ctx.forward(*[p.data for p in parents], *args)
    except ValueError as e:
        if len(parents) == 2:
            raise _shape_error(ctx.name, *parents) from None
        raise ShapeError(f"{ctx.name}: {e} (input {_label(parents[0])})") from None
    if not np.all(np.isfinite(data)):
        raise AnomalyError(_forward_anomaly(ctx, parents, np.asarray(data)))
    return _result(data, ctx, parents, tuple(p._rg for p in parents))


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def _user_code_location() -> str:
    """``file:line in function`` of the innermost frame outside the tinygrad_edu package: the
    line of the user's code that (directly, or through nn/train helpers) created the op."""
    f = sys._getframe(1)
    while f is not None and f.f_code.co_filename.startswith(_PACKAGE_DIR):
        f = f.f_back
    if f is None:
        return "<unknown>"
    return f"{f.f_code.co_filename}:{f.f_lineno} in {f.f_code.co_name}"


def _bad_values(a: np.ndarray) -> str:
    n_nan = int(np.count_nonzero(np.isnan(a)))
    n_pinf = int(np.count_nonzero(a == np.inf))
    n_minf = int(np.count_nonzero(a == -np.inf))
    parts = [f"{n} {w}" for n, w in ((n_nan, "NaN"), (n_pinf, "+inf"), (n_minf, "-inf")) if n]
    return ", ".join(parts) + f" (of {a.size} entries)"


_FORWARD_HINTS = {
    "log": "log(0) = -inf and log of a negative number is NaN: is A[L] exactly 0 or 1 somewhere? "
    "Compute the cost from Z[L] (nn.binary_cross_entropy fuses it with the sigmoid) or clip A[L].",
    "exp": "exp overflows above about 709 (float64) or 88 (float32): are the inputs too large? "
    "A smaller learning rate or initialisation ('he', 'xavier', 'small') keeps Z[l] moderate.",
    "div": "a division by zero (or 0/0) happened: check the denominator.",
    "pow": "0 ** negative is inf and negative ** fractional is NaN (numpy's rules).",
    "cross_entropy": "log(0) inside the cost: A[L] is exactly 0 where Y = 1 or exactly 1 where Y = 0. "
    "Compute A[L] with .sigmoid() so that the cost can use Z[L], which never overflows.",
}


def _forward_anomaly(ctx: ops.Function, parents: tuple[Tensor, ...], data: np.ndarray) -> str:
    inputs = ", ".join(_label(p) for p in parents)
    msg = (
        f"{ctx.describe()}: the forward pass produced {_bad_values(data)} in its result of shape "
        f"{data.shape}, from input(s) {inputs}; operation created at {ctx.where}."
    )
    bad_inputs = [p for p in parents if not np.all(np.isfinite(p.data))]
    if bad_inputs:
        msg += (
            f" Its input {_label(bad_inputs[0])} already contained {_bad_values(bad_inputs[0].data)}: the "
            "problem started earlier, outside detect_anomaly() or in data you passed in."
        )
    else:
        hint = _FORWARD_HINTS.get(ctx.name)
        if hint:
            msg += " Hint: " + hint
    return msg


def cross_entropy(AL: Tensor, Y: Any) -> Tensor:
    """The lecture's cost J = -(1/m) Σ (Y log A[L] + (1 - Y) log(1 - A[L])) as a 0-d Tensor, with
    the fused gradient dZ[L] = (A[L] - Y)/m when A[L] came from ``sigmoid`` (see
    :class:`tinygrad_edu.ops.BinaryCrossEntropy`). No input checks: ``nn.binary_cross_entropy``
    is the checked public entry point."""
    Yt = _operand(Y, AL)
    ctx = ops.BinaryCrossEntropy()
    sig = AL._ctx
    if type(sig) is ops.Sigmoid:  # fuse with the sigmoid that produced A[L]
        parents: tuple[Tensor, ...] = (AL, Yt, sig.parents[0])
    else:
        parents = (AL, Yt)
    if _mode.anomaly:
        return _checked(ctx, parents, ())
    data = ctx.forward(*[p.data for p in parents])
    return _result(data, ctx, parents, tuple(p._rg for p in parents))


def _axes(t: Tensor, axis: Any, opname: str) -> tuple[int, ...] | None:
    """Normalise ``axis`` to a sorted tuple of non-negative ints, with a teaching error."""
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis) if isinstance(axis, (tuple, list)) else None
    if axes is None or not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in axes):
        raise ShapeError(f"{opname}: axis must be None, an int or a tuple of ints, got {axis!r}.")
    nd = t.ndim
    if nd == 0 and axes:
        raise ShapeError(f"{opname}: {_label(t)} is a single number (0 axes); use axis=None.")
    out = []
    for a in axes:
        if not -nd <= a < nd:
            raise ShapeError(
                f"{opname}: axis {a!r} is out of range for {_label(t)}, which has {nd} axes "
                f"(valid: 0..{nd - 1} or -{nd}..-1). In the column convention, axis=1 runs over the m "
                "examples (db[l] = (1/m) sum(dZ[l], axis=1, keepdims=True)) and axis=0 over the n[l] units."
            )
        out.append(int(a) % nd)
    if len(set(out)) != len(out):
        raise ShapeError(f"{opname}: axis {axis!r} names the same axis twice for {_label(t)}.")
    return tuple(sorted(out))


def _shape_error(opname: str, a: Tensor, b: Tensor) -> ShapeError:
    """A ShapeError for a binary op whose operands do not fit, with a hint in lecture terms."""
    la, lb = _label(a), _label(b)
    A, B = a.shape, b.shape
    if opname == "matmul":
        if a.ndim == 0 or b.ndim == 0:
            return ShapeError(
                f"matmul: @ needs operands with at least one axis, got {la} @ {lb}; use * to scale by a number."
            )
        k_left, k_right = A[-1], (B[-2] if b.ndim >= 2 else B[0])
        if k_left != k_right:
            msg = (
                f"matmul: inner dimensions differ: {la} @ {lb}; the left operand has {k_left} columns but "
                f"the right operand has {k_right} rows. In Z[l] = W[l] A[l-1], W[l] must be (n[l], n[l-1]) "
                "and A[l-1] must be (n[l-1], m)."
            )
            if a.ndim == 2 and b.ndim == 2:
                if A[1] == B[1]:
                    msg += (
                        f" Hint: the right operand transposed, {B[::-1]}, would fit; if it is data, put one "
                        "example per column: X must be (n[0], m)."
                    )
                elif A[0] == B[0]:
                    msg += (
                        f" Hint: the left operand transposed, {A[::-1]}, would fit; W[l] is (n[l], n[l-1]), "
                        "not (n[l-1], n[l])."
                    )
                elif A[0] == B[1]:
                    msg += " Hint: the operands look swapped; the right one times the left one would fit."
            return ShapeError(msg)
        return ShapeError(f"matmul: the batch axes of {la} and {lb} cannot be broadcast together.")
    msg = (
        f"{opname}: shapes {la} and {lb} cannot be broadcast together. numpy compares shapes from the last "
        "axis; each pair of sizes must be equal, or one of them 1."
    )
    if a.ndim == 2 and b.ndim == 2 and (A[1] == 1 or B[1] == 1) and A[0] != B[0]:
        msg += (
            " Hint: a bias b[l] must be (n[l], 1) to broadcast over the m columns of W[l] A[l-1], which is "
            "(n[l], m); here the numbers of rows differ."
        )
    elif A == B[::-1]:
        msg += " Hint: the shapes are transposes of each other; did you mean .T? Examples go in columns: (n[l], m)."
    return ShapeError(msg)
