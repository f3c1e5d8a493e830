"""Gradient checking by centred differences, the course's ``gradient_check_n``: of autograd or of
any gradients (:func:`gradcheck`), and of a learner's course-style ``grads`` dict
(:func:`gradcheck_parameters`). Both perturb one entry at a time through :func:`_perturb`."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import manual
from ..errors import ShapeError, message
from ..lecture import check_data, parameter_keys, parameters_layer_dims
from ..nn import Module
from ..tensor import Tensor, no_grad

__all__ = ["GradcheckEntry", "GradcheckResult", "gradcheck", "gradcheck_parameters"]

Array = np.ndarray


@dataclass(frozen=True)
class GradcheckEntry:
    """One checked entry: the parameter's name, the index, the analytic g and the numerical ĝ."""

    name: str
    index: tuple[int, ...]
    analytic: float
    numerical: float

    @property
    def abs_diff(self) -> float:
        return abs(self.analytic - self.numerical)


@dataclass
class GradcheckResult:
    """The result of :func:`gradcheck`.

    Attributes:
        difference: ‖g − ĝ‖ / (‖g‖ + ‖ĝ‖) over all checked entries (0 when both are 0).
        threshold: the largest difference accepted; ``ok`` is ``difference <= threshold``.
        eps: the ε of the centred differences.
        worst: the entries with the largest |g − ĝ|, largest first.
        n_checked: how many entries were checked.
        warnings: e.g. float32 inputs.
    """

    difference: float
    threshold: float
    eps: float
    worst: list[GradcheckEntry]
    n_checked: int
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.difference <= self.threshold)

    def __str__(self) -> str:
        verdict = "the backward pass looks right" if self.ok else "there is probably a mistake in the backward pass"
        lines = [
            f"gradcheck: ε = {self.eps:g}, {self.n_checked} entries, relative error ‖g − ĝ‖ / (‖g‖ + ‖ĝ‖) = "
            f"{self.difference:.3e} ({'<=' if self.ok else '>'} {self.threshold:g}): {verdict}.",
            "g = analytic gradient (backward), ĝ = (J(θ + ε) − J(θ − ε)) / (2ε).",
        ]
        if self.worst:
            lines.append("Worst entries:")
            w = max(len(f"{e.name}{list(e.index)}") for e in self.worst)
            lines.append(f"  {'entry':<{w}}  {'g':>13}  {'ĝ':>13}  {'|g − ĝ|':>10}")
            for e in self.worst:
                lines.append(f"  {e.name + str(list(e.index)):<{w}}  {e.analytic:>13.6e}  {e.numerical:>13.6e}  "
                             f"{e.abs_diff:>10.2e}")
        if not self.ok:
            lines.append(
                "Note: with relu, an entry whose perturbation moves some Z across 0 crosses relu's kink, where the "
                "derivative jumps; such an entry can disagree without any mistake in the backward pass."
            )
        lines += [f"Warning: {msg}" for msg in self.warnings]
        return "\n".join(lines)


# ============================================================================= the perturbation loop


def _perturb(
    work: Sequence[tuple[str, Array, Array]],
    J: Callable[[], float],
    eps: float,
    threshold: float,
    worst: int,
    max_entries: int | None,
    seed: int,
    warns: list[str],
) -> GradcheckResult:
    """For every (name, array θ that J reads, analytic gradient g): ĝ = (J(θ + ε) − J(θ − ε)) / (2ε)
    per entry (at most ``max_entries`` per array, chosen with ``seed``), each entry put back after."""
    rs = np.random.RandomState(seed)
    g: list[float] = []
    gh: list[float] = []
    entries: list[tuple[str, tuple[int, ...]]] = []
    for name, theta, analytic in work:
        for idx in _entries(theta.shape, max_entries, rs):
            orig = theta[idx]
            theta[idx] = orig + eps
            J_plus = J()
            theta[idx] = orig - eps
            J_minus = J()
            theta[idx] = orig
            gh.append((J_plus - J_minus) / (2 * eps))  # ĝ = (J(θ + ε) − J(θ − ε)) / (2ε)
            g.append(float(analytic[idx]))
            entries.append((name, idx))
    ga, gn = np.array(g, dtype=np.float64), np.array(gh, dtype=np.float64)
    num = float(np.linalg.norm(ga - gn))
    den = float(np.linalg.norm(ga) + np.linalg.norm(gn))
    difference = num / den if den > 0 else 0.0  # ‖g − ĝ‖ / (‖g‖ + ‖ĝ‖)
    order = np.argsort(-np.abs(ga - gn), kind="stable")[:worst]
    worst_list = [GradcheckEntry(entries[i][0], entries[i][1], float(ga[i]), float(gn[i])) for i in order]
    return GradcheckResult(difference, threshold, eps, worst_list, len(g), warns)


