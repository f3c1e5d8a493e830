"""Autograd vs manual: a learner's buggy backward pass, diagnosed by the comparison tool.

A learner wrote the course's backward pass by hand (lecture 4.2, the course's assignment
"Building your deep neural network: step by step"), with the course's cache layout
caches[l-1] = ((A[l-1], W[l], b[l]), Z[l]):

    dZ[l]   = dA[l] * g[l]'(Z[l])
    dW[l]   = (1/m) dZ[l] A[l-1]^T
    db[l]   = (1/m) np.sum(dZ[l], axis=1, keepdims=True)
    dA[l-1] = W[l]^T dZ[l]

and made one of the classic mistakes (``--bug``):

* ``db_without_1/m`` (default): ``db = np.sum(dZ, axis=1, keepdims=True)``, the 1/m forgotten;
* ``db_axis``: ``db = (1/m) np.sum(dZ, axis=0, keepdims=True)``, summed over the units instead of
  the examples;
* ``swapped_activations``: relu's derivative used for the sigmoid output and sigmoid's for the
  relu hidden layers.

:func:`tinygrad_edu.check.compare_gradients` runs autograd on the same parameters and data, and
compares dZ[l], dA[l-1], dW[l], db[l] layer by layer: it names the first layer that disagrees
and the mistake, with the equation it should have been. The same from the command line:

    tinygrad-edu compare --backward examples/buggy_backward.py:model_backward

Run:  python examples/buggy_backward.py [--bug NAME] [--quick]     (numpy only)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

import numpy as np

from tinygrad_edu.check import compare_gradients
from tinygrad_edu.manual import initialize_parameters_deep

BUGS = ("db_without_1/m", "db_axis", "swapped_activations")


# ----------------------------------------------------------------------------- the learner's code


def relu_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    return dA * (Z > 0)  # g'(Z) = 1 where Z > 0, else 0


def sigmoid_backward(dA: np.ndarray, Z: np.ndarray) -> np.ndarray:
    s = 1 / (1 + np.exp(-Z))
    return dA * s * (1 - s)  # g'(Z) = s (1 - s)


def linear_backward(dZ: np.ndarray, linear_cache: tuple, bug: str | None) -> tuple[np.ndarray, ...]:
    A_prev, W, b = linear_cache
    m = A_prev.shape[1]
    dW = (1 / m) * np.dot(dZ, A_prev.T)
    if bug == "db_without_1/m":
        db = np.sum(dZ, axis=1, keepdims=True)  # BUG: the 1/m is missing
    elif bug == "db_axis":
        db = (1 / m) * np.sum(dZ, axis=0, keepdims=True)  # BUG: summed over the units, not the examples
    else:
        db = (1 / m) * np.sum(dZ, axis=1, keepdims=True)
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db


def learner_backward(AL: np.ndarray, Y: np.ndarray, caches: list, bug: str | None) -> dict[str, np.ndarray]:
    """The learner's L_model_backward, with the mistake ``bug`` (None: correct)."""
    grads: dict[str, np.ndarray] = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    output_grad = relu_backward if bug == "swapped_activations" else sigmoid_backward  # BUG if swapped
    hidden_grad = sigmoid_backward if bug == "swapped_activations" else relu_backward
    linear_cache, Z = caches[L - 1]
    dZ = output_grad(dAL, Z)
    grads[f"dA{L - 1}"], grads[f"dW{L}"], grads[f"db{L}"] = linear_backward(dZ, linear_cache, bug)
    for l in reversed(range(L - 1)):  # layers l+1 = L-1, ..., 1
        linear_cache, Z = caches[l]
        dZ = hidden_grad(grads[f"dA{l + 1}"], Z)
        grads[f"dA{l}"], grads[f"dW{l + 1}"], grads[f"db{l + 1}"] = linear_backward(dZ, linear_cache, bug)
    return grads


def model_backward(AL: np.ndarray, Y: np.ndarray, caches: list) -> dict[str, np.ndarray]:
    """The learner's backward with the default mistake (db without 1/m): for ``--backward``."""
    return learner_backward(AL, Y, caches, "db_without_1/m")


def model_backward_fixed(AL: np.ndarray, Y: np.ndarray, caches: list) -> dict[str, np.ndarray]:
    """The learner's backward, corrected."""
    return learner_backward(AL, Y, caches, None)


# ----------------------------------------------------------------------------- the diagnosis


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bug", default=BUGS[0], choices=BUGS, help="the learner's mistake")
    p.add_argument("--quick", action="store_true", help="accepted for uniformity; this example is always quick")
    args = p.parse_args(argv)

    layer_dims = [3, 5, 5, 3, 1]  # the network of lecture 4.1
    params = initialize_parameters_deep(layer_dims, seed=1, init="he")
    rng = np.random.RandomState(0)
    X = rng.randn(3, 8)  # (n[0], m) = (3, 8)
    Y = (rng.rand(1, 8) > 0.5).astype(float)  # (1, m)

    def buggy(AL: np.ndarray, Y: np.ndarray, caches: list) -> dict[str, np.ndarray]:
        return learner_backward(AL, Y, caches, args.bug)

    print(f"The learner's backward with the mistake {args.bug!r}:\n")
    report = compare_gradients(params, X, Y, backward=buggy)
    print(report)
    print("\nThe corrected backward:\n")
    fixed = compare_gradients(params, X, Y, backward=model_backward_fixed)
    print("All gradients agree." if fixed.ok else fixed)
    return {"report": report, "fixed": fixed, "params": params, "X": X, "Y": Y}


if __name__ == "__main__":
    main(sys.argv[1:])
