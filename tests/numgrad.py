"""Central differences in float64: the independent oracle the autograd tests compare against."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tinygrad_edu import Tensor, no_grad


def numerical_grad(f: Callable[..., float], arrays: list[np.ndarray], i: int, eps: float = 1e-6) -> np.ndarray:
    """d f / d arrays[i] by central differences, one entry at a time (arrays[i] is perturbed and restored)."""
    x = arrays[i]
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        orig = x[idx]
        x[idx] = orig + eps
        fp = f(*arrays)
        x[idx] = orig - eps
        fm = f(*arrays)
        x[idx] = orig
        g[idx] = (fp - fm) / (2 * eps)
    return g


def check_grads(fn: Callable[..., Tensor], *arrays: np.ndarray, seed: int = 0, rtol: float = 1e-6, atol: float = 1e-8):
    """Compare autograd's gradients of ``sum(fn(*inputs) * R)`` (R random, so that the upstream
    gradient is not all ones) with central differences, for every input. Returns the output."""
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    tensors = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    out = fn(*tensors)
    R = np.random.default_rng(seed).standard_normal(out.shape)
    (out * R).sum().backward()

    def scalar(*arrs):
        with no_grad():
            return float(np.sum(fn(*[Tensor(a) for a in arrs]).data * R))

    for i, t in enumerate(tensors):
        expected = numerical_grad(scalar, [a.copy() for a in arrays], i)
        assert t.grad is not None, f"input {i} got no gradient"
        assert t.grad.shape == arrays[i].shape, f"input {i}: grad shape {t.grad.shape} != {arrays[i].shape}"
        # central differences lose absolute precision in proportion to the size of the numbers
        # involved, so the absolute tolerance scales with the largest gradient entry
        scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
        np.testing.assert_allclose(t.grad, expected, rtol=rtol, atol=atol * scale, err_msg=f"input {i}")
    return out