def _entries(shape: tuple[int, ...], max_entries: int | None, rs: np.random.RandomState) -> list[tuple[int, ...]]:
    idx = list(np.ndindex(shape))
    if max_entries is not None and len(idx) > max_entries:
        pick = rs.choice(len(idx), size=max_entries, replace=False)
        idx = [idx[i] for i in sorted(pick)]
    return idx


def _float32_warning(names: list[str], where: str) -> list[str]:
    if not names:
        return []
    text = (
        f"{', '.join(names)} {'is' if len(names) == 1 else 'are'} float32: with ε = 1e-7, centred differences in "
        "float32 (about 7 significant digits) are dominated by rounding, so the relative error is meaningless. "
        "Check in float64 (e.g. Tensor(x, dtype='float64'))."
    )
    warnings.warn(f"{where}: {text}", UserWarning, stacklevel=3)
    return [text]


# ============================================================================= autograd (or given grads) on Tensors


def _named_tensors(params: Any) -> list[tuple[str, Tensor]]:
    if isinstance(params, Module):
        return params.named_parameters()
    items = list(params.items()) if isinstance(params, Mapping) else [
        (t.name or f"param{i}", t) for i, t in enumerate(params)]
    for n, t in items:
        if not isinstance(t, Tensor):
            raise TypeError(message("gradcheck", f"{n} is a {type(t).__name__}, not a Tensor",
                                    "use gradcheck_parameters for a dict of arrays"))
    return [(str(n), t) for n, t in items]


def _autograd_gradients(f: Callable[[], Any], named: list[tuple[str, Tensor]]) -> dict[str, Array]:
    """``f().backward()``'s gradients, as float64 copies; every ``.grad`` is as it was afterwards."""
    saved = [t.grad for _, t in named]
    try:
        for _, t in named:
            t.grad = None
        J = f()
        if not isinstance(J, Tensor):
            raise TypeError(message("gradcheck", "f() must return a Tensor when grads= is not given (autograd needs "
                                                 "the graph)"))
        J.backward()
        return {n: (np.zeros(t.shape) if t.grad is None else np.array(t.grad, dtype=np.float64)) for n, t in named}
    finally:
        for (_, t), g in zip(named, saved):
            t.grad = g


def _given_gradients(grads: Mapping[str, Any], named: list[tuple[str, Tensor]]) -> dict[str, Array]:
    out = {}
    for n, t in named:
        if n not in grads:
            raise ValueError(message("gradcheck", f"grads has no entry for {n!r}; it has {sorted(grads)}"))
        ga = np.asarray(grads[n], dtype=np.float64)
        if ga.shape != t.shape:
            raise ShapeError(message("gradcheck", f"the gradient of {n} has shape {ga.shape}, but {n} has shape "
                                                  f"{t.shape}"))
        out[n] = ga
    return out


