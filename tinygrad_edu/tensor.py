"""The :class:`Tensor`, a numpy array that records the operations made with it, and
:class:`Function`, the base of every operation and the one way a node enters the graph.

Every operation on tensors that require grad creates a node in a dynamic graph: ``Op.apply``
runs the op's forward on plain arrays, and the result keeps the op object (its *cache*, see
:mod:`tinygrad_edu.ops`) and, through it, its parents. ``J.backward()`` then walks that graph
backwards (:func:`tinygrad_edu.graph.run_backward`) and fills ``.grad`` of every tensor that
requires grad with ``dJ/d(tensor)``.
"""

from __future__ import annotations

import itertools
from typing import Any, ClassVar

import numpy as np

from . import diagnostics
from .errors import message
from .graph import run_backward
from .mode import detect_anomaly, enable_grad, is_grad_enabled, no_grad, state

__all__ = ["Tensor", "Function", "no_grad", "enable_grad", "is_grad_enabled", "detect_anomaly"]

Array = np.ndarray
_new = object.__new__
_next_seq = itertools.count().__next__
_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))
_NUMBER_TYPES = (int, float, bool, np.floating, np.integer, np.bool_)
_NOTHING = object()

# ============================================================================= Function: an op and its node


class Function:
    """Base class of the primitive operations (:mod:`tinygrad_edu.ops`).

    One instance is created per operation performed. ``forward`` computes the result from plain
    arrays and keeps what ``backward`` will need on ``self``; the instance then *is* the node's
    context, what the lecture calls the **cache**: the result holds it as ``tensor._ctx``.

    Each op class declares, as class attributes:

    * ``__slots__``: what its forward saves for backward (its cache) -- the only attributes it can
      set, and what pictures show as its cache (:meth:`saved`);
    * ``name`` (``Tensor.op``), ``method`` (the Tensor method that applies it, ``"relu"``; a
      static ``call(t, ...)`` when the method takes arguments, such as ``t.sum(axis=1)``) or
      ``operator`` (``"add"``: ``a + b`` and ``b + a``), ``symbol`` (an infix symbol such as ``"+"``
      for formulas), ``arity``
      (how many inputs are tensors), ``numbers`` (whether a Python number may take an input slot,
      as in ``1 - A``), ``fused`` (several lecture steps in one, such as the cost with the sigmoid),
      ``shape_rule`` (how a shape error is explained), ``forward_hint`` and ``backward_hint`` (what
      anomaly mode says when this op produces NaN or infinity).

    ``parents`` (the inputs in slot order; None in the slot of a Python number, which the op keeps
    as ``number``) and ``needs_input_grad`` are set when the result is recorded in the graph, that
    is when some input requires grad and recording is on.
    """

    __slots__ = ("parents", "needs_input_grad", "__weakref__")  # and each op's cache

    name: ClassVar[str] = "?"
    method: ClassVar[str | None] = None
    call: ClassVar[Any] = None
    operator: ClassVar[str | None] = None
    symbol: ClassVar[str | None] = None
    arity: ClassVar[int] = 1
    numbers: ClassVar[bool] = False
    fused: ClassVar[bool] = False
    shape_rule: ClassVar[str] = "elementwise"
    forward_hint: ClassVar[str | None] = None
    backward_hint: ClassVar[str | None] = None

    parents: tuple[Tensor | None, ...]
    needs_input_grad: tuple[bool, ...]

    #: every op class (the subclasses with a name), in the order they were defined
    registry: ClassVar[list[type[Function]]] = []

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "__slots__" not in cls.__dict__:
            raise TypeError(f"{cls.__name__}: declare what the op saves for backward as __slots__ = (...) "
                            "(an empty tuple if nothing)")
        if cls.name != "?":
            Function.registry.append(cls)

    def forward(self, *args: Any) -> Array:  # pragma: no cover - interface
        raise NotImplementedError

    def backward(self, g: Array) -> tuple[Array | None, ...]:  # pragma: no cover - interface
        raise NotImplementedError

    def rule(self, g: Any, ins: tuple[Any, ...], out: Any) -> tuple[Any, ...]:  # pragma: no cover - interface
        """:meth:`backward` as expressions (:mod:`tinygrad_edu.symbolic`), for explain: ``g`` stands
        for the output's gradient, ``ins`` for the inputs (a number's slot holds it as a number
        expression), ``out`` for the output; one expression per input slot, computing exactly what
        backward computes (the engine then undoes broadcasting, as for backward's results)."""
        raise NotImplementedError

    @classmethod
    def apply(cls, *args: Any) -> Tensor:
        """The one way a node enters the graph: ``Op.apply(*inputs, *params)`` runs ``forward`` on
        the inputs' arrays (``arity`` of them, Tensors) and the extra parameters (an axis, a shape),
        and returns the result, recorded with the op as its cache when an input requires grad.
        :class:`Unary` and :class:`Binary` unroll this same path for their arities."""
        parents = args[: cls.arity]
        return _run(cls(), parents, [p.data for p in parents], args[cls.arity:])

    def sends_gradient(self) -> tuple[bool, ...]:
        """For each input slot, whether backward sends a gradient there (``needs_input_grad``,
        unless the op is fused and skips an input)."""
        return self.needs_input_grad

    def saved(self) -> dict[str, Any]:
        """The cache: every attribute declared in the op's ``__slots__`` that forward set."""
        out: dict[str, Any] = {}
        for klass in type(self).__mro__:
            if klass is Function:
                break
            for attr in klass.__dict__.get("__slots__", ()):
                if hasattr(self, attr):
                    out[attr] = getattr(self, attr)
        return out

    def describe(self) -> str:
        """A short label for pictures and messages: the op's name, or the expression when a Python
        number takes part (``x * 0.01``, ``1 - x``)."""
        number = getattr(self, "number", None)
        parents = getattr(self, "parents", None)
        if number is None or self.symbol is None or parents is None:
            return self.name
        c = f"{float(number):g}"
        return f"{c} {self.symbol} x" if parents[0] is None else f"x {self.symbol} {c}"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} op '{self.describe()}'>"


