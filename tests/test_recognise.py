"""tinygrad_edu.recognise: the lecture read back from any recorded graph (layers, X, W[l], b[l],
Z[l], A[l], Y, J, the cost), whether the learner named the tensors or not."""

import re

import numpy as np

from tinygrad_edu import Tensor
from tinygrad_edu.nn import DeepNetwork, binary_cross_entropy
from tinygrad_edu.recognise import recognise


def readme_network(named=False, fused=False):
    """The README's two-layer network, written by hand (names only if asked)."""
    rng = np.random.RandomState(1)
    m = 10
    n = (lambda s: s) if named else (lambda s: None)
    X = Tensor(rng.randn(3, m), name=n("A[0]"))
    Y = (rng.rand(1, m) > 0.5).astype(float)
    W1 = Tensor(rng.randn(4, 3) * 0.01, requires_grad=True, name=n("W[1]"))
    b1 = Tensor(np.zeros((4, 1)), requires_grad=True, name=n("b[1]"))
    W2 = Tensor(rng.randn(1, 4) * 0.01, requires_grad=True, name=n("W[2]"))
    b2 = Tensor(np.zeros((1, 1)), requires_grad=True, name=n("b[2]"))
    Z1 = W1 @ X + b1
    A1 = Z1.relu()
    Z2 = W2 @ A1 + b2
    A2 = Z2.sigmoid()
    if fused:
        J = binary_cross_entropy(A2, Y)
    else:
        J = -(Y * A2.log() + (1 - Y) * (1 - A2).log()).sum() / m
    return dict(X=X, W1=W1, b1=b1, W2=W2, b2=b2, Z1=Z1, A1=A1, Z2=Z2, A2=A2, J=J)


def names(a, t):
    return a.name[a.index(t)]


def test_the_readme_network_unnamed_is_read_as_the_lecture_names_it():
    net = readme_network()
    a = recognise(net["J"])
    assert a.L == 2
    expect = {"W1": "W[1]", "b1": "b[1]", "W2": "W[2]", "b2": "b[2]", "Z1": "Z[1]", "A1": "A[1]", "Z2": "Z[2]",
              "A2": "A[2]", "J": "J", "X": "A[0]"}
    assert {k: names(a, net[k]) for k in expect} == expect
    assert a.role[a.index(net["X"])] == "X" and a.group[a.index(net["X"])] == 0
    for l, key in ((1, "Z1"), (1, "A1"), (1, "W1"), (2, "Z2"), (2, "A2"), (2, "b2")):
        assert a.group[a.index(net[key])] == l
    # the matmul that consumes W[l] belongs to layer l, not to the layer before
    wa1 = a.layers[0].WA
    assert a.group[wa1] == 1 and a.name[wa1] == "W[1] A[0]" and a.order[wa1].op == "matmul"
    # the cost: Y, 1 - Y and every op after A[2], in its own group
    cost = [i for i in range(len(a.order)) if a.group[i] == "cost"]
    assert {a.order[i].op for i in cost} >= {"log", "mul", "sub", "add", "sum", "neg", "div", None}
    assert "Y" in [a.name[i] for i in cost] and "1 - Y" in [a.name[i] for i in cost]
    labels = [a.name[i] for i in cost]
    assert "log(A[2])" in labels and "1 - A[2]" in labels and "log(1 - A[2])" in labels
    assert "(1 - Y) * log(1 - A[2])" in labels
    # no label is an op name in parentheses, nor "S = S"
    assert not any("(add)" in s or "(mul)" in s or "(matmul)" in s for s in a.name)


def test_explicit_names_always_win():
    net = readme_network()
    net["Z1"].named("pre-activation")
    a = recognise(net["J"])
    assert names(a, net["Z1"]) == "pre-activation" and a.role[a.index(net["Z1"])] == "Z"
    assert names(a, net["A1"]) == "A[1]"


def test_fused_cost_and_named_network_agree_with_the_unnamed_one():
    for named in (False, True):
        net = readme_network(named=named, fused=True)
        a = recognise(net["J"])
        assert [lay.l for lay in a.layers] == [1, 2]
        assert a.role[a.index(net["J"])] == "J" and a.group[a.index(net["J"])] == "cost"
        assert a.layers[1].activation == "sigmoid" and a.layers[0].activation == "relu"
        assert names(a, net["Z2"]) == "Z[2]"


