"""Drawing what the engine recorded, the way the lecture draws it (optional: needs ``graphviz``).

    >>> from tinygrad_edu.viz import draw_graph, render
    >>> g = draw_graph(J)                 # a graphviz.Digraph; shows itself inline in Jupyter
    >>> render(g, "graph.svg")            # svg / png / pdf / dot, from the suffix

What is drawn (``draw_graph``)
------------------------------
Forward, left to right: one box per tensor, labelled with its name and shape (the input named
``A[0]`` or ``X`` reads ``X = A[0]``), and one ellipse per operation (``matmul``, ``add``,
``relu``, ...). An unnamed intermediate result (such as the ``W[1] A[0]`` inside
``Z[1] = W[1] A[0] + b[1]``) is labelled by its formula; ``fold_unnamed=True`` draws it inside the
ellipse of the op that made it instead (its shape shown there), for smaller pictures.

Backward, drawn in red with the arrows pointing right to left as in the lecture: one box per
gradient, named after the tensor (``dW[1]``, ``dZ[1]``; ``d(W[1] A[0])`` for an unnamed result) and
one red ellipse per backward step (``add backward``...). Autograd's gradients are dJ/d(tensor):
``dW[l]`` and ``db[l]`` are the lecture's exactly, ``dZ[l]`` and ``dA[l]`` are the lecture's
divided by m (the 1/m lives in J). Before ``backward()`` the gradient boxes say "not computed yet".

Legend (colours of the boxes)
-----------------------------
=================  ===========  ==========================================================
kind               fill         which tensors
=================  ===========  ==========================================================
parameter          light blue   leaves that require grad: W[l], b[l]
input              light green  leaves that need no gradient: X = A[0], Y
constant           white        0-d leaves made from Python numbers; the box shows the value
intermediate       light yellow named results of operations: Z[l], A[l]
output             orange       the tensors passed to draw_graph, e.g. the cost J
operation          light grey   ellipses: one per recorded operation
gradient           light red    dJ/d(tensor) boxes, red text and border
no gradient        grey dashed  a tensor that requires grad but receives none (A[L] under the
                                fused cost: dZ[L] = A[L] - Y goes straight to Z[L])
=================  ===========  ==========================================================

Edges: black = forward data flow, red = gradient flow (backward), grey dashed = cache, i.e. a
value the forward step saved for its backward step (``show_cache=True``).

Layers
------
Each tensor belongs to a *group*, drawn as a cluster "layer l" (``group_layers=True``):

1. A name containing ``[l]`` (``W[2]``, ``b[2]``, ``Z[2]``, ``A[2]``, ``A[0]``) puts the tensor in
   layer l; the name ``X`` puts it in layer 0. The output of ``cross_entropy``, and tensors named
   ``J`` or ``Y``, belong to the group "cost".
2. Every other tensor (unnamed, or a name without ``[l]``) joins the group of the *nearest
   consumer* that has one (breadth first through the tensors computed from it, so the unnamed
   ``W[1] A[0]`` joins ``Z[1]`` in layer 1 and the constant ``1`` in ``1 - A[2]`` joins whatever
   uses it); if no consumer has a group, the group of the nearest producer (breadth first through
   its inputs). Ties go to the tensor earlier in topological order.

Large graphs
------------
``max_nodes`` bounds the number of nodes drawn. When the full picture is larger, a graph with
layers is collapsed into the building-block picture of lecture 4.6 (one forward box and one
backward box per layer); what is still too large is cut at a depth (counted in operations from
the outputs) and the rest is summarised by one "... N more tensors" node. ``depth=`` cuts
explicitly. All traversals are iterative (no recursion), node ids are positions in
:func:`tinygrad_edu.topological_order` (never ``id()``), so the same computation always gives
the same DOT text.

Modules
-------
``analysis`` (what a picture needs to know about a graph: kinds, labels, layers, which edges carry
a gradient -- from the engine's :func:`~tinygrad_edu.graph.backward_order` -- and each op's
declared cache), ``detail`` (the detailed picture), ``blocks`` (the building blocks of 4.6),
``drawing`` (``draw_graph``: detailed, cut or collapsed), ``network`` (the network of 4.1),
``steps`` (the backward pass frame by frame), ``style`` (colours, fonts, escaping) and ``render``
(writing files).
"""

from .blocks import draw_building_blocks
from .drawing import draw_graph
from .network import draw_network
from .render import GraphvizNotFoundError, render
from .steps import render_backward_steps
from .style import COLOURS

__all__ = [
    "draw_graph",
    "draw_network",
    "draw_building_blocks",
    "render",
    "render_backward_steps",
    "GraphvizNotFoundError",
    "COLOURS",
]