class Unary(Function):
    """An op with one tensor input (and optionally parameters: an axis, a shape)."""

    __slots__ = ()

    @classmethod
    def apply(cls, x: Tensor, *params: Any) -> Tensor:  # Function.apply, unrolled
        ctx = cls()
        if state.slow:
            return _run(ctx, (x,), (x.data,), params)
        try:
            data = ctx.forward(x.data, *params) if params else ctx.forward(x.data)  # (a star-call costs)
        except ValueError as e:
            raise diagnostics.shape_error(ctx, (x,), e) from None
        return _record(data, ctx, (x,), _NEEDS1[x._rg])


class Binary(Function):
    """An op with two inputs; when ``numbers`` is set, one of them may be a Python number, which
    the op keeps as ``number``."""

    __slots__ = ("number",)
    arity = 2

    @classmethod
    def apply(cls, a: Any, b: Any) -> Tensor:  # Function.apply, unrolled
        ctx = cls()
        if type(a) is not Tensor:  # number <op> x
            parents, needs, x, y = (None, b), _NEEDS2[False][b._rg], a, b.data
            ctx.number = a
        elif type(b) is Tensor:
            parents = (a, b)
            needs = _NEEDS2[a._rg][b._rg]
            x, y = a.data, b.data
        else:  # x <op> number
            parents, needs, x, y = (a, None), _NEEDS2[a._rg][False], a.data, b
            ctx.number = b
        if state.slow:
            ctx.parents = parents  # early, so that anomaly messages can say "x / 0"
            return _run(ctx, parents, (x, y), ())
        try:
            data = ctx.forward(x, y)
        except ValueError as e:
            raise diagnostics.shape_error(ctx, parents, e) from None
        return _record(data, ctx, parents, needs)


# needs_input_grad tuples are shared, not built per op: fewer objects for the garbage collector
_NEEDS1 = ((False,), (True,))
_NEEDS2 = (((False, False), (False, True)), ((True, False), (True, True)))


def _run(ctx: Function, parents: tuple[Tensor | None, ...], arrays: Any, params: Any) -> Tensor:
    """Forward, then record: the general path (any arity, every op inside detect_anomaly(), and
    while the jit records a step: the parameters an op meets become the step's state)."""
    if state.tracer is not None:
        for p in parents:
            state.tracer.touch(p)
        arrays = tuple(p.data if p is not None else a for p, a in zip(parents, arrays)) + tuple(arrays[len(parents):])
    if state.anomaly:
        data = diagnostics.checked_forward(ctx, parents, arrays, params)
    else:
        try:
            data = ctx.forward(*arrays, *params)
        except ValueError as e:
            raise diagnostics.shape_error(ctx, parents, e) from None
    return _record(data, ctx, parents, tuple(p is not None and p._rg for p in parents))


