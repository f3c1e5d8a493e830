"""Generated data sets for the lecture's ideas, numpy only: the XOR problem (:func:`make_xor`), the
course's planar "flower" (:func:`make_flower`, its ``load_planar_dataset``) and n-bit parity
(:func:`make_parity`, lecture 4.5: why deep).

Each returns X (n[0], m) and Y (1, m), float64, one example per column. Every random choice goes
through a generator seeded by the ``seed`` argument: the same seed gives the same data, and the
global numpy random state is never touched.
"""

from __future__ import annotations

import numpy as np

from ..errors import message
from ..lecture import check_count

__all__ = ["make_xor", "make_flower", "make_parity"]

#: full enumeration of parity patterns stops here (2^20 columns, about a million)
MAX_PARITY_BITS = 20


def _check_noise(noise: float, where: str) -> float:
    """A finite number >= 0, or a ValueError naming ``where``."""
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(message(where, f"noise must be a finite number >= 0, got {noise!r}"))
    return float(noise)


def make_xor(m: int = 200, noise: float = 0.1, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The XOR problem: no straight line separates the classes, one hidden layer does.

    Each example starts at a corner (x1, x2) of the unit square, each corner used m/4 times
    (as near as m allows), in an order shuffled by the seed; Gaussian noise of standard
    deviation ``noise`` is added to both coordinates. The label is the corner's XOR:

        Y = x1 XOR x2   -> (0,0): 0, (1,1): 0, (0,1): 1, (1,0): 1

    Returns X (2, m) float64 and Y (1, m) float64.
    """
    m = check_count(m, "m", "make_xor")
    noise = _check_noise(noise, "make_xor")
    rng = np.random.default_rng(seed)
    corner = rng.permutation(np.arange(m) % 4)  # 0..3, balanced
    bits = np.stack([corner // 2, corner % 2]).astype(np.float64)  # (2, m): x1, x2 of each corner
    X = bits + noise * rng.standard_normal((2, m))
    Y = np.logical_xor(bits[0], bits[1]).astype(np.float64).reshape(1, m)
    return X, Y


def make_flower(m: int = 400, noise: float = 0.2, a: float = 4.0, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The course's two-class planar "flower" (``load_planar_dataset``), same numbers for seed 1.

    N = m/2 points per class j = 0, 1, drawn in this order from ``RandomState(seed).randn``::

        theta = linspace(j*3.12, (j+1)*3.12, N) + randn(N)*noise
        r     = a*sin(4*theta) + randn(N)*noise
        X[:, class j] = (r sin theta, r cos theta)^T,   Y = j

    a is the largest radius of a petal. Returns X (2, m) float64 and Y (1, m) float64 (the
    course keeps Y as uint8). Defaults m = 400, noise = 0.2, a = 4, seed = 1 are the course's.
    The global numpy random state is not touched.
    """
    m = check_count(m, "m", "make_flower", minimum=2)
    if m % 2:
        raise ValueError(message("make_flower", f"m must be even (m/2 points per class), got {m}"))
    noise = _check_noise(noise, "make_flower")
    rng = np.random.RandomState(seed)  # the course's generator (np.random.seed(1); np.random.randn)
    N = m // 2
    X = np.zeros((2, m))
    Y = np.zeros((1, m))
    for j in range(2):
        ix = slice(N * j, N * (j + 1))
        theta = np.linspace(j * 3.12, (j + 1) * 3.12, N) + rng.randn(N) * noise
        r = a * np.sin(4 * theta) + rng.randn(N) * noise
        X[:, ix] = np.stack([r * np.sin(theta), r * np.cos(theta)])
        Y[:, ix] = j
    return X, Y


def make_parity(n_bits: int, m: int | None = None, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """n-bit parity (lecture 4.5): Y = x1 XOR x2 XOR ... XOR xn = (sum of the bits) mod 2.

    * ``m=None``: all 2^n bit patterns, column j holding the binary digits of j, most
      significant bit in row 0 (no randomness);
    * ``m=k``: k patterns, each bit drawn independently 0 or 1 with probability 1/2 from
      ``default_rng(seed)`` (patterns may repeat).

    Returns X (n, m) float64 of 0.0/1.0 and Y (1, m) float64. Full enumeration is limited to
    n <= 20 (about a million columns); pass m for more bits.
    """
    n_bits = check_count(n_bits, "n_bits", "make_parity")
    if m is None:
        if n_bits > MAX_PARITY_BITS:
            raise ValueError(message("make_parity", f"all 2^{n_bits} patterns is too many columns",
                                     "pass m to sample that many patterns"))
        j = np.arange(2**n_bits)
        shifts = np.arange(n_bits - 1, -1, -1).reshape(-1, 1)  # row 0 = most significant bit
        bits = (j >> shifts) & 1  # (n, 2^n)
    else:
        m = check_count(m, "m", "make_parity")
        bits = np.random.default_rng(seed).integers(0, 2, size=(n_bits, m))
    X = bits.astype(np.float64)
    Y = (bits.sum(axis=0, keepdims=True) % 2).astype(np.float64)
    return X, Y