def test_a_three_layer_tanh_network_as_tensor_expressions():
    rng = np.random.RandomState(0)
    dims = [4, 5, 3, 1]
    A = X = Tensor(rng.randn(4, 6))
    Ws, Zs, As = [], [], []
    for l in range(1, 4):
        W = Tensor(rng.randn(dims[l], dims[l - 1]), requires_grad=True)
        b = Tensor(np.zeros((dims[l], 1)), requires_grad=True)
        Z = W @ A + b
        A = Z.tanh() if l < 3 else Z.sigmoid()
        Ws.append(W), Zs.append(Z), As.append(A)
    J = binary_cross_entropy(A, (rng.rand(1, 6) > 0.5).astype(float))
    a = recognise(J)
    assert a.L == 3 and [lay.activation for lay in a.layers] == ["tanh", "tanh", "sigmoid"]
    assert [names(a, Z) for Z in Zs] == ["Z[1]", "Z[2]", "Z[3]"]
    assert [names(a, A) for A in As] == ["A[1]", "A[2]", "A[3]"]
    assert [names(a, W) for W in Ws] == ["W[1]", "W[2]", "W[3]"]
    assert names(a, X) == "A[0]" and names(a, J) == "J"


def test_deep_network_from_nn_is_recognised_with_its_own_names():
    net = DeepNetwork([3, 5, 5, 3, 1], seed=1)
    X = np.random.RandomState(0).randn(3, 7)
    J = binary_cross_entropy(net(X), np.ones((1, 7)))
    a = recognise(J)
    assert a.L == 4
    for l, layer in enumerate(a.layers, 1):
        assert a.name[layer.Z] == f"Z[{l}]" and a.name[layer.A] == f"A[{l}]" and a.name[layer.W] == f"W[{l}]"
        assert a.group[layer.Z] == l
    assert a.role[a.index(J)] == "J"


def test_a_linear_layer_without_bias_and_a_single_layer_drawn_alone():
    W = Tensor(np.ones((2, 3)), requires_grad=True)
    X = Tensor(np.ones((3, 4)))
    a = recognise((W @ X).sum())
    assert a.L == 1 and a.layers[0].Z == a.layers[0].WA and a.layers[0].activation is None
    # a learner who draws layer 2 alone, named W[2], with A[1] as a leaf: the numbering follows the names
    W2 = Tensor(np.ones((3, 5)), requires_grad=True, name="W[2]")
    A1 = Tensor(np.ones((5, 4)), requires_grad=True, name="A[1]")
    b2 = Tensor(np.zeros((3, 1)), requires_grad=True, name="b[2]")
    Z2 = W2 @ A1 + b2
    a = recognise(Z2.relu().sum())
    assert [lay.l for lay in a.layers] == [2] and a.name[a.layers[0].Z] == "Z[2]"
    assert a.group[a.index(A1)] == 1 and a.group[a.index(W2)] == 2


def test_a_graph_that_is_not_a_network_gets_formulas_from_its_inputs_names():
    x = Tensor([1.0, 2.0], requires_grad=True, name="x")
    y = Tensor([3.0, 4.0], requires_grad=True, name="y")
    J = (x * y + x.exp()).sum()
    a = recognise(J)
    assert a.L == 0 and set(a.group) == {None}
    assert sorted(a.name) == sorted(["x", "y", "x * y", "exp(x)", "x * y + exp(x)", "sum(x * y + exp(x))"])
    # numbers in ops read as the lecture writes them
    assert recognise(1 - x).name[-1] == "1 - x" and recognise(x / 4).name[-1] == "x / 4"
    long = (x * y + x.exp() * y.exp() + x.tanh()).sum()
    assert all(len(s) <= 40 for s in recognise(long).name)


def test_long_formulas_are_cut_short_keeping_names_and_the_labels_name():
    """A hand-written 20-layer network's cost: each shortened label keeps at least one name
    (it was "… + …", "sum(… + …)"); 1 - Y follows the name the labels were given."""
    rs = np.random.RandomState(0)
    A = Tensor(rs.randn(3, 4))
    for l in range(20):
        n = 3 if l < 19 else 1
        Z = Tensor(rs.randn(n, 3) * 0.5, requires_grad=True) @ A + Tensor(np.zeros((n, 1)), requires_grad=True)
        A = Z.relu() if l < 19 else Z.sigmoid()
    Y = Tensor((rs.rand(1, 4) > 0.5) * 1.0, name="labels")
    J = -(Y * A.log() + (1 - Y) * (1 - A).log()).sum() / 4
    J.backward()
    names = recognise(J).name
    short = [n for n in names if "…" in n]
    assert short and all(re.search(r"labels|A\[\d+\]", n) for n in short), short
    assert all(len(n) <= 48 for n in names)
    assert "1 - labels" in names and "(1 - labels) * log(1 - A[20])" in names
    assert "-(sum(labels * log(A[20]) + …))" in names