def _record(data: Any, ctx: Function | None, parents: tuple[Tensor | None, ...], needs: tuple[bool, ...]) -> Tensor:
    """A new Tensor holding ``data``: the one place a Tensor's fields are set (the constructor and
    constants come here too, with no op). It is recorded in the graph, with ``ctx`` as its cache,
    only when some input requires grad (``needs``) and recording is on in this thread."""
    t = _new(Tensor)
    t.data = data if type(data) is np.ndarray else np.asanyarray(data)  # numpy gives scalars for 0-d
    t.grad = None
    t.name = None
    t._seq = _next_seq()  # creation order: a result is always newer than its inputs
    t._uses = 0  # how many recorded ops take this tensor as an input
    if True in needs and state.enabled:
        ctx.parents = parents  # type: ignore[union-attr]
        ctx.needs_input_grad = needs  # type: ignore[union-attr]
        for p in parents:
            if p is not None:
                p._uses += 1
        t._rg = True
        t._ctx = ctx
    else:
        t._rg = False
        t._ctx = None
    return t


# ============================================================================= conversion of inputs


def _float_array(data: Any, dtype: Any = None) -> Array:
    """``data`` as a floating-point ndarray, without copying when it already is one."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        dt = np.dtype(dtype)
        if dt.kind != "f":
            raise TypeError(message("Tensor", f"dtype must be a floating-point type such as float64 or float32, got "
                                              f"{dt}. Gradients need real numbers",
                                    "keep integer labels as floats (e.g. Y = Tensor(y, dtype='float64'))"))
    _refuse_lost_information(data, "Tensor")
    arr = np.asarray(data)
    kind = arr.dtype.kind
    if kind not in "fiub":
        hint = {"O": "pass a number, a (nested) list of numbers or a numpy array of numbers",
                "c": "complex numbers are not supported"}.get(kind)
        raise TypeError(message("Tensor", f"data must be numeric, got dtype {arr.dtype} from {type(data).__name__}",
                                hint))
    if dtype is not None:
        return arr.astype(dt, copy=False)
    if arr.dtype in _FLOATS:
        return arr
    return arr.astype(np.float64)  # ints, bools, float16, longdouble -> float64


def _rebuild(data: Array, requires_grad: bool, name: str | None, grad: Array | None) -> Tensor:
    """A Tensor back from copy or pickle: a leaf with the same values, gradient and name, its arrays
    its own (changing a copy never changes the original, even after copy.copy)."""
    t = Tensor(data.copy(), requires_grad, name)
    t.grad = None if grad is None else grad.copy()
    return t


def _refuse_lost_information(data: Any, where: str) -> None:
    """A TypeError for data that would silently lose something on the way into a Tensor: Tensors
    inside (nested) lists (they would become constants, cut off from their graph), masked
    arrays (the mask would be dropped)."""
    if isinstance(data, np.ma.MaskedArray):
        raise TypeError(message(where, "a masked array would lose its mask (the masked values would count)",
                                "fill the masked entries first (a.filled(0)) or leave them out (a.compressed())"))
    stack = [data] if isinstance(data, (list, tuple)) else []
    while stack:
        for x in stack.pop():
            if isinstance(x, Tensor):
                raise TypeError(message(
                    where, "the list contains Tensors; a new Tensor made from them would be a leaf cut off from "
                    "their graph, so no gradient would reach them",
                    "combine tensors with operations instead (t1 + t2, sum([t1, t2])), or pass their values "
                    "explicitly (t.numpy())"))
            if isinstance(x, (list, tuple)):
                stack.append(x)


def _operand(x: Any, like: Tensor) -> Tensor:
    """A non-Tensor operand as a constant Tensor (a leaf that needs no grad). Integer and bool
    data take the dtype of the tensor they meet, so float32 stays float32; float arrays keep
    their own dtype."""
    if isinstance(x, Tensor):
        return x
    _refuse_lost_information(x, "operand")
    data = np.asarray(x)
    if data.dtype not in _FLOATS:
        data = data.astype(like.data.dtype) if data.dtype.kind in "iub" else _float_array(data)
    return _record(data, None, (), ())


def _coerce(op: type[Binary], t: Tensor, other: Any) -> Any:
    """The other operand of ``t <op> other`` when it is not a Tensor: a Python or numpy number is
    kept in the op, in ``t``'s dtype (when the op takes numbers); anything else becomes a Tensor."""
    if op.numbers and isinstance(other, _NUMBER_TYPES):
        return t.data.dtype.type(other)
    return _operand(other, t)


