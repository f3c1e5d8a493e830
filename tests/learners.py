"""Learners' code for the tests of the runner and of grading: the course's backward written out
as a learner writes it, so that each test can break one line of it (the linear step is written
once, here)."""

LINEAR_BACKWARD = '''
import numpy as np

def linear_backward(dZ, cache):
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = np.dot(dZ, A_prev.T) / m
    db = np.sum(dZ, axis=1, keepdims=True) / m
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db
'''

#: the whole backward in one loop over l = L, ..., 1
LOOP = LINEAR_BACKWARD + '''
def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    dA = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    for l in reversed(range(1, L + 1)):
        linear_cache, Z = caches[l - 1]
        if l == L:
            s = 1 / (1 + np.exp(-Z))
            dZ = dA * s * (1 - s)
        else:
            dZ = dA * (Z > 0)
        dA, grads["dW" + str(l)], grads["db" + str(l)] = linear_backward(dZ, linear_cache)
        grads["dA" + str(l - 1)] = dA
    return grads
'''

#: as the course's notebook structures it: a step per layer, layer L first, then the relu layers
STEPS = LINEAR_BACKWARD + '''
def backward_step(dA, cache, activation):
    linear_cache, Z = cache
    if activation == "relu":
        dZ = dA * (Z > 0)
    else:
        s = 1 / (1 + np.exp(-Z))
        dZ = dA * s * (1 - s)
    return linear_backward(dZ, linear_cache)

def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    dAL = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    grads["dA" + str(L - 1)], grads["dW" + str(L)], grads["db" + str(L)] = backward_step(dAL, caches[L - 1], "sigmoid")
    for l in reversed(range(L - 1)):
        dA, dW, db = backward_step(grads["dA" + str(l + 1)], caches[l], "relu")
        grads["dA" + str(l)], grads["dW" + str(l + 1)], grads["db" + str(l + 1)] = dA, dW, db
    return grads
'''


def changed(code: str, *pairs: tuple[str, str], extra: str = "") -> str:
    """``code`` with each (old, new) of ``pairs`` replaced once (each old must be there), plus ``extra``."""
    for old, new in pairs:
        assert old in code, old
        code = code.replace(old, new, 1)
    return code + extra
