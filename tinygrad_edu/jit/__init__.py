"""Record once, replay fast: ``@tinygrad_edu.jit`` turns a training step into a flat numpy program.

    @jit
    def step(X, Y):
        opt.zero_grad()
        J = nn.binary_cross_entropy(net(X), Y)
        J.backward()
        opt.step()
        return J

    for i in range(1000):
        J = step(X, Y)           # call 1 eager, call 2 records, then the replay
    print(step.source())         # the replay as numpy, with the lecture's names

What is replayed: the numpy operations the step made on its Tensors (the forward pass, the
backward pass, the optimizer's update), bit for bit as eager makes them. What is not: anything
else the function does (printing, appending to a list, a NumPy computation on arrays that are not
the step's Tensors): it runs at the first two calls only. A value read from the step's tensors
inside the function (``J.item()``, ``float(J)``, an ``if`` on data) is refused when recording,
since it would be frozen; return what you need and read it outside. Results are new Tensors
holding copies of the values (no graph). ``.grad`` arrays are refilled in place each call.

* :mod:`.trace`: recording the numpy calls; :mod:`.program`: the replay and its source;
  :mod:`.jit`: the decorator, its cache of argument signatures, and the rules above.
"""

from .jit import JitError, Jitted, jit

__all__ = ["jit", "Jitted", "JitError"]