# ============================================================================= the Tensor


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
    __array_ufunc__: Any = None  # numpy's functions on a Tensor: set by tinygrad_edu.functions

    data: Array
    grad: Array | None
    name: str | None

    def __new__(cls, data: Any = _NOTHING, requires_grad: bool = False, name: str | None = None,
                dtype: Any = None) -> Tensor:
        if data is _NOTHING:  # copy and pickle make an empty object, then set its fields themselves
            return _new(cls)
        t = _record(_float_array(data, dtype), None, (), ())
        t._rg = bool(requires_grad)
        t.name = name
        return t

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
        """The input tensors of the operation that produced this tensor, in order (a Python number
        in the operation is not a tensor, and is not listed)."""
        return () if self._ctx is None else tuple(p for p in self._ctx.parents if p is not None)

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

    def numpy(self) -> Array:
        """The data array itself (not a copy)."""
        return self.data

    def item(self) -> float:
        """The value of a one-element tensor as a Python float."""
        if self.data.size != 1:
            raise ValueError(message("item", f"{diagnostics.label(self)} has {self.data.size} elements; item() needs "
                                             "exactly one", "use .numpy() for the whole array"))
        return float(self.data.reshape(()))

    def __float__(self) -> float:
        return self.item()

    def __array__(self, dtype: Any = None, copy: Any = None) -> Array:
        # np.asarray(t) (and so matplotlib) sees the values; this is a plain conversion, nothing is
        # recorded. np.array(t, copy=True) gets a copy, as numpy promises (the data is never shared then)
        if copy:
            return np.array(self.data, dtype=dtype, copy=True)
        if copy is False and dtype is not None and np.dtype(dtype) != self.data.dtype:
            raise ValueError(message("Tensor.__array__", f"a {np.dtype(dtype)} array of this {self.data.dtype} "
                                                         "tensor needs a copy, and copy=False was asked"))
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def __bool__(self) -> bool:
        """The truth of a one-element tensor (``bool(Tensor(0.0))`` is False); more elements are
        ambiguous, as in numpy."""
        if self.data.size != 1:
            raise ValueError(message("bool", f"the truth value of {diagnostics.called(self)} with {self.data.size} "
                                             "elements is ambiguous", "use (t.numpy() > 0).any() or .all()"))
        return bool(self.data.reshape(()))

    def __reduce_ex__(self, protocol: Any) -> Any:
        # copy, deepcopy and pickle keep the values, the gradient, the name and requires_grad, never
        # the graph (a copy is a leaf, so a long graph cannot exhaust the recursion limit); as in
        # PyTorch, a result of operations that requires grad is refused: detach() it first
        if self._ctx is not None:
            raise RuntimeError(message("copy", f"{diagnostics.called(self)} is the result of operations recorded for "
                                               "backward; only leaves (tensors made by the user) can be copied or "
                                               "pickled", "copy t.detach(), which has no history"))
        return _rebuild, (self.data, self._rg, self.name, self.grad)

    def detach(self) -> Tensor:
        """A new leaf with the same data (shared, not copied) and no history."""
        return Tensor(self.data, name=self.name)

    def zero_grad(self) -> None:
        """Forget this tensor's accumulated gradient (``.grad`` becomes None)."""
        self.grad = None

    def __repr__(self) -> str:
        body = np.array2string(self.data, precision=4, separator=", ", threshold=20, edgeitems=2, prefix="Tensor(")
        extra = f", name={self.name!r}" if self.name else ""
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
        seed = diagnostics.backward_seed(self, grad)  # dJ/dJ = 1, or grad= checked against the shape
        run_backward(self, seed, anomaly=state.anomaly)

    # --- operators and math: set by operators.py from the op classes -----------------------------
    # Each op class names the Tensor method that applies it: ``Z.relu()`` is ``ops.ReLU.apply(Z)``,
    # ``a + b`` is ``ops.Add.apply(a, b)``, ``t.sum(axis=1)`` is ``ops.Sum.call(t, axis=1)``; they are
    # attached when the package is imported, so the engine here never imports the ops.

    def __pos__(self) -> Tensor:
        return self