def gradcheck(
    f: Callable[[], Any],
    params: Module | Mapping[str, Tensor] | Sequence[Tensor],
    *,
    grads: Mapping[str, Any] | None = None,
    eps: float = 1e-7, threshold: float = 2e-7, worst: int = 5, max_entries: int | None = None, seed: int = 0,
) -> GradcheckResult:
    """Gradient checking by centred differences (the course's ``gradient_check_n``).

    For every entry θ of every parameter: ĝ = (J(θ + ε) − J(θ − ε)) / (2ε), compared with the
    analytic gradient g through the relative error ‖g − ĝ‖ / (‖g‖ + ‖ĝ‖) (course: below 1e-7 is
    great, above 1e-3 is a mistake).

    Args:
        f: called without arguments, computes the cost J (a one-element Tensor or a number) from the
            parameters' current values, e.g. ``lambda: binary_cross_entropy(net(X), Y)``.
        params: the parameters to check: a Module, a dict name -> Tensor, or a list of Tensors.
        grads: the analytic gradients to check, name -> array (e.g. from your own backward);
            default: autograd's, from ``f().backward()``.
        eps: ε (1e-7). threshold: the largest relative error called ok (2e-7, as in the course).
        worst: how many of the worst entries to list. max_entries: check at most this many entries
            per parameter, chosen at random (``seed``); default all.

    The parameters are restored afterwards (their ``.data`` arrays and ``.grad`` are the same
    objects as before; the perturbations are made in private copies). Warns when a parameter is float32.
    """
    named = _named_tensors(params)
    warns = _float32_warning([n for n, t in named if t.dtype == np.float32], "gradcheck")
    analytic = _autograd_gradients(f, named) if grads is None else _given_gradients(grads, named)

    def J() -> float:
        with no_grad():
            out = f()
        return float(out.item() if isinstance(out, Tensor) else out)

    originals = [t.data for _, t in named]
    try:
        for _, t in named:
            t.data = t.data.copy()  # perturb a private copy, never the user's array
        work = [(n, t.data, analytic[n]) for n, t in named]
        return _perturb(work, J, eps, threshold, worst, max_entries, seed, warns)
    finally:
        for (_, t), data in zip(named, originals):
            t.data = data


def gradcheck_parameters(
    parameters: Mapping[str, Any],
    X: Any,
    Y: Any,
    grads: Mapping[str, Any] | None = None,
    *,
    eps: float = 1e-7, threshold: float = 2e-7, worst: int = 5, max_entries: int | None = None, seed: int = 0,
) -> GradcheckResult:
    """The course's ``gradient_check_n`` on a course-style dict: J(θ) = compute_cost(model_forward(X, θ), Y)
    (relu hidden layers, sigmoid output); ``grads`` ({"dW1", "db1", ...}, e.g. from your own
    model_backward) defaults to ``manual.model_backward``'s. Works on copies: ``parameters`` is not changed.
    Warns when the parameters or X are float32 (they are then checked in float32)."""
    where = "gradcheck_parameters"
    dims = parameters_layer_dims(parameters, where)
    keys = parameter_keys(len(dims) - 1)
    arrays = {k: np.asarray(parameters[k]) for k in keys}
    x, y = check_data(getattr(X, "data", X), getattr(Y, "data", Y), where, n_x=dims[0], n_y=dims[-1])
    f32 = [k for k in keys if arrays[k].dtype == np.float32] + (["X"] if x.dtype == np.float32 else [])
    warns = _float32_warning(f32, where)
    theta = {k: np.array(v, dtype=v.dtype if v.dtype == np.float32 else np.float64) for k, v in arrays.items()}
    if grads is None:
        AL, caches = manual.model_forward(x, theta)
        grads = manual.model_backward(AL, y, caches)
    analytic = {}
    for k in keys:
        gk = grads.get(f"d{k}") if isinstance(grads, Mapping) else None
        if gk is None:
            raise ValueError(message(where, f"grads has no 'd{k}'; expected dW1, db1, ..., dW{len(dims) - 1}, "
                                            f"db{len(dims) - 1}"))
        gk = np.asarray(gk, dtype=np.float64)
        if gk.shape != theta[k].shape:
            raise ShapeError(message(where, f"d{k} has shape {gk.shape} but {k} has shape {theta[k].shape}"))
        analytic[k] = gk

    def J() -> float:
        AL, _ = manual.model_forward(x, theta)
        return float(manual.compute_cost(AL, y))

    return _perturb([(k, theta[k], analytic[k]) for k in keys], J, eps, threshold, worst, max_entries, seed, warns)
